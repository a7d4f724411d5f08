"""The exercise widget driven from Python (no browser), the chapter list and the progress view."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matcalc_edu import exercise_bank as bank
from matcalc_edu import widget as widget_module
from matcalc_edu.progress_log import read_attempts
from matcalc_edu.progress_view import ProgressReport, progress
from matcalc_edu.widget import ExerciseList, ExerciseWidget, show_exercises

EXERCISE = "ch04.single-layer"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test logs into its own file, as a fixed student."""
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(path))
    monkeypatch.setenv("MATCALC_EDU_STUDENT", "tester")
    return path


@pytest.fixture
def ew() -> ExerciseWidget:
    return ExerciseWidget(EXERCISE)


def submit(ew: ExerciseWidget, answer: str) -> str:
    ew.answer.value = answer
    ew.check_button.click()
    return ew.feedback.value


def test_starts_not_attempted(ew: ExerciseWidget) -> None:
    assert "Not attempted" in ew.feedback.value
    assert ew.verdict is None
    assert ew.status.value.startswith("Not attempted · 0 attempts")
    assert ew.solution_button.layout.display == "none"
    assert repr(ew) == f"ExerciseWidget({EXERCISE!r})"
    assert "$" in ew.prompt.value and "Shapes:" in ew.prompt.value


def test_correct_answer(ew: ExerciseWidget, log: Path) -> None:
    shown = submit(ew, ew.variant.solution)
    assert "✔ Correct" in shown and ew.verdict.correct
    assert "Checked answer, read as: $" in shown
    assert ew.status.value.startswith("Solved · 1 attempt")
    (record,), _ = read_attempts(log)
    assert (record["exercise"], record["variant"], record["correct"]) == (
        EXERCISE, ew.variant.key, True)


def test_wrong_answer_shows_diagnosis_and_tailored_feedback(ew: ExerciseWidget) -> None:
    mistake = ew.variant.mistakes[0]  # the transposed gradient
    shown = submit(ew, mistake.answer)
    assert "✘ Not yet" in shown and not ew.verdict.correct
    assert ew.verdict.diagnosis == "transpose" and "Mistake type: transpose" in shown
    assert mistake.feedback.split("$")[0] in shown


def test_preview_follows_typing(ew: ExerciseWidget) -> None:
    assert "appears here" in ew.preview.value
    ew.answer.value = "(" + ew.variant.wrt
    assert "Cannot read yet" in ew.preview.value and "parentheses" in ew.preview.value
    ew.answer.value = ew.variant.solution
    assert ew.preview.value.startswith("Read as: $") and "^{\\top}" in ew.preview.value
    ew.answer.value = ""
    assert "appears here" in ew.preview.value


def test_hints_one_at_a_time(ew: ExerciseWidget) -> None:
    hints = ew.variant.hints
    assert ew.hints.value == "" and ew.hint_button.description == f"Hint (0 of {len(hints)} shown)"
    for n in range(1, len(hints) + 1):
        ew.hint_button.click()
        assert ew.hints.value.count("<li>") == n
        assert ew.hint_button.disabled == (n == len(hints))
    ew.hint_button.click()
    assert ew.hints.value.count("<li>") == len(hints)


def test_solution_button_appears_after_enough_attempts(ew: ExerciseWidget) -> None:
    needed = ew.exercise.show_solution_after
    assert needed >= 1
    for _ in range(needed - 1):
        submit(ew, "0*" + ew.variant.solution)
        assert ew.solution_button.layout.display == "none"
    ew.solution_button.click()
    assert ew.solution.value == ""
    submit(ew, "0*" + ew.variant.solution)
    assert ew.solution_button.layout.display is None
    ew.solution_button.click()
    assert ew.variant.solution in ew.solution.value


def test_malformed_answers_give_messages_not_exceptions(ew: ExerciseWidget, log: Path) -> None:
    for answer in ["W @@ x", "(((", "__import__('os').system('true')", "\x00", "x" * 3000]:
        shown = submit(ew, answer)
        assert "Not yet" in shown and ew.verdict.message
    assert "Type an answer first" in submit(ew, "   ")
    records, _ = read_attempts(log)
    assert len(records) == 5


def test_a_crash_inside_grading_becomes_a_plain_message(
    ew: ExerciseWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bank, "grade", broken)
    shown = submit(ew, "W")
    assert "Something went wrong here (RuntimeError: boom)" in shown


def test_enter_in_the_answer_box_checks(ew: ExerciseWidget) -> None:
    ew.answer.value = ew.variant.solution
    ew.answer._handle_custom_msg({"event": "submit"}, [])
    assert ew.verdict is not None and ew.verdict.correct
    ew.answer._handle_custom_msg({"event": "other"}, [])
    assert ew.attempts == 1


def test_a_log_failure_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCALC_EDU_PROGRESS", str(tmp_path))  # a folder: cannot append
    ew = ExerciseWidget(EXERCISE)
    shown = submit(ew, ew.variant.solution)
    assert "✔ Correct" in shown and "could not be saved" in shown


def test_earlier_attempts_are_remembered(log: Path) -> None:
    first = ExerciseWidget(EXERCISE)
    for _ in range(first.exercise.show_solution_after):
        submit(first, "0*" + first.variant.solution)
    again = ExerciseWidget(EXERCISE)
    assert again.attempts == first.exercise.show_solution_after
    assert again.solution_button.layout.display is None
    assert "Earlier attempts" in again.feedback.value


def test_students_get_their_own_variant() -> None:
    widgets = [ExerciseWidget(EXERCISE, student=f"s{n}", record=False) for n in range(12)]
    assert len({w.variant.key for w in widgets}) > 1
    assert all(w.variant == bank.exercise(EXERCISE).variant(f"s{n}")
               for n, w in enumerate(widgets))


def test_show_exercises_displays_a_chapter(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    show_exercises(4)
    (box,) = shown
    assert isinstance(box, ExerciseList)
    assert [w.exercise.id for w in box.exercises] == bank.chapters()["ch04"]
    assert repr(box) == f"ExerciseList('ch04', {len(bank.chapters()['ch04'])} exercises)"
    with pytest.raises(bank.ExerciseBankError, match="no exercises for chapter 9"):
        show_exercises(9)


def test_progress_view(log: Path) -> None:
    ew = ExerciseWidget(EXERCISE)
    submit(ew, ew.variant.solution)
    other = ExerciseWidget("ch05.bilinear")
    submit(other, "0*" + other.variant.solution)
    with open(log, "ab") as handle:
        handle.write(b"{broken\n")
    report = progress()
    assert isinstance(report, ProgressReport)
    assert (report.solved, report.attempted, report.total) == (1, 2, len(bank.exercises()))
    text = repr(report)
    assert "ch04" in text and "Exercises" in text and "could not be read" in text
    html = report._repr_html_()
    assert "<table" in html and "<svg" in html and "aria-label" in html
    assert html == progress()._repr_html_()  # reproducible output (nbval)
    assert progress("somebody else").attempted == 0


def test_importing_the_package_loads_no_widgets_or_plots() -> None:
    code = ("import sys, matcalc_edu; matcalc_edu.check; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


def test_the_widget_module_is_small_and_safe() -> None:
    source = Path(widget_module.__file__).read_text()
    assert "eval(" not in source and "exec(" not in source and "print(" not in source
