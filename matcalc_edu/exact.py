"""Exact confirmation of a numerically accepted answer, where it is cheap (grading.py).

Floating-point comparison needs a tolerance, and an answer such as ``1.000000001 * A`` hides
inside it. For polynomial expressions (no ``inv``, ``det``, ``log`` or fractional powers) both
sides are computed once more with random whole-number matrices in exact rational arithmetic:
two different polynomials agree at a random integer point only by a fluke.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from .expr import Expr

MAX_DEGREE = 24  # rational numbers grow with the degree; beyond this the float check stands
MAX_NODES = 150
EXACT_OPS = {"sym", "num", "eye", "matmul", "add", "sub", "mul", "neg", "div", "pow", "T",
             "tr", "outer"}


def is_polynomial(e: Expr) -> bool:
    """True when ``e`` can be computed exactly with rationals (integer powers only)."""
    if e.op not in EXACT_OPS or e.has_index:
        return False
    if e.op == "pow" and e.data.denominator != 1:
        return False
    return all(is_polynomial(a) for a in e.args)


def degree(e: Expr) -> int:
    """The polynomial degree of ``e`` in its symbols' entries (a cost bound for exact work)."""
    if e.op == "sym":
        return 1
    if e.op in ("num", "eye"):
        return 0
    parts = [degree(a) for a in e.args]
    if e.op in ("add", "sub"):
        return max(parts)
    if e.op == "pow":
        return parts[0] * abs(int(e.data))
    return sum(parts)


def _size(e: Expr) -> int:
    return 1 + sum(_size(a) for a in e.args)


def cheap(e: Expr) -> bool:
    """Polynomial, small and of low degree: worth an exact check."""
    return is_polynomial(e) and _size(e) <= MAX_NODES and degree(e) <= MAX_DEGREE


def exact_values(shapes: Mapping[str, tuple], sizes: Mapping[str, int], seed: int) -> dict:
    """Random whole numbers in -9..9 (never 0 for scalars, which may be divided by)."""
    rng = np.random.default_rng([seed, 7])
    values = {}
    for name, shape in shapes.items():
        dims = tuple(sizes[d] if isinstance(d, str) else d for d in shape)
        draw = rng.integers(1, 10, size=dims) * rng.choice([-1, 1], size=dims)
        values[name] = np.array([Fraction(int(v)) for v in draw.ravel()],
                                dtype=object).reshape(dims)
    return values


def _ev(e: Expr, v: dict, sizes: Mapping[str, int]):
    op, a = e.op, e.args
    if op == "sym":
        return v[e.data]
    if op == "num":
        return e.data
    if op == "eye":
        n = sizes[e.data] if isinstance(e.data, str) else e.data
        return np.array([[Fraction(int(i == j)) for j in range(n)] for i in range(n)],
                        dtype=object)
    x = [_ev(arg, v, sizes) for arg in a]
    if op == "matmul":
        return np.dot(x[0], x[1])
    if op in ("add", "sub", "mul"):
        return {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op](x[0], x[1])
    if op == "div":
        return x[0] / np.asarray(x[1]).reshape(())[()]
    if op == "neg":
        return -x[0]
    if op == "pow":
        return np.asarray(x[0]) ** int(e.data)
    if op == "T":
        return np.transpose(x[0])
    if op == "tr":
        return np.trace(x[0])
    return np.outer(np.ravel(x[0]), np.ravel(x[1]))  # outer


def exact_value(e: Expr, shapes: Mapping[str, tuple], sizes: Mapping[str, int], seed: int = 0):
    """``e`` at a random integer point, as an object array of Fractions."""
    return np.asarray(_ev(e, exact_values(shapes, sizes, seed), sizes), dtype=object)


def exact_ratio(answer: Expr, reference: Expr, shapes: Mapping[str, tuple],
                sizes: Mapping[str, int], seed: int = 0) -> Fraction | None:
    """1 when the two agree exactly; the common factor c when answer = c·reference; else None.

    Raises ``ValueError`` when either side is not polynomial (no exact check is possible).
    """
    if not (cheap(answer) and cheap(reference)):
        raise ValueError("no cheap exact check: not a small polynomial expression")
    try:
        got = exact_value(answer, shapes, sizes, seed).ravel()
        want = exact_value(reference, shapes, sizes, seed).ravel()
    except ZeroDivisionError:
        return None
    if got.shape != want.shape:
        return None
    ratios = {g / w for g, w in zip(got, want) if w != 0}
    if any(g != 0 for g, w in zip(got, want) if w == 0) or len(ratios) > 1:
        return None
    return ratios.pop() if ratios else Fraction(1)
