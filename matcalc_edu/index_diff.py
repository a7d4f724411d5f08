"""Differentiate index-notation terms and simplify them the way lessons 01–03 do by hand.

The three moves: ∂X_ab/∂X_kl = δ_ak δ_bl; the sifting property Σ_r δ_rl C_rj = C_lj;
and collecting equal terms. ``inv``, ``det`` and ``log`` use the differential rules
d(M⁻¹) = −M⁻¹ dM M⁻¹ and d det M = det M · tr(M⁻¹ dM), written out in indices.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from .expr import Expr, make
from .index_tree import Delta, Entry, IndexNames, Partial, Term, depends_on, distribute, expand
from .index_tree import rename as rename_factor
from .render import to_text


def mark_partials(terms: list[Term], wrt: Entry) -> list[Term]:
    """Product rule: one term per factor that depends on the variable, that factor marked ∂."""
    name = wrt.mat.data
    out = []
    for t in terms:
        for m, f in enumerate(t.factors):
            if depends_on(f, name):
                marked = t.factors[:m] + (Partial(f, wrt),) + t.factors[m + 1:]
                out.append(replace(t, factors=marked))
    return out


def evaluate_partials(terms: list[Term], names: IndexNames) -> list[Term]:
    """Replace every ∂f/∂X_kl by its value (deltas, or a differential rule)."""
    out = []
    for t in terms:
        pending = [t]
        for m, f in enumerate(t.factors):
            if not isinstance(f, Partial):
                continue
            pending = [_splice(p, m, d) for p in pending for d in d_factor(f.factor, f.wrt, names)]
        out.extend(pending)
    return out


def _splice(t: Term, m: int, d: Term) -> Term:
    """Put the derivative terms ``d`` where the factor at position ``m`` was."""
    factors = t.factors[:m] + (_Hole(d),) + t.factors[m + 1:]
    flat = []
    for f in factors:
        flat.extend(f.term.factors if isinstance(f, _Hole) else (f,))
    return Term(t.coeff * d.coeff, tuple(flat), t.sums + d.sums)


class _Hole:
    def __init__(self, term: Term) -> None:
        self.term = term


def d_factor(f: Entry, wrt: Entry, names: IndexNames) -> list[Term]:
    """The derivative of one factor with respect to the entry ``wrt`` = X_kl, as terms."""
    op = f.mat.op
    if op == "sym":
        pairs = ((f.row, wrt.row), (f.col, wrt.col))
        deltas = tuple(Delta(a, b) for a, b in pairs if a is not None)
        return [Term(Fraction(1), deltas)]
    if op == "inv":
        return _d_inverse(f, wrt, names)
    if op == "det":
        return _d_det(f, wrt, names)
    if op in ("log", "pow"):
        return _d_scalar_function(f, wrt, names)
    raise ValueError(f"no derivative rule for `{op}`")


def d_entry_of(e: Expr, row, col, wrt: Entry, names: IndexNames) -> list[Term]:
    """∂(e_row,col)/∂X_kl for any expression: expand, product rule, evaluate."""
    terms = distribute(expand(e, row, col, names))
    return evaluate_partials(mark_partials(terms, wrt), names)


def _dim_index(dim, names: IndexNames):
    return None if dim == 1 else names.fresh()


def _d_inverse(f: Entry, wrt: Entry, names: IndexNames) -> list[Term]:
    """∂(M⁻¹)_ab = −Σ_cd (M⁻¹)_ac ∂M_cd (M⁻¹)_db."""
    m = f.mat.args[0]
    c, d = _dim_index(m.shape[0], names), _dim_index(m.shape[1], names)
    sums = tuple((i, m.shape[0]) for i in (c, d) if i is not None)
    return [Term(-t.coeff, (Entry(f.mat, f.row, c),) + t.factors + (Entry(f.mat, d, f.col),),
                 sums + t.sums) for t in d_entry_of(m, c, d, wrt, names)]


def _d_det(f: Entry, wrt: Entry, names: IndexNames) -> list[Term]:
    """Jacobi's formula: ∂ det M = det M · Σ_cd (M⁻¹)_dc ∂M_cd."""
    m = f.mat.args[0]
    inverse = make("inv", (m,), text=f"inv({to_text(m)})")
    c, d = _dim_index(m.shape[0], names), _dim_index(m.shape[1], names)
    sums = tuple((i, m.shape[0]) for i in (c, d) if i is not None)
    return [Term(t.coeff, (Entry(f.mat), Entry(inverse, d, c)) + t.factors, sums + t.sums)
            for t in d_entry_of(m, c, d, wrt, names)]


