"""Write a graded batch: the grades CSV, a Markdown report of common mistakes, a summary figure."""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from .gradebook import Gradebook, StudentGrades

TOP = 3  # mistakes listed per exercise
MAX_ERRORS_CHARS = 2000  # of one row's ``errors`` cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_header(book: Gradebook) -> list[str]:
    """``student``, one column per exercise id, ``total``, ``max_total``, ``errors``, ``source``."""
    return ["student", *(ex for ex, _, _ in book.exercises), "total", "max_total", "errors",
            "source"]


def csv_rows(book: Gradebook) -> list[list[str]]:
    """One row per student (points earned), then one per submission that gave no student."""
    ids = [ex for ex, _, _ in book.exercises]
    top = _number(book.max_total)
    rows = [[_cell(s.student), *(_number(s.points.get(ex, 0)) for ex in ids),
             _number(s.total), top, _errors(s.errors), _cell(_join(s.sources))]
            for s in book.students]
    rows += [["", *("" for _ in ids), "", top, _errors(errors), _cell(label)]
             for label, errors in book.failures]
    return rows


def write_csv(book: Gradebook, path: Path) -> None:
    """Write the grades CSV (UTF-8) atomically."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_header(book))
    writer.writerows(csv_rows(book))
    _write_atomically(Path(path), buffer.getvalue().encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _number(value: float) -> str:
    """Points without a trailing ``.0`` (``2``, ``1.5``)."""
    return f"{value:g}"


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _join(items: list[str]) -> str:
    """Unique items in order, joined for one cell."""
    return " | ".join(dict.fromkeys(items))


def _errors(errors: list[str]) -> str:
    """The row's errors in one cell, shortened when very long."""
    text = _join(errors)
    if len(text) > MAX_ERRORS_CHARS:
        text = text[: MAX_ERRORS_CHARS - 1] + "…"
    return _cell(text)


# ---------------------------------------------------------------- Markdown report


def markdown_report(book: Gradebook, top: int = TOP) -> str:
    """The report: summary, a table per exercise, the most common mistakes, the failures."""
    parts = [_summary(book), _exercise_table(book), "## Most common mistakes", _mistakes_intro()]
    parts += [_exercise_mistakes(book, ex, title, top) for ex, title, _ in book.exercises]
    parts.append(_failures(book))
    return "\n\n".join(p for p in parts if p) + "\n"


def _summary(book: Gradebook) -> str:
    """Title and one paragraph of counts."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    totals = [s.total for s in book.students]
    mean = f"; mean total {sum(totals) / len(totals):.1f}" if totals else ""
    return (f"# matcalc-edu grading report\n\nGraded {len(book.students)} student(s) from "
            f"{book.submissions} submission(s) on {when}; {book.with_errors} submission(s) had "
            f"errors. Maximum total {_number(book.max_total)} points{mean}.")


def _exercise_table(book: Gradebook) -> str:
    """Per exercise: points, how many students attempted and solved it."""
    n = len(book.students)
    lines = ["| Exercise | Points | Attempted | Solved | Solved (% of students) |",
             "|---|---:|---:|---:|---:|"]
    for ex, _, points in book.exercises:
        tried = sum(ex in s.attempted for s in book.students)
        solved = sum(ex in s.points for s in book.students)
        share = f"{100 * solved / n:.0f}%" if n else "–"
        lines.append(f"| `{ex}` | {_number(points)} | {tried} | {solved} | {share} |")
    return "\n".join(lines)


def _mistakes_intro() -> str:
    """How to read the mistakes section."""
    return ("Counts are students (each counted once per mistake). Diagnoses come from re-checking "
            "every answer now; wrong answers are shown without spaces and in the exercise's "
            "original symbol names, so renamed variants count together.")


def _exercise_mistakes(book: Gradebook, ex: str, title: str, top: int) -> str:
    """The top diagnoses and wrong answers of one exercise, or '' if nobody got it wrong."""
    diagnoses = _count(book.students, lambda s: s.diagnoses.get(ex, ()))
    answers = _count(book.students, lambda s: s.wrong.get(ex, ()))
    if not diagnoses:
        return ""
    lines = [f"### `{ex}`: {_plain(title)}", "",
             "Diagnoses: " + ", ".join(f"{_plain(d)} ({n})" for d, n in diagnoses.most_common(top)),
             "", "Wrong answers:", ""]
    for (alternative, text), n in answers.most_common(top):
        which = f" (alternative {alternative})" if alternative else ""
        lines.append(f"1. {_code(text)}{which}: {n} student(s)")
    return "\n".join(lines)


def _count(students: list[StudentGrades], values) -> Counter:
    """How many students have each value."""
    counts: Counter = Counter()
    for student in students:
        counts.update(set(values(student)))
    return counts


def _failures(book: Gradebook) -> str:
    """Every submission or student with an error, one bullet each."""
    items = [(label, errors) for label, errors in book.failures]
    items += [(s.student, s.errors) for s in book.students if s.errors]
    if not items:
        return "## Errors\n\nNone: every submission was graded completely."
    bullets = [f"- {_code(who)}: {_plain(' | '.join(dict.fromkeys(errs)))}" for who, errs in items]
    return "## Errors\n\n" + "\n".join(bullets)


def _code(text: str) -> str:
    """Untrusted text as an inline code span (a fence longer than any backtick run inside)."""
    text = " ".join(str(text).split())
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    """The length of the longest run of backticks in ``text``."""
    longest = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    return longest


def _plain(text: str) -> str:
    """Untrusted text for Markdown prose: no HTML, links, emphasis or table breaks."""
    out = " ".join(str(text).split())
    for char in "\\`*_[]<>|#!":
        out = out.replace(char, "\\" + char)
    return out


# ---------------------------------------------------------------- figure


def save_figure(book: Gradebook, path: Path) -> None:
    """A PNG: histogram of total scores, and the share of students solving each exercise."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ids = [ex for ex, _, _ in book.exercises]
    n = max(1, len(book.students))
    rates = [100 * sum(ex in s.points for s in book.students) / n for ex in ids]
    fig = Figure(figsize=(11, max(4.0, 0.32 * len(ids) + 1.5)), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.2])
    _histogram(left, [s.total for s in book.students], book.max_total)
    right.barh(ids[::-1], rates[::-1], color="#4c72b0")
    right.set(xlim=(0, 100), xlabel="students who solved it (%)", title="Success per exercise")
    fig.suptitle(f"matcalc-edu: {len(book.students)} students")
    fig.savefig(path, format="png", dpi=100)


def _histogram(ax, totals: list[float], max_total: float) -> None:
    """Histogram of total points from 0 to the maximum."""
    from matplotlib.ticker import MaxNLocator

    top = max(1.0, max_total)
    bins = min(20, max(1, int(top)))
    ax.hist(totals, bins=bins, range=(0, top), color="#55a868", edgecolor="white")
    ax.set(xlabel=f"total points (of {_number(max_total)})", ylabel="students",
           title="Score distribution")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
