"""Index-notation terms as sympy objects (Indexed, KroneckerDelta, Sum) for display and algebra."""

from __future__ import annotations

import sympy as sp

from .index_tree import Delta, Term
from .render import to_latex, to_sympy


def _factor(f):
    if isinstance(f, Delta):
        return sp.KroneckerDelta(sp.Symbol(f.a), sp.Symbol(f.b))
    if not f.indices():
        return to_sympy(f.mat)
    label = f.mat.data if f.mat.op == "sym" else rf"\left({to_latex(f.mat)}\right)"
    return sp.IndexedBase(label)[tuple(sp.Symbol(i) for i in f.indices())]


def _dim(d):
    return sp.Symbol(d, integer=True, positive=True) if isinstance(d, str) else sp.Integer(d)


def term_to_sympy(t: Term):
    """coeff · factors, wrapped in one Sum per summation index (ranges 1..dim as in the notes)."""
    body = sp.Rational(t.coeff.numerator, t.coeff.denominator)
    for f in t.factors:
        body = body * _factor(f)
    for name, dim in reversed(t.sums):
        body = sp.Sum(body, (sp.Symbol(name), 1, _dim(dim)))
    return body


def terms_to_sympy(terms: list[Term]):
    """The whole index form, e.g. ``KroneckerDelta(i, k)*C[l, j]``."""
    return sp.Add(*(term_to_sympy(t) for t in terms)) if terms else sp.Integer(0)
