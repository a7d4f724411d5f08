"""A student's progress: solved and attempted exercises per chapter, as a table and a bar chart.

``progress()`` returns a ``ProgressReport``; Jupyter shows its HTML (a table plus an inline SVG
chart drawn with matplotlib, imported only then), a terminal its text table.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import exercise_bank as bank
from .progress_log import ChapterProgress, log_path, read_attempts, summary


@dataclass
class ProgressReport:
    """Per-chapter counts for one student, with any warnings from reading the log."""

    student: str
    rows: list[ChapterProgress]
    log: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def solved(self) -> int:
        """Exercises solved over all chapters."""
        return sum(r.solved for r in self.rows)

    @property
    def attempted(self) -> int:
        """Exercises attempted over all chapters."""
        return sum(r.attempted for r in self.rows)

    @property
    def total(self) -> int:
        """Exercises in the course."""
        return sum(r.total for r in self.rows)

    def text(self) -> str:
        """A plain text table with a total line (for terminals and ``repr``)."""
        return format_table(self.rows) + "".join(f"\nNote: {w}" for w in self._notes())

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        """The table, the chart and polite notes, for Jupyter."""
        return _html_table(self) + chart_svg(self.rows) + "".join(
            f"<p><em>Note:</em> {html.escape(n)}</p>" for n in self._notes()
        )

    def _notes(self) -> list[str]:
        """The log warnings, summarized so a damaged file never floods the output."""
        if not self.warnings:
            return []
        head = f"{len(self.warnings)} line(s) of {self.log} could not be read and were skipped"
        return [f"{head} (first: {self.warnings[0]})."]


def progress(student: str | None = None) -> ProgressReport:
    """The current (or given) student's solved/attempted counts per chapter of the bank."""
    who = bank.current_student(student)
    path = log_path()
    records, warnings = read_attempts(path)
    mine = [r for r in records if r.get("student") == who]
    return ProgressReport(who, summary(mine, bank.chapters()), path, warnings)


def bank_chapters(_records: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
    """The bank's exercise ids per chapter (the CLI's ``chapters_provider``)."""
    return bank.chapters()


def format_table(rows: list[ChapterProgress]) -> str:
    """Chapter, solved, attempted and exercise counts, one line each, then the totals."""
    header = ("Chapter", "Solved", "Attempted", "Exercises")
    body = [(r.chapter, r.solved, r.attempted, r.total) for r in rows]
    total = ("Total", *(sum(col) for col in zip(*(b[1:] for b in body), strict=True)))
    lines = [header, *body, total] if body else [header, ("Total", 0, 0, 0)]
    width = max(len(str(line[0])) for line in lines)
    return "\n".join(f"{c:<{width}}  {s:>6}  {a:>9}  {t:>9}" for c, s, a, t in lines)


def _html_table(report: ProgressReport) -> str:
    """An accessible HTML table with a caption and header cells."""
    cells = "".join(
        f"<tr><th scope='row'>{html.escape(r.chapter)}</th><td>{r.solved}</td>"
        f"<td>{r.attempted}</td><td>{r.total}</td></tr>"
        for r in report.rows
    )
    return (
        "<table class='matcalc-progress'>"
        f"<caption>Progress of {html.escape(report.student)}: {report.solved} of "
        f"{report.total} exercises solved</caption>"
        "<thead><tr><th scope='col'>Chapter</th><th scope='col'>Solved</th>"
        "<th scope='col'>Attempted</th><th scope='col'>Exercises</th></tr></thead>"
        f"<tbody>{cells}</tbody>"
        f"<tfoot><tr><th scope='row'>Total</th><td>{report.solved}</td>"
        f"<td>{report.attempted}</td><td>{report.total}</td></tr></tfoot></table>"
    )


def chart_svg(rows: list[ChapterProgress]) -> str:
    """A grouped bar chart (solved, attempted, total per chapter) as inline, reproducible SVG."""
    if not rows:
        return ""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "matcalc-edu", "svg.fonttype": "path"}):
        fig = Figure(figsize=(1.0 + 0.9 * len(rows), 2.6))
        ax = fig.add_subplot()
        xs = range(len(rows))
        for offset, label, values, hatch in [
            (-0.27, "exercises", [r.total for r in rows], ""),
            (0.0, "attempted", [r.attempted for r in rows], "//"),
            (0.27, "solved", [r.solved for r in rows], "xx"),
        ]:
            ax.bar([x + offset for x in xs], values, width=0.27, label=label, hatch=hatch,
                   edgecolor="black", linewidth=0.5)
        ax.set_xticks(list(xs), [r.chapter for r in rows])
        ax.set_ylabel("exercises")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize="small", frameon=False, ncols=3, loc="lower center",
                  bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):].replace(
        "<svg", "<svg role='img' aria-label='Bar chart of exercises, attempted and solved "
                "per chapter'", 1)
