"""Find the shipped course material and copy it into a student's folder without losing their edits.

``init_course`` keeps a manifest of the hash of every file as it was copied, so a re-run can tell
a file the student edited (kept) from one they did not touch (safe to update to a newer version).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = ".matcalc-edu-manifest.json"
COURSE_DIRS = ("notebooks", "exercises")
COPIED_SUFFIXES = frozenset(
    ".ipynb .toml .md .csv .tsv .json .txt .npy .npz .png .jpg .jpeg .gif .svg".split()
)
SKIPPED_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints"})
_MANIFEST_SCHEMA = 1
_PACKAGE_DIR = Path(__file__).resolve().parent


class CourseFilesError(Exception):
    """A plain-language problem finding or copying the course files, safe to show a student."""


@dataclass
class InitReport:
    """What ``init_course`` did with each file (paths relative to ``dest``), for the student."""

    dest: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_unchanged: list[str] = field(default_factory=list)
    skipped_edited: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A short plain-language account of the run, naming every file that was kept as edited."""
        lines = [
            f"Course folder: {self.dest}",
            f"  {len(self.copied)} copied, {len(self.updated)} updated to the newer version, "
            f"{len(self.kept_unchanged)} already up to date, "
            f"{len(self.skipped_edited)} kept because you changed them.",
        ]
        if self.skipped_edited:
            lines.append("  Kept your edited version of:")
            lines += [f"    {name}" for name in self.skipped_edited]
        lines += [f"  Note: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def course_root() -> Path:
    """The folder holding ``notebooks/`` and ``exercises/``: installed copy, else the checkout."""
    installed = _PACKAGE_DIR / "_course"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent
    if any((checkout / name).is_dir() for name in COURSE_DIRS):
        return checkout
    raise CourseFilesError(
        "The course files were not found next to the matcalc_edu package; "
        "reinstall it with 'pip install matcalc-edu'."
    )


def notebook_files() -> list[Path]:
    """Every shipped notebook, sorted, so callers can list or test the course."""
    return sorted(p for p in _shipped_files(course_root()) if p.suffix == ".ipynb")


def exercise_dir() -> Path:
    """The shipped exercise folder, where the exercise bank reads its TOML files."""
    return course_root() / "exercises"


def init_course(dest: Path) -> InitReport:
    """Copy the course into ``dest``: add new material, never overwrite a student's edits."""
    dest = Path(dest).expanduser()
    source = course_root()
    report = InitReport(dest=dest)
    _make_folder(dest)
    manifest = _read_manifest(dest / MANIFEST_NAME, report)
    for src in _shipped_files(source):
        rel = src.relative_to(source).as_posix()
        _sync_file(src, dest / rel, rel, manifest, report)
    _write_manifest(dest / MANIFEST_NAME, manifest)
    return report


def _shipped_files(source: Path) -> list[Path]:
    """The files of ``source``'s course folders worth copying: course material, no caches."""
    found: list[Path] = []
    for name in COURSE_DIRS:
        top = source / name
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not _is_skipped_dir(d))
            found += [Path(dirpath, f) for f in sorted(filenames) if _is_course_file(f)]
    return found


def _is_skipped_dir(name: str) -> bool:
    """Whether a folder holds caches or hidden state rather than course material."""
    return name in SKIPPED_DIRS or name.startswith(".")


def _is_course_file(name: str) -> bool:
    """Whether a file name is course material (notebooks, exercise TOML, text and data)."""
    return not name.startswith(".") and Path(name).suffix.lower() in COPIED_SUFFIXES


def _sync_file(
    src: Path, target: Path, rel: str, manifest: dict[str, str], report: InitReport
) -> None:
    """Bring one file up to date in the student's folder, recording what happened."""
    shipped = _sha256(src)
    if not target.exists():
        _copy(src, target)
        manifest[rel] = shipped
        report.copied.append(rel)
        return
    current = _sha256(target)
    if current == shipped:
        manifest[rel] = shipped
        report.kept_unchanged.append(rel)
    elif manifest.get(rel) == current:
        _copy(src, target)
        manifest[rel] = shipped
        report.updated.append(rel)
    else:
        report.skipped_edited.append(rel)


def _sha256(path: Path) -> str:
    """The hex sha256 of a file, read in chunks so large data files are fine."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise CourseFilesError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def _copy(src: Path, target: Path) -> None:
    """Copy ``src`` over ``target`` atomically and leave it writable by the student."""
    tmp = target.with_name(f".{target.name}.matcalc-edu-tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(src.read_bytes())
        tmp.chmod(tmp.stat().st_mode | stat.S_IRUSR | stat.S_IWUSR)
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise CourseFilesError(f"Could not write {target}: {exc.strerror or exc}.") from exc


def _discard(path: Path) -> None:
    """Remove a leftover temporary file, ignoring failure (it is only clutter)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _make_folder(dest: Path) -> None:
    """Create the student's course folder, explaining plainly when that is impossible."""
    if dest.exists() and not dest.is_dir():
        raise CourseFilesError(f"{dest} exists and is not a folder; choose another place.")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise CourseFilesError(f"Could not create the folder {dest}: {reason}.") from exc


def _read_manifest(path: Path, report: InitReport) -> dict[str, str]:
    """The recorded hashes of files as copied; a missing or damaged manifest counts as empty."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise TypeError("bad entry")
        return dict(files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        report.warnings.append(
            f"{MANIFEST_NAME} was unreadable; files that differ from the course were kept as yours."
        )
        return {}


def _write_manifest(path: Path, files: dict[str, str]) -> None:
    """Save the hashes atomically so an interrupted run never leaves a half-written manifest."""
    from ._version import __version__

    data = {
        "schema": _MANIFEST_SCHEMA,
        "package_version": __version__,
        "files": dict(sorted(files.items())),
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CourseFilesError(f"Could not write {path}: {exc.strerror or exc}.") from exc