def _d_scalar_function(f: Entry, wrt: Entry, names: IndexNames) -> list[Term]:
    """∂ log s = s⁻¹ ∂s and ∂ s^p = p s^(p−1) ∂s (chain rule for a scalar function)."""
    s = f.mat.args[0]
    p = Fraction(-1) if f.mat.op == "log" else f.mat.data - 1
    coeff = Fraction(1) if f.mat.op == "log" else f.mat.data
    outer = (Entry(make("pow", (s,), p)),) if p != 0 else ()
    return [Term(coeff * t.coeff, outer + t.factors, t.sums)
            for t in d_entry_of(s, None, None, wrt, names)]


def collapse(terms: list[Term]) -> list[Term]:
    """Sifting: Σ_r δ_ra (…r…) = (…a…), repeated until no summed index sits in a delta."""
    return [_collapse_term(t) for t in terms]


def _collapse_term(t: Term) -> Term:
    factors, sums = list(t.factors), list(t.sums)
    changed = True
    while changed:
        changed = False
        factors = [f for f in factors if not (isinstance(f, Delta) and f.a == f.b)]
        for r, _dim in sums:
            delta = next((f for f in factors if isinstance(f, Delta) and r in (f.a, f.b)), None)
            if delta is None:
                continue
            other = delta.b if delta.a == r else delta.a
            factors.remove(delta)
            factors = [rename_factor(f, r, other) for f in factors]
            sums = [s for s in sums if s[0] != r]
            changed = True
            break
    return _count_empty_sums(Term(t.coeff, tuple(factors), tuple(sums)))


def _count_empty_sums(t: Term) -> Term:
    """A sum over an index no factor carries adds up n equal terms: Σ_r 1 = n."""
    carried = {i for f in t.factors for i in f.indices()}
    coeff, sums = t.coeff, []
    for name, dim in t.sums:
        if name not in carried and isinstance(dim, int):
            coeff *= dim
        else:
            sums.append((name, dim))
    return Term(coeff, t.factors, tuple(sums))


def has_pullable_delta(terms: list[Term]) -> bool:
    """True when some delta does not involve its term's summation indices (it can move out)."""
    return any(isinstance(f, Delta) and not (set(f.indices()) & t.sum_names())
               for t in terms if t.sums for f in t.factors)


def has_sifting(terms: list[Term]) -> bool:
    """True when some summed index sits in a delta (so a sum collapses)."""
    return any(isinstance(f, Delta) and set(f.indices()) & t.sum_names()
               for t in terms for f in t.factors)


def _merge_powers(t: Term) -> Term:
    """s^p · s^q = s^(p+q) for scalar factors such as det(X) and 1/det(X)."""
    powers: dict[str, tuple[Expr, Fraction]] = {}
    rest = []
    for f in t.factors:
        if isinstance(f, Entry) and not f.indices() and f.mat.op != "sym":
            base, p = (f.mat.args[0], f.mat.data) if f.mat.op == "pow" else (f.mat, Fraction(1))
            key = to_text(base)
            powers[key] = (base, powers.get(key, (base, Fraction(0)))[1] + p)
        else:
            rest.append(f)
    for base, p in powers.values():
        if p != 0:
            rest.append(Entry(base if p == 1 else make("pow", (base,), p)))
    return Term(t.coeff, tuple(rest), t.sums)


def _sort_key(f, summed: set) -> tuple:
    """Order factors by what they are, ignoring the names of summation indices."""
    if isinstance(f, Delta):
        return (1, "", tuple("*" if i in summed else i for i in f.indices()))
    return (0, to_text(f.mat), tuple("*" if i in summed else (i or "") for i in (f.row, f.col)))


def canonical(t: Term) -> tuple:
    """A key equal for terms that differ only in factor order or summation index names."""
    summed = t.sum_names()
    factors = sorted(t.factors, key=lambda f: _sort_key(f, summed))
    mapping: dict[str, str] = {}
    for f in factors:
        for i in f.indices():
            if i in summed and i not in mapping:
                mapping[i] = f"#{len(mapping)}"
    for i in sorted(summed - set(mapping)):
        mapping[i] = f"#{len(mapping)}"
    renamed = tuple(_rename_all(f, mapping) for f in factors)
    keyed = tuple(sorted(renamed, key=repr))
    dims = tuple(sorted((mapping[s], str(d)) for s, d in t.sums))
    return (tuple(repr(_sort_key(f, set())) for f in keyed), dims)


def _rename_all(f, mapping: dict):
    for old, new in mapping.items():
        f = rename_factor(f, old, new)
    return f


def collect(terms: list[Term]) -> list[Term]:
    """Add up terms that are the same up to order and index names; drop zeros."""
    merged: dict[tuple, Term] = {}
    for t in terms:
        t = _merge_powers(t)
        key = canonical(t)
        if key in merged:
            merged[key] = replace(merged[key], coeff=merged[key].coeff + t.coeff)
        else:
            merged[key] = t
    return [t for t in merged.values() if t.coeff != 0]
