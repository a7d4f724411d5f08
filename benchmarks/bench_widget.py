"""Benchmark: the exercise widget's click-to-verdict latency, and a cold start in a fresh process.

In-process: set ``.answer.value``, click Check, stop once ``.feedback.value`` has changed, over
a mix of right, wrong and unreadable answers (half of them new text, so the parser cache does
not flatter the figures); with the attempt logged (an fsynced append) and without.
Cold: ``import matcalc_edu`` and the first ``check`` (bank load, grader import) in a new process.
Bars: median <= 20 ms and p99 <= 100 ms per click. Run: python benchmarks/bench_widget.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXERCISE = "ch04.single-layer"
CLICKS = 300
MEDIAN_BAR_MS, P99_BAR_MS = 20.0, 100.0
COLD = """
import json, time
t0 = time.perf_counter()
import matcalc_edu
t1 = time.perf_counter()
v = matcalc_edu.exercise({ex!r}).variant()
verdict = matcalc_edu.check({ex!r}, v.solution, record=False)
t2 = time.perf_counter()
w = matcalc_edu.ExerciseWidget({ex!r}, record=False)
t3 = time.perf_counter()
assert verdict.correct
print(json.dumps({{"import": t1 - t0, "first_check": t2 - t1, "first_widget": t3 - t2}}))
"""


def answers(solution: str, mistakes: list[str], n: int) -> list[str]:
    """A mix of right, wrong and unreadable answers; every other one is new text (spaces)."""
    fixed = [solution, *mistakes, "0*" + solution, "-" + solution, solution + " @@", "W @ t"]
    return [fixed[k % len(fixed)] + " " * (k if k % 2 else 0) for k in range(n)]


def click_latencies(record: bool) -> list[float]:
    """Seconds from setting the answer to the feedback having changed, per click."""
    from matcalc_edu.widget import ExerciseWidget

    ew = ExerciseWidget(EXERCISE, student="bench", record=record)
    texts = answers(ew.variant.solution, [m.answer for m in ew.variant.mistakes], CLICKS)
    for text in texts[:10]:  # warm-up: references, caches, first log write
        ew.answer.value = text
        ew.check_button.click()
    times = []
    for text in texts:
        ew.feedback.value = ""
        t0 = time.perf_counter()
        ew.answer.value = text
        ew.check_button.click()
        assert ew.feedback.value
        times.append(time.perf_counter() - t0)
    return times


def summary(times: list[float]) -> dict[str, float]:
    """Median, 99th percentile and maximum in milliseconds."""
    ms = sorted(t * 1000 for t in times)
    return {"median": statistics.median(ms), "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
            "max": ms[-1]}


def cold_start(env: dict[str, str]) -> dict[str, float]:
    """Import, first check and first widget in a fresh interpreter (seconds), plus wall time."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", COLD.format(ex=EXERCISE)], capture_output=True,
                         text=True, check=True, cwd=ROOT, env=env).stdout
    wall = time.perf_counter() - t0
    return {**json.loads(out), "process_wall": wall}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MATCALC_EDU_PROGRESS"] = str(Path(tmp) / "progress.jsonl")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cold = [cold_start(env) for _ in range(3)]
        logged = summary(click_latencies(record=True))
        unlogged = summary(click_latencies(record=False))
    print(f"click-to-verdict over {CLICKS} clicks of mixed answers ({EXERCISE}):")
    for label, s in [("logged (fsync append)", logged), ("not logged", unlogged)]:
        print(f"  {label:22s} median {s['median']:6.2f} ms   p99 {s['p99']:6.2f} ms   "
              f"max {s['max']:6.2f} ms")
    best = {k: min(c[k] for c in cold) for k in cold[0]}
    print("cold start in a fresh process (best of 3):")
    print(f"  import matcalc_edu {best['import'] * 1000:7.1f} ms")
    print(f"  first check        {best['first_check'] * 1000:7.1f} ms (bank load + grader)")
    print(f"  first widget       {best['first_widget'] * 1000:7.1f} ms (ipywidgets import)")
    print(f"  whole process      {best['process_wall'] * 1000:7.1f} ms")
    ok = logged["median"] <= MEDIAN_BAR_MS and logged["p99"] <= P99_BAR_MS
    print(f"bar (median <= {MEDIAN_BAR_MS:g} ms, p99 <= {P99_BAR_MS:g} ms): "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
