"""Index notation for the grader: how far every index of an expression runs (lesson 02).

Declared sizes come first, then the sizes of the arrays an index subscripts, then, for an index
seen only in deltas (``sum(delta(i,r)*delta(r,k), r)``), the size of its partner. An index that
subscripts arrays of different sizes is an ``ExprError``, not a silently shortened sum.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from .errors import ExprError
from .expr import Expr


def nodes(expr: Expr) -> Iterator[Expr]:
    """Every node of the tree, without recursion."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.args)


def resolve_index_sizes(expr: Expr, known: Mapping[str, int],
                        dims: Mapping[str, int]) -> dict[str, int]:
    """``known`` plus a size for every other index of ``expr`` that can be worked out."""
    sizes, seen = dict(known), {}
    all_nodes = list(nodes(expr))
    for node in (n for n in all_nodes if n.op == "idx"):
        for name, size in zip(node.data, _axis_sizes(node, dims), strict=True):
            if isinstance(name, str) and name not in known:
                seen.setdefault(name, {}).setdefault(size, node.text or "an array")
    for name, where in seen.items():
        if len(where) > 1:
            (a, x), (b, y) = list(where.items())[:2]
            raise ExprError(f"index {name} runs over {a} values in {x} but over {b} in {y}",
                            "invalid_operation")
        sizes[name] = next(iter(where))
    deltas = [n.data for n in all_nodes if n.op == "delta"]
    for _ in range(len(deltas)):
        for u, v in [pair for a, b in deltas for pair in ((a, b), (b, a))]:
            if isinstance(u, str) and u not in sizes and isinstance(v, str) and v in sizes:
                sizes[u] = sizes[v]
    return sizes


def _axis_sizes(node: Expr, dims: Mapping[str, int]) -> list[int]:
    """The concrete sizes the subscripts of an ``idx`` node range over."""
    rows, cols = (dims[d] if isinstance(d, str) else d for d in node.args[0].shape)
    return [rows, cols] if len(node.data) == 2 else [rows if cols == 1 else cols]


def spread(value: np.ndarray, expr: Expr, free_order: tuple[str, ...],
           index_sizes: Mapping[str, int]) -> np.ndarray:
    """A term with fewer free indices than the whole, repeated along the missing axes."""
    if not free_order or value.ndim == len(free_order):
        return value
    mine = expr.free_indices
    shape = [index_sizes[i] if i in mine else 1 for i in free_order]
    if value.size != np.prod(shape):
        return value
    return np.broadcast_to(value.reshape(shape), [index_sizes[i] for i in free_order])
