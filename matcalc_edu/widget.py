"""The exercise widget: prompt, answer box with live preview, Check, hints, solution, feedback.

Handlers only set widget values (nothing is printed or captured, see the nbval field notes) and
never raise into the frontend: any problem becomes a plain message in ``.feedback``.
Enter in the answer box checks too (the frontend sends a ``submit`` message on Enter).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from . import exercise_bank as bank
from .mdhtml import to_html
from .shapes import fmt

STATE_WORDS = {None: "Not attempted", True: "Correct", False: "Not yet"}
STATE_MARKS = {None: "○", True: "✔", False: "✘"}
PREVIEW_IDLE = "Type your answer above; how it is read appears here."


def _safe(handler: Callable) -> Callable:
    """Turn any exception in a handler into a plain message in the widget's feedback."""

    @functools.wraps(handler)
    def run(self: ExerciseWidget, *args: Any) -> None:
        try:
            handler(self, *args)
        except Exception as exc:  # noqa: BLE001 - the frontend must never see a traceback
            self.feedback.value = _panel(
                None, f"Something went wrong here ({type(exc).__name__}: {exc}). "
                      "Your answer is kept; try again, or tell your instructor."
            )

    return run


def _panel(state: bool | None, message_html: str, extra: str = "") -> str:
    """The feedback box: a state word and mark (never colour alone), then the message."""
    word = STATE_WORDS[state]
    head = f'<p><strong class="matcalc-state">{STATE_MARKS[state]} {word}</strong></p>'
    return (f'<div class="matcalc-feedback-body" role="status" aria-live="polite">'
            f"{head}{message_html}{extra}</div>")


class ExerciseWidget(w.VBox):
    """One exercise of the bank as an interactive widget, graded against the student's variant."""

    def __init__(self, exercise_id: str, student: str | None = None, *, record: bool = True,
                 **kwargs: Any) -> None:
        self.exercise = bank.exercise(exercise_id)
        self.student = bank.current_student(student)
        self.variant = self.exercise.variant(self.student)
        self.record = record
        self.verdict = None
        self.attempts, self.solved = (_earlier_attempts(self.exercise.id, self.student)
                                      if record else (0, False))
        self.hints_shown = 0
        self._build()
        super().__init__(children=self._layout(), **kwargs)
        self.add_class("matcalc-exercise")
        self._refresh()

    def __repr__(self) -> str:
        """Stable text (no variant details), so notebook outputs compare equal under nbval."""
        return f"ExerciseWidget({self.exercise.id!r})"

    def _build(self) -> None:
        """Create the controls and wire their handlers."""
        ex, v = self.exercise, self.variant
        self.title = w.HTML(f"<h3>{html.escape(ex.title)}</h3>")
        self.prompt = w.HTMLMath(to_html(v.prompt) + _shapes_html(v))
        self.answer = w.Text(
            value="", placeholder="type an expression, e.g. (A + A.T) @ x",
            description="Answer", tooltip="Your answer in the course's expression language; "
            "press Enter or Check to check it", continuous_update=True,
            layout=w.Layout(flex="1 1 auto", width="auto"),
        )
        self.preview = w.HTMLMath(PREVIEW_IDLE)
        self.check_button = w.Button(
            description="Check", button_style="primary", icon="check",
            tooltip="Check your answer (Enter in the answer box works too)",
        )
        self.hint_button = w.Button(icon="lightbulb-o", tooltip="Reveal the next hint",
                                    layout=w.Layout(width="auto"))
        self.hints = w.HTMLMath("")
        self.solution_button = w.Button(description="Show solution", icon="eye",
                                        tooltip="Reveal a correct answer",
                                        layout=w.Layout(width="auto"))
        self.solution = w.HTMLMath("")
        self.feedback = w.HTMLMath("")
        self.status = w.Label("")
        for widget, name in [(self.answer, "answer"), (self.preview, "preview"),
                             (self.check_button, "check"), (self.hint_button, "hint"),
                             (self.solution_button, "show-solution"),
                             (self.feedback, "feedback"), (self.status, "status")]:
            widget.add_class(f"matcalc-{name}")
        self.answer.observe(self._on_type, "value")
        self.answer.on_msg(self._on_text_message)
        self.check_button.on_click(self._on_check)
        self.hint_button.on_click(self._on_hint)
        self.solution_button.on_click(self._on_solution)

    def _layout(self) -> list[w.Widget]:
        """The children, top to bottom."""
        return [
            self.title, self.prompt,
            w.HBox([self.answer, self.check_button], layout=w.Layout(width="100%")),
            self.preview, self.feedback, self.status,
            w.HBox([self.hint_button, self.solution_button]), self.hints, self.solution,
        ]

    # ------------------------------------------------------------------ handlers

    @_safe
    def _on_type(self, change: dict) -> None:
        """Live preview: how the answer is read, or why it cannot be."""
        self.preview.value = _preview_html(change["new"], self.variant.shapes)

    @_safe
    def _on_text_message(self, _widget: w.Widget, content: dict, _buffers: list) -> None:
        """Enter in the answer box sends ``{"event": "submit"}``: check the answer."""
        if isinstance(content, dict) and content.get("event") == "submit":
            self._check()

    @_safe
    def _on_check(self, _button: w.Button | None = None) -> None:
        """The Check button."""
        self._check()

    def _check(self) -> None:
        """Grade the current answer, log it, and show the verdict."""
        answer = self.answer.value
        if not answer.strip():
            self.feedback.value = _panel(self._state(), "<p>Type an answer first.</p>")
            return
        verdict = bank.grade(self.exercise, self.variant, answer, record=self.record,
                             student=self.student)
        self.verdict = verdict
        self.attempts += 1
        self.solved = self.solved or verdict.correct
        self.feedback.value = _verdict_html(verdict)
        self._refresh()

    @_safe
    def _on_hint(self, _button: w.Button | None = None) -> None:
        """Reveal one more hint."""
        self.hints_shown = min(self.hints_shown + 1, len(self.variant.hints))
        items = "".join(f"<li>{to_html(h)}</li>"
                        for h in self.variant.hints[: self.hints_shown])
        self.hints.value = f'<ol class="matcalc-hints" aria-label="Hints">{items}</ol>'
        self._refresh()

    @_safe
    def _on_solution(self, _button: w.Button | None = None) -> None:
        """Reveal the solution (available after ``show_solution_after`` attempts)."""
        if not self._solution_allowed():
            return
        v = self.variant
        latex, _ = _preview(v.solution, v.shapes)
        shown = f" = ${latex}$" if latex else ""
        text = (f"<p><strong>A correct answer:</strong> <code>{html.escape(v.solution)}</code>"
                f"{html.escape(shown, quote=False)}</p>")
        self.solution.value = text + to_html(v.explanation)

    # ------------------------------------------------------------------ state

    def _state(self) -> bool | None:
        """Solved (True), tried without success (False) or not attempted (None)."""
        return True if self.solved else (None if not self.attempts else False)

    def _solution_allowed(self) -> bool:
        return self.attempts >= self.exercise.show_solution_after

    def _refresh(self) -> None:
        """Update the status line, hint button and solution button from the state."""
        n_hints = len(self.variant.hints)
        self.hint_button.description = (f"Hint ({self.hints_shown} of {n_hints} shown)"
                                        if n_hints else "No hints")
        self.hint_button.disabled = self.hints_shown >= n_hints
        self.solution_button.layout.display = None if self._solution_allowed() else "none"
        state = self._state()
        if not self.feedback.value:
            earlier = f"<p>Earlier attempts: {self.attempts}.</p>" if self.attempts else ""
            self.feedback.value = _panel(state, earlier)
        self.status.value = _status_text(state, self.attempts, self.exercise.points)


