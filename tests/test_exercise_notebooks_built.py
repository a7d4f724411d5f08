"""The stored exercise notebooks match the exercise bank (cheap: nothing is run).

nbval checks their outputs; this test catches a bank edited without rebuilding
(``python tools/build_exercise_notebooks.py``), a notebook edited by hand, or a stray notebook.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_exercise_notebooks", ROOT / "tools" / "build_exercise_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exercise_notebooks_are_built_from_the_bank():
    problems = _builder().check()
    assert not problems, "\n".join(problems + ["run: python tools/build_exercise_notebooks.py"])


def test_notebooks_are_named_after_their_lessons_and_link_them():
    builder = _builder()
    for chapter in builder.chapters():
        target = builder.target_of(chapter)
        lesson = ROOT / "notebooks" / f"{target.stem.removesuffix('-exercises')}.ipynb"
        assert target.name.startswith(chapter.removeprefix("ch") + "-") and lesson.exists()
        intro = nbformat.read(target, as_version=4).cells[0].source
        assert f"](../notebooks/{lesson.name})" in intro


def test_the_fallback_example_is_a_listed_mistake_valid_in_every_variant():
    from matcalc_edu import exercise_bank as bank

    builder = _builder()
    for chapter in builder.chapters():
        first = bank.exercises(chapter)[0]
        answer = builder.fallback_answer(first)
        for student in ("ada", "grace", "alan", "edsger", "barbara"):
            verdict = bank.check(first.id, answer, student, record=False)
            assert not verdict.correct and verdict.diagnosis not in bank.UNREADABLE, (
                first.id, student, verdict)
