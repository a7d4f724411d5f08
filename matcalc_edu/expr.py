"""The expression tree: one small immutable node type whose shape is checked when it is built.

``parse`` (parser.py) builds these; ``evaluate`` (evaluate.py) computes them with numpy and
``render.py`` turns them into text, sympy and LaTeX. Lesson 00 explains the shapes rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import ExprError
from .shapes import Shape, fmt, is_scalar, is_vector

MAX_EXPONENT = 64


@dataclass(frozen=True, eq=False)
class Expr:
    """A node: ``op`` names the operation, ``args`` are child nodes, ``data`` holds leaf details."""

    op: str
    args: tuple = ()
    shape: Shape = ()
    data: Any = None
    pos: int | None = field(default=None, compare=False)
    text: str = field(default="", compare=False)  # source text, for messages
    has_index: bool = field(default=False, compare=False)  # uses index notation anywhere

    @property
    def free_indices(self) -> frozenset[str]:
        """Index names left free in index notation (e.g. ``{'i','k','l','j'}`` for δ_ik C_lj)."""
        if self.op == "idx":
            return frozenset(i for i in self.data if isinstance(i, str))
        if self.op == "delta":
            return frozenset(i for i in self.data if isinstance(i, str))
        if self.op == "sum":
            return self.args[0].free_indices - {self.data}
        return frozenset().union(*(a.free_indices for a in self.args))

    def evaluate(self, values: dict, indices: dict | None = None) -> Any:
        """The value for concrete arrays (see evaluate.py); index forms need ``indices``."""
        from .evaluate import evaluate

        return evaluate(self, values, indices)

    @property
    def latex(self) -> str:
        """LaTeX of the expression, e.g. ``\\left(W x - t\\right) x^{\\top}``."""
        from .render import to_latex

        return to_latex(self)

    def to_sympy(self) -> Any:
        """The sympy form: MatrixSymbol algebra, or Indexed/KroneckerDelta/Sum for index forms."""
        from .render import to_sympy

        return to_sympy(self)

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"

    def __str__(self) -> str:
        from .render import to_text

        return to_text(self)

    def __repr__(self) -> str:
        return f"<{self} : {fmt(self.shape)}>"


def _name(e: Expr) -> str:
    """How an operand is named in a message: its source text, shortened."""
    t = e.text or "this part"
    return t if len(t) <= 24 else t[:21] + "..."


def _bad(message: str, pos: int | None, kind: str = "invalid_operation") -> ExprError:
    return ExprError(message, kind, pos)


def _scalar_join(a: Shape, b: Shape) -> Shape:
    """Shape of combining two scalar-likes: (1, 1) wins over ()."""
    return (1, 1) if (1, 1) in (a, b) else ()


def matmul_shape(a: Expr, b: Expr, pos: int | None) -> Shape:
    """``a @ b`` needs two matrices whose inner sizes agree."""
    for e in (a, b):
        if e.shape == ():
            raise _bad(f"`@` multiplies matrices, but {_name(e)} is a scalar: use * to scale", pos)
    if a.shape[1] != b.shape[0]:
        raise _bad(
            f"cannot multiply {_name(a)} ({fmt(a.shape)}) by {_name(b)} ({fmt(b.shape)}): "
            f"inner sizes {a.shape[1]} and {b.shape[0]} differ",
            pos,
            "shape",
        )
    return (a.shape[0], b.shape[1])


def add_shape(a: Expr, b: Expr, pos: int | None, verb: str = "add") -> Shape:
    """``a + b`` and ``a - b`` need equal shapes (a scalar and a 1×1 count as equal)."""
    if a.shape == b.shape:
        return a.shape
    if is_scalar(a.shape) and is_scalar(b.shape):
        return _scalar_join(a.shape, b.shape)
    raise _bad(
        f"cannot {verb} {_name(a)} ({fmt(a.shape)}) and {_name(b)} ({fmt(b.shape)}): "
        "the shapes differ",
        pos,
        "shape",
    )


def mul_shape(a: Expr, b: Expr, pos: int | None) -> Shape:
    """``a * b``: scaling by a scalar, or entry-by-entry for equal shapes (as numpy does)."""
    if is_scalar(a.shape) and is_scalar(b.shape):
        return _scalar_join(a.shape, b.shape)
    if is_scalar(a.shape):
        return b.shape
    if is_scalar(b.shape) or a.shape == b.shape:
        return a.shape
    hint = " (did you mean @?)" if a.shape[1] == b.shape[0] else ""
    raise _bad(
        f"`*` multiplies entry by entry and needs a scalar or equal shapes, but "
        f"{_name(a)} is {fmt(a.shape)} and {_name(b)} is {fmt(b.shape)}{hint}",
        pos,
        "shape",
    )


def square(e: Expr, what: str, pos: int | None) -> None:
    """``det``, ``inv`` and ``tr`` need a square matrix."""
    if e.shape == () or e.shape[0] != e.shape[1]:
        raise _bad(f"{what} needs a square matrix, but {_name(e)} is {fmt(e.shape)}", pos)


def vector_length(e: Expr, pos: int | None):
    """The length of a row or column vector (``outer`` takes vectors)."""
    if is_scalar(e.shape) and e.shape != ():
        return 1
    if not is_vector(e.shape):
        raise _bad(f"outer takes two vectors, but {_name(e)} is {fmt(e.shape)}", pos)
    return e.shape[0] if e.shape[1] == 1 else e.shape[1]


def shape_of(op: str, args: tuple, data: Any, pos: int | None) -> Shape:
    """The shape rule of every operation; raises ``ExprError`` with a plain message."""
    if op == "matmul":
        return matmul_shape(*args, pos)
    if op in ("add", "sub"):
        return add_shape(*args, pos, "add" if op == "add" else "subtract")
    if op == "mul":
        return mul_shape(*args, pos)
    if op == "div":
        if not is_scalar(args[1].shape):
            raise _bad(f"can only divide by a scalar, but {_name(args[1])} is "
                       f"{fmt(args[1].shape)}: use inv(...)", pos)
        return args[0].shape
    if op == "pow":
        if not is_scalar(args[0].shape):
            raise _bad(f"powers apply to scalars, but {_name(args[0])} is {fmt(args[0].shape)}:"
                       " write A @ A, or inv(A) for the inverse", pos)
        return args[0].shape
    if op == "neg":
        return args[0].shape
    if op == "T":
        return args[0].shape[::-1]
    if op == "inv":
        square(args[0], "inv", pos)
        return args[0].shape
    if op in ("det", "tr"):
        square(args[0], op, pos)
        return ()
    if op == "log":
        if not is_scalar(args[0].shape):
            raise _bad(f"log applies to scalars, but {_name(args[0])} is {fmt(args[0].shape)}",
                       pos)
        return ()
    if op == "outer":
        return (vector_length(args[0], pos), vector_length(args[1], pos))
    if op in ("idx", "delta", "num"):
        return ()
    if op == "sum":
        if args[0].shape not in ((), (1, 1)):
            raise _bad("sum(..., r) adds up scalar entries: write the summand with indices", pos)
        return ()
    raise ExprError(f"unknown operation {op}", "parse", pos)


def make(op: str, args: tuple = (), data: Any = None, pos: int | None = None,
         text: str = "", shape: Shape | None = None) -> Expr:
    """Build a node, checking its shape rule (leaves pass their ``shape``)."""
    if shape is None:
        shape = shape_of(op, args, data, pos)
    indexed = op in ("idx", "delta", "sum") or any(a.has_index for a in args)
    return Expr(op, tuple(args), shape, data, pos, text, indexed)


def number(value: Fraction | int | float, pos: int | None = None) -> Expr:
    """A numeric constant, kept exact as a Fraction (floats are rounded to a nearby fraction)."""
    if not isinstance(value, (int, Fraction)):
        value = Fraction(value).limit_denominator(10**9)
    return make("num", (), Fraction(value), pos, str(value), ())


def exponent_value(e: Expr, pos: int | None) -> Fraction:
    """Exponents must be plain (small) numbers, so no exponent tower can be built."""
    if e.op == "num":
        value = e.data
    elif e.op == "neg" and e.args[0].op == "num":
        value = -e.args[0].data
    elif e.op == "div" and all(a.op == "num" for a in e.args) and e.args[1].data != 0:
        value = e.args[0].data / e.args[1].data
    else:
        raise _bad("an exponent must be a plain number such as 2 or 1/2", pos)
    if abs(value) > MAX_EXPONENT:
        raise _bad(f"exponents are limited to ±{MAX_EXPONENT}", pos)
    return Fraction(value)
