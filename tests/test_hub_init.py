"""``matcalc-edu init`` as a hub runs it on every server start: new material in, edits kept.

A postStart hook (``matcalc-edu init ~/matcalc-edu-course``) runs it without a shell, so the
literal ``~`` must mean the student's home, and a re-run after a course update must add new
notebooks, update untouched ones and keep (and name) every notebook the student edited.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc_edu import cli, course_files

REPO = Path(__file__).resolve().parents[1]


def _ship(root: Path, rel: str, text: str) -> None:
    """Put a file into the fake shipped course (a new release)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake shipped course with two notebooks and one exercise file."""
    root = tmp_path / "shipped"
    _ship(root, "notebooks/01-intro.ipynb", '{"cells": [], "v": 1}')
    _ship(root, "notebooks/02-gradients.ipynb", '{"cells": [], "v": 1}')
    _ship(root, "exercises/ch01.toml", "# v1\n")
    monkeypatch.setattr(course_files, "course_root", lambda: root)
    return root


def test_hub_rerun_adds_material_and_keeps_edited_notebooks(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home" / "jupyter-alice"
    monkeypatch.setenv("HOME", str(home))
    assert cli.main(["init", "~/matcalc-edu-course"]) == 0  # literal ~, as postStart passes it
    dest = home / "matcalc-edu-course"
    assert "3 copied" in capsys.readouterr().out
    mine = '{"cells": ["my derivation"]}'
    (dest / "notebooks/01-intro.ipynb").write_text(mine, encoding="utf-8")
    _ship(course, "notebooks/01-intro.ipynb", '{"cells": [], "v": 2}')
    _ship(course, "notebooks/02-gradients.ipynb", '{"cells": [], "v": 2}')
    _ship(course, "notebooks/03-hessians.ipynb", '{"cells": []}')

    assert cli.main(["init", "~/matcalc-edu-course"]) == 0
    out = capsys.readouterr().out

    assert (dest / "notebooks/01-intro.ipynb").read_text(encoding="utf-8") == mine
    assert (dest / "notebooks/02-gradients.ipynb").read_text(encoding="utf-8").endswith("2}")
    assert (dest / "notebooks/03-hessians.ipynb").exists()
    assert "1 copied, 1 updated to the newer version" in out
    assert "1 kept because you changed them" in out
    assert "Kept your edited version of:\n    notebooks/01-intro.ipynb" in out
    assert not (tmp_path / "~").exists()


def test_every_server_start_is_safe(course: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "course"
    for _ in range(3):
        assert cli.main(["init", str(dest)]) == 0
    assert "0 copied, 0 updated to the newer version, 3 already up to date" in \
        capsys.readouterr().out


def test_real_course_through_the_installed_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO),
           "JUPYTERHUB_USER": "alice"}
    command = [sys.executable, "-m", "matcalc_edu", "init", "~/matcalc-edu-course"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                           check=False)
    assert first.returncode == 0, first.stderr
    dest = home / "matcalc-edu-course"
    files = sorted(p for p in dest.rglob("*") if p.is_file() and p.parent != dest)
    assert files, first.stdout
    edited = files[0]
    mine = edited.read_text(encoding="utf-8") + "\n"
    edited.write_text(mine, encoding="utf-8")

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                            check=False)

    assert second.returncode == 0, second.stderr
    assert "1 kept because you changed them" in second.stdout
    assert edited.relative_to(dest).as_posix() in second.stdout
    assert edited.read_text(encoding="utf-8") == mine
