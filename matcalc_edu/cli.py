"""The ``matcalc-edu`` command: a registry of small subcommands and one-line, traceback-free errors.

To add a subcommand, write ``_add_NAME(parser)`` and ``_run_NAME(args) -> int`` and add a
``Command`` to ``COMMANDS``; import heavy modules inside ``_run_NAME`` so ``--help`` stays fast.
Arguments after a bare ``--`` reach ``args.passthrough`` for commands with ``passthrough=True``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from . import cli_grade, cli_math

PROG = "matcalc-edu"
DEFAULT_COURSE_DIR = "matcalc-edu-course"
DEBUG_ENV = "MATCALC_EDU_DEBUG"


class CliError(Exception):
    """A problem the user can fix; its message is printed as one plain line."""


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, how it adds its arguments, and what it runs."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    passthrough: bool = False


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors become one-line ``CliError``s."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage, so every error looks the same."""
        raise CliError(f"{message} (see '{self.prog} --help')")


def _add_init(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``init``."""
    parser.add_argument("dir", type=Path, help="folder to copy the course into")


def _run_init(args: argparse.Namespace) -> int:
    """Copy (or refresh) the course into a folder, keeping the student's edits."""
    from .course_files import init_course

    print(init_course(args.dir).summary())
    return 0


def _add_start(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``start``."""
    parser.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=Path(DEFAULT_COURSE_DIR),
        help=f"course folder (default: ./{DEFAULT_COURSE_DIR})",
    )


def _run_start(args: argparse.Namespace) -> int:
    """Refresh the course folder (safe to repeat), then open JupyterLab there."""
    import importlib.util

    from .course_files import init_course

    if importlib.util.find_spec("jupyterlab") is None:
        raise CliError("JupyterLab is not installed here; run 'pip install jupyterlab' first.")
    dest = args.dir.expanduser().resolve()
    print(init_course(dest).summary())
    print("Starting JupyterLab (press Ctrl-C twice to stop it) ...", flush=True)
    return _launch(jupyter_command(dest, args.passthrough), dest)


def jupyter_command(dest: Path, extra: Sequence[str] = ()) -> list[str]:
    """The command line that opens JupyterLab on ``dest`` with this Python."""
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={dest}", *extra]


def _launch(command: list[str], cwd: Path) -> int:
    """Run ``command`` until it exits, letting it handle Ctrl-C itself."""
    import subprocess

    try:
        process = subprocess.Popen(command, cwd=cwd)
    except OSError as exc:
        raise CliError(f"Could not start JupyterLab: {exc.strerror or exc}.") from exc
    while True:
        try:
            code = process.wait()
            return code if code >= 0 else 1
        except KeyboardInterrupt:
            continue


def _add_progress(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``progress``."""
    parser.add_argument("--student", help="only count this student's attempts")


def _run_progress(args: argparse.Namespace) -> int:
    """Print solved/attempted counts per chapter from the attempt log."""
    from . import progress_log

    path = progress_log.log_path()
    records, warnings = progress_log.read_attempts(path)
    if warnings:
        print(
            f"Note: skipped {len(warnings)} damaged line(s) in {path} ({warnings[0]}).",
            file=sys.stderr,
        )
    if args.student:
        records = [r for r in records if r.get("student") == args.student]
    if not records:
        print(f"No attempts recorded yet (log: {path}).")
        return 0
    chapters = chapters_provider(records)
    print(f"Attempts in {path}:")
    print(format_progress(progress_log.summary(records, chapters)))
    return 0


def _chapters_from_bank(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Every chapter of the exercise bank with its exercise ids (unattempted ones count too)."""
    from .progress_view import bank_chapters

    return bank_chapters(records)


chapters_provider: Callable[[list[dict[str, Any]]], dict[str, list[str]]] = _chapters_from_bank


def format_progress(rows: Sequence[Any]) -> str:
    """A plain text table of ``ChapterProgress`` rows with a total line."""
    header = ("Chapter", "Solved", "Attempted")
    body = [(r.chapter, str(r.solved), str(r.attempted)) for r in rows]
    total = ("Total", str(sum(r.solved for r in rows)), str(sum(r.attempted for r in rows)))
    table = [header, *body, total]
    width = max(len(row[0]) for row in table)
    return "\n".join(f"{c:<{width}}  {s:>6}  {a:>9}" for c, s, a in table)


def _add_check(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``check``."""
    parser.add_argument("exercise_id", metavar="EXERCISE_ID", help="e.g. ch04.single-layer")
    parser.add_argument("answer", metavar="ANSWER", help='e.g. "(W@x - t) @ x.T" (quote it)')
    parser.add_argument("--student", help="whose variant to check against (default: you)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.add_argument("--no-record", action="store_true", help="do not log the attempt")


def _run_check(args: argparse.Namespace) -> int:
    """Grade one answer against the student's variant; exit 0 when correct, 1 when not."""
    import json

    from .exercise_bank import current_student, exercise, grade

    ex = exercise(args.exercise_id)
    student = current_student(args.student)
    variant = ex.variant(student)
    verdict = grade(ex, variant, args.answer, record=not args.no_record, student=student)
    if args.json:
        print(json.dumps({**verdict.to_dict(), "exercise": ex.id, "variant": variant.key}))
    else:
        print(format_verdict(verdict))
    return 0 if verdict.correct else 1


def format_verdict(verdict: Any) -> str:
    """A verdict as plain lines: state word (and mistake type), message, how it was read."""
    head = "Correct" if verdict.correct else "Not yet"
    if verdict.diagnosis:
        head += f" (mistake type: {verdict.diagnosis})"
    lines = [head, verdict.message]
    if verdict.read_as:
        lines.append(f"Read as: {verdict.read_as}")
    return "\n".join(lines)


COMMANDS: dict[str, Command] = {
    "init": Command("copy the course into a folder (keeps your edits)", _add_init, _run_init),
    "start": Command(
        "copy or refresh the course, then open JupyterLab on it (args after -- go to Jupyter)",
        _add_start,
        _run_start,
        passthrough=True,
    ),
    "progress": Command(
        "show solved and attempted exercises per chapter", _add_progress, _run_progress
    ),
    "check": Command("check an answer to an exercise (exit 0 correct, 1 not)", _add_check,
                     _run_check),
    "derive": Command("print the index-notation derivation of a derivative",
                      cli_math.add_derive, cli_math.run_derive),
    "identities": Command("derive and verify the identity table",
                          cli_math.add_identities, cli_math.run_identities),
    "grade": Command("grade collected progress logs into a CSV (instructors)",
                     cli_grade.add_grade, cli_grade.run_grade),
}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, built from ``COMMANDS``."""
    from ._version import __version__

    parser = _Parser(prog=PROG, description="A Jupyter course on matrix calculus.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help, description=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for any error, with one plain line)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        return _report_error(exc)


def _dispatch(argv: list[str]) -> int:
    """Parse ``argv`` (splitting off anything after ``--``) and run the chosen command."""
    own, passthrough = _split_passthrough(argv)
    args = build_parser().parse_args(own)
    if args.command is None:
        raise CliError(f"choose a command: {', '.join(COMMANDS)} (see '{PROG} --help')")
    command = COMMANDS[args.command]
    if passthrough and not command.passthrough:
        raise CliError(f"'{args.command}' takes no arguments after '--'")
    args.passthrough = passthrough
    return command.run(args)


def _split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split the arguments at the first bare ``--``."""
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def _report_error(exc: Exception) -> int:
    """Print one plain line for ``exc`` (a traceback only with MATCALC_EDU_DEBUG=1); return 2."""
    if os.environ.get(DEBUG_ENV):
        import traceback

        traceback.print_exc()
    if _is_plain(exc):
        message = str(exc)
    else:
        message = f"unexpected problem ({type(exc).__name__}: {exc}); "
        message += f"set {DEBUG_ENV}=1 to see details"
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _is_plain(exc: Exception) -> bool:
    """Whether ``exc`` carries a message written for the user."""
    from .course_files import CourseFilesError
    from .exercise_bank import ExerciseBankError
    from .progress_log import ProgressLogError

    plain = (CliError, CourseFilesError, ExerciseBankError, ProgressLogError, OSError)
    return isinstance(exc, plain)