def _status_text(state: bool | None, attempts: int, points: float) -> str:
    """E.g. ``Solved · 2 attempts · 2 of 2 points``."""
    word = {None: "Not attempted", True: "Solved", False: "Not solved yet"}[state]
    tries = f"{attempts} attempt{'s' * (attempts != 1)}"
    got = points if state else 0
    return f"{word} · {tries} · {got:g} of {points:g} points"


def _verdict_html(verdict: Any) -> str:
    """The feedback panel for a verdict: state word, diagnosis, message, how it was read."""
    label = (f"<p><em>Mistake type: {html.escape(verdict.diagnosis)}</em></p>"
             if verdict.diagnosis else "")
    read = (f"<p>Checked answer, read as: ${html.escape(verdict.read_as, quote=False)}$</p>"
            if verdict.read_as else "")
    return _panel(bool(verdict.correct), label + to_html(verdict.message), read)


def _preview(answer: str, shapes: dict) -> tuple[str | None, str | None]:
    """The grader's live preview, never raising."""
    from .grading import preview

    try:
        return preview(answer, shapes)
    except Exception:  # noqa: BLE001 - typing must never crash the widget
        return None, "the expression cannot be read"


def _preview_html(answer: str, shapes: dict) -> str:
    """``Read as: $…$`` or the reason the text cannot be read yet."""
    if not answer.strip():
        return PREVIEW_IDLE
    latex, error = _preview(answer, shapes)
    if latex is not None:
        return f"Read as: ${html.escape(latex, quote=False)}$"
    return f"<div class='matcalc-preview-error'>Cannot read yet: {to_html(error or '')}</div>"


def _shapes_html(v: bank.Variant) -> str:
    """A line listing every symbol's shape, e.g. ``W: 3×2, x: 2×1``."""
    parts = ", ".join(f"<code>{html.escape(n)}</code>: {fmt(s)}" for n, s in v.shapes.items())
    wrt = f" — differentiate with respect to <code>{html.escape(v.wrt)}</code>" if v.wrt else ""
    index = ""
    if v.indices:
        index = "; free indices " + ", ".join(f"{i} < {n}" for i, n in v.indices.items())
    return f'<p class="matcalc-shapes">Shapes: {parts}{index}{wrt}.</p>'


def _earlier_attempts(exercise_id: str, student: str) -> tuple[int, bool]:
    """Attempts and success already logged for this exercise by this student."""
    from .progress_log import read_attempts

    try:
        records, _ = read_attempts()
    except Exception:  # noqa: BLE001 - a missing or odd log only means a fresh start
        return 0, False
    mine = [r for r in records
            if r.get("exercise") == exercise_id and r.get("student") == student]
    return len(mine), any(r.get("correct") is True for r in mine)


class ExerciseList(w.VBox):
    """The exercises of one chapter, one under the other."""

    def __init__(self, chapter: str, widgets: list[ExerciseWidget]) -> None:
        self.chapter = chapter
        self.exercises = widgets
        super().__init__(children=widgets)

    def __repr__(self) -> str:
        return f"ExerciseList({self.chapter!r}, {len(self.exercises)} exercises)"


def show_exercises(chapter: str | int, student: str | None = None) -> None:
    """Display every exercise of a chapter (``"ch04"`` or ``4``) as widgets."""
    from IPython.display import display

    name = bank.chapter_name(chapter)
    found = bank.exercises(name)
    if not found:
        known = ", ".join(bank.chapters())
        raise bank.ExerciseBankError(f"There are no exercises for chapter {chapter!r}; "
                                     f"chapters: {known}.")
    display(ExerciseList(name, [ExerciseWidget(ex.id, student) for ex in found]))
