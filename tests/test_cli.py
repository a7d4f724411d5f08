"""The matcalc-edu command: init, start, progress, and one-line errors with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc_edu import cli, course_files
from matcalc_edu._version import __version__
from matcalc_edu.progress_log import append_attempt

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny fake shipped course installed as the course root."""
    root = tmp_path / "shipped"
    (root / "notebooks").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "notebooks" / "01-intro.ipynb").write_text("{}")
    (root / "exercises" / "ch01.toml").write_text('id = "ch01.a"')
    monkeypatch.setattr(course_files, "course_root", lambda: root)
    return root


def _run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m matcalc_edu ARGS`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "matcalc_edu", *args]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_init_via_main(course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "student"
    assert cli.main(["init", str(dest)]) == 0
    assert (dest / "notebooks" / "01-intro.ipynb").exists()
    assert "2 copied" in capsys.readouterr().out
    assert cli.main(["init", str(dest)]) == 0
    assert "2 already up to date" in capsys.readouterr().out


def test_init_via_python_m(tmp_path: Path) -> None:
    dest = tmp_path / "student"
    result = _run_module("init", str(dest), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Course folder:" in result.stdout
    assert (dest / course_files.MANIFEST_NAME).exists()


def test_error_is_one_plain_line_via_python_m(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = _run_module("init", str(blocker), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("matcalc-edu: error: ") and "not a folder" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "choose a command"),
        (["bogus"], "invalid choice"),
        (["init"], "required: dir"),
        (["init", "x", "--", "y"], "no arguments after '--'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and err.startswith("matcalc-edu: error:")


def test_unexpected_error_has_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setitem(cli.COMMANDS, "boom", cli.Command("explode", lambda p: None, boom))
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert "kaboom" in err and "Traceback" not in err and err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"matcalc-edu {__version__}"


def test_start_inits_and_launches_jupyter_with_passthrough(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched: list[tuple[list[str], Path]] = []
    monkeypatch.setattr(cli, "_launch", lambda command, cwd: launched.append((command, cwd)) or 0)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["start", "--", "--no-browser", "--port=9999"]) == 0
    default = (tmp_path / cli.DEFAULT_COURSE_DIR).resolve()
    assert (default / "notebooks" / "01-intro.ipynb").exists()
    ((command, cwd),) = launched
    assert cwd == default
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={default}" in command
    assert command[-2:] == ["--no-browser", "--port=9999"]


def test_progress_prints_a_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "progress.jsonl"
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(log))
    assert cli.main(["progress"]) == 0
    assert "No attempts recorded yet" in capsys.readouterr().out
    attempts = [("ch01.dx-dx", False), ("ch01.dx-dx", True), ("ch02.bc-wrt-b", False),
                ("not.in-the-bank", True)]
    for exercise, correct in attempts:
        append_attempt({"exercise": exercise, "correct": correct}, log)
    with open(log, "ab") as handle:
        handle.write(b"{broken\n")
    assert cli.main(["progress"]) == 0
    out, err = capsys.readouterr()
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows[0] == ["Chapter", "Solved", "Attempted"]
    assert rows[1] == ["ch01", "1", "1"] and rows[2] == ["ch02", "0", "1"]
    assert [r[0] for r in rows[3:-1]] == ["ch03", "ch04", "ch05", "ch06"]
    assert all(r[1:] == ["0", "0"] for r in rows[3:-1])
    assert rows[-1] == ["Total", "1", "2"]  # ids outside the bank are not counted
    assert "skipped 1 damaged line" in err
