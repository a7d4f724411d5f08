"""Turn derived index-notation terms into numbers: an ``Expr`` of idx/delta/sum nodes.

``Derivation.jacobian`` uses this, so the index form itself is what gets checked against
finite differences (not a separately written formula).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .evaluate import bind_values, evaluate, symbols_of
from .expr import Expr, make, number
from .index_tree import Delta, Term
from .shapes import concrete


def _factor_expr(f) -> Expr:
    if isinstance(f, Delta):
        return make("delta", (), (f.a, f.b))
    if not f.indices():
        return f.mat
    return make("idx", (f.mat,), f.indices())


def _term_expr(t: Term) -> Expr:
    parts = [_factor_expr(f) for f in t.factors]
    if abs(t.coeff) != 1 or not parts:
        parts.insert(0, number(abs(t.coeff)))
    body = parts[0]
    for part in parts[1:]:
        body = make("mul", (body, part))
    for name, _dim in reversed(t.sums):
        body = make("sum", (body,), name)
    return body


def terms_to_expr(terms: list[Term]) -> Expr:
    """The sum of the terms as one index-notation expression."""
    if not terms:
        return number(0)
    out = _term_expr(terms[0])
    out = out if terms[0].coeff > 0 else make("neg", (out,))
    for t in terms[1:]:
        out = make("add" if t.coeff > 0 else "sub", (out, _term_expr(t)))
    return out


def _scalar_shape(shape: tuple) -> tuple:
    return () if shape in ((), (1, 1)) else shape


def evaluate_terms(d, values: Mapping[str, object]) -> np.ndarray:
    """The Jacobian of a derivation at ``values``: shape out.shape + wrt.shape."""
    expr = terms_to_expr(d.terms)
    shapes = symbols_of(d.expr)
    _, sizes = bind_values(shapes, values)
    out_shape = concrete(_scalar_shape(d.expr.shape), sizes)
    wrt_shape = concrete(_scalar_shape(d.wrt.shape), sizes)
    dims = concrete(d.expr.shape or (1, 1), sizes) + concrete(d.wrt.shape or (1, 1), sizes)
    indices = {name: n for name, n in zip(d.free, dims) if name is not None}
    for t in d.terms:
        for name, dim in t.sums:
            indices.setdefault(name, sizes[dim] if isinstance(dim, str) else dim)
    free = {n: s for n, s in indices.items() if n in d.free}
    ordered = {**free, **indices}  # free indices first (their order), then the summed ones
    arr = evaluate(expr, values, ordered) if expr.has_index else np.asarray(evaluate(expr, values))
    arr = np.asarray(arr, dtype=float).reshape(np.shape(arr))
    present = [n for n in free if n in expr.free_indices]
    for pos, name in enumerate(free):
        if name not in present:
            arr = np.expand_dims(arr, pos)
    arr = np.broadcast_to(arr, tuple(free.values()) or arr.shape)
    return np.array(arr).reshape(out_shape + wrt_shape)
