"""init_course copies the course, adds new material on re-run and never overwrites edits."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from matcalc_edu import course_files
from matcalc_edu.course_files import MANIFEST_NAME, CourseFilesError, init_course

SHIPPED = {
    "notebooks/01-intro.ipynb": '{"cells": [], "v": 1}',
    "notebooks/02-gradients.ipynb": '{"cells": [], "v": 1}',
    "notebooks/images/chain.png": "PNG",
    "exercises/ch01.toml": 'id = "ch01.a"',
    "exercises/data/points.csv": "x,y\n1,2\n",
    "exercises/README.md": "# Exercises",
}
JUNK = {
    "notebooks/.ipynb_checkpoints/01-intro-checkpoint.ipynb": "{}",
    "notebooks/__pycache__/x.cpython-311.pyc": "junk",
    "exercises/helper.py": "print('not course material')",
    "notebooks/.hidden.md": "hidden",
}


def _write(root: Path, files: dict[str, str]) -> None:
    """Create ``files`` (relative path -> text) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _read_only(root: Path) -> None:
    """Make every file under ``root`` read-only, like a system-wide install."""
    for path in root.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake shipped course with read-only files, installed as the course root."""
    root = tmp_path / "shipped"
    _write(root, {**SHIPPED, **JUNK})
    _read_only(root)
    monkeypatch.setattr(course_files, "course_root", lambda: root)
    return root


def _ship(course: Path, rel: str, text: str) -> None:
    """Replace a shipped file's content (a newer course release)."""
    path = course / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o644)
    path.write_text(text, encoding="utf-8")


def test_first_init_copies_course_material_only(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    report = init_course(dest)
    assert sorted(report.copied) == sorted(SHIPPED)
    assert not (report.updated or report.kept_unchanged or report.skipped_edited)
    for rel, text in SHIPPED.items():
        assert (dest / rel).read_text(encoding="utf-8") == text
    for rel in JUNK:
        assert not (dest / rel).exists()
    manifest = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(SHIPPED)


def test_copied_files_are_writable(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    init_course(dest)
    for rel in SHIPPED:
        assert (dest / rel).stat().st_mode & stat.S_IWUSR
        assert os.access(dest / rel, os.W_OK)


def test_rerun_without_changes_keeps_everything(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    init_course(dest)
    report = init_course(dest)
    assert sorted(report.kept_unchanged) == sorted(SHIPPED)
    assert not (report.copied or report.updated or report.skipped_edited)


def test_rerun_keeps_edits_updates_untouched_and_adds_new(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    init_course(dest)
    edited = "notebooks/01-intro.ipynb"
    (dest / edited).write_text('{"cells": ["my work"]}', encoding="utf-8")
    (dest / "exercises/README.md").unlink()
    _ship(course, edited, '{"cells": [], "v": 2}')
    _ship(course, "notebooks/02-gradients.ipynb", '{"cells": [], "v": 2}')
    _ship(course, "notebooks/03-hessians.ipynb", '{"cells": []}')

    report = init_course(dest)

    assert report.skipped_edited == [edited]
    assert (dest / edited).read_text(encoding="utf-8") == '{"cells": ["my work"]}'
    assert report.updated == ["notebooks/02-gradients.ipynb"]
    assert (dest / "notebooks/02-gradients.ipynb").read_text(encoding="utf-8").endswith("2}")
    assert sorted(report.copied) == ["exercises/README.md", "notebooks/03-hessians.ipynb"]
    assert edited in report.summary()
    assert "1 kept because you changed them" in report.summary()


def test_edited_file_stays_edited_on_later_runs(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    init_course(dest)
    (dest / "exercises/ch01.toml").write_text('id = "mine"', encoding="utf-8")
    assert init_course(dest).skipped_edited == ["exercises/ch01.toml"]
    _ship(course, "exercises/ch01.toml", 'id = "ch01.b"')
    assert init_course(dest).skipped_edited == ["exercises/ch01.toml"]
    assert (dest / "exercises/ch01.toml").read_text(encoding="utf-8") == 'id = "mine"'


def test_unknown_file_in_the_way_is_never_overwritten(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    _write(dest, {"notebooks/01-intro.ipynb": "the student's own file"})
    report = init_course(dest)
    assert report.skipped_edited == ["notebooks/01-intro.ipynb"]
    assert (dest / "notebooks/01-intro.ipynb").read_text() == "the student's own file"


def test_damaged_manifest_keeps_differing_files(course: Path, tmp_path: Path) -> None:
    dest = tmp_path / "student"
    init_course(dest)
    (dest / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    _ship(course, "notebooks/02-gradients.ipynb", '{"cells": [], "v": 3}')
    report = init_course(dest)
    assert report.skipped_edited == ["notebooks/02-gradients.ipynb"]
    assert report.warnings and MANIFEST_NAME in report.summary()


def test_destination_that_is_a_file_is_a_plain_error(course: Path, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(CourseFilesError, match="not a folder"):
        init_course(target)


def test_listing_helpers_use_the_course_root(course: Path) -> None:
    assert [p.name for p in course_files.notebook_files()] == [
        "01-intro.ipynb",
        "02-gradients.ipynb",
    ]
    assert course_files.exercise_dir() == course / "exercises"


def test_installed_course_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "matcalc_edu"
    (package / "_course" / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(course_files, "_PACKAGE_DIR", package)
    assert course_files.course_root() == package / "_course"


def test_checkout_is_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "repo" / "matcalc_edu"
    package.mkdir(parents=True)
    (tmp_path / "repo" / "notebooks").mkdir()
    monkeypatch.setattr(course_files, "_PACKAGE_DIR", package)
    assert course_files.course_root() == tmp_path / "repo"


def test_missing_course_is_a_plain_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "empty" / "matcalc_edu"
    package.mkdir(parents=True)
    monkeypatch.setattr(course_files, "_PACKAGE_DIR", package)
    with pytest.raises(CourseFilesError, match="reinstall"):
        course_files.course_root()
