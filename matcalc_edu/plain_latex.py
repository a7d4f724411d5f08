"""LaTeX for an ``Expr`` without importing sympy, for the grader's live preview and messages.

It follows ``render.to_latex`` rule for rule, and writes symbol names as ``sympy.latex`` does
(Greek letters, ``_`` subscripts, ``__`` superscripts, trailing digits) except for sympy's
modifier suffixes such as ``xdot``, kept plain: importing sympy takes a quarter of a second and
a grading check must stay within milliseconds.
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
_TRAILING_DIGITS = re.compile(r"^([^\W\d_]+)(\d+)$")


def split_name(name: str) -> tuple[str, list[str], list[str]]:
    """``x_a__b`` -> ``("x", ["b"], ["a"])``: base, superscripts, subscripts (sympy's rules)."""
    pos, base, supers, subs = 0, None, [], []
    while pos < len(name):
        start = pos + 1 + (name[pos:pos + 2] == "__")
        ends = [k for k in (name.find("^", start), name.find("_", start)) if k >= 0]
        part, pos = name[pos:min(ends, default=len(name))], min(ends, default=len(name))
        if base is None:
            base = part
        elif part.startswith("__"):
            supers.append(part[2:])
        elif part[:1] in "^_":
            (supers if part[0] == "^" else subs).append(part[1:])
    base = base or ""
    if (m := _TRAILING_DIGITS.match(base)) is not None:
        base, digits = m.groups()
        subs.insert(0, digits)
    return base, supers, subs


def _greek(word: str) -> str:
    return "\\" + word if word in GREEK else word


def tex_name(name: str) -> str:
    """``W1`` and ``W_1`` -> ``W_{1}``, ``alpha`` -> ``\\alpha``: names as sympy writes them."""
    base, supers, subs = split_name(name)
    tex = _greek(base)
    if supers:
        tex += "^{" + " ".join(map(_greek, supers)) + "}"
    if subs:
        tex += "_{" + " ".join(map(_greek, subs)) + "}"
    return tex


def precedence(e: Expr) -> int:
    """How tightly an expression binds (1 for sums … 6 for names); decides the brackets."""
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
    return rf"\left({s}\right)" if precedence(x) < min_prec else s


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
    if op in ("T", "inv"):
        sup = r"^{\top}" if op == "T" else "^{-1}"
        if a[0].op in ("T", "inv", "pow"):  # no double exponent: (X^{-1})^{T}
            return rf"\left({to_latex(a[0])}\right){sup}"
        return _wrap(a[0], 6) + sup
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
