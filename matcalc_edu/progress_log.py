"""The attempt log: one JSON object per line, appended atomically, read back tolerantly.

Several kernels may write at once and any of them may be killed mid-write, so each append takes
an exclusive lock and writes one whole line, and reading skips (and reports) damaged lines.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
LOG_ENV = "MATCALC_EDU_PROGRESS"
STUDENT_ENV = "MATCALC_EDU_STUDENT"
MAX_LINE_BYTES = 1 << 20
CALLER_FIELDS = ("exercise", "variant", "answer", "correct", "diagnosis", "message")


class ProgressLogError(Exception):
    """The attempt could not be saved; the message is plain and safe to show a student."""


@dataclass(frozen=True)
class ChapterProgress:
    """How many of a chapter's exercises were solved and attempted, out of ``total``."""

    chapter: str
    solved: int
    attempted: int
    total: int


def log_path() -> Path:
    """Where attempts are logged: ``$MATCALC_EDU_PROGRESS``, else the per-user data folder.

    The variable may use ``~`` and other variables, e.g. ``/srv/exchange/$JUPYTERHUB_USER.jsonl``.
    """
    override = os.environ.get(LOG_ENV, "").strip()
    if override:
        return Path(os.path.expandvars(override)).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("matcalc-edu", appauthor=False)) / "progress.jsonl"


def student_id() -> str:
    """Who is working: ``$MATCALC_EDU_STUDENT``, else ``$JUPYTERHUB_USER``, else the OS user."""
    for name in (STUDENT_ENV, "JUPYTERHUB_USER"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        return getpass.getuser()
    except Exception:  # getuser raises OSError/KeyError/ImportError depending on the platform
        return "unknown"


def append_attempt(record: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """Append one attempt as a single locked, fsynced line; return the record as stored."""
    target = Path(path) if path is not None else log_path()
    line = _encode(_complete(record))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _locked_append(target, line)
    except OSError as exc:
        raise ProgressLogError(
            f"Your answer was checked, but it could not be saved to {target}: "
            f"{exc.strerror or exc}."
        ) from exc
    return json.loads(line)


def read_attempts(path: Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """All intact records and a warning per skipped line; never raises for damaged content."""
    source = Path(path) if path is not None else log_path()
    records: list[dict[str, Any]] = []
    warnings: list[str] = []
    try:
        with open(source, "rb") as handle:
            for number, raw in _numbered_lines(handle):
                _parse_line(number, raw, records, warnings)
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        warnings.append(f"Could not read the progress log {source}: {exc.strerror or exc}.")
    return records, warnings


def summary(
    records: Iterable[dict[str, Any]], chapters: dict[str, list[str]]
) -> list[ChapterProgress]:
    """Per chapter, how many exercises were solved (any correct attempt) and attempted."""
    attempted: set[str] = set()
    solved: set[str] = set()
    for record in records:
        exercise = record.get("exercise")
        if isinstance(exercise, str):
            attempted.add(exercise)
            if record.get("correct") is True:
                solved.add(exercise)
    return [
        ChapterProgress(
            chapter=chapter,
            solved=len(solved.intersection(ids)),
            attempted=len(attempted.intersection(ids)),
            total=len(set(ids)),
        )
        for chapter, ids in chapters.items()
    ]


def chapters_by_prefix(exercise_ids: Iterable[str]) -> dict[str, list[str]]:
    """Group exercise ids by the part before the first '.' or '-' (``ch02.bc`` -> ``ch02``)."""
    groups: dict[str, list[str]] = {}
    for exercise in sorted(set(exercise_ids)):
        cut = min((i for i in (exercise.find("."), exercise.find("-")) if i > 0), default=None)
        groups.setdefault(exercise[:cut], []).append(exercise)
    return groups


def _complete(record: dict[str, Any]) -> dict[str, Any]:
    """The caller's fields plus time, student, package version and schema version."""
    if not isinstance(record, dict):
        raise ProgressLogError("An attempt must be a dict of fields; nothing was saved.")
    from ._version import __version__

    full = dict(record)
    full.update(
        time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        version=__version__,
        v=SCHEMA_VERSION,
    )
    if not isinstance(full.get("student"), str) or not full["student"]:
        full["student"] = student_id()  # a caller-given student (check --student) wins
    return full


def _encode(full: dict[str, Any]) -> bytes:
    """One ASCII JSON line (odd values like sympy objects are stored as their text)."""
    try:
        text = json.dumps(full, ensure_ascii=True, default=str, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ProgressLogError(f"This attempt could not be stored as JSON ({exc}).") from exc
    return (text + "\n").encode("ascii")


def _locked_append(target: Path, data: bytes) -> None:
    """Append ``data`` under an exclusive lock, first ending any line a killed writer left open."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags, 0o644)
    try:
        _lock(fd)
        try:
            if not _ends_with_newline(fd):
                data = b"\n" + data
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _ends_with_newline(fd: int) -> bool:
    """Whether the file is empty or its last byte is a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return True
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) == b"\n"


def _write_all(fd: int, data: bytes) -> None:
    """Write the whole line in one ``os.write``, finishing a short write should one happen."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        """Lock the first byte of the file, retrying until the other writer is done."""
        while True:
            os.lseek(fd, 0, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _unlock(fd: int) -> None:
        """Release the lock taken by ``_lock``."""
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        """Take an exclusive lock on the whole file (released by the OS if we are killed)."""
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        """Release the lock taken by ``_lock``."""
        fcntl.flock(fd, fcntl.LOCK_UN)


def _numbered_lines(handle: Any) -> Iterator[tuple[int, bytes | None]]:
    """Stream (1-based number, bytes) pairs; an over-long line comes back as ``None``."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(MAX_LINE_BYTES)
            yield number, None
        else:
            yield number, raw


def _parse_line(
    number: int, raw: bytes | None, records: list[dict[str, Any]], warnings: list[str]
) -> None:
    """Append the line's record to ``records``, or a warning naming the line to ``warnings``."""
    problem, record = _decode(raw)
    if record is not None:
        records.append(record)
    elif problem:
        warnings.append(f"line {number}: {problem}; skipped")


def _decode(raw: bytes | None) -> tuple[str, dict[str, Any] | None]:
    """The record on one line, or why there is none ('' for a blank line)."""
    if raw is None:
        return f"longer than {MAX_LINE_BYTES} bytes", None
    if b"\x00" in raw:
        return "contains NUL bytes (damaged write)", None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8", None
    if not text.strip():
        return "", None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return "not valid JSON (probably an interrupted write)", None
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an attempt record", None
    return "", value
