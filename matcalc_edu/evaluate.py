"""Compute an ``Expr`` with numpy for concrete values of its symbols.

Index notation is evaluated the einsum way: every index name gets its own array axis, so
``delta(i,k) * C[l,j]`` becomes one 4-axis array and ``sum(..., r)`` sums over the ``r`` axis.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .errors import ExprError
from .expr import Expr


def bind_values(expr_shapes: Mapping[str, tuple],
                values: Mapping[str, object]) -> tuple[dict, dict]:
    """Convert values to float arrays (vectors as columns) and learn the size of each named dim."""
    arrays, sizes = {}, {}
    for name, shape in expr_shapes.items():
        if name not in values:
            continue
        a = np.asarray(values[name], dtype=float)
        if a.ndim == 1 and len(shape) == 2 and shape[1] == 1:
            a = a.reshape(-1, 1)
        if a.ndim != len(shape):
            raise ValueError(f"value of {name} has shape {a.shape}, expected {shape}")
        for want, got in zip(shape, a.shape):
            if isinstance(want, str):
                if sizes.setdefault(want, got) != got:
                    raise ValueError(f"dimension {want} is {sizes[want]} elsewhere "
                                     f"but {got} in {name}")
            elif want != got:
                raise ValueError(f"value of {name} has shape {a.shape}, expected {shape}")
        arrays[name] = a
    return arrays, sizes


def symbols_of(expr: Expr) -> dict[str, tuple]:
    """Every symbol an expression uses, with its declared shape."""
    found = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.op == "sym":
            found[e.data] = e.shape
        stack.extend(e.args)
    return found


def all_indices(expr: Expr) -> list[str]:
    """Every index name in the tree, free or summed, sorted (one array axis each)."""
    names = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.op in ("idx", "delta"):
            names.update(i for i in e.data if isinstance(i, str))
        if e.op == "sum":
            names.add(e.data)
        stack.extend(e.args)
    return sorted(names)


class _Context:
    def __init__(self, arrays: dict, sizes: dict, axes: list[str], index_sizes: dict) -> None:
        self.arrays, self.sizes, self.axes = arrays, sizes, axes
        self.index_sizes = dict(index_sizes)

    def dim(self, d) -> int:
        if isinstance(d, str) and d not in self.sizes:
            raise ExprError(f"the size {d} is not known here: give it in sizes",
                            "invalid_operation")
        return self.sizes[d] if isinstance(d, str) else d

    def grid(self, name: str, size: int) -> np.ndarray:
        """0..size-1 laid along the axis of index ``name``."""
        shape = [1] * len(self.axes)
        shape[self.axes.index(name)] = size
        return np.arange(size).reshape(shape)


def evaluate(expr: Expr, values: Mapping[str, object],
             indices: Mapping[str, int] | None = None,
             sizes: Mapping[str, int] | None = None) -> np.ndarray:
    """Evaluate ``expr``; for index notation the result has one axis per free index.

    The free indices come in the order of ``indices`` (their sizes) when given, else sorted.
    ``sizes`` gives named dimensions that no symbol of ``expr`` carries (as in ``eye(n)``).
    """
    if indices is not None and not isinstance(indices, Mapping):
        raise ValueError("indices must map each free index to how far it runs, e.g. "
                         "{'i': 3, 'j': 2}")
    arrays, learned = bind_values(symbols_of(expr), values)
    sizes = {**(sizes or {}), **learned}
    missing = set(symbols_of(expr)) - set(arrays)
    if missing:
        raise ValueError(f"no value given for {', '.join(sorted(missing))}")
    indices = dict(indices or {})
    if not expr.has_index:
        return np.asarray(_ev(expr, _Context(arrays, sizes, [], indices)), dtype=float)
    axes = all_indices(expr)
    ctx = _Context(arrays, sizes, axes, indices)
    _infer_index_sizes(expr, ctx)
    free_set = expr.free_indices
    target = [ctx.index_sizes[a] if a in free_set else 1 for a in axes]
    result = np.broadcast_to(_ev(expr, ctx), target)
    free = [i for i in indices if i in free_set]
    free += sorted(free_set - set(free))
    bound = tuple(k for k, a in enumerate(axes) if a not in free_set)
    result = np.squeeze(result, axis=bound) if bound else result
    kept = [a for a in axes if a in free_set]
    return np.ascontiguousarray(np.transpose(result, [kept.index(a) for a in free]), dtype=float)


def _infer_index_sizes(expr: Expr, ctx: _Context) -> None:
    """Learn how far each index runs from the arrays it subscripts (or its delta partner).

    Sizes given by the caller win; an index that two arrays disagree on is an error, since
    summing it over the shorter range would silently give a wrong number.
    """
    seen: dict[str, tuple[int, str]] = {}
    deltas = []
    stack = [expr]
    while stack:
        e = stack.pop()
        stack.extend(reversed(e.args))  # left to right, so messages follow the reading order
        if e.op == "delta":
            deltas.append(e.data)
        if e.op != "idx":
            continue
        for name, size in zip(e.data, _index_dims(e, ctx)):
            if not isinstance(name, str):
                continue
            where = e.args[0].text or "an array"
            first = seen.setdefault(name, (size, where))
            if first[0] != size and name not in ctx.index_sizes:
                raise ExprError(f"index {name} runs over {first[0]} values in {first[1]} but "
                                f"{size} in {where}", "invalid_operation", e.pos)
    for name, (size, _where) in seen.items():
        ctx.index_sizes.setdefault(name, size)
    for _ in range(2):  # delta(r, l): r runs as far as l
        for a, b in deltas:
            for x, y in ((a, b), (b, a)):
                if isinstance(x, str) and isinstance(y, str) and y in ctx.index_sizes:
                    ctx.index_sizes.setdefault(x, ctx.index_sizes[y])
    for name in ctx.axes:
        if name not in ctx.index_sizes:
            raise ExprError(f"cannot tell how far index {name} runs: no array is subscripted "
                            "by it", "invalid_operation")


def _index_dims(e: Expr, ctx: _Context) -> list[int]:
    """The sizes that the subscripts of ``e`` (an ``idx`` node) range over."""
    rows, cols = (ctx.dim(d) for d in e.args[0].shape)
    if len(e.data) == 2:
        return [rows, cols]
    return [rows if cols == 1 else cols]


def _squeeze(node: Expr, value):
    """Inside index notation a 1×1 matrix acts as a number."""
    if node.shape == (1, 1) and not node.has_index:
        return np.asarray(value).reshape(())
    return value


def _ev(e: Expr, ctx: _Context):
    return _OPS[e.op](e, ctx)


def _args(e: Expr, ctx: _Context) -> list:
    vals = [_ev(a, ctx) for a in e.args]
    if e.has_index:
        vals = [_squeeze(a, v) for a, v in zip(e.args, vals)]
    return vals


def _idx(e: Expr, ctx: _Context):
    base = np.asarray(_ev(e.args[0], ctx))
    dims = _index_dims(e, ctx)
    if len(e.data) == 1:
        base = base.reshape(-1)
    picks = []
    for name, size in zip(e.data, dims):
        if isinstance(name, int):
            if name >= size:
                raise ExprError(f"index {name} is past the end of {e.args[0].text} "
                                f"(size {size}; counting starts at 0)", "invalid_operation", e.pos)
            picks.append(name)
            continue
        runs = ctx.index_sizes[name]
        if runs > size:
            what = e.args[0].text or "the array"
            raise ExprError(f"index {name} runs over {runs} values but {what} has only {size} "
                            "there", "invalid_operation", e.pos)
        picks.append(ctx.grid(name, runs))
    return base[tuple(picks)]


def _delta(e: Expr, ctx: _Context):
    a, b = (ctx.grid(i, ctx.index_sizes[i]) if isinstance(i, str) else i for i in e.data)
    return (a == b).astype(float)


def _sum(e: Expr, ctx: _Context):
    (body,) = _args(e, ctx)
    axis = ctx.axes.index(e.data)
    full = np.broadcast_to(body, np.broadcast_shapes(np.shape(body), ctx.grid(
        e.data, ctx.index_sizes[e.data]).shape))
    return full.sum(axis=axis, keepdims=True)


def _log(e: Expr, ctx: _Context):
    (a,) = _args(e, ctx)
    a = np.asarray(a)
    return np.log(a.reshape(()) if a.shape == (1, 1) else a)


_OPS = {
    "sym": lambda e, c: c.arrays[e.data],
    "num": lambda e, c: float(e.data),
    "eye": lambda e, c: np.eye(c.dim(e.data)),
    "matmul": lambda e, c: np.matmul(*_args(e, c)),
    "add": lambda e, c: np.add(*_args(e, c)),
    "sub": lambda e, c: np.subtract(*_args(e, c)),
    "mul": lambda e, c: np.multiply(*_args(e, c)),
    "div": lambda e, c: np.divide(*_args(e, c)),
    "neg": lambda e, c: np.negative(*_args(e, c)),
    "pow": lambda e, c: np.power(_args(e, c)[0], float(e.data)),
    "T": lambda e, c: np.transpose(_args(e, c)[0]),
    "inv": lambda e, c: np.linalg.inv(_args(e, c)[0]),
    "det": lambda e, c: np.linalg.det(_args(e, c)[0]),
    "tr": lambda e, c: np.trace(_args(e, c)[0]),
    "log": _log,
    "outer": lambda e, c: np.outer(*(np.ravel(v) for v in _args(e, c))),
    "idx": _idx,
    "delta": _delta,
    "sum": _sum,
}
