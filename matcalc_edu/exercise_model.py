"""The exercise bank's data: an ``Exercise``, a student's ``Variant`` of it, and the bank's errors.

An ``Exercise`` holds one ``[[exercise]]`` table of ``exercises/chNN.toml`` (schema:
``exercises/README.md``); ``Exercise.variant(student)`` draws that student's own version.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import variants as var


class ExerciseBankError(ValueError):
    """A plain-language problem with the exercise bank; shown without a traceback in Jupyter."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the message is all a student needs."""
        return [f"{type(self).__name__}: {self}"]


class ExerciseSchemaError(ExerciseBankError):
    """An exercise file breaks the schema; the message names the file, exercise and field."""


class UnknownExerciseError(ExerciseBankError, LookupError):
    """No exercise has this id; the message lists close matches."""


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the feedback shown when a student's answer equals it."""

    answer: str
    feedback: str


@dataclass(frozen=True)
class Spec:
    """The fields of one alternative of an exercise, before a variant is drawn."""

    prompt: str
    symbols: dict[str, tuple]
    answer: str
    wrt: str | None = None
    indices: dict[str, int | str] | None = None
    hints: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    explanation: str = ""
    of: str | None = None
    layout: str = "gradient"


@dataclass(frozen=True)
class Variant:
    """One student's version of an exercise: concrete names and sizes, ready to grade against."""

    exercise_id: str
    key: str
    prompt: str
    shapes: dict[str, tuple]
    solution: str
    indices: dict[str, int | str] | None
    hints: tuple[str, ...]
    wrt: str | None
    mistakes: tuple[Mistake, ...]
    explanation: str = ""
    of: str | None = None  # the expression differentiated (None: the answer is no derivative)
    layout: str = "gradient"


@dataclass(frozen=True, eq=False)
class Exercise:
    """An exercise of the bank; ``variant(student)`` gives that student's version."""

    id: str
    title: str
    chapter: str
    points: float
    show_solution_after: int
    source: str
    alternatives: tuple[Spec, ...]
    rename: tuple[tuple[str, ...], ...] = ()
    sizes: tuple[dict[str, int], ...] = ()

    @property
    def randomized(self) -> bool:
        """Whether different students may get different versions."""
        return len(self.alternatives) > 1 or bool(self.rename) or len(self.sizes) > 1

    def variant(self, student: str | None = None) -> Variant:
        """The student's variant (default: the current student), the same on every call."""
        who = current_student(student)
        choice, picks, sizes = var.draw(
            var.rng_for(who, self.id),
            len(self.alternatives) if len(self.alternatives) > 1 else 0,
            self.rename,
            self.sizes,
        )
        mapping = {g[0]: g[p] for g, p in zip(self.rename, picks, strict=True) if p}
        key = var.variant_key(choice if len(self.alternatives) > 1 else None, picks, sizes)
        return _apply(self.id, key, self.alternatives[choice], mapping, sizes)

    def __repr__(self) -> str:
        return f"<Exercise {self.id}: {self.title}>"


def _apply(
    exercise_id: str, key: str, spec: Spec, mapping: dict[str, str], sizes: dict[str, int]
) -> Variant:
    """Turn one alternative into a variant: rename symbols, fill sizes and placeholders."""
    wrt = mapping.get(spec.wrt, spec.wrt) if spec.wrt else None
    values: dict[str, object] = {**sizes, **({"wrt": wrt} if wrt else {})}  # new names

    def text(s: str) -> str:
        return var.rename_markdown(var.fill_placeholders(s, values), mapping)

    return Variant(
        exercise_id=exercise_id,
        key=key,
        prompt=text(spec.prompt),
        shapes={mapping.get(n, n): tuple(sizes.get(d, d) for d in s)
                for n, s in spec.symbols.items()},
        solution=var.rename_expr(spec.answer, mapping),
        indices=None if spec.indices is None
        else {i: sizes.get(d, d) if isinstance(d, str) else d for i, d in spec.indices.items()},
        hints=tuple(text(h) for h in spec.hints),
        wrt=wrt,
        mistakes=tuple(Mistake(var.rename_expr(m.answer, mapping), text(m.feedback))
                       for m in spec.mistakes),
        explanation=text(spec.explanation),
        of=None if spec.of is None else var.rename_expr(spec.of, mapping),
        layout=spec.layout,
    )


def current_student(student: str | None = None) -> str:
    """The given student id, else the current one (``progress_log.student_id()``)."""
    if student is not None and str(student).strip():
        return str(student).strip()
    from .progress_log import student_id

    return student_id()
