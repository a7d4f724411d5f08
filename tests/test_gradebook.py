"""matcalc-edu grade: re-checked answers, best attempts, hostile submissions, CSV, report."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from matcalc_edu import cli, grade_worker, gradebook, submissions
from matcalc_edu.cli_grade import ProgressLine
from matcalc_edu.exercise_bank import exercise, exercises
from matcalc_edu.grade_report import csv_header, markdown_report

LINEAR, LAYER, QUAD = "ch03.linear", "ch04.single-layer", "ch03.quad-form"


def _record(student: str, ex_id: str, answer: object, **extra: object) -> dict:
    """One attempt record as ``check`` logs it (the verdict fields are decoys)."""
    return {"exercise": ex_id, "variant": exercise(ex_id).variant(student).key,
            "answer": answer, "correct": True, "diagnosis": None, "student": student, **extra}


def _right(student: str, ex_id: str) -> dict:
    return _record(student, ex_id, exercise(ex_id).variant(student).solution)


def _wrong(student: str, ex_id: str) -> dict:
    return _record(student, ex_id, f"2*({exercise(ex_id).variant(student).solution})")


def _write_log(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _grade(tmp_path: Path, *paths: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    """Run ``matcalc-edu grade``; return the exit status and the CSV rows by student/source."""
    out = tmp_path / "grades.csv"
    status = cli.main(["grade", *map(str, paths), "--out", str(out), *extra])
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    return status, {r["student"] or r["source"]: r for r in rows}


def test_recorded_verdicts_are_never_trusted(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "a.jsonl", [_wrong("alice", LINEAR), _wrong("alice", LAYER)])
    status, rows = _grade(tmp_path, log)
    assert status == 0
    assert rows["alice"][LINEAR] == "0" and rows["alice"][LAYER] == "0"
    assert rows["alice"]["total"] == "0"


def test_best_attempt_counts_and_points_apply(tmp_path: Path) -> None:
    records = [_wrong("alice", LAYER), _right("alice", LAYER), _wrong("alice", LAYER),
               _right("alice", LINEAR), _right("alice", LINEAR)]
    _, rows = _grade(tmp_path, _write_log(tmp_path / "a.jsonl", records))
    assert rows["alice"][LAYER] == "2" and rows["alice"][LINEAR] == "1"
    assert rows["alice"]["total"] == "3"
    assert rows["alice"]["max_total"] == f"{sum(ex.points for ex in exercises()):g}"


def test_answer_is_checked_against_that_students_own_variant(tmp_path: Path) -> None:
    alice, bob = exercise(LAYER).variant("alice"), exercise(LAYER).variant("bob")
    assert (alice.solution, alice.shapes) != (bob.solution, bob.shapes)
    stolen = _record("bob", LAYER, alice.solution)
    _, rows = _grade(tmp_path, _write_log(tmp_path / "b.jsonl", [stolen]))
    assert rows["bob"][LAYER] == "0"


def test_csv_columns(tmp_path: Path) -> None:
    _grade(tmp_path, _write_log(tmp_path / "a.jsonl", [_right("alice", LINEAR)]))
    header = next(csv.reader(io.StringIO((tmp_path / "grades.csv").read_text())))
    ids = [ex.id for ex in exercises()]
    assert header == ["student", *ids, "total", "max_total", "errors", "source"]


def test_mixed_student_log_is_split_and_logs_merge(tmp_path: Path) -> None:
    log = _write_log(tmp_path / "shared.jsonl", [_right("alice", LINEAR), _right("bob", LAYER)])
    other = _write_log(tmp_path / "alice2.jsonl", [_right("alice", LAYER)])
    status, rows = _grade(tmp_path, log, other)
    assert status == 0 and set(rows) == {"alice", "bob"}
    assert (rows["alice"][LINEAR], rows["alice"][LAYER], rows["alice"]["total"]) == ("1", "2", "3")
    assert (rows["bob"][LINEAR], rows["bob"][LAYER]) == ("0", "2")


def _hostile(tmp_path: Path) -> list[Path]:
    """A corrupt binary log, a traversal zip, a 25 MB log and a log of wrongly typed fields."""
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 40 + b"\n\xff\xfe{\"a\n")
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escape.jsonl", json.dumps(_right("mallory", LINEAR)) + "\n")
        zf.writestr("/abs/olute.jsonl", json.dumps(_right("mallory", LINEAR)) + "\n")
        zf.writestr("ok/carol.jsonl", json.dumps(_right("carol", LINEAR)) + "\n")
    huge = tmp_path / "huge.jsonl"
    line = (json.dumps(_right("hugo", LINEAR)) + "\n").encode()
    huge.write_bytes(line * (25 * 2**20 // len(line) + 1))
    typed = _write_log(tmp_path / "typed.jsonl", [
        [1, 2], "text", {"student": 7, "exercise": LINEAR, "answer": "x"},
        {"student": "dave", "exercise": ["x"], "answer": "x"},
        {"student": "dave", "exercise": LINEAR, "answer": {"__import__": "os"}},
        {"student": "dave", "exercise": LINEAR, "answer": None, "correct": True},
    ])
    return [binary, archive, huge, typed]


def test_hostile_submissions_get_error_rows_and_the_rest_is_intact(tmp_path: Path) -> None:
    good = _write_log(tmp_path / "alice.jsonl", [_right("alice", LINEAR), _right("alice", LAYER)])
    status, rows = _grade(tmp_path, *_hostile(tmp_path), good)
    assert status == 1
    assert rows["alice"]["total"] == "3" and rows["alice"]["errors"] == ""
    assert rows["carol"][LINEAR] == "1" and rows["carol"]["errors"] == ""
    by_source = {r["source"]: r["errors"] for r in rows.values() if not r["student"]}
    assert "damaged line(s)" in by_source[str(tmp_path / "binary.jsonl")]
    assert "climbs out" in by_source[f"{tmp_path / 'evil.zip'}:../../escape.jsonl"]
    assert "absolute path" in by_source[f"{tmp_path / 'evil.zip'}:/abs/olute.jsonl"]
    assert "20 MB limit" in by_source[str(tmp_path / "huge.jsonl")]
    typed = by_source[str(tmp_path / "typed.jsonl")]
    assert "6 damaged line(s)" in typed and "no readable attempt" in typed
    assert "mallory" not in rows and "hugo" not in rows and "dave" not in rows


def test_zip_bomb_member_is_refused_without_unpacking(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.jsonl", b"\n" * (25 * 2**20))
    assert archive.stat().st_size < 200_000
    status, rows = _grade(tmp_path, archive)
    assert status == 1 and "20 MB limit" in rows[f"{archive}:bomb.jsonl"]["errors"]


def test_hostile_answers_are_just_wrong(tmp_path: Path) -> None:
    records = [_record("eve", LINEAR, a) for a in
               ("__import__('os').system('echo pwned')", "x" * 100_000, "(" * 5000, "")]
    records.append(_right("eve", LAYER))
    status, rows = _grade(tmp_path, _write_log(tmp_path / "eve.jsonl", records))
    assert status == 0 and rows["eve"][LINEAR] == "0" and rows["eve"][LAYER] == "2"


def test_unknown_exercises_and_damaged_lines_are_errors_not_fatal(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    _write_log(log, [_right("alice", LINEAR), {**_right("alice", LINEAR), "exercise": "ch99.nope"}])
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"exercise": "ch03.lin')  # a kernel killed mid-write
    status, rows = _grade(tmp_path, log)
    assert status == 1 and rows["alice"][LINEAR] == "1"
    assert "ch99.nope (1)" in rows["alice"]["errors"]
    assert "1 damaged line(s) skipped (line 3: not valid JSON)" in rows["alice"]["errors"]


def test_attempt_cap_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submissions, "MAX_ATTEMPTS", 3)
    records = [_wrong("alice", LINEAR)] * 3 + [_right("alice", LINEAR)]
    status, rows = _grade(tmp_path, _write_log(tmp_path / "a.jsonl", records))
    assert status == 1 and rows["alice"][LINEAR] == "0"
    assert "4 attempts at ch03.linear; only the first 3 were graded" in rows["alice"]["errors"]


def test_variant_from_another_course_version_is_noted(tmp_path: Path) -> None:
    record = {**_right("alice", LINEAR), "variant": "r99-n9"}
    status, rows = _grade(tmp_path, _write_log(tmp_path / "a.jsonl", [record]))
    assert status == 1 and rows["alice"][LINEAR] == "1"
    assert "recorded for variant r99-n9" in rows["alice"]["errors"]


def test_spreadsheet_formulas_are_neutralized(tmp_path: Path) -> None:
    record = _right("=HYPERLINK(\"http://x\")", LINEAR)
    _, rows = _grade(tmp_path, _write_log(tmp_path / "a.jsonl", [record]))
    assert "'=HYPERLINK(\"http://x\")" in rows


def test_exit_status_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _write_log(tmp_path / "a.jsonl", [_right("alice", LINEAR)])
    assert cli.main(["grade", str(log), "--out", str(tmp_path / "g.csv")]) == 0
    assert "Graded 1 student(s) from 1 submission(s)" in capsys.readouterr().out
    assert cli.main(["grade", str(log), str(tmp_path / "missing.jsonl"),
                     "--out", str(tmp_path / "g.csv")]) == 1
    assert "1 of 2 submission(s) had errors" in capsys.readouterr().out
    for argv in (["grade", str(log)], ["grade", "--out", "x.csv"],
                 ["grade", str(log), "--out", str(tmp_path / "no" / "g.csv")],
                 ["grade", str(log), "--out", str(log)],
                 ["grade", str(log), "--out", "g.csv", "--jobs", "0"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_report_lists_the_most_common_mistakes(tmp_path: Path) -> None:
    records = []
    for n, student in enumerate(["s1", "s2", "s3", "s4"]):
        mistakes = exercise(QUAD).variant(student).mistakes  # 2*A@x, A@x, ... renamed
        mine = mistakes[0 if n < 3 else 1].answer
        records += [_record(student, QUAD, mine), _record(student, QUAD, f" {mine} ")]
    log = _write_log(tmp_path / "class.jsonl", records)
    report, figure = tmp_path / "report.md", tmp_path / "summary.png"
    status, _ = _grade(tmp_path, log, extra=("--report", str(report), "--figure", str(figure)))
    text = report.read_text(encoding="utf-8")
    section = text.split(f"### `{QUAD}`")[1].split("###")[0]
    assert status == 0
    assert "1. `2*A@x`: 3 student(s)" in section
    assert "1. `A@x`: 1 student(s)" in section
    assert "Diagnoses:" in section
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and figure.stat().st_size > 10_000


def test_report_escapes_untrusted_text(tmp_path: Path) -> None:
    record = _record("<script>x</script>", LINEAR, "a`b<img/src=x>")
    log = _write_log(tmp_path / "a.jsonl", [record])
    book = gradebook.grade_submissions([str(log)], jobs=1)
    text = markdown_report(book)
    assert "``a`b<img/src=x>``" in text
    assert "<script>" not in text.replace("`<script>x</script>`", "")


def test_parallel_grading_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gradebook, "SERIAL_BELOW", 10)
    monkeypatch.setattr(gradebook, "CHUNK_MIN", 5)
    logs = []
    for n in range(20):
        student = f"student{n:02d}"
        records = [_right(student, LINEAR), _wrong(student, LAYER)] if n % 2 else \
            [_wrong(student, LINEAR), _right(student, LAYER)]
        logs.append(str(_write_log(tmp_path / f"{student}.jsonl", records)))
    logs.append(str(tmp_path / "missing.jsonl"))
    serial = gradebook.grade_submissions(logs, jobs=1)
    parallel = gradebook.grade_submissions(logs, jobs=2)
    assert [(s.student, s.points, s.wrong) for s in serial.students] == \
        [(s.student, s.points, s.wrong) for s in parallel.students]
    assert parallel.with_errors == 1 and len(parallel.students) == 20
    assert csv_header(parallel) == csv_header(serial)


def test_progress_line_only_on_a_terminal_or_large_batch() -> None:
    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    quiet, tty, big = Stream(False), Stream(True), Stream(False)
    for done in range(1, 11):
        ProgressLine(quiet)(done, 10)
    line = ProgressLine(tty)
    for done in range(1, 11):
        line(done, 10)
    ProgressLine(big)(5000, 5000)
    assert quiet.getvalue() == ""
    assert tty.getvalue().endswith("\rgrading 10/10\n")
    assert big.getvalue() == "grading 5000/5000\n"


def test_verdicts_match_the_banks_check_without_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matcalc_edu.exercise_bank import check

    log = tmp_path / "never-written.jsonl"
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(log))
    for ex in exercises():
        for student in ("alice", "bob"):
            variant = ex.variant(student)
            answers = [variant.solution, f"2*({variant.solution})", "x +", "__import__('os')"]
            for answer in answers + [m.answer for m in variant.mistakes]:
                want = check(ex.id, answer, student=student, record=False)
                got = grade_worker.verdict(ex, grade_worker._variant(ex.id, student), answer)
                assert got == (want.correct, want.diagnosis), (ex.id, student, answer)
    assert not log.exists()


def test_student_cap_per_log_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submissions, "MAX_STUDENTS", 2)
    records = [_right(s, LINEAR) for s in ("s1", "s2", "s3")]
    status, rows = _grade(tmp_path, _write_log(tmp_path / "a.jsonl", records))
    assert status == 1 and set(rows) == {"s1", "s2"}
    assert "holds 3 students; only the first 2 were graded" in rows["s1"]["errors"]


def _dies_in_a_worker(items: list) -> list:
    """grade_items, except that a worker process running it dies at once."""
    if os.getpid() != _PARENT:
        os._exit(1)
    return grade_worker.grade_items(items)


_PARENT = os.getpid()


def test_a_dead_worker_is_redone_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gradebook, "SERIAL_BELOW", 1)
    monkeypatch.setattr(gradebook, "grade_items", _dies_in_a_worker)
    logs = [str(_write_log(tmp_path / f"s{n}.jsonl", [_right(f"s{n}", LINEAR)])) for n in range(3)]
    book = gradebook.grade_submissions(logs, jobs=2)
    assert [s.points for s in book.students] == [{LINEAR: 1.0}] * 3 and book.with_errors == 0
