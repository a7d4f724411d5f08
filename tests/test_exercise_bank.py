"""The exercise bank: schema errors, per-student variants, solutions, mistakes, logging, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc_edu import cli
from matcalc_edu import exercise_bank as bank
from matcalc_edu import variants as var
from matcalc_edu.parser import parse
from matcalc_edu.progress_log import read_attempts

STUDENTS = ["ada", "grace", "alan", "edsger", "barbara"]
ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
[[exercise]]
id = "ch09.ok"
title = "A fine exercise"
prompt = "Let $W$ be {m} by {n}; find $\\\\nabla_W L$ for `W @ x`."
symbols = {W = ["m", "n"], x = ["n"], t = ["m"]}
wrt = "W"
answer = "(W@x - t) @ x.T"
hints = ["Think of $W x$."]
mistakes = [{answer = "x @ (W@x - t).T", feedback = "Transposed: $W x$ first."}]
[exercise.variants]
sizes = {m = [2, 3], n = [4, 5]}
rename = [["W", "V", "U"], ["x", "h"]]
'''


@pytest.fixture(autouse=True)
def _tmp_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test logs into its own file, as a fixed student."""
    log = tmp_path / "progress.jsonl"
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(log))
    monkeypatch.setenv("MATCALC_EDU_STUDENT", "tester")
    return log


