"""A walk through the whole exercise bank, as the course promises it to students.

Every exercise is in an exercise notebook, accepts its own solution for several students and
diagnoses at least one typical mistake; every exercise has hints and mistakes; every chapter
has enough exercises, in both answer forms.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcalc_edu import exercise_bank as bank

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ("ada", "grace", "alan", "edsger", "barbara")
CHAPTERS = [f"ch0{n}" for n in range(1, 7)]
MIN_PER_CHAPTER, MIN_TOTAL, MIN_INDEX_FORM = 5, 30, 6


def _notebook_widgets() -> dict[str, str]:
    """Exercise id -> the exercise notebook whose code shows it as ``ExerciseWidget("id")``."""
    found = {}
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "code" and source.startswith("ExerciseWidget("):
                found[source.split('"')[1]] = path.name
    return found


def _form(ex: bank.Exercise) -> str:
    """``index`` or ``matrix``, the same for every alternative of the exercise."""
    forms = {"matrix" if spec.indices is None else "index" for spec in ex.alternatives}
    assert len(forms) == 1, f"{ex.id}: alternatives mix index and matrix form"
    return forms.pop()


def test_every_exercise_is_in_an_exercise_notebook_of_its_chapter() -> None:
    shown = _notebook_widgets()
    for ex in bank.exercises():
        assert ex.id in shown, f"{ex.id} is in no exercise notebook"
        assert shown[ex.id].startswith(ex.chapter.removeprefix("ch") + "-"), (ex.id, shown[ex.id])
    assert set(shown) == {ex.id for ex in bank.exercises()}


@pytest.mark.parametrize("exercise_id", [ex.id for ex in bank.exercises()])
def test_solution_accepted_and_a_mistake_diagnosed(exercise_id: str) -> None:
    ex = bank.exercise(exercise_id)
    for spec in ex.alternatives:
        assert len(spec.hints) >= 2, f"{exercise_id}: at least 2 progressive hints"
        assert len(spec.mistakes) >= 1, f"{exercise_id}: at least 1 listed mistake"
    for student in STUDENTS:
        variant = ex.variant(student)
        verdict = bank.check(exercise_id, variant.solution, student=student, record=False)
        assert verdict.correct, (student, variant.key, verdict)
        diagnosed = []
        for mistake in variant.mistakes:
            verdict = bank.check(exercise_id, mistake.answer, student=student, record=False)
            diagnosed.append(not verdict.correct
                             and (verdict.diagnosis is not None
                                  or mistake.feedback in verdict.message))
        assert any(diagnosed), (exercise_id, student, variant.key)


def test_chapters_have_enough_exercises_in_both_forms() -> None:
    assert list(bank.chapters()) == CHAPTERS
    forms = {chapter: [_form(ex) for ex in bank.exercises(chapter)] for chapter in CHAPTERS}
    for chapter, found in forms.items():
        assert len(found) >= MIN_PER_CHAPTER, (chapter, len(found))
        assert {"index", "matrix"} <= set(found), (chapter, found)
    every = [form for found in forms.values() for form in found]
    assert len(every) >= MIN_TOTAL
    assert every.count("index") >= MIN_INDEX_FORM
