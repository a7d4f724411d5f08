"""Benchmark: check_answer on a corpus of right and wrong answers, against SymPy on the same pairs.

Prints the grader's accuracy (false accepts, false rejects), how often a wrong answer of a known
mistake class gets the right diagnosis, and its latency (median, p99; parse cache cleared each
round); then SymPy's verdicts by ``simplify(S - R) == 0`` on MatrixSymbol expressions and by
``Matrix.equals`` on explicit small matrices, with their accuracy, median time and the speed ratio.
Run: python benchmarks/bench_grading.py [--quick]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from grading_corpus import Case, cases  # noqa: E402

from matcalc_edu.errors import ExprError  # noqa: E402
from matcalc_edu.grading import check_answer  # noqa: E402
from matcalc_edu.parser import _parse_cached, parse  # noqa: E402

SYMPY_SECONDS = 10  # a SymPy check taking longer is stopped and counted as undecided


def label(verdict) -> str | None:
    """The verdict's mistake class; a missing or extra term counts as the class ``term``."""
    if verdict.diagnosis is None and not verdict.correct and " term " in verdict.message:
        return "term"
    return verdict.diagnosis


def grade(case: Case):
    return check_answer(case.answer, case.reference, case.shapes, case.indices, wrt=case.wrt)


def grader_figures(corpus: list[Case], rounds: int) -> list[float]:
    """Print accuracy, diagnosis hit rate and latency; return each case's median seconds."""
    start = time.perf_counter()
    for case in corpus:  # build each exercise's reference once, as a notebook does
        grade(case)
    print(f"  first pass (builds {len({c.topic for c in corpus})} references): "
          f"{time.perf_counter() - start:.2f} s")
    verdicts = [grade(c) for c in corpus]
    false_accepts = [c for c, v in zip(corpus, verdicts, strict=True)
                     if v.correct and not c.expected_correct]
    false_rejects = [c for c, v in zip(corpus, verdicts, strict=True)
                     if not v.correct and c.expected_correct]
    classed = [(c, v) for c, v in zip(corpus, verdicts, strict=True)
               if not c.expected_correct and c.expected_diagnosis is not None]
    hits = sum(label(v) == c.expected_diagnosis for c, v in classed)
    unclassed = [(c, v) for c, v in zip(corpus, verdicts, strict=True)
                 if not c.expected_correct and c.expected_diagnosis is None]
    right = sum(c.expected_correct for c in corpus)
    print(f"  cases: {len(corpus)} ({right} right, {len(corpus) - right} wrong)")
    print(f"  false accepts: {len(false_accepts)}   false rejects: {len(false_rejects)}   "
          f"accuracy: {1 - (len(false_accepts) + len(false_rejects)) / len(corpus):.1%}")
    for c in false_accepts + false_rejects:
        print(f"    MISJUDGED {c.answer!r} vs {c.reference!r}")
    print(f"  diagnosis hit rate on wrong answers of a known class: {hits}/{len(classed)} = "
          f"{hits / len(classed):.1%} (bar: 90%)")
    for c, v in classed:
        if label(v) != c.expected_diagnosis:
            print(f"    MISSED {c.answer!r}: expected {c.expected_diagnosis}, got {label(v)}")
    spurious = sum(label(v) is not None for _, v in unclassed)
    print(f"  wrong answers of no class given a label anyway: {spurious}/{len(unclassed)}")
    per_case = [[] for _ in corpus]
    for _ in range(rounds):
        _parse_cached.cache_clear()  # time the parse too, not a cache hit
        for k, case in enumerate(corpus):
            t0 = time.perf_counter()
            grade(case)
            per_case[k].append(time.perf_counter() - t0)
    times = sorted(t for ts in per_case for t in ts)
    median, p99 = statistics.median(times), times[int(0.99 * (len(times) - 1))]
    print(f"  latency over {len(times)} checks: median {median * 1e3:.3f} ms, p99 "
          f"{p99 * 1e3:.3f} ms, max {times[-1] * 1e3:.3f} ms (bars: 2 ms, 50 ms)")
    return [statistics.median(ts) for ts in per_case]


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that SymPy's ``except Exception`` can't eat it."""


def _on_alarm(signum, frame):
    raise _Timeout


def timed(fn):
    """``(result, seconds)``; result None when SymPy fails or runs past ``SYMPY_SECONDS``."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(SYMPY_SECONDS)
    t0 = time.perf_counter()
    try:
        result = fn()
    except _Timeout:
        result = "timeout"
    except Exception:  # noqa: BLE001 - ShapeError and friends: SymPy says "not equal"
        result = False
    finally:
        signal.alarm(0)
    return result, time.perf_counter() - t0


