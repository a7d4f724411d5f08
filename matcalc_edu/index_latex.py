"""LaTeX for index notation: entries like C_{lj}, deltas δ_{ik}, sums Σ_{r=1}^{n}.

Used for every step of a derivation (derive.py); ``pull=True`` writes the factors that do not
depend on a summation index in front of the Σ, as the notes do in §0.1.
"""

from __future__ import annotations

from fractions import Fraction

from .index_tree import Delta, Entry, Partial, Term
from .render import to_latex


def factor_latex(f) -> str:
    """One factor: X_{ab}, x_{a}, (X^{-1})_{ab}, \\det(X), δ_{ak} or a ∂ fraction."""
    if isinstance(f, Delta):
        return rf"\delta_{{{f.a}{f.b}}}"
    if isinstance(f, Partial):
        return rf"\frac{{\partial {factor_latex(f.factor)}}}{{\partial {factor_latex(f.wrt)}}}"
    sub = "".join(i for i in (f.row, f.col) if i is not None)
    body = to_latex(f.mat)
    if not sub:
        return body if f.mat.op in ("sym", "det", "log") else rf"\left({body}\right)"
    if f.mat.op != "sym":
        body = rf"\left({body}\right)"
    return f"{body}_{{{sub}}}"


def _sigma(sums) -> str:
    return "".join(rf"\sum_{{{s}=1}}^{{{d}}} " for s, d in sums)


def _coeff_text(c: Fraction, first: bool) -> str:
    """The sign and number in front of a term (1 is left out)."""
    sign = "-" if c < 0 else ("" if first else "+")
    a = abs(c)
    num = "" if a == 1 else (str(a.numerator) if a.denominator == 1
                             else rf"\tfrac{{{a.numerator}}}{{{a.denominator}}}")
    return (f" {sign} " if not first else sign) + num + (" " if num else "")


def term_latex(t: Term, pull: bool = False, first: bool = True) -> str:
    """A term: coefficient, pulled-out factors, sums, the rest."""
    names = t.sum_names()
    outside = [f for f in t.factors if pull and not set(f.indices()) & names]
    inside = [f for f in t.factors if f not in outside]
    if not t.sums:
        outside, inside = list(t.factors), []
    body = " ".join(factor_latex(f) for f in outside)
    if t.sums:
        body += (" " if body else "") + _sigma(t.sums) + " ".join(factor_latex(f) for f in inside)
    if not body:
        body = "1" if abs(t.coeff) == 1 else ""
    text = _coeff_text(t.coeff, first) + body
    return text.strip() if first else text


def terms_latex(terms: list[Term], pull: bool = False) -> str:
    """A whole sum of terms, or 0."""
    if not terms:
        return "0"
    return "".join(term_latex(t, pull, first=(n == 0)) for n, t in enumerate(terms))


def tree_latex(node, wrap: bool = False) -> str:
    """An index tree before multiplying out, with its sums and parentheses where they are."""
    if isinstance(node, (Entry, Delta, Partial)):
        return factor_latex(node)
    kind = node[0]
    if kind == "num":
        v = node[1]
        return str(v) if v.denominator == 1 else rf"\tfrac{{{v.numerator}}}{{{v.denominator}}}"
    if kind == "sigma":
        inner = tree_latex(node[3], wrap=True)
        return rf"\sum_{{{node[1]}=1}}^{{{node[2]}}} {inner}"
    if kind == "prod":
        return " ".join(tree_latex(child, wrap=True) for child in node[1])
    parts = []
    for n, (c, child) in enumerate(node[1]):
        text = tree_latex(child, wrap=len(node[1]) > 1 and False)
        parts.append(_coeff_text(c, n == 0) + text)
    out = "".join(parts).strip()
    return rf"\left({out}\right)" if wrap and len(node[1]) > 1 else out
