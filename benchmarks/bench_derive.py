"""Benchmark: matcalc-edu's derive vs SymPy's MatrixExpr.diff on the same expressions.

Prints, per engine, how many derivatives are right (checked against finite differences) and the
median time per derivation. matcalc-edu's time includes the steps and its own numeric cross-check.
Run: python benchmarks/bench_derive.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcalc_edu import derive, numeric_jacobian  # noqa: E402
from matcalc_edu.evaluate import evaluate  # noqa: E402
from matcalc_edu.parser import parse  # noqa: E402
from matcalc_edu.render import to_sympy  # noqa: E402
from matcalc_edu.sampling import sample_values  # noqa: E402

S = {"W": (3, 2), "x": (2, 1), "t": (3, 1), "X": (3, 3), "A": (3, 3), "D": (3, 3),
     "a": (3, 1), "b": (3, 1), "c": (3, 1), "y": (3, 1), "P": (2, 3), "Y": (3, 2), "Q": (2, 2)}
EXPRESSIONS = [  # scalar-valued, so both engines give a gradient matrix
    ("0.5*(W@x - t).T@(W@x - t)", "W"), ("0.5*(W@x - t).T@(W@x - t)", "x"),
    ("a.T@y", "y"), ("y.T@A@y", "y"), ("y.T@y", "y"), ("a.T@X@b", "X"), ("a.T@inv(X)@b", "X"),
    ("tr(X)", "X"), ("tr(A@X)", "X"), ("tr(X.T@A)", "X"), ("tr(A@X@D)", "X"),
    ("tr(A@X@D@X)", "X"), ("tr(X@A@X.T)", "X"), ("tr(inv(X))", "X"), ("tr(A@inv(X)@D)", "X"),
    ("tr(P@Y@Q)", "Y"), ("det(X)", "X"), ("log(det(X))", "X"), ("det(X)**2", "X"),
    ("(X@b + c).T@D@(X@b + c)", "X"), ("log(y.T@y)", "y"), ("a.T@X.T@X@b", "X"),
]


def finite_difference_gradient(expr: str, wrt: str, values: dict) -> np.ndarray:
    e, base = parse(expr, S), dict(values)

    def f(Z):
        base[wrt] = Z
        return np.reshape(evaluate(e, base), ())

    return numeric_jacobian(f, values[wrt])


def close(got, want) -> bool:
    got = np.asarray(got, dtype=float)
    return got.size == want.size and np.allclose(got.reshape(want.shape), want, atol=1e-6)


def run_ours(expr, wrt, values, want):
    t0 = time.perf_counter()
    d = derive(expr, wrt, S)
    _ = d.steps, d.matrix_form
    elapsed = time.perf_counter() - t0
    return close(evaluate(d.matrix_expr, values), want), elapsed


def _to_numbers(r) -> np.ndarray:
    """A sympy result with numbers substituted, as a numpy array (matrix or scalar)."""
    if hasattr(r, "as_explicit"):
        r = r.as_explicit()
    if isinstance(r, sp.MatrixBase):
        return np.array(r.evalf().tolist(), dtype=float)
    return np.array(float(sp.N(r)))


def run_sympy(expr, wrt, values, want):
    t0 = time.perf_counter()
    try:
        f = to_sympy(parse(expr, S))
        var = to_sympy(parse(wrt, S))
        result = f.diff(var)
        elapsed = time.perf_counter() - t0
        subs = {to_sympy(parse(n, S)): sp.ImmutableMatrix(v) for n, v in values.items()}
        num = _to_numbers(result.xreplace(subs).doit())
        flipped = num.size == want.size and close(num.reshape(want.T.shape).T, want)
        ok = close(num, want) or flipped
    except Exception as err:  # sympy may refuse; that counts as not right
        return False, time.perf_counter() - t0, type(err).__name__
    return ok, elapsed, ""


def main() -> None:
    values = sample_values(S, seed=11)
    derive("a.T@X@b", "X", S)  # warm-up: imports and caches
    rows, ours_t, sym_t, ours_ok, sym_ok = [], [], [], 0, 0
    for expr, wrt in EXPRESSIONS:
        want = finite_difference_gradient(expr, wrt, values)
        ok1, t1 = run_ours(expr, wrt, values, want)
        ok2, t2, why = run_sympy(expr, wrt, values, want)
        ours_ok += ok1
        sym_ok += ok2
        ours_t.append(t1)
        sym_t.append(t2)
        rows.append(f"{expr + ' wrt ' + wrt:42} {'✓' if ok1 else '✗'} {t1 * 1e3:7.2f} ms   "
                    f"{'✓' if ok2 else '✗'} {t2 * 1e3:8.2f} ms {why}")
    print(f"{'expression':42} matcalc-edu      sympy MatrixExpr.diff")
    print("\n".join(rows))
    n = len(EXPRESSIONS)
    print(f"\nright: matcalc-edu {ours_ok}/{n}, sympy {sym_ok}/{n}")
    print(f"median time: matcalc-edu {statistics.median(ours_t) * 1e3:.2f} ms "
          f"(steps + finite-difference cross-check), sympy {statistics.median(sym_t) * 1e3:.2f} ms "
          "(result only)")
    t0 = time.perf_counter()
    import importlib
    import subprocess

    importlib.invalidate_caches()
    code = "import time; t=time.perf_counter(); import {m}; print(time.perf_counter()-t)"
    for module in ("matcalc_edu", "sympy"):
        out = subprocess.run([sys.executable, "-c", code.format(m=module)], capture_output=True,
                             text=True, cwd=Path(__file__).resolve().parents[1])
        print(f"cold import {module}: {float(out.stdout.strip()) * 1e3:.0f} ms")
    _ = t0


if __name__ == "__main__":
    main()
