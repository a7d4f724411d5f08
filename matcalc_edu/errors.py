"""The error type of the expression language: a plain-language message, where, and what kind.

Graders turn ``ExprError.kind`` into a verdict's diagnosis; every message is written for a student.
"""

from __future__ import annotations

KINDS = ("parse", "unknown_symbol", "invalid_operation", "shape")


class ExprError(ValueError):
    """A malformed or meaningless expression; ``kind`` is in ``KINDS``, ``pos`` a 0-based column."""

    def __init__(self, message: str, kind: str = "parse", pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.pos = pos

    def pointer(self, text: str) -> str:
        """The input with a caret under the offending column (empty when unknown or too long)."""
        if self.pos is None or len(text) > 120 or "\n" in text:
            return ""
        return f"{text}\n{' ' * self.pos}^"
