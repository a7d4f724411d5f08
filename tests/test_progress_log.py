"""The attempt log survives concurrent writers, killed writers and corrupt content."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matcalc_edu import progress_log
from matcalc_edu.progress_log import (
    ChapterProgress,
    ProgressLogError,
    append_attempt,
    chapters_by_prefix,
    read_attempts,
    student_id,
    summary,
)

REPO = Path(__file__).resolve().parents[1]

WRITER = """
import sys
from pathlib import Path
from matcalc_edu.progress_log import append_attempt

path, tag, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
print("ready", flush=True)
while not go.exists():
    pass
i = 0
while count < 0 or i < count:
    append_attempt({"exercise": tag, "variant": i, "answer": "x" * (i % 97), "correct": True,
                    "diagnosis": "ok", "message": "well done"}, path)
    print(i, flush=True)
    i += 1
"""


def _writer(path: Path, tag: str, count: int, go: Path) -> subprocess.Popen[str]:
    """Start a process appending ``count`` attempts (forever if negative) once ``go`` exists."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MATCALC_EDU_STUDENT": "writer"}
    command = [sys.executable, "-c", WRITER, str(path), tag, str(count), str(go)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def test_two_processes_append_without_losing_or_mixing_lines(tmp_path: Path) -> None:
    log, go = tmp_path / "progress.jsonl", tmp_path / "go"
    writers = [_writer(log, tag, 300, go) for tag in ("a", "b")]
    go.touch()
    for process in writers:
        assert process.wait(timeout=60) == 0
        process.stdout.close()
    records, warnings = read_attempts(log)
    assert warnings == []
    assert len(log.read_bytes().splitlines()) == 600
    for tag in ("a", "b"):
        assert sorted(r["variant"] for r in records if r["exercise"] == tag) == list(range(300))


def test_killed_writers_never_damage_earlier_lines(tmp_path: Path) -> None:
    log, go = tmp_path / "progress.jsonl", tmp_path / "go"
    go.touch()
    rng = random.Random(20240611)
    verified = 0
    for kill in range(20):
        tag = f"kill{kill}"
        process = _writer(log, tag, -1, go)
        time.sleep(rng.uniform(0.01, 0.12))
        process.send_signal(signal.SIGKILL)
        confirmed = {int(line) for line in process.communicate()[0].split()}
        on_disk = {r["variant"] for r in read_attempts(log)[0] if r["exercise"] == tag}
        assert confirmed <= on_disk, f"kill {kill}: confirmed attempts lost"
        assert on_disk - confirmed <= {len(confirmed)}, f"kill {kill}: unexpected lines"
        verified += len(on_disk)
    records, warnings = read_attempts(log)
    assert len(records) == verified
    assert len(warnings) <= 20
    assert verified > 20


def test_fragment_left_by_a_killed_writer_stays_on_its_own_line(tmp_path: Path) -> None:
    log = tmp_path / "progress.jsonl"
    append_attempt({"exercise": "ch01.a", "correct": False}, log)
    with open(log, "ab") as handle:
        handle.write(b'{"exercise": "ch01.b", "corr')
    append_attempt({"exercise": "ch01.c", "correct": True}, log)
    records, warnings = read_attempts(log)
    assert [r["exercise"] for r in records] == ["ch01.a", "ch01.c"]
    assert len(warnings) == 1 and warnings[0].startswith("line 2:")


def test_corrupt_file_reads_without_exceptions(tmp_path: Path) -> None:
    log = tmp_path / "progress.jsonl"
    good = json.dumps({"exercise": "ch01.a", "correct": True}).encode()
    log.write_bytes(
        b"\n".join(
            [
                good,
                b"\xff\xfe\x80 binary junk \x9c",
                b'{"exercise": "ch01.b", "cor',
                b'{"exercise": "ch01.c"\x00\x00\x00}',
                b"[1, 2, 3]",
                b"",
                b"[" * 100_000,
                b'"just a string"',
                good,
                b"\x00" * 64,
            ]
        )
    )
    records, warnings = read_attempts(log)
    assert len(records) == 2
    assert [w.split(":")[0] for w in warnings] == [
        "line 2", "line 3", "line 4", "line 5", "line 7", "line 8", "line 10",
    ]  # fmt: skip


def test_overlong_line_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_log, "MAX_LINE_BYTES", 1000)
    log = tmp_path / "progress.jsonl"
    append_attempt({"exercise": "ch01.a", "answer": "y" * 5000}, log)
    append_attempt({"exercise": "ch01.b"}, log)
    records, warnings = read_attempts(log)
    assert [r["exercise"] for r in records] == ["ch01.b"]
    assert warnings == ["line 1: longer than 1000 bytes; skipped"]