def _write(tmp_path: Path, text: str, name: str = "ch09.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- schema validation


def test_a_valid_file_loads(tmp_path: Path) -> None:
    (ex,) = bank.load_file(_write(tmp_path, GOOD))
    assert (ex.id, ex.chapter, ex.points, ex.show_solution_after) == ("ch09.ok", "ch09", 1, 3)
    assert ex.randomized


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("title = ", "titel = "), ["unknown field(s) titel", "missing required field(s) title"]),
        (('hints = ["Think of $W x$."]', 'hint = ["x"]'), ["unknown field(s) hint"]),
        (('wrt = "W"', 'wrt = "Q"'), ["'wrt' must name one of the symbols (W, x, t)", "'Q'"]),
        (('answer = "(W@x - t) @ x.T"', 'answer = "(W@x - t) @@ x.T"'), ["'answer'",
                                                                         "cannot be read"]),
        (('answer = "(W@x - t) @ x.T"', 'answer = "W @ t"'), ["'answer'", "inner sizes"]),
        (('id = "ch09.ok"', 'id = "ch02.ok"'), ["exercise 'ch02.ok'", "'ch09.some-name'"]),
        (('["x", "h"]', '["x", "t"]'), ["variants.rename #2", "t is already used"]),
        (('["x", "h"]', '["x", "L"]'), ["variants.rename #2", "L is already used"]),
        (("m = [2, 3]", "q = [2, 3]"), ["variants.sizes: q is not a dimension"]),
        (("m = [2, 3], n = [4, 5]", "m = [2], n = [2]"), ["variants.sizes", "different size"]),
        (('feedback = "Transposed: $W x$ first."', 'fb = "x"'),
         ["mistakes #1 must have exactly 'answer' and 'feedback'"]),
        (('x = ["n"]', 'x = "n"'), ["the shape of x must be a list"]),
        (("[exercise.variants]", "points = 0\n[exercise.variants]"), ["'points' must be"]),
    ],
)
def test_schema_errors_name_file_exercise_and_problem(
    tmp_path: Path, change: tuple[str, str], expected: list[str]
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(bank.ExerciseSchemaError) as info:
        bank.load_file(_write(tmp_path, GOOD.replace(old, new, 1)))
    message = str(info.value)
    assert message.startswith("ch09.toml, exercise ")
    assert any(e in message for e in expected), message


def test_invalid_toml_and_index_mismatch_are_reported(tmp_path: Path) -> None:
    with pytest.raises(bank.ExerciseSchemaError, match=r"ch09.toml: is not valid TOML"):
        bank.load_file(_write(tmp_path, "[[exercise]\nid = 1"))
    index_form = GOOD.replace('answer = "(W@x - t) @ x.T"', 'answer = "delta(i,k)*x[l]"')
    index_form = index_form.replace("mistakes = [", 'indices = {i = "m", k = "m"}\nmistakes = [')
    with pytest.raises(bank.ExerciseSchemaError, match=r"free indices \['i', 'k', 'l'\]"):
        bank.load_file(_write(tmp_path, index_form))


def test_choose_alternatives_are_validated_and_duplicate_ids_refused(tmp_path: Path) -> None:
    bad = GOOD.replace("[exercise.variants]",
                       '[exercise.variants]\nchoose = [{wrt = "x"}, {title = "no"}]')
    with pytest.raises(bank.ExerciseSchemaError, match=r"choose #2: field\(s\) title cannot vary"):
        bank.load_file(_write(tmp_path, bad))
    _write(tmp_path, GOOD)
    _write(tmp_path, GOOD.replace('id = "ch09.ok"', 'id = "ch10.ok"'), "ch10.toml")
    _write(tmp_path, GOOD.replace('id = "ch09.ok"', 'id = "ch10.ok"'), "ch10.toml")
    assert [ex.id for ex in bank.load_folder(tmp_path)] == ["ch09.ok", "ch10.ok"]
    _write(tmp_path, GOOD + GOOD.replace("A fine", "Another"), "ch09.toml")
    with pytest.raises(bank.ExerciseSchemaError, match="'ch09.ok': the id is already used"):
        bank.load_folder(tmp_path)


def test_unknown_exercise_lists_close_matches_without_traceback() -> None:
    with pytest.raises(bank.UnknownExerciseError) as info:
        bank.exercise("ch04.single-layr")
    assert "ch04.single-layer" in str(info.value)
    assert info.value._render_traceback_() == [f"UnknownExerciseError: {info.value}"]


# ---------------------------------------------------------------- the shipped bank


def test_every_chapter_has_exercises_in_order() -> None:
    chapters = bank.chapters()
    assert list(chapters) == [f"ch0{n}" for n in range(1, 7)]
    assert all(len(ids) >= 2 for ids in chapters.values())
    assert [ex.id for ex in bank.exercises(4)] == chapters["ch04"]


@pytest.mark.parametrize("exercise_id", [ex.id for ex in bank.exercises()])
def test_each_variant_accepts_its_solution_and_flags_its_mistakes(exercise_id: str) -> None:
    for student in STUDENTS:
        variant = bank.exercise(exercise_id).variant(student)
        verdict = bank.check(exercise_id, variant.solution, student, record=False)
        assert verdict.correct, (student, variant.key, verdict)
        for mistake in variant.mistakes:
            verdict = bank.check(exercise_id, mistake.answer, student, record=False)
            assert not verdict.correct, (student, mistake)
            assert verdict.diagnosis or mistake.feedback in verdict.message
            assert mistake.feedback in verdict.message, (student, mistake, verdict)


def test_variants_are_stable_per_student_and_vary_across_students() -> None:
    for ex in bank.exercises():
        assert ex.variant("ada") == ex.variant("ada")
        if ex.randomized:
            keys = {ex.variant(f"student{n}").key for n in range(30)}
            assert len(keys) >= 3, (ex.id, keys)


def test_variant_keys_are_stable_across_processes() -> None:
    code = ("from matcalc_edu import exercise_bank as b; "
            "print([e.variant('ada').key for e in b.exercises()])")
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed,
                                      "PYTHONPATH": str(ROOT)}).stdout
        for seed in ("1", "2")
    }
    assert runs == {str([e.variant("ada").key for e in bank.exercises()]) + "\n"}


def test_renaming_is_consistent_across_fields() -> None:
    ex = bank.exercise("ch04.single-layer")
    renamed = next(v for v in (ex.variant(f"s{n}") for n in range(50)) if v.wrt != "W")
    assert renamed.wrt in renamed.shapes and "W" not in renamed.shapes
    assert renamed.solution.startswith(f"({renamed.wrt}@")
    assert f"${renamed.wrt} \\in" in renamed.prompt and "$W" not in renamed.prompt
    assert all("W" not in var.text_names(h) for h in renamed.hints)
    assert all(parse(m.answer, renamed.shapes) for m in renamed.mistakes)
    assert renamed.wrt in var.text_names(renamed.hints[0])
    size = renamed.shapes[renamed.wrt]
    assert f"\\mathbb{{R}}^{{{size[0]} \\times {size[1]}}}" in renamed.prompt


