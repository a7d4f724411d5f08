"""The exercise bank: exercises as data (``exercises/chNN.toml``), per-student variants, checking.

This module is the bank's API: find exercises (``exercises``, ``exercise``, ``chapters``) and
``check`` an answer against the student's own variant, logging the attempt. The data classes are
in ``exercise_model``, reading and validating the files (schema: ``exercises/README.md``) in
``exercise_schema``; their public names are re-exported here.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from .exercise_model import (
    Exercise,
    ExerciseBankError,
    ExerciseSchemaError,
    Mistake,
    UnknownExerciseError,
    Variant,
    current_student,
)
from .exercise_schema import load_file, load_folder

if TYPE_CHECKING:
    from .grading import Verdict

__all__ = [
    "UNREADABLE", "Exercise", "ExerciseBankError", "ExerciseSchemaError", "Mistake",
    "UnknownExerciseError", "Variant", "chapter_name", "chapters", "check", "current_student",
    "exercise", "exercises", "grade", "load_file", "load_folder", "reload",
]

UNREADABLE = {"parse", "unknown_symbol", "invalid_operation"}


# ---------------------------------------------------------------- the bank


@lru_cache(maxsize=1)
def _bank() -> dict[str, Exercise]:
    """All shipped exercises by id, loaded and validated once."""
    from .course_files import exercise_dir

    return {ex.id: ex for ex in load_folder(exercise_dir())}


def reload() -> None:
    """Forget the loaded bank, so edited TOML files are read again (for course authors)."""
    _bank.cache_clear()


def exercises(chapter: str | int | None = None) -> list[Exercise]:
    """All exercises in course order, or those of one chapter (``"ch02"`` or ``2``)."""
    every = list(_bank().values())
    if chapter is None:
        return every
    name = chapter_name(chapter)
    return [ex for ex in every if ex.chapter == name]


def chapter_name(chapter: str | int) -> str:
    """``2``, ``"2"`` or ``"ch02"`` -> ``"ch02"``."""
    text = str(chapter).strip()
    return f"ch{int(text):02d}" if text.isdigit() else text


def chapters() -> dict[str, list[str]]:
    """Exercise ids per chapter, in course order (for progress tables)."""
    out: dict[str, list[str]] = {}
    for ex in _bank().values():
        out.setdefault(ex.chapter, []).append(ex.id)
    return out


def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; an unknown id raises a plain error listing close matches."""
    bank = _bank()
    if isinstance(exercise_id, str) and exercise_id.strip() in bank:
        return bank[exercise_id.strip()]
    close = difflib.get_close_matches(str(exercise_id), list(bank), n=3, cutoff=0.75)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownExerciseError(f"There is no exercise {exercise_id!r}.{hint} "
                               "matcalc_edu.exercises() lists them all.")


# ---------------------------------------------------------------- checking


def check(exercise_id: str, answer: str, student: str | None = None, *,
          record: bool = True) -> Verdict:
    """Grade ``answer`` against the student's variant, add tailored feedback, log the attempt."""
    ex = exercise(exercise_id)
    who = current_student(student)
    return grade(ex, ex.variant(who), answer, record=record, student=who)


def grade(ex: Exercise, variant: Variant, answer: str, *, record: bool = True,
          student: str | None = None) -> Verdict:
    """Check against a known variant (the widget keeps its own), then log unless told not to."""
    verdict = _verdict(variant, answer)
    if record:
        verdict = _record(ex, variant, answer, verdict, student)
    return verdict


def _verdict(variant: Variant, answer: str) -> Verdict:
    """The grader's verdict with the feedback of a matching listed mistake appended."""
    from .grading import Verdict, check_answer

    try:  # messages say "a gradient has the shape of its variable": not for numerator layout
        verdict = check_answer(answer, variant.solution, variant.shapes, variant.indices,
                               wrt=variant.wrt if variant.layout == "gradient" else None)
    except Exception as exc:  # noqa: BLE001 - a broken reference must not crash a notebook
        return Verdict(False, f"This exercise could not be checked ({exc}); please tell your "
                              "instructor.", None)
    if verdict.correct or verdict.diagnosis in UNREADABLE:
        return verdict
    feedback = _mistake_feedback(variant, answer)
    return replace(verdict, message=f"{verdict.message}\n\n{feedback}") if feedback else verdict


def _mistake_feedback(variant: Variant, answer: str) -> str | None:
    """The feedback of the first listed mistake the answer is equivalent to, if any."""
    from .grading import check_answer

    for mistake in variant.mistakes:
        try:
            same = check_answer(answer, mistake.answer, variant.shapes, variant.indices,
                                wrt=variant.wrt).correct
        except Exception:  # noqa: BLE001 - a broken mistake entry only loses its feedback
            continue
        if same:
            return mistake.feedback
    return None


def _record(ex: Exercise, variant: Variant, answer: str, verdict: Verdict,
            student: str | None) -> Verdict:
    """Append the attempt to the progress log; on failure keep the verdict and add a note."""
    from .progress_log import ProgressLogError, append_attempt

    record = {
        "student": current_student(student),
        "exercise": ex.id,
        "variant": variant.key,
        "answer": answer if isinstance(answer, str) else repr(answer)[:500],
        "correct": verdict.correct,
        "diagnosis": verdict.diagnosis,
        "message": verdict.message,
        "points": ex.points if verdict.correct else 0,
    }
    try:
        append_attempt(record)
    except (ProgressLogError, OSError) as exc:
        note = str(exc) or "the attempt could not be saved"
        return replace(verdict, message=f"{verdict.message}\n\n*Note:* {note}")
    return verdict
