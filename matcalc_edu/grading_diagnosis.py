"""Why a wrong answer is wrong: the usual mistakes, tried in order on the computed values.

Transposed (numerator layout, lesson 01), negated, scaled by a constant, right only for a
symmetric matrix (lesson 03), or one term missing or extra; otherwise just different.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .evaluate import symbols_of
from .expr import Expr
from .grading_reference import (
    Reference,
    all_close,
    answer_values,
    compute,
    expand_terms,
    gradient_note,
    same_shape,
)
from .plain_latex import to_latex
from .sampling import is_square
from .shapes import fmt
from .verdict import Verdict


def diagnose(values: list[np.ndarray], expr: Expr, ref: Reference, wrt: str | None) -> Verdict:
    """The first mistake that explains a wrong answer of the right shape, else a plain 'no'."""
    for check in (_transposed, _negated, _scaled, _symmetric, _term):
        verdict = check(values, expr, ref, wrt)
        if verdict is not None:
            return verdict
    return _different(values, ref)


def transpose_verdict(ref: Reference, wrt: str | None) -> Verdict:
    """The transpose of the expected result: for a gradient, the numerator-layout answer."""
    want = ref.expr.shape
    if wrt is not None and same_shape(want, ref.shapes[wrt]):
        message = ("Your answer is the transpose of the gradient: that is the numerator-layout "
                   "(Jacobian) answer. This course uses the gradient (denominator) layout, in "
                   f"which {gradient_note(ref, wrt)}.")
    else:
        message = f"Your answer is the transpose of the expected {fmt(want)} result."
    return Verdict(False, message, "transpose")


def _transposed(values, expr, ref, wrt) -> Verdict | None:
    if ref.index_sizes:
        return _swapped(values, ref)
    r0 = ref.results[0]
    if r0.ndim != 2 or r0.shape[0] != r0.shape[1] or r0.shape[0] == 1:
        return None
    if all_close([r.T for r in ref.results], ref.results):  # a symmetric result
        return None
    return transpose_verdict(ref, wrt) if all_close([v.T for v in values], ref.results) else None


def _swapped(values, ref) -> Verdict | None:
    """Index notation: the expected entry with two free indices exchanged."""
    order = ref.free_order
    for p in range(len(order)):
        for q in range(p + 1, len(order)):
            if values[0].shape[p] == values[0].shape[q] and all_close(
                    [np.swapaxes(v, p, q) for v in values], ref.results):
                return Verdict(False, f"Your answer has the indices {order[p]} and {order[q]} "
                                      "swapped: exchanging them gives the expected entry.",
                               "transpose")
    return None


def _negated(values, expr, ref, wrt) -> Verdict | None:
    if not all_close(values, [-r for r in ref.results]):
        return None
    return Verdict(False, "Your answer has the wrong sign: it is minus the expected result "
                          "(check the order of a subtraction, and the signs in the chain rule).",
                   "sign")


def factor_text(c: float) -> str:
    """``2``, ``1/2`` or ``-3/2`` when ``c`` is such a fraction, else its decimal digits."""
    f = Fraction(c).limit_denominator(12)
    if f != 0 and abs(c - float(f)) <= 1e-9 * abs(c):
        return str(f)
    return f"{c:.10g}"


def _scaled(values, expr, ref, wrt) -> Verdict | None:
    r0, a0 = ref.results[0].ravel(), values[0].ravel()
    rr = float(r0 @ r0)
    if rr == 0:
        return None
    c = float(a0 @ r0) / rr
    if not np.isfinite(c) or abs(c) < 1e-9 or not all_close(values, [c * r for r in ref.results]):
        return None
    return Verdict(False, f"Your answer is {factor_text(c)} times the expected result: look for "
                          "a missing or extra constant factor (such as the 2 from differentiating "
                          "a square, or the 1/2 in a loss).", "scale")


def _symmetric(values, expr, ref, wrt) -> Verdict | None:
    """Right only if a square matrix were symmetric: retry with each one made symmetric."""
    used = {**symbols_of(ref.expr), **symbols_of(expr)}
    for name in sorted(n for n, s in used.items() if is_square(s)):
        draws = tuple({**d, name: (d[name] + d[name].T) / 2} for d in ref.draws)
        answer = answer_values(expr, ref, draws)
        if isinstance(answer, Verdict):
            continue
        try:
            expected = [compute(ref.expr, d, ref) for d in draws]
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            continue
        if all_close(answer, expected):
            return Verdict(False, f"Your answer would be right only if ${name}$ were symmetric "
                                  f"(${name} = {name}^\\top$), but {name} is a general square "
                                  f"matrix here: keep the terms with ${name}$ and with "
                                  f"${name}^\\top$ apart.", "symmetric")
    return None


def _signed_tex(sign: int, term: Expr) -> str:
    tex = to_latex(term)
    if sign > 0:
        return tex
    return rf"-\left({tex}\right)" if term.op == "num" and term.data < 0 else "-" + tex


def _term(values, expr, ref, wrt) -> Verdict | None:
    """The difference is one top-level term: of the reference (missing) or the answer (extra)."""
    diffs = [a - r for a, r in zip(values, ref.results, strict=True)]
    for sign, term, term_values in ref.terms:
        if all_close(diffs, [-sign * t for t in term_values]):
            return Verdict(False, f"Your answer is missing the term ${_signed_tex(sign, term)}$ "
                                  "of the expected result.")
        if all_close(diffs, [sign * t for t in term_values]):
            return Verdict(False, f"Your answer has the term ${_signed_tex(sign, term)}$ once "
                                  "too often.")
    terms = expand_terms(expr)
    for sign, term in terms if len(terms) > 1 else ():
        term_values = answer_values(term, ref)
        if not isinstance(term_values, Verdict) and all_close(
                diffs, [sign * t for t in term_values]):
            return Verdict(False, f"Your answer has an extra term ${_signed_tex(sign, term)}$ "
                                  "that does not belong in the result.")
    return None


def _different(values, ref) -> Verdict:
    """No known mistake: say where the answer differs."""
    names = ", ".join(sorted(symbols_of(ref.expr))) or "the symbols"
    if not ref.index_sizes:
        return Verdict(False, f"Your answer has the right shape ({fmt(ref.expr.shape)}) but not "
                              f"the right values: at random values of {names} it differs from "
                              "the expected result.")
    gap = np.abs(values[0] - ref.results[0])
    where = np.unravel_index(int(np.argmax(gap)), gap.shape)
    at = ", ".join(f"{i} = {int(k)}" for i, k in zip(ref.free_order, where, strict=True))
    return Verdict(False, "Your entry differs from the expected one"
                          + (f", for example at {at} (counting from 0)." if at else "."))
