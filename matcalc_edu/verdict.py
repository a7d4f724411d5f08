"""The outcome of grading one answer: what the grader returns and the widget shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass

DIAGNOSES = ("shape", "transpose", "sign", "scale", "symmetric", "parse", "unknown_symbol",
             "invalid_operation")


@dataclass(frozen=True)
class Verdict:
    """Correct or not, a plain-language message ($…$ LaTeX allowed), a mistake label, a preview.

    ``diagnosis`` is one of ``DIAGNOSES`` or None; ``read_as`` is LaTeX of how the answer was read.
    """

    correct: bool
    message: str
    diagnosis: str | None = None
    read_as: str | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict (for the widget and the progress store)."""
        return asdict(self)

    def _repr_markdown_(self) -> str:
        """✔/✘ with a word, so the verdict never depends on colour alone."""
        head = "✔ **Correct**" if self.correct else "✘ **Not correct yet**"
        label = f" (mistake: {self.diagnosis})" if self.diagnosis else ""
        lines = [f"{head}{label}. {self.message}"]
        if self.read_as:
            lines.append(f"Your answer was read as: ${self.read_as}$")
        return "\n\n".join(lines)
