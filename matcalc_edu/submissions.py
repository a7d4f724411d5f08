"""Find the progress logs in what students hand in (files, folders, zips) and read them warily.

Nothing here trusts a submission: sizes are capped before reading, zip members are read in memory
(never extracted, so their names can't point anywhere), and every line and field is checked.
Each problem becomes a short message for the gradebook's ``errors`` column; nothing raises.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MAX_LOG_BYTES = 20 * 1024 * 1024  # one progress log (a file or one zip member)
MAX_ZIP_ENTRIES = 20_000  # entries of one zip archive
MAX_ZIP_BYTES = 1024 * 1024 * 1024  # declared unpacked size of the logs in one zip
MAX_LINE_BYTES = 1 << 20  # the progress log's own line limit
MAX_ATTEMPTS = 5_000  # attempts graded per student and exercise
MAX_STUDENTS = 5_000  # students graded from one log (a whole class's shared log fits)
MAX_ID_CHARS = 200  # student and exercise ids
LOG_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class LogRef:
    """Where one progress log is: a file on disk, or a member of a zip archive."""

    path: str
    member: str | None = None

    @property
    def label(self) -> str:
        """How the log is named in the gradebook (``archive.zip:folder/progress.jsonl``)."""
        text = self.path if self.member is None else f"{self.path}:{self.member}"
        return printable(text, 300)


@dataclass(frozen=True)
class Attempt:
    """One recorded attempt, checked for types; ``variant`` is the key the log claims."""

    line: int
    student: str
    exercise: str
    answer: str
    variant: str | None


@dataclass
class ParsedLog:
    """The attempts of one log, grouped by student, and what was wrong with the rest."""

    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def find_logs(paths: list[str]) -> tuple[list[LogRef], list[tuple[str, str]]]:
    """Every log in the given files, folders and zips, and ``(label, error)`` for the rest."""
    refs: list[LogRef] = []
    errors: list[tuple[str, str]] = []
    for raw in paths:
        _find_in_path(str(raw), refs, errors, top=True)
    return refs, errors


def _find_in_path(path: str, refs: list, errors: list, top: bool) -> None:
    """Add the logs of one command-line path (or of one entry found inside a folder)."""
    try:
        info = os.stat(path) if top else os.lstat(path)
    except OSError as exc:
        errors.append((printable(path, 300), f"cannot be read ({_short(exc)})"))
        return
    label = printable(path, 300)
    if stat.S_ISLNK(info.st_mode):
        errors.append((label, "is a symbolic link inside a folder; not followed"))
    elif stat.S_ISDIR(info.st_mode) and top:
        _find_in_folder(path, refs, errors)
    elif not stat.S_ISREG(info.st_mode):
        errors.append((label, "is not a regular file"))
    elif _looks_like_zip(path):
        _find_in_zip(path, refs, errors)
    else:
        refs.append(LogRef(path))


def _find_in_folder(folder: str, refs: list, errors: list) -> None:
    """The ``*.jsonl`` logs and ``*.zip`` archives anywhere under a folder (hidden ones skipped)."""
    before = len(refs) + len(errors)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for name in sorted(filenames):
            if not _hidden(name) and name.lower().endswith((LOG_SUFFIX, ".zip")):
                _find_in_path(os.path.join(dirpath, name), refs, errors, top=False)
    if len(refs) + len(errors) == before:
        errors.append((printable(folder, 300), f"holds no progress log (no *{LOG_SUFFIX} file)"))


def _hidden(name: str) -> bool:
    """Hidden files and folders, caches and macOS zip metadata (``__MACOSX``, ``._x.jsonl``)."""
    return name.startswith(".") or name in ("__MACOSX", "__pycache__")


def _looks_like_zip(path: str) -> bool:
    """Whether a file is (or claims by its name to be) a zip archive."""
    if path.lower().endswith(".zip"):
        return True
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _find_in_zip(path: str, refs: list, errors: list) -> None:
    """The ``*.jsonl`` members of a zip, refusing unsafe names, bombs and oversized archives."""
    label = printable(path, 300)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        errors.append((label, f"is not a readable zip archive ({_short(exc)})"))
        return
    if len(entries) > MAX_ZIP_ENTRIES:
        errors.append((label, f"has {len(entries):,} entries, more than the {MAX_ZIP_ENTRIES:,} "
                             "limit; not graded"))
        return
    logs = [e for e in entries if _is_log_member(e)]
    declared = sum(e.file_size for e in logs)
    if declared > MAX_ZIP_BYTES:
        errors.append((label, f"would unpack to {declared / 2**30:,.1f} GB of logs, more than the "
                             f"{MAX_ZIP_BYTES / 2**30:g} GB limit; not graded"))
        return
    for entry in logs:
        problem = _unsafe_member_name(entry.filename)
        if problem:
            errors.append((f"{label}:{printable(entry.filename)}", problem))
        else:
            refs.append(LogRef(path, entry.filename))
    if not logs:
        errors.append((label, f"holds no progress log (no *{LOG_SUFFIX} file)"))


def _is_log_member(entry: zipfile.ZipInfo) -> bool:
    """A ``*.jsonl`` file entry that is not hidden or macOS metadata."""
    parts = PurePosixPath(entry.filename.replace("\\", "/")).parts
    return (not entry.is_dir() and entry.filename.lower().endswith(LOG_SUFFIX)
            and not any(_hidden(p) for p in parts if p not in (".", "..")))


def _unsafe_member_name(name: str) -> str:
    """Why a zip member's name is refused ('' if it is fine): absolute, '..', drive, control."""
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return "unsafe file name in the zip (an absolute path); not read"
    if ".." in text.split("/"):
        return "unsafe file name in the zip (it climbs out with '..'); not read"
    if not name.isprintable():
        return "unsafe file name in the zip (control characters); not read"
    return ""


