"""The work of grading: one student's answers to one exercise, re-checked on their own variant.

Runs in worker processes (``gradebook`` hands out the items grouped by exercise, so each worker
reuses its references and verdicts). Verdicts are memoized by everything a check reads, so
students who share a variant share verdicts. Nothing here writes to any progress log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .submissions import printable

MEMO_MAX_ANSWER = 2000  # longer answers are refused by the parser anyway: not worth caching
MEMO_ENTRIES = 200_000  # memoized verdicts per process before the memo starts afresh
SHOWN_ANSWER_CHARS = 120
UNCHECKED = "unchecked"  # diagnosis of an answer the grader could not check (broken exercise)

Item = tuple[str, str, tuple[str, ...]]  # (exercise id, student, distinct answers)


@dataclass(frozen=True)
class Outcome:
    """What one student's answers to one exercise earned, and the mistakes among them."""

    key: str  # the variant the installed course gives this student
    correct: bool  # some answer was right
    diagnoses: frozenset[str]
    wrong: frozenset[tuple[int | None, str]]  # (alternative or None, normalized wrong answer)

    @property
    def unchecked(self) -> bool:
        """Whether some answer could not be checked at all."""
        return UNCHECKED in self.diagnoses


def grade_items(items: Iterable[Item]) -> list[tuple[str, str, Outcome]]:
    """Grade several (exercise, student, answers) items: the unit of work of a worker task."""
    return [(ex_id, student, grade_item(ex_id, student, answers))
            for ex_id, student, answers in items]


def grade_item(exercise_id: str, student: str, answers: tuple[str, ...]) -> Outcome:
    """Check every answer against the student's variant; never raises."""
    from .exercise_bank import exercise

    try:
        ex, variant = exercise(exercise_id), _variant(exercise_id, student)
    except Exception:  # noqa: BLE001 - a broken exercise must not stop the batch
        return Outcome("", False, frozenset({UNCHECKED}), frozenset())
    correct, diagnoses, wrong = False, set(), set()
    for answer in answers:
        right, diagnosis = verdict(ex, variant, answer)
        if right:
            correct = True
        else:
            diagnoses.add(diagnosis or "unclassified")
            wrong.add(_canonical(ex, variant, answer))
    return Outcome(variant.key, correct, frozenset(diagnoses), frozenset(wrong))


def verdict(ex, variant, answer: str) -> tuple[bool, str | None]:
    """(correct, diagnosis) from the installed grader, memoized per variant and answer."""
    if len(answer) > MEMO_MAX_ANSWER:
        return _fresh_verdict(variant, answer)
    key = (ex.id, variant.solution, _frozen(variant.shapes), _frozen(variant.indices or {}),
           variant.wrt, answer)
    if key not in _VERDICTS:
        if len(_VERDICTS) >= MEMO_ENTRIES:
            _VERDICTS.clear()
        _VERDICTS[key] = _fresh_verdict(variant, answer)
    return _VERDICTS[key]


_VERDICTS: dict[tuple, tuple[bool, str | None]] = {}


def _frozen(mapping: dict) -> tuple:
    """A hashable, order-independent copy of a small dict of names to shapes or sizes."""
    return tuple(sorted((str(k), repr(v)) for k, v in mapping.items()))


def _fresh_verdict(variant, answer: str) -> tuple[bool, str | None]:
    """The installed grader's verdict on the variant, as ``check(..., record=False)`` gives it.

    ``check`` also matches wrong answers against the exercise's listed mistakes, but only to add
    feedback text; grading needs just correctness and diagnosis, so that costly step is skipped.
    """
    from .grading import check_answer

    try:
        result = check_answer(answer, variant.solution, variant.shapes, variant.indices,
                              wrt=variant.wrt)
    except Exception:  # noqa: BLE001 - a broken reference: the bank marks it wrong too
        return False, UNCHECKED
    return result.correct is True, result.diagnosis


@lru_cache(maxsize=16384)
def _variant(exercise_id: str, student: str):
    """The student's variant of an exercise (a pure function of the two ids)."""
    from .exercise_bank import exercise

    return exercise(exercise_id).variant(student)


def clear_memo() -> None:
    """Forget memoized verdicts, variants and names (for benchmarks, or after a bank reload)."""
    _VERDICTS.clear()
    _NAMES.clear()
    _variant.cache_clear()


def _canonical(ex, variant, answer: str) -> tuple[int | None, str]:
    """A wrong answer without spaces, in the exercise's original names (so students compare)."""
    from .variants import rename_expr

    text = "".join(answer.split())
    if len(text) > SHOWN_ANSWER_CHARS:
        return None, printable(text, SHOWN_ANSWER_CHARS)
    alternative, back = _original_names(ex, variant)
    return alternative, printable(rename_expr(text, back) if back else text, SHOWN_ANSWER_CHARS)


_NAMES: dict[tuple[str, str], tuple[int | None, dict[str, str]]] = {}


def _original_names(ex, variant) -> tuple[int | None, dict[str, str]]:
    """(alternative, {variant name: original name}) of a variant, cached by its key."""
    if (ex.id, variant.key) not in _NAMES:
        _NAMES[(ex.id, variant.key)] = _find_original_names(ex, variant)
    return _NAMES[(ex.id, variant.key)]


def _find_original_names(ex, variant) -> tuple[int | None, dict[str, str]]:
    """Match the variant to the alternative whose renamed answer is the variant's solution."""
    from .variants import rename_expr

    try:
        several = len(ex.alternatives) > 1
        for index, spec in enumerate(ex.alternatives):
            if len(spec.symbols) != len(variant.shapes):
                continue
            back = {new: old for new, old in zip(variant.shapes, spec.symbols) if new != old}
            forward = {old: new for new, old in back.items()}
            if rename_expr(spec.answer, forward) == variant.solution:
                return (index + 1 if several else None), back
    except Exception:  # noqa: BLE001 - only the report's grouping depends on this
        pass
    return None, {}
