"""The grader's numeric side: an exercise's reference computed at random draws, and comparisons.

A ``Reference`` is built once per exercise (grading.py caches it); answers are then computed at
the same draws and compared entry by entry with a relative tolerance that cannot mistake a near
miss such as ``0.999 * answer`` for the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from .errors import ExprError
from .evaluate import evaluate
from .expr import Expr, make
from .grading_indices import resolve_index_sizes, spread
from .parser import parse
from .sampling import dim_sizes, sample_values
from .shapes import MAX_DIM, Shape, fmt, is_scalar
from .verdict import Verdict

N_DRAWS = 4  # independent random points per check
RTOL = 1e-8  # relative to the largest entry; rounding errors are ~1e-14 at these sizes
_NUMERIC_ERRORS = (np.linalg.LinAlgError, ArithmeticError, ValueError, TypeError, IndexError)


@dataclass(frozen=True, eq=False)
class Reference:
    """A parsed reference with its draws, its values there, and what messages need to know."""

    expr: Expr
    shapes: dict[str, Shape]
    sizes: dict[str, int]  # concrete sizes of the named dimensions
    draws: tuple[dict, ...]
    results: tuple[np.ndarray, ...]
    index_sizes: dict[str, int]  # how far each index runs ({} for a matrix expression)
    free_order: tuple[str, ...]  # free indices in the order of the result's axes
    max_dim: int
    terms: tuple  # (sign, term, values) per top-level term, when there are two or more
    budget: float = float("inf")


def build_reference(text: str, shapes: dict[str, Shape], indices: Mapping[str, int | str],
                    seed: int) -> Reference:
    """Parse and compute the reference; raises ``ValueError`` if the exercise itself is broken."""
    try:
        expr = parse(text, shapes)
    except ExprError as err:
        raise ValueError(f"the reference {text!r} is invalid: {err.message}") from None
    sizes = dim_sizes(shapes, seed)
    draws = tuple(_frozen(sample_values(shapes, seed, k, sizes)) for k in range(N_DRAWS))
    index_sizes = _index_sizes(expr, indices, sizes) if expr.has_index else {}
    dims = [d for s in shapes.values() for d in s if isinstance(d, int)]
    free_order = tuple(i for i in index_sizes if i in expr.free_indices)
    ref = Reference(expr, shapes, sizes, draws, (), index_sizes, free_order,
                    max([1, *dims, *sizes.values(), *index_sizes.values()]), ())
    results = tuple(_reference_value(expr, d, ref, text) for d in draws)
    return replace(ref, results=results, terms=_term_values(ref))


def _term_values(ref: Reference) -> tuple:
    """Each term of the multiplied-out reference with its values; () if there's one, or trouble."""
    terms = expand_terms(ref.expr)
    if len(terms) < 2:
        return ()
    try:
        return tuple((sign, term, tuple(spread(_reference_value(term, d, ref, ""), term,
                                               ref.free_order, ref.index_sizes)
                                        for d in ref.draws))
                     for sign, term in terms)
    except ValueError:
        return ()


