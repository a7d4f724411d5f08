"""``derive``: write the index-notation derivation of a matrix derivative, step by step.

The method of the source notes (lessons 01–05): write one entry as a sum, differentiate each
factor into Kronecker deltas, pull out the deltas that do not depend on a summation index,
collapse the sums, collect terms and read the matrix form back off. Every result is checked
against finite differences before it is returned, so a wrong derivation is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import index_diff as idiff
from .errors import ExprError
from .evaluate import evaluate
from .expr import Expr
from .index_latex import factor_latex, terms_latex, tree_latex
from .index_tree import Entry, IndexNames, Term, distribute, expand
from .matrix_form import NoMatrixForm, to_matrix_form, transpose_all
from .numerics import numeric_jacobian
from .parser import parse
from .render import to_latex, to_text
from .shapes import normalize_shapes

LAYOUTS = ("gradient", "numerator")


class DerivationError(ValueError):
    """The engine cannot derive this expression (it says why rather than guess)."""


@dataclass(frozen=True)
class Step:
    """One line of a derivation: the equation in LaTeX and why it holds."""

    latex: str
    why: str


@dataclass
class Derivation:
    """A finished derivation: steps, index form, matrix form and a numeric Jacobian."""

    expr: Expr
    wrt: Expr
    layout: str
    steps: list[Step]
    terms: list[Term]
    free: tuple  # (output row, output col, wrt row, wrt col) index names or None
    matrix_expr: Expr | None
    max_error: float = field(default=0.0)

    @property
    def matrix_form(self) -> str | None:
        """The result in the expression language, e.g. ``(W@x - t) @ x.T``; None for 3–4 indices."""
        return None if self.matrix_expr is None else to_text(self.matrix_expr)

    @cached_property
    def index_form(self):
        """The partial derivative in index notation, as a sympy expression with KroneckerDelta."""
        from .index_sympy import terms_to_sympy

        return terms_to_sympy(self.terms)

    @property
    def index_text(self) -> str:
        """The index form in the expression language, e.g. ``delta(i, k)*C[l, j]``."""
        return to_text(index_expr(self.terms))

    def jacobian(self, values: Mapping[str, object]) -> np.ndarray:
        """∂out/∂wrt at ``values``: shape out.shape + wrt.shape (the gradient for a scalar)."""
        return jacobian_from_terms(self, values)

    def _repr_markdown_(self) -> str:
        lines = [f"**Derivative of** ${to_latex(self.expr)}$ **with respect to** "
                 f"${to_latex(self.wrt)}$ ({self.layout} layout)", ""]
        for n, step in enumerate(self.steps, 1):
            lines.append(f"{n}. {step.why}\n\n   $$ {step.latex} $$")
        lines.append(f"\n✔ checked against finite differences (max error {self.max_error:.1e})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        result = self.matrix_form or self.index_text
        return f"<Derivation d({to_text(self.expr)})/d{to_text(self.wrt)} = {result}>"

    def __str__(self) -> str:
        from .latex_text import latex_to_text

        out = [f"d/d{to_text(self.wrt)} of {to_text(self.expr)} ({self.layout} layout)"]
        out += [f"  {n}. {latex_to_text(s.why)}\n       {latex_to_text(s.latex)}"
                for n, s in enumerate(self.steps, 1)]
        out.append(f"  index form:  {self.index_text}")
        out.append(f"  matrix form: {self.matrix_form or '(none: a tensor with 3 or 4 indices)'}")
        return "\n".join(out)


def derive(expr: str, wrt: str, shapes: Mapping[str, object], layout: str = "gradient",
           name: str | None = None) -> Derivation:
    """Derive ``expr`` with respect to the symbol ``wrt``; see lesson 02 for a walk-through.

    >>> d = derive("B@C", "B", {"B": (3, 4), "C": (4, 2)})
    >>> d.index_text
    'delta(i, k)*C[l, j]'
    """
    if layout not in LAYOUTS:
        raise DerivationError(f"layout must be 'gradient' or 'numerator', not {layout!r}")
    shapes = normalize_shapes(shapes)
    if wrt not in shapes:
        raise DerivationError(f"{wrt!r} is not one of the symbols {', '.join(shapes)}")
    try:
        e = parse(expr, shapes)
    except ExprError as err:
        raise DerivationError(err.message) from None
    if e.has_index:
        raise DerivationError("derive takes matrix notation; index notation is its output")
    w = parse(wrt, shapes)
    return _Deriver(e, w, shapes, layout, name).run()


def _indices(shape, first: str, second: str) -> tuple:
    """Index names for an object of this shape: (i, j), (i, None) for a column, ..."""
    if shape in ((), (1, 1)):
        return (None, None)
    return (first if shape[0] != 1 else None,
            (second if shape[0] != 1 else first) if shape[1] != 1 else None)


class _Deriver:
    """Runs the steps for one expression; each method adds a step."""

    def __init__(self, e: Expr, w: Expr, shapes: dict, layout: str, name: str | None) -> None:
        self.e, self.w, self.shapes, self.layout = e, w, shapes, layout
        dims = {d for s in shapes.values() for d in s if isinstance(d, str)}
        self.names = IndexNames(set(shapes) | dims | set("ijkl"))
        self.out_idx = _indices(e.shape, "i", "j")
        self.wrt_idx = _indices(w.shape, "k", "l")
        self.name = name or _default_name(e, shapes)
        self.steps: list[Step] = []

    def lhs(self, partial: bool = True) -> str:
        out = self.name + _sub(self.out_idx)
        if not partial:
            return out
        wrt = factor_latex(Entry(self.w, *self.wrt_idx))
        return rf"\frac{{\partial {out}}}{{\partial {wrt}}}"

    def add(self, latex: str, why: str) -> None:
        self.steps.append(Step(latex, why))

    def run(self) -> Derivation:
        try:
            terms = self.differentiate()
            matrix = self.matrix_form(terms)
        except (ValueError, RecursionError) as err:
            raise DerivationError(f"cannot derive {to_text(self.e)} with respect to "
                                  f"{to_text(self.w)}: {err}") from None
        d = Derivation(self.e, self.w, self.layout, self.steps, terms,
                       self.out_idx + self.wrt_idx, matrix)
        try:
            d.max_error = cross_check(d, self.shapes)
        except DerivationError:
            raise
        except np.linalg.LinAlgError:  # (a ValueError too, so it comes first)
            raise DerivationError(
                f"cannot check the derivative of {to_text(self.e)}: a matrix it inverts (for "
                "det, log det or inv) is singular at the test values, and the rules "
                "d(det F) = det F tr(F⁻¹ dF) and d(F⁻¹) = −F⁻¹ dF F⁻¹ need F invertible") from None
        except (ValueError, RuntimeError, MemoryError) as err:  # e.g. over 32 numpy axes
            raise DerivationError(f"cannot check the derivative of {to_text(self.e)}: the index "
                                  f"form is too large to evaluate ({err})") from None
        return d

    def differentiate(self) -> list[Term]:
        tree = expand(self.e, *self.out_idx, self.names)
        has_sums = "\\sum" in tree_latex(tree)
        self.add(f"{self.lhs(False)} = {tree_latex(tree)}",
                 "Write one entry as a sum (coordinate form, definition of the matrix product)."
                 if has_sums else "Start from the expression itself: there are no sums to write.")
        terms = distribute(tree)
        flat = terms_latex(terms)
        if flat != tree_latex(tree):
            self.add(f"{self.lhs(False)} = {flat}", "Multiply out the brackets.")
        wrt = Entry(self.w, *self.wrt_idx)
        marked = idiff.mark_partials(terms, wrt)
        self.add(f"{self.lhs()} = {terms_latex(marked)}",
                 "Differentiate each factor (product rule); factors without "
                 f"${to_latex(self.w)}$ are constants.")
        if not marked:
            return []
        evaluated = idiff.evaluate_partials(marked, self.names)
        self.add(f"{self.lhs()} = {terms_latex(evaluated)}", self._rule_text(marked, wrt))
        if idiff.has_pullable_delta(evaluated):
            self.add(f"{self.lhs()} = {terms_latex(evaluated, pull=True)}",
                     "Pull out the deltas that do not depend on the summation index.")
        terms = evaluated
        if idiff.has_sifting(terms):
            terms = idiff.collapse(terms)
            self.add(f"{self.lhs()} = {terms_latex(terms, pull=True)}",
                     "Collapse each sum with the sifting property "
                     r"$\sum_r \delta_{rl}\, f_r = f_l$: the delta keeps only the term r = l.")
        collected = idiff.collect(terms)
        if terms_latex(collected, pull=True) != terms_latex(terms, pull=True):
            self.add(f"{self.lhs()} = {terms_latex(collected, pull=True)}",
                     "Collect equal terms.")
        return collected

    def _rule_text(self, marked: list[Term], wrt: Entry) -> str:
        """Name the rules used to replace each ∂ (entry rule, inverse rule, Jacobi's formula)."""
        generic = Entry(self.w, *(a if k else None for a, k in zip("ab", self.wrt_idx)))
        rules = [rf"$\partial {factor_latex(generic)}/\partial {factor_latex(wrt)} = "
                 rf"{_entry_rule(self.wrt_idx)}$"]
        ops = {op for t in marked for f in t.factors if hasattr(f, "wrt")
               for op in _ops_in(f.factor.mat)}
        if "inv" in ops:
            rules.append(r"$d(M^{-1}) = -M^{-1}\,dM\,M^{-1}$")
        if "det" in ops:
            rules.append(r"Jacobi's formula $d(\det M) = \det M\,\operatorname{tr}(M^{-1}dM)$")
        if ops & {"log", "pow"}:
            rules.append(r"the chain rule $d(\log s) = s^{-1}ds$, $d(s^p) = p s^{p-1} ds$")
        return "Evaluate each derivative: " + "; ".join(rules) + "."

    def matrix_form(self, terms: list[Term]) -> Expr | None:
        """Read off the matrix form when at most two indices stay free (else None)."""
        free = [i for i in self.out_idx + self.wrt_idx if i is not None]
        if len(free) > 2:
            return None
        row, col = self._layout_indices()
        flip = self.e.shape in ((), (1, 1)) and self.layout == "numerator"
        if flip:  # numerator layout of a gradient: write the gradient, then transpose it
            row, col = col, row
        try:
            matrix = to_matrix_form(terms, row, col, self._index_dims())
        except NoMatrixForm:
            self.add(r"\text{(index form above)}", "This result is not a plain matrix product "
                     "(it multiplies entries one by one), so the index form is the answer.")
            return None
        matrix = transpose_all(matrix) if flip else matrix
        label = self._matrix_label()
        entry = [i for i in self._layout_indices() if i is not None]
        self.add(f"{label} = {to_latex(matrix)}",
                 f"Read the matrix form back off: entry ({', '.join(entry) or 'the only one'}) "
                 f"of this matrix is the expression above ({self.layout} layout).")
        return matrix

    def _layout_indices(self) -> tuple:
        """Which free index labels rows and which columns of the matrix form."""
        out = [i for i in self.out_idx if i is not None]
        wrt = [i for i in self.wrt_idx if i is not None]
        if not out:  # scalar output: the gradient has the shape of the variable
            row, col = self.wrt_idx
            return (row, col) if self.layout == "gradient" else (col, row)
        if not wrt:  # scalar variable: same shape as the output
            return self.out_idx
        first, second = out[0], wrt[0]
        return (second, first) if self.layout == "gradient" else (first, second)

    def _index_dims(self) -> dict:
        dims = {}
        for idx, shape in ((self.out_idx, self.e.shape), (self.wrt_idx, self.w.shape)):
            for i, d in zip(idx, shape or (1, 1)):
                if i is not None:
                    dims[i] = d
        return dims

    def _matrix_label(self) -> str:
        w = to_latex(self.w)
        if self.e.shape in ((), (1, 1)):
            grad = rf"\nabla_{{{w}}} {self.name}"
            return grad if self.layout == "gradient" else rf"\left({grad}\right)^{{\top}}"
        return rf"\frac{{\partial {self.name}}}{{\partial {w}}}"


def _ops_in(e: Expr) -> set:
    """Every operation used in an expression tree."""
    return {e.op}.union(*(_ops_in(a) for a in e.args))


def _sub(idx: tuple) -> str:
    names = "".join(i for i in idx if i is not None)
    return f"_{{{names}}}" if names else ""


def _entry_rule(wrt_idx: tuple) -> str:
    parts = [rf"\delta_{{{a}{k}}}" for a, k in zip("ab", wrt_idx) if k is not None]
    return " ".join(parts) or "1"


def _default_name(e: Expr, shapes: dict) -> str:
    """A name for the result: f for scalars, y for vectors, A for matrices (if free)."""
    if e.shape in ((), (1, 1)):
        choices = ["f", "L", "g"]
    elif 1 in e.shape:
        choices = ["y", "z", "v"]
    else:
        choices = ["A", "F", "G", "M"]
    return next((c for c in choices if c not in shapes), "F")


def index_expr(terms: list[Term]) -> Expr:
    """The terms as an index-notation ``Expr`` (idx, delta, sum nodes) that evaluate.py computes."""
    from .index_expr import terms_to_expr

    return terms_to_expr(terms)


def jacobian_from_terms(d: Derivation, values: Mapping[str, object]) -> np.ndarray:
    """Evaluate the index form for every index value and lay it out as out.shape + wrt.shape."""
    from .index_expr import evaluate_terms

    return evaluate_terms(d, values)


def cross_check(d: Derivation, shapes: dict, seed: int = 0, tol: float = 1e-4) -> float:
    """Compare index form and matrix form with finite differences; raise if they disagree."""
    from .sampling import dim_sizes, sample_values

    values, sizes = sample_values(shapes, seed), dim_sizes(shapes, seed)
    wrt = d.wrt.data
    base = {k: v for k, v in values.items()}

    def f(X):
        base[wrt] = X
        out = evaluate(d.expr, base)
        return out.reshape(()) if out.shape == (1, 1) else out

    _require_invertible(d, values, sizes)
    numeric = numeric_jacobian(f, values[wrt])
    claimed = d.jacobian(values)
    err = _rel_err(numeric, claimed)
    if d.matrix_expr is not None:
        base[wrt] = values[wrt]
        m = evaluate(d.matrix_expr, base, sizes=sizes)
        expected = _layout_view(numeric, d)
        m = np.broadcast_to(m, expected.shape) if np.ndim(m) == 0 else m  # the zero result "0"
        err = max(err, _rel_err(expected, np.reshape(m, expected.shape)))
    if not err < tol:
        raise DerivationError(f"the derivation of {to_text(d.expr)} did not match finite "
                              f"differences (relative error {err:.1e}); not shown")
    return err


def _require_invertible(d: Derivation, values: dict, sizes: dict) -> None:
    """The differential rules use F⁻¹: refuse (LinAlgError) when some F is (nearly) singular."""
    stack = [f.mat for t in d.terms for f in t.factors if hasattr(f, "mat")]
    while stack:
        e = stack.pop()
        stack.extend(e.args)
        if e.op == "inv":
            m = np.asarray(evaluate(e.args[0], values, sizes=sizes), dtype=float)
            if m.ndim == 2 and np.linalg.cond(m) > 1e10:
                raise np.linalg.LinAlgError(f"{to_text(e.args[0])} is singular")


def _layout_view(numeric: np.ndarray, d: Derivation) -> np.ndarray:
    """The finite-difference Jacobian arranged like the matrix form (transposed if needed)."""
    if d.expr.shape in ((), (1, 1)):  # the finite-difference gradient has the variable's shape
        return numeric if d.layout == "gradient" else np.transpose(numeric)
    if d.wrt.shape in ((), (1, 1)):
        return numeric.reshape(numeric.shape[:2])
    out_len = int(np.prod(numeric.shape[:2]))
    mat = numeric.reshape(out_len, -1)  # numerator layout: rows = output entries
    return mat if d.layout == "numerator" else mat.T


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    scale = max(float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)), 1.0)
    return float(np.abs(a - b).max(initial=0) / scale)


__all__ = ["derive", "Derivation", "Step", "DerivationError"]