def sympy_symbolic(sp, answer, reference) -> bool:
    diff = sp.simplify(answer - reference)
    return bool(diff == 0 or getattr(diff, "is_ZeroMatrix", False)
                or isinstance(diff, sp.ZeroMatrix))


def sympy_explicit(sp, answer, reference) -> bool | None:
    a, r = (_explicit(sp, x) for x in (answer, reference))
    if isinstance(a, sp.MatrixBase) != isinstance(r, sp.MatrixBase):
        return False
    if isinstance(a, sp.MatrixBase) and a.shape != r.shape:
        return False
    return a.equals(r)


def _explicit(sp, e):
    """Every MatrixSymbol replaced by a matrix of scalar symbols, then evaluated."""
    symbols = e.atoms(sp.MatrixSymbol)
    e = e.xreplace({m: m.as_explicit() for m in symbols}).doit()
    return e.as_explicit() if isinstance(e, sp.MatrixExpr) else e


def sympy_figures(corpus: list[Case], limit: int | None, ours: list[float]) -> None:
    """SymPy's verdicts on the pairs whose answer parses (index forms: simplify only)."""
    import sympy as sp

    from matcalc_edu.render import to_sympy

    pairs = []
    for case, our_seconds in zip(corpus, ours, strict=True):
        try:
            pairs.append((case, to_sympy(parse(case.answer, case.shapes)),
                          to_sympy(parse(case.reference, case.shapes)), our_seconds))
        except (ExprError, ValueError, TypeError):
            continue  # unreadable answers: SymPy has nothing to compare
    total = len(pairs)
    if limit and total > limit:
        pairs = pairs[:: total // limit][:limit]
    print(f"  pairs whose answer parses: {total}; SymPy run on {len(pairs)}"
          + (" (a spread-out subset, to keep the run short)" if len(pairs) < total else ""))
    for name, fn, matrix_only in (("simplify(S - R) == 0", sympy_symbolic, False),
                                  ("explicit Matrix.equals", sympy_explicit, True)):
        results = []
        for case, answer, reference, our_seconds in pairs:
            if matrix_only and case.indices:
                continue
            verdict, seconds = timed(lambda f=fn, a=answer, r=reference: f(sp, a, r))
            results.append((case, verdict, seconds, our_seconds))
        _sympy_report(name, results, matrix_only)


def _sympy_report(name: str, results: list, matrix_only: bool) -> None:
    """Accuracy (undecided counts as 'not equal', as a grader must), times and the speed ratio."""
    right = sum((v is True) == c.expected_correct for c, v, _, _ in results)
    false_rejects = sum(c.expected_correct and v is not True for c, v, _, _ in results)
    false_accepts = sum(not c.expected_correct and v is True for c, v, _, _ in results)
    undecided = sum(v is None for _, v, _, _ in results)
    timeouts = sum(v == "timeout" for _, v, _, _ in results)
    sympy_median = statistics.median(s for _, _, s, _ in results)
    ours_median = statistics.median(o for _, _, _, o in results)
    print(f"  SymPy {name} on {len(results)} pairs: accuracy {right / len(results):.1%} "
          f"(false accepts {false_accepts}, false rejects {false_rejects}; undecided "
          f"{undecided}, stopped after {SYMPY_SECONDS} s {timeouts})")
    print(f"    median {sympy_median * 1e3:.1f} ms, max {max(s for _, _, s, _ in results):.2f} s;"
          f" check_answer median on the same pairs {ours_median * 1e3:.3f} ms: "
          f"{sympy_median / ours_median:.0f}x faster" + (" (bar: 50x)" if matrix_only else ""))
    if matrix_only:
        print("    (index-notation pairs skipped: they have no explicit matrix form)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, SymPy on a subset")
    args = parser.parse_args()
    corpus = cases()
    print("check_answer" + (" (quick)" if args.quick else ""))
    ours = grader_figures(corpus, rounds=3 if args.quick else 20)
    print("SymPy on the same pairs")
    sympy_figures(corpus, 40 if args.quick else None, ours)


if __name__ == "__main__":
    main()