def _frozen(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for a in values.values():
        a.setflags(write=False)
    return values


def _index_sizes(expr: Expr, declared: Mapping[str, int | str],
                 sizes: Mapping[str, int]) -> dict[str, int]:
    """Concrete sizes of the declared indices, then of the free ones the arrays imply (sorted)."""
    given = {}
    for name, size in declared.items():
        if isinstance(size, str) and size in sizes:
            given[name] = sizes[size]
        elif type(size) is int and 1 <= size <= MAX_DIM:
            given[name] = size
        else:
            raise ValueError(f"index {name} must run over 1..{MAX_DIM} values or a dimension "
                             f"name; got {size!r}")
    try:
        resolved = resolve_index_sizes(expr, given, sizes)
    except ExprError as err:
        raise ValueError(f"the reference cannot be computed: {err.message}") from None
    free = expr.free_indices
    if free - set(resolved):
        raise ValueError(f"cannot tell how far index {sorted(free - set(resolved))[0]} runs: "
                         "give its size in indices")
    return {**given, **{i: resolved[i] for i in sorted(free - set(given))}}


def compute(expr: Expr, values: dict, ref: Reference) -> np.ndarray:
    """``expr`` at one draw of ``ref``'s symbols, with every index sized (may raise)."""
    sizes = resolve_index_sizes(expr, ref.index_sizes, ref.sizes) if ref.index_sizes else {}
    with np.errstate(all="ignore"):
        return evaluate(expr, values, sizes, sizes=ref.sizes)  # eye(n) needs the size of n


def _reference_value(expr: Expr, values: dict, ref: Reference, text: str) -> np.ndarray:
    try:
        result = compute(expr, values, ref)
    except _NUMERIC_ERRORS as err:
        raise ValueError(f"the reference {text!r} cannot be computed: {err}") from None
    if not np.all(np.isfinite(result)):
        raise ValueError(f"the reference {text!r} is not finite at random values")
    return result


def answer_values(expr: Expr, ref: Reference, draws: tuple[dict, ...] | None = None
                  ) -> list[np.ndarray] | Verdict:
    """The answer at every draw, shaped like the reference, or a verdict saying why it can't be."""
    try:
        values = [compute(expr, d, ref) for d in (draws or ref.draws)]
    except ExprError as err:
        return Verdict(False, f"Your expression is not defined: {err.message}.",
                       "invalid_operation")
    except _NUMERIC_ERRORS:
        return Verdict(False, "Your answer cannot be computed at random values of the symbols "
                              "(is a matrix that cannot be inverted involved?).")
    if not all(np.all(np.isfinite(v)) for v in values):
        return Verdict(False, "At random values of the symbols your answer is not a finite number "
                              "(log of a negative number? division by zero?), while the expected "
                              "result is.")
    return [_like(spread(v, expr, ref.free_order, ref.index_sizes), r)
            for v, r in zip(values, ref.results, strict=True)]


def _like(value: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A scalar and a 1×1 matrix are the same thing here."""
    if value.shape != target.shape and value.size == target.size == 1:
        return value.reshape(target.shape)
    return value


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to rounding: every entry within ``RTOL`` of the largest entry of either."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b), initial=0.0)) <= RTOL * scale


def all_close(values: list[np.ndarray], targets) -> bool:
    """``close`` at every draw."""
    return all(close(a, b) for a, b in zip(values, targets, strict=True))


def same_shape(a: Shape, b: Shape) -> bool:
    """Equal shapes, counting a scalar and a 1×1 matrix as equal."""
    return a == b or (is_scalar(a) and is_scalar(b))


def gradient_note(ref: Reference, wrt: str | None) -> str:
    """Why the result has its shape: the gradient's rule when it applies (lesson 01)."""
    want = ref.expr.shape
    if wrt is not None and same_shape(want, ref.shapes[wrt]) and not is_scalar(want):
        return f"a gradient has the shape of its variable {wrt} ({fmt(want)})"
    return f"the expected result is {describe(want)}"


def describe(shape: Shape) -> str:
    """``3×2``, or ``a scalar``, to follow 'is' in a message."""
    return "a scalar" if shape == () else fmt(shape)


def expand_terms(expr: Expr, limit: int = 16) -> list[tuple[int, Expr]]:
    """Signed terms after multiplying out: ``(W@x - t) @ x.T`` -> ``W@x@x.T``, ``-t@x.T``.

    Products, transposes and divisions by a scalar are distributed over sums; an expansion that
    would give more than ``limit`` terms, or a shape that does not fit, keeps the node whole.
    """
    op, args = expr.op, expr.args
    if op in ("add", "sub", "neg"):
        out = [(s, t) for part in top_terms(expr) for s, t in _scaled_terms(part, limit)]
    elif op in ("matmul", "mul", "outer"):
        left, right = expand_terms(args[0], limit), expand_terms(args[1], limit)
        if len(left) * len(right) > limit:
            return [(1, expr)]
        out = [(sl * sr, _rebuild(expr, (tl, tr))) for sl, tl in left for sr, tr in right]
    elif op in ("T", "div"):
        out = [(s, _rebuild(expr, (t, *args[1:]))) for s, t in expand_terms(args[0], limit)]
    else:
        out = [(1, expr)]
    if len(out) > limit or any(t is None for _, t in out):
        return [(1, expr)]
    return out


def _scaled_terms(part: tuple[int, Expr], limit: int) -> list[tuple[int, Expr]]:
    sign, node = part
    return [(sign * s, t) for s, t in expand_terms(node, limit)]


def _rebuild(expr: Expr, args: tuple) -> Expr | None:
    """``expr``'s operation on new operands (itself when they are unchanged)."""
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    try:
        return make(expr.op, args, expr.data, expr.pos)
    except ExprError:
        return None


def top_terms(expr: Expr) -> list[tuple[int, Expr]]:
    """The terms of a sum with their signs: ``a - (b - c)`` -> ``[(1, a), (-1, b), (1, c)]``."""
    out, stack = [], [(1, expr)]
    while stack:
        sign, node = stack.pop()
        if node.op in ("add", "sub"):
            stack.append((sign if node.op == "add" else -sign, node.args[1]))
            stack.append((sign, node.args[0]))
        elif node.op == "neg":
            stack.append((-sign, node.args[0]))
        else:
            out.append((sign, node))
    return out
