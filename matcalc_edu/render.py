"""Write an ``Expr`` back out: as expression-language text, as LaTeX, or as a sympy object.

LaTeX comes from plain_latex.py, which needs no sympy (grading must stay fast); sympy is
imported only when ``to_sympy`` is called.

The text form is what ``Derivation.matrix_form`` returns and what students can type back in.
"""

from __future__ import annotations

from fractions import Fraction

from .expr import Expr
from .plain_latex import precedence, to_latex

__all__ = ["to_text", "to_latex", "to_sympy"]

FUNC_TEXT = {"inv": "inv", "det": "det", "tr": "tr", "log": "log", "outer": "outer"}


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def to_text(e: Expr, tight: bool = False) -> str:
    """Expression-language text, e.g. ``(W@x - t) @ x.T`` (spaced ``@`` only at the top)."""
    op, a = e.op, e.args

    def sub(x: Expr, min_prec: int, inner_tight: bool = tight) -> str:
        s = to_text(x, inner_tight)
        return f"({s})" if precedence(x) < min_prec else s

    if op == "sym":
        return e.data
    if op == "num":
        return _fraction_text(e.data)
    if op == "eye":
        return f"eye({e.data})"
    if op in ("add", "sub"):
        sign = " + " if op == "add" else " - "
        return sub(a[0], 1, True) + sign + sub(a[1], 1 if op == "add" else 2, True)
    if op in ("mul", "div", "matmul"):
        sym = {"mul": "*", "div": "/", "matmul": "@"}[op]
        sep = sym if (tight or op != "matmul") else f" {sym} "
        left = 3 if op != "matmul" and a[0].op == "matmul" else 2  # (x.T@x)*x, for the reader
        return sub(a[0], left) + sep + sub(a[1], 3)
    if op == "neg":
        return "-" + sub(a[0], 3)
    if op == "pow":
        exp = _fraction_text(e.data)
        plain = e.data.denominator == 1 and e.data >= 0
        return sub(a[0], 5) + "**" + (exp if plain else f"({exp})")
    if op == "T":
        return sub(a[0], 6) + ".T"
    if op in FUNC_TEXT:
        return FUNC_TEXT[op] + "(" + ", ".join(to_text(x) for x in a) + ")"
    if op == "idx":
        return sub(a[0], 6) + "[" + ", ".join(str(i) for i in e.data) + "]"
    if op == "delta":
        return f"delta({e.data[0]}, {e.data[1]})"
    if op == "sum":
        return f"sum({to_text(a[0])}, {e.data})"
    raise ValueError(f"cannot print operation {op}")


def _dim(d):
    import sympy as sp

    return sp.Symbol(d, integer=True, positive=True) if isinstance(d, str) else sp.Integer(d)


def to_sympy(e: Expr):
    """A sympy object: MatrixSymbol algebra, or Indexed/KroneckerDelta/Sum for index forms."""
    import sympy as sp

    op, a = e.op, e.args
    if op == "sym":
        if e.shape == ():
            return sp.Symbol(e.data)
        return sp.MatrixSymbol(e.data, *(_dim(d) for d in e.shape))
    if op == "num":
        return sp.Rational(e.data.numerator, e.data.denominator)
    if op == "eye":
        return sp.Identity(_dim(e.data))
    args = [_as_scalar(x) if e.op in ("mul", "add", "sub", "div", "log", "pow") else to_sympy(x)
            for x in a]
    if op == "matmul":
        return sp.MatMul(*args)
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        if a[0].shape == a[1].shape and len(a[0].shape) == 2 and a[0].shape != (1, 1):
            return sp.HadamardProduct(*args)
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    if op == "pow":
        return args[0] ** sp.Rational(e.data.numerator, e.data.denominator)
    if op == "T":
        return args[0].T if hasattr(args[0], "T") else args[0]
    if op == "inv":
        return sp.Inverse(args[0])
    if op == "det":
        return sp.Determinant(args[0])
    if op == "tr":
        return sp.Trace(args[0])
    if op == "log":
        return sp.log(args[0])
    if op == "outer":
        return sp.MatMul(args[0], args[1].T)
    if op == "idx":
        base = sp.IndexedBase(sp.Symbol(to_latex(a[0]) if a[0].op != "sym" else a[0].data))
        return base[tuple(sp.Symbol(str(i)) for i in e.data)]
    if op == "delta":
        return sp.KroneckerDelta(*(sp.Symbol(str(i)) for i in e.data))
    if op == "sum":
        return sp.Sum(args[0], (sp.Symbol(e.data), 1, sp.Symbol("n_" + e.data)))
    raise ValueError(f"cannot convert operation {op}")


def _as_scalar(e: Expr):
    """A 1×1 matrix expression as its single entry, so it mixes with sympy scalars."""
    s = to_sympy(e)
    return s[0, 0] if e.shape == (1, 1) and e.op not in ("num",) else s
