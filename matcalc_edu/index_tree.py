"""Index notation as data: write one entry of a matrix expression with explicit sums.

``expand`` turns ``B@C`` at entry (i, j) into Σ_r B_ir C_rj (lesson 01); ``distribute`` multiplies
the result out into a flat sum of ``Term`` s (a coefficient, scalar factors, summation indices).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import product

from .expr import Expr, make

Index = str | None  # None stands for a dimension of size 1 (a vector's other side)


@dataclass(frozen=True)
class Entry:
    """One entry of a node: ``mat[row, col]`` (a symbol, ``inv(M)``, ``det(M)``, ...)."""

    mat: Expr
    row: Index = None
    col: Index = None

    def indices(self) -> tuple:
        return tuple(i for i in (self.row, self.col) if i is not None)


@dataclass(frozen=True)
class Delta:
    """The Kronecker delta δ_ab: 1 when a = b, else 0."""

    a: str
    b: str

    def indices(self) -> tuple:
        return (self.a, self.b)


@dataclass(frozen=True)
class Partial:
    """An unevaluated ∂(factor)/∂X_kl, shown in the 'differentiate each factor' step."""

    factor: Entry
    wrt: Entry

    def indices(self) -> tuple:
        return self.factor.indices()


@dataclass(frozen=True)
class Term:
    """coeff × (product of factors), summed over ``sums`` = ((index, dim), ...)."""

    coeff: Fraction
    factors: tuple = ()
    sums: tuple = ()

    def sum_names(self) -> set:
        return {s for s, _ in self.sums}


# Tree nodes for the not-yet-multiplied-out form: ("sum", ((coeff, node), ...)),
# ("prod", (node, ...)), ("sigma", index, dim, node), ("num", Fraction), or an Entry / Delta.


class IndexNames:
    """Hands out fresh summation index names (r, s, p, q, ...) avoiding names already in use."""

    POOL = "r s p q u v a b c d e g h o w z".split()

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def fresh(self) -> str:
        for name in self.POOL + [f"r{n}" for n in range(1, 200)]:
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise ValueError("the expression needs more summation indices than a derivation "
                         "can show; derive a smaller part of it")


def _side(dim, index: Index) -> Index:
    return None if dim == 1 else index


def expand(e: Expr, row: Index, col: Index, names: IndexNames):
    """The entry (row, col) of ``e`` as an index tree (sums kept where the expression has them)."""
    op, a = e.op, e.args
    if op == "sym" or op in ("inv", "det", "log", "pow"):
        if e.shape == () or e.shape == (1, 1):
            return Entry(e)
        return Entry(e, _side(e.shape[0], row), _side(e.shape[1], col))
    if op == "num":
        return ("num", e.data)
    if op == "eye":
        return Delta(row, col) if e.data != 1 else ("num", Fraction(1))
    if op in ("add", "sub"):
        sign = Fraction(1 if op == "add" else -1)
        return ("sum", ((Fraction(1), expand(a[0], row, col, names)),
                        (sign, expand(a[1], row, col, names))))
    if op == "neg":
        return ("sum", ((Fraction(-1), expand(a[0], row, col, names)),))
    if op == "mul":
        return ("prod", tuple(_mul_part(x, row, col, names) for x in a))
    if op == "div":
        inverse = make("pow", (a[1],), Fraction(-1))
        return ("prod", (expand(a[0], row, col, names), Entry(inverse)))
    if op == "T":
        return expand(a[0], col, row, names)
    if op == "matmul":
        return _matmul(a[0], a[1], row, col, names)
    if op == "tr":
        s = names.fresh()
        return ("sigma", s, a[0].shape[0], expand(a[0], s, s, names))
    if op == "outer":
        return ("prod", (_vector(a[0], row, names), _vector(a[1], col, names)))
    raise ValueError(f"index notation is not written for `{op}` here")


def _mul_part(x: Expr, row: Index, col: Index, names: IndexNames):
    """In ``a * b`` a scalar factor has no indices; an equal-shape factor shares them."""
    if x.shape in ((), (1, 1)):
        return expand(x, None, None, names)
    return expand(x, row, col, names)


def _matmul(left: Expr, right: Expr, row: Index, col: Index, names: IndexNames):
    """(AB)_rc = Σ_s A_rs B_sc — the definition of the matrix product."""
    inner = left.shape[1]
    if inner == 1:
        return ("prod", (expand(left, row, None, names), expand(right, None, col, names)))
    s = names.fresh()
    body = ("prod", (expand(left, row, s, names), expand(right, s, col, names)))
    return ("sigma", s, inner, body)


def _vector(v: Expr, index: Index, names: IndexNames):
    """``outer`` flattens its arguments: a row or a column both give v_index."""
    if v.shape[1] == 1:
        return expand(v, index, None, names)
    return expand(v, None, index, names)


def distribute(node) -> list[Term]:
    """Multiply an index tree out into a flat list of terms."""
    if isinstance(node, (Entry, Delta, Partial)):
        return [Term(Fraction(1), (node,))]
    kind = node[0]
    if kind == "num":
        return [Term(node[1])] if node[1] != 0 else []
    if kind == "sum":
        return [replace(t, coeff=c * t.coeff) for c, child in node[1] for t in distribute(child)]
    if kind == "sigma":
        return [replace(t, sums=((node[1], node[2]),) + t.sums) for t in distribute(node[3])]
    if kind == "prod":
        out = []
        for parts in product(*(distribute(child) for child in node[1])):
            coeff = Fraction(1)
            for p in parts:
                coeff *= p.coeff
            out.append(Term(coeff, sum((p.factors for p in parts), ()),
                            sum((p.sums for p in parts), ())))
        return out
    raise ValueError(f"unknown index tree node {kind}")


def rename(factor, old: str, new: str):
    """Replace one index name by another inside a factor."""
    def sub(i: Index) -> Index:
        return new if i == old else i

    if isinstance(factor, Entry):
        return Entry(factor.mat, sub(factor.row), sub(factor.col))
    if isinstance(factor, Delta):
        return Delta(sub(factor.a), sub(factor.b))
    if isinstance(factor, Partial):
        return Partial(rename(factor.factor, old, new), factor.wrt)
    raise TypeError(factor)


def depends_on(factor, name: str) -> bool:
    """Does this factor involve the symbol ``name`` (so its derivative may be non-zero)?"""
    if isinstance(factor, Delta):
        return False
    stack = [factor.mat if isinstance(factor, Entry) else factor.factor.mat]
    while stack:
        e = stack.pop()
        if e.op == "sym" and e.data == name:
            return True
        stack.extend(e.args)
    return False