def read_log(ref: LogRef) -> ParsedLog:
    """The attempts of one log, grouped by student; problems are listed, never raised."""
    data, error = _read_bytes(ref)
    if error:
        return ParsedLog(problems=[error])
    return parse_log(data)


def _read_bytes(ref: LogRef) -> tuple[bytes, str]:
    """The log's bytes (at most ``MAX_LOG_BYTES``), or '' and why it can't be read."""
    try:
        if ref.member is None:
            return _read_file(ref.path)
        return _read_member(ref.path, ref.member)
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, ValueError,
            NotImplementedError) as exc:
        return b"", f"cannot be read ({_short(exc)})"


def _read_file(path: str) -> tuple[bytes, str]:
    """A plain log file, refused when it is larger than the limit."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return b"", "is not a regular file"
        if info.st_size > MAX_LOG_BYTES:
            return b"", _too_big(info.st_size)
        data = handle.read(MAX_LOG_BYTES + 1)
    return (b"", _too_big(len(data))) if len(data) > MAX_LOG_BYTES else (data, "")


def _read_member(path: str, member: str) -> tuple[bytes, str]:
    """One zip member read in memory, never more than the limit whatever its header claims."""
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo(member)
        if entry.file_size > MAX_LOG_BYTES:
            return b"", _too_big(entry.file_size)
        with archive.open(entry) as handle:
            data = handle.read(MAX_LOG_BYTES + 1)
    return (b"", _too_big(len(data))) if len(data) > MAX_LOG_BYTES else (data, "")


def _too_big(size: int) -> str:
    """The error for a log over the size limit."""
    return (f"the log is {size / 2**20:,.1f} MB, larger than the {MAX_LOG_BYTES // 2**20} MB "
            "limit; not graded")


def parse_log(data: bytes) -> ParsedLog:
    """Attempts from the bytes of a JSON-lines log, with one summary per kind of damage."""
    parsed = ParsedLog()
    damaged: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        record, problem = _decode_line(raw)
        if problem:
            damaged.append(f"line {number}: {problem}")
        elif record is not None:
            _add_attempt(parsed, number, record, damaged)
    if damaged:
        parsed.problems.append(f"{len(damaged):,} damaged line(s) skipped ({damaged[0]})")
    _cap_students(parsed)
    _cap_attempts(parsed)
    if not parsed.attempts and not parsed.problems:
        parsed.problems.append("the log holds no attempts")
    elif not parsed.attempts:
        parsed.problems.append("no readable attempt in the log")
    return parsed


def _decode_line(raw: bytes) -> tuple[dict | None, str]:
    """The JSON object on one line, or why there is none (``(None, '')`` for a blank line)."""
    if len(raw) > MAX_LINE_BYTES:
        return None, f"longer than {MAX_LINE_BYTES:,} bytes"
    if b"\x00" in raw:
        return None, "contains NUL bytes"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not valid UTF-8"
    if not text.strip():
        return None, ""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None, "not valid JSON"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not an attempt record"
    return value, ""


def _add_attempt(parsed: ParsedLog, number: int, record: dict, damaged: list[str]) -> None:
    """Check one record's fields and file it under its student."""
    student, exercise, answer = (record.get(k) for k in ("student", "exercise", "answer"))
    if not _is_id(student):
        damaged.append(f"line {number}: no valid student id")
    elif not _is_id(exercise):
        damaged.append(f"line {number}: no valid exercise id")
    elif not isinstance(answer, str):
        damaged.append(f"line {number}: the answer is not text")
    else:
        variant = record.get("variant")
        variant = variant if isinstance(variant, str) and len(variant) <= MAX_ID_CHARS else None
        attempt = Attempt(number, student.strip(), exercise.strip(), answer, variant)
        parsed.attempts.setdefault(attempt.student, []).append(attempt)


def _is_id(value: object) -> bool:
    """A usable student or exercise id: short printable text."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.isprintable()
            and bool(value.strip()))


def _cap_students(parsed: ParsedLog) -> None:
    """Keep the first ``MAX_STUDENTS`` students of a log (in order of appearance), saying so."""
    if len(parsed.attempts) > MAX_STUDENTS:
        extra = len(parsed.attempts) - MAX_STUDENTS
        parsed.attempts = dict(list(parsed.attempts.items())[:MAX_STUDENTS])
        parsed.problems.append(f"the log holds {MAX_STUDENTS + extra:,} students; only the first "
                               f"{MAX_STUDENTS:,} were graded (limit per log)")


def _cap_attempts(parsed: ParsedLog) -> None:
    """Keep the first ``MAX_ATTEMPTS`` attempts per student and exercise, saying so."""
    for student, attempts in parsed.attempts.items():
        counts = Counter(a.exercise for a in attempts)
        over = {ex: n for ex, n in counts.items() if n > MAX_ATTEMPTS}
        if not over:
            continue
        seen: Counter = Counter()
        kept = []
        for attempt in attempts:
            seen[attempt.exercise] += 1
            if seen[attempt.exercise] <= MAX_ATTEMPTS:
                kept.append(attempt)
        parsed.attempts[student] = kept
        for ex, n in sorted(over.items()):
            parsed.problems.append(
                f"{printable(student)}: {n:,} attempts at {printable(ex)}; only the first "
                f"{MAX_ATTEMPTS:,} were graded (limit per student and exercise)")


def printable(text: str, limit: int = 80) -> str:
    """Untrusted text made safe for one line of a message: no control characters, shortened."""
    clean = "".join(c if c.isprintable() else "?" for c in str(text)[: limit + 1])
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _short(exc: BaseException) -> str:
    """A short plain description of a read error."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return printable(text, 120)
