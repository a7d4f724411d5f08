"""Shapes of the expression language: ``()`` for a scalar, ``(rows, cols)`` for everything else.

Vectors are columns, as in the course (lesson 00): a shape ``(n,)`` is read as ``(n, 1)``.
A dimension is a positive int or a name such as ``"m"``, for symbolic display.
"""

from __future__ import annotations

from collections.abc import Mapping

Dim = int | str
Shape = tuple  # () or (Dim, Dim)

MAX_DIM = 200


def normalize_shape(name: str, shape: object) -> Shape:
    """Check one entry of a shapes dict and return it as ``()`` or ``(rows, cols)``."""
    if isinstance(shape, (int, str)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or len(shape) > 2:
        raise ValueError(f"shape of {name} must be (), (n,) or (rows, cols); got {shape!r}")
    dims = tuple(_check_dim(name, d) for d in shape)
    if len(dims) == 1:
        return (dims[0], 1)
    return dims


def _check_dim(name: str, dim: object) -> Dim:
    if isinstance(dim, bool) or not isinstance(dim, (int, str)):
        raise ValueError(f"a dimension of {name} must be a whole number or a name; got {dim!r}")
    if isinstance(dim, int) and not 1 <= dim <= MAX_DIM:
        raise ValueError(f"a dimension of {name} must be between 1 and {MAX_DIM}; got {dim}")
    if isinstance(dim, str) and not dim.isidentifier():
        raise ValueError(f"a dimension name of {name} must be a word like 'n'; got {dim!r}")
    return dim


def normalize_shapes(shapes: Mapping[str, object]) -> dict[str, Shape]:
    """Normalize a whole shapes dict (see ``normalize_shape``)."""
    out = {}
    for name, shape in shapes.items():
        if not str(name).isidentifier():
            raise ValueError(f"symbol names must be words like 'W' or 'x'; got {name!r}")
        out[str(name)] = normalize_shape(name, shape)
    return out


def fmt(shape: Shape) -> str:
    """Human form of a shape: ``3×2``, ``m×n`` or ``scalar``."""
    return "scalar" if shape == () else "×".join(str(d) for d in shape)


def is_scalar(shape: Shape) -> bool:
    """True for ``()`` and for 1×1 results such as ``x.T @ x``."""
    return shape == () or shape == (1, 1)


def is_vector(shape: Shape) -> bool:
    """True for an n×1 column or a 1×n row (but not a scalar)."""
    return len(shape) == 2 and (shape[0] == 1 or shape[1] == 1) and not is_scalar(shape)


def dim_names(shapes: Mapping[str, Shape]) -> set[str]:
    """All dimension names used in a shapes dict."""
    return {d for s in shapes.values() for d in s if isinstance(d, str)}


def concrete(shape: Shape, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """Replace dimension names by the sizes chosen for them."""
    return tuple(sizes[d] if isinstance(d, str) else d for d in shape)
