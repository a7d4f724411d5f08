"""The ``grade`` subcommand of ``matcalc-edu``: grade collected progress logs into a CSV.

Exit status: 0 when every submission was graded completely, 1 when some had errors (each gets
its row's ``errors`` cell and the summary line says how many), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

PROGRESS_FROM = 5000  # (student, exercise) pairs from which progress shows on any stderr
PROGRESS_EVERY = 2.0  # seconds between progress lines when stderr is no terminal


def add_grade(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``grade``."""
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="a progress log (.jsonl), or a folder or .zip holding logs")
    parser.add_argument("--out", required=True, type=Path, metavar="CSV",
                        help="where to write the grades (one row per student)")
    parser.add_argument("--report", type=Path, metavar="MD",
                        help="also write a Markdown report of the most common mistakes")
    parser.add_argument("--figure", type=Path, metavar="PNG",
                        help="also draw the score distribution and success per exercise")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="worker processes (default: one per core; 1 grades serially)")


def run_grade(args: argparse.Namespace) -> int:
    """Grade the submissions, write the outputs, print one summary line."""
    from .grade_report import markdown_report, save_figure, write_csv
    from .gradebook import grade_submissions

    outputs = _check_usage(args)
    started = time.perf_counter()
    book = grade_submissions([str(p) for p in args.submissions], args.jobs,
                             ProgressLine(sys.stderr))
    write_csv(book, args.out)
    if args.report:
        _write_text(args.report, markdown_report(book))
    if args.figure:
        save_figure(book, args.figure)
    print(_summary(book, outputs, time.perf_counter() - started))
    return 1 if book.with_errors else 0


def _check_usage(args: argparse.Namespace) -> list[Path]:
    """Refuse bad options before any work: --jobs, output folders, outputs overwriting inputs."""
    from .cli import CliError

    if args.jobs is not None and args.jobs < 1:
        raise CliError("--jobs must be 1 or more")
    outputs = [p for p in (args.out, args.report, args.figure) if p is not None]
    inputs = {_resolved(p) for p in args.submissions}
    for path in outputs:
        if not path.expanduser().parent.is_dir():
            raise CliError(f"the folder of {path} does not exist")
        if path.is_dir():
            raise CliError(f"{path} is a folder; give a file name")
        if _resolved(path) in inputs:
            raise CliError(f"{path} is one of the submissions; write the output elsewhere")
    if len({_resolved(p) for p in outputs}) < len(outputs):
        raise CliError("--out, --report and --figure must be different files")
    return outputs


def _resolved(path: Path) -> Path:
    """An absolute path for comparing files."""
    return Path(path).expanduser().resolve()


def _write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text output."""
    Path(path).write_text(text, encoding="utf-8")


def _summary(book, outputs: list[Path], seconds: float) -> str:
    """The one line printed at the end."""
    wrote = ", ".join(str(p) for p in outputs)
    errors = (f"{book.with_errors} of {book.submissions} submission(s) had errors (see the "
              "'errors' column)" if book.with_errors else "no errors")
    return (f"Graded {len(book.students)} student(s) from {book.submissions} submission(s) "
            f"in {seconds:.1f} s: {errors}. Wrote {wrote}.")


class ProgressLine:
    """``grading 120/500`` on stderr: redrawn on a terminal, an occasional line for big batches."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` (student, exercise) pairs are graded."""
        if not (self.tty or total >= PROGRESS_FROM):
            return
        now = time.monotonic()
        final = done >= total
        if self.tty:
            end = "\n" if final else ""
            self.stream.write(f"\rgrading {done}/{total}{end}")
        elif final or now - self.last >= PROGRESS_EVERY:
            self.stream.write(f"grading {done}/{total}\n")
        else:
            return
        self.last = now
        self.stream.flush()