def test_renaming_helpers_are_token_aware() -> None:
    mapping = {"W": "V", "x": "u"}
    assert var.rename_expr("W.T @ x + Wx + np.linalg.inv(W)", mapping) == (
        "V.T @ u + Wx + np.linalg.inv(V)")
    text = r"Let W be $dW x_i \partial W \mathrm{x} \operatorname{tr}(W)$ and `W @ x`."
    assert var.rename_markdown(text, mapping) == (
        r"Let W be $dV u_i \partial V \mathrm{x} \operatorname{tr}(V)$ and `V @ u`.")
    assert var.fill_placeholders(r"\mathbb{R}^{{m} \times {n}} \frac{a}{b}", {"m": 3, "n": 2}) == (
        r"\mathbb{R}^{3 \times 2} \frac{a}{b}")


def test_choose_gives_whole_alternatives() -> None:
    ex = bank.exercise("ch02.contract")
    seen = {ex.variant(f"s{n}").wrt for n in range(40)}
    assert seen == {"B", "C"}
    for v in (ex.variant(f"s{n}") for n in range(40)):
        assert f"\\partial {v.wrt}_{{kl}}" in v.prompt
        assert v.key.startswith("c0" if v.wrt == "B" else "c1")


# ---------------------------------------------------------------- check() and the log


def test_check_logs_the_attempt_with_the_variant_key(_tmp_log: Path) -> None:
    variant = bank.exercise("ch05.bilinear").variant()
    assert bank.check("ch05.bilinear", variant.solution).correct
    assert not bank.check("ch05.bilinear", "0*" + variant.solution).correct
    records, warnings = read_attempts(_tmp_log)
    assert warnings == []
    assert [(r["exercise"], r["variant"], r["correct"]) for r in records] == [
        ("ch05.bilinear", variant.key, True), ("ch05.bilinear", variant.key, False)]
    assert records[0]["student"] == "tester"


def test_a_log_failure_keeps_the_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(tmp_path))  # a folder: the append fails
    variant = bank.exercise("ch03.linear").variant()
    verdict = bank.check("ch03.linear", variant.solution)
    assert verdict.correct
    assert "could not be saved" in verdict.message


def test_unreadable_answers_get_a_verdict_not_an_exception() -> None:
    for answer in ["", "W @@ x", "__import__('os')", "x" * 5000, 42, "zz + 1"]:
        verdict = bank.check("ch04.single-layer", answer, record=False)
        assert not verdict.correct and verdict.message


# ---------------------------------------------------------------- the CLI


def test_cli_check_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    variant = bank.exercise("ch04.single-layer").variant("tester")
    assert cli.main(["check", "ch04.single-layer", variant.solution]) == 0
    assert capsys.readouterr().out.startswith("Correct")
    wrong = "-" + variant.solution
    assert cli.main(["check", "ch04.single-layer", wrong, "--json", "--student", "tester"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exercise"] == "ch04.single-layer" and data["variant"] == variant.key
    assert (data["correct"], data["diagnosis"]) == (False, "sign")
    assert cli.main(["check", "ch04.nope", "x"]) == 2
    assert "There is no exercise 'ch04.nope'" in capsys.readouterr().err
    assert cli.main(["check", "ch04.single-layer"]) == 2


def test_cli_progress_lists_the_bank_chapters(capsys: pytest.CaptureFixture[str]) -> None:
    variant = bank.exercise("ch04.single-layer").variant()
    bank.check("ch04.single-layer", variant.solution)
    assert cli.main(["progress"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [r[0] for r in rows] == ["Chapter", *bank.chapters(), "Total"]
    assert ["ch04", "1", "1"] in rows


def test_wrt_placeholder_uses_the_new_name_even_in_prose(tmp_path: Path) -> None:
    text = GOOD.replace("find $", "differentiate by {wrt}: find $")
    (ex,) = bank.load_file(_write(tmp_path, text))
    for v in (ex.variant(f"s{n}") for n in range(20)):
        assert f"differentiate by {v.wrt}: find $\\nabla_{v.wrt} L$" in v.prompt
        assert f"`{v.wrt} @ " in v.prompt
