"""LaTeX for an ``Expr`` without importing sympy, for the grader's live preview and messages.

It follows ``render.to_latex`` rule for rule; only symbol names are written by a small table
(Greek letters, digits as subscripts) instead of ``sympy.latex``, because importing sympy takes
a quarter of a second and a grading check must stay within milliseconds.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .expr import Expr

PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "matmul": 2, "neg": 3, "pow": 4, "T": 5}
FUNC_TEX = {"det": r"\det", "tr": r"\operatorname{tr}", "log": r"\log"}
GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())
_TRAILING_DIGITS = re.compile(r"^([A-Za-z]+)(\d+)$")


def tex_name(name: str) -> str:
    """``W`` -> ``W``, ``W1`` and ``W_1`` -> ``W_{1}``, ``alpha`` -> ``\\alpha`` (as sympy)."""
    base, sub = name, ""
    if "_" in name.strip("_"):
        base, sub = name.strip("_").split("_", 1)
    elif (m := _TRAILING_DIGITS.match(name)) is not None:
        base, sub = m.groups()
    base = "\\" + base if base in GREEK else base
    return f"{base}_{{{sub}}}" if sub else base


def _prec(e: Expr) -> int:
    if e.op == "num" and e.data.denominator != 1:
        return 2
    if e.op == "num" and e.data < 0:
        return 3
    return PREC.get(e.op, 6)


def _number(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    return rf"\tfrac{{{v.numerator}}}{{{v.denominator}}}"


def _is_hadamard(e: Expr) -> bool:
    a, b = e.args
    return a.shape == b.shape and len(a.shape) == 2 and a.shape != (1, 1)


def _wrap(x: Expr, min_prec: int) -> str:
    s = to_latex(x)
    return rf"\left({s}\right)" if _prec(x) < min_prec else s


def to_latex(e: Expr) -> str:
    """LaTeX for display, e.g. ``\\left(W x - t\\right) x^{\\top}`` (same as render.to_latex)."""
    op, a = e.op, e.args
    if op == "sym":
        return tex_name(e.data)
    if op == "num":
        return _number(e.data)
    if op == "eye":
        return rf"I_{{{e.data}}}"
    if op in ("add", "sub"):
        return _wrap(a[0], 1) + (" + " if op == "add" else " - ") + _wrap(a[1], 1 + (op == "sub"))
    if op in ("matmul", "mul"):
        sep = r" \odot " if op == "mul" and _is_hadamard(e) else " "
        return _wrap(a[0], 2) + sep + _wrap(a[1], 3)
    if op == "div":
        return rf"\frac{{{to_latex(a[0])}}}{{{to_latex(a[1])}}}"
    if op == "neg":
        return "-" + _wrap(a[0], 3)
    if op == "pow":
        return _wrap(a[0], 5) + "^{" + str(e.data) + "}"
    return _to_latex_other(e)


def _to_latex_other(e: Expr) -> str:
    """Transposes, functions and index notation."""
    op, a = e.op, e.args
    if op == "T":
        return _wrap(a[0], 6) + r"^{\top}"
    if op == "inv":
        return _wrap(a[0], 6) + "^{-1}"
    if op in FUNC_TEX:
        return FUNC_TEX[op] + r"\left(" + to_latex(a[0]) + r"\right)"
    if op == "outer":
        return _wrap(a[0], 6) + " " + _wrap(a[1], 6) + r"^{\top}"
    if op == "idx":
        return _wrap(a[0], 6) + "_{" + "".join(str(i) for i in e.data) + "}"
    if op == "delta":
        return rf"\delta_{{{e.data[0]}{e.data[1]}}}"
    if op == "sum":
        return rf"\sum_{{{e.data}}} " + _wrap(a[0], 2)
    raise ValueError(f"cannot print operation {op}")
