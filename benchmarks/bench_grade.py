"""Benchmark: ``matcalc-edu grade`` on a synthetic class, against executing one notebook.

Synthesizes STUDENTS students x every exercise (1-3 attempts each, right and wrong answers on
each student's own variant, with "correct" flags that lie), writes one log per student to a temp
folder and grades them all through the CLI code path in this process: serially (``--jobs 1``)
and with the default ``--jobs`` (one worker per core). Beside that: the time nbclient takes to
execute ONE exercise notebook (kernel start included), which is what nbgrader does per student
and notebook. Bars: total <= 30 s on 2 cores; >= 50x less time per student than one notebook.
Run: python benchmarks/bench_grade.py [--students N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcalc_edu import cli, grade_worker  # noqa: E402
from matcalc_edu.exercise_bank import exercises  # noqa: E402
from matcalc_edu.gradebook import default_jobs  # noqa: E402

TOTAL_BAR = 30.0  # seconds for the whole class on 2 cores
RATIO_BAR = 50.0  # notebook execution time / grading time per student
NOTEBOOK_RUNS = 3


def wrong_answers(variant) -> list[str]:
    """Typical wrong answers for a variant: its listed mistakes, a scaling and a transpose."""
    listed = [m.answer for m in variant.mistakes]
    return listed + [f"2*({variant.solution})", f"({variant.solution}).T", "x +"]


def attempts_for(student: str, ex, rng: random.Random) -> list[dict]:
    """1-3 attempts at one exercise: some wrong ones, often ending with the right answer."""
    variant = ex.variant(student)
    count = rng.randint(1, 3)
    answers = [rng.choice(wrong_answers(variant)) for _ in range(count)]
    if rng.random() < 0.7:
        answers[-1] = variant.solution
    return [{"exercise": ex.id, "variant": variant.key, "answer": answer,
             "correct": rng.random() < 0.5, "diagnosis": None, "message": "",
             "student": student, "time": "2025-01-01T00:00:00.000+00:00",
             "version": "bench", "v": 1} for answer in answers]


def write_class(folder: Path, students: int, seed: int = 0) -> int:
    """One log per student under ``folder``; returns the number of attempts written."""
    rng, every, written = random.Random(seed), exercises(), 0
    for n in range(students):
        student = f"student{n:04d}"
        lines = [json.dumps(r) for ex in every for r in attempts_for(student, ex, rng)]
        (folder / f"{student}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += len(lines)
    return written


def grade_with_cli(folder: Path, out: Path, jobs: int | None) -> float:
    """Seconds ``matcalc-edu grade FOLDER --out OUT [--jobs N]`` takes in this process."""
    grade_worker.clear_memo()
    argv = ["grade", str(folder), "--out", str(out)]
    argv += ["--jobs", str(jobs)] if jobs is not None else []
    quiet = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        status = cli.main(argv)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"grading failed with exit status {status}: {quiet.getvalue()}")
    return elapsed


def exercise_notebook(folder: Path):
    """An ``exercises/*.ipynb`` notebook if the course has one, else a generated one."""
    import nbformat

    shipped = sorted((ROOT / "exercises").glob("*.ipynb"))
    if shipped:
        return nbformat.read(shipped[0], as_version=4), shipped[0].name
    cells = ["import matcalc_edu"]
    for ex in exercises()[:5]:
        cells.append(f"v = matcalc_edu.exercise({ex.id!r}).variant()\n"
                     f"matcalc_edu.check({ex.id!r}, v.solution)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb, "generated (import matcalc_edu + 5 checks)"


def time_notebook(folder: Path) -> tuple[float, str]:
    """Median seconds nbclient takes to execute one exercise notebook, kernel start included."""
    from nbclient import NotebookClient

    nb, name = exercise_notebook(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    os.environ["MATCALC_EDU_PROGRESS"] = str(folder / "notebook-progress.jsonl")
    times = []
    for _ in range(NOTEBOOK_RUNS):
        started = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3").execute()
        times.append(time.perf_counter() - started)
    return statistics.median(times), name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder = Path(tmp) / "logs"
        folder.mkdir()
        attempts = write_class(folder, args.students)
        print(f"{args.students} students x {len(exercises())} exercises: {attempts} attempts "
              f"in {args.students} logs; {default_jobs()} core(s)")
        parallel = grade_with_cli(folder, Path(tmp) / "par.csv", None)
        serial = grade_with_cli(folder, Path(tmp) / "ser.csv", 1)
        same = (Path(tmp) / "par.csv").read_bytes() == (Path(tmp) / "ser.csv").read_bytes()
        notebook, name = time_notebook(Path(tmp))
    per_student = parallel / args.students
    print(f"grade --jobs 1:       {serial:6.2f} s total, {1000 * serial / args.students:6.2f} "
          "ms per student")
    print(f"grade --jobs default: {parallel:6.2f} s total, {1000 * per_student:6.2f} ms per "
          f"student (same CSV as --jobs 1: {same})")
    print(f"nbclient, one notebook [{name}]: {notebook:.2f} s (median of {NOTEBOOK_RUNS})")
    ratio = notebook / per_student
    ok_total, ok_ratio = parallel <= TOTAL_BAR, ratio >= RATIO_BAR
    print(f"bar: total <= {TOTAL_BAR:.0f} s: {'PASS' if ok_total else 'FAIL'} "
          f"({parallel:.1f} s)")
    print(f"bar: >= {RATIO_BAR:.0f}x less time per student than one notebook: "
          f"{'PASS' if ok_ratio else 'FAIL'} ({ratio:.0f}x)")
    return 0 if ok_total and ok_ratio and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