def test_missing_file_is_an_empty_log(tmp_path: Path) -> None:
    assert read_attempts(tmp_path / "nope.jsonl") == ([], [])


def test_append_adds_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_STUDENT", "ada")
    log = tmp_path / "sub" / "progress.jsonl"
    written = append_attempt({"exercise": "ch02.bc-wrt-b", "answer": object}, log)
    (record,), warnings = read_attempts(log)
    assert warnings == [] and record == written
    assert record["student"] == "ada" and record["v"] == 1 and record["version"] == "0.1.0"
    assert record["time"].endswith("+00:00") and isinstance(record["answer"], str)


def test_unwritable_log_raises_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ProgressLogError, match="could not be saved"):
        append_attempt({"exercise": "ch01.a"}, blocker / "progress.jsonl")


def test_log_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(tmp_path / "mine.jsonl"))
    assert progress_log.log_path() == tmp_path / "mine.jsonl"
    monkeypatch.delenv("MATCALC_EDU_PROGRESS")
    assert progress_log.log_path().name == "progress.jsonl"


def test_student_id_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_STUDENT", "explicit")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert student_id() == "explicit"
    monkeypatch.delenv("MATCALC_EDU_STUDENT")
    assert student_id() == "hubuser"
    monkeypatch.delenv("JUPYTERHUB_USER")
    monkeypatch.setattr(progress_log.getpass, "getuser", lambda: "osuser")
    assert student_id() == "osuser"

    def broken() -> str:
        raise OSError("no user")

    monkeypatch.setattr(progress_log.getpass, "getuser", broken)
    assert student_id() == "unknown"


def test_summary_counts_solved_and_attempted() -> None:
    records = [
        {"exercise": "ch01.a", "correct": False},
        {"exercise": "ch01.a", "correct": True},
        {"exercise": "ch01.b", "correct": False},
        {"exercise": "ch02.a", "correct": "yes"},
        {"no exercise": True},
    ]
    chapters = {"ch01": ["ch01.a", "ch01.b", "ch01.c"], "ch02": ["ch02.a"]}
    assert summary(records, chapters) == [
        ChapterProgress("ch01", solved=1, attempted=2, total=3),
        ChapterProgress("ch02", solved=0, attempted=1, total=1),
    ]


def test_chapters_by_prefix() -> None:
    ids = ["ch02.bc-wrt-b", "ch01-a", "ch02.x", "loose"]
    assert chapters_by_prefix(ids) == {
        "ch01": ["ch01-a"],
        "ch02": ["ch02.bc-wrt-b", "ch02.x"],
        "loose": ["loose"],
    }


def test_a_caller_given_student_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_STUDENT", "env-user")
    log = tmp_path / "p.jsonl"
    append_attempt({"exercise": "ch01.dx-dx", "student": "alice"}, log)
    append_attempt({"exercise": "ch01.dx-dx"}, log)
    records, _ = read_attempts(log)
    assert [r["student"] for r in records] == ["alice", "env-user"]


def test_the_log_path_may_name_other_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", "/srv/exchange/$JUPYTERHUB_USER.jsonl")
    assert progress_log.log_path() == Path("/srv/exchange/ada.jsonl")
