"""Read a matrix expression back off index notation (the last step of every derivation).

Each term is a chain of entries linked by summed indices: a_k Σ_r ... is walked from the row
index to the column index, giving a matrix product, an outer product u vᵀ, or a scalar
(a closed loop is a trace). Common leading and trailing factors are then pulled out, which
turns W x xᵀ − t xᵀ into (W x − t) xᵀ (lesson 04).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from .expr import Expr, make, number
from .index_tree import Delta, Entry, Term
from .render import to_text


class NoMatrixForm(Exception):
    """The terms do not chain into a matrix product (e.g. an entrywise product)."""


def transpose(e: Expr) -> Expr:
    """Transpose, cancelling a double transpose."""
    return e.args[0] if e.op == "T" else make("T", (e,))


def _take(factors: list, index: str):
    """Remove and return the factor that carries ``index`` (or None)."""
    for f in factors:
        if isinstance(f, (Entry, Delta)) and index in f.indices():
            factors.remove(f)
            return f
    return None


def _walk(factors: list, start: str, summed: set, stop: str | None = None):
    """Follow entries from ``start`` through summed indices; return (links, end index)."""
    links, current = [], start
    while True:
        f = _take(factors, current)
        if f is None:
            raise NoMatrixForm(f"index {current} is not carried by any factor")
        if isinstance(f, Delta):
            nxt = f.b if f.a == current else f.a
        elif f.row == current and f.col != current:
            links.append(f.mat)
            nxt = f.col
        elif f.col == current and f.row != current:
            links.append(transpose(f.mat))
            nxt = f.row
        else:
            raise NoMatrixForm("an entry repeats an index")
        if nxt is None or nxt == stop or nxt not in summed:
            return links, nxt
        current = nxt


def _scalar_component(factors: list, summed: set) -> Expr:
    """One scalar factor: an opaque scalar, an open chain aᵀ…b, or a closed loop tr(…)."""
    f = next((f for f in factors if isinstance(f, Entry) and not f.indices()), None)
    if f is not None:
        factors.remove(f)
        return f.mat
    end = next((f for f in factors if isinstance(f, Entry) and len(f.indices()) == 1), None)
    if end is not None:
        factors.remove(end)
        first = end.mat if end.row is None else transpose(end.mat)
        links, stop = _walk(factors, end.indices()[0], summed)
        if stop is not None:
            raise NoMatrixForm("a free index inside a scalar factor")
        return _product([first, *links])
    start = factors.pop(0)
    if isinstance(start, Delta) or start.row is None:
        raise NoMatrixForm("unexpected factor")
    links, stop = _walk(factors, start.col, summed, stop=start.row)
    if stop != start.row:
        raise NoMatrixForm("an index loop does not close")
    return make("tr", (_product([start.mat, *links]),))


def _product(links: list[Expr]) -> Expr:
    out = links[0]
    for link in links[1:]:
        out = make("matmul", (out, link))
    return out


def term_parts(t: Term, row: str | None, col: str | None, dims: dict) -> tuple:
    """Split a term into (coefficient, scalar factors, chain of matrices) for result[row, col]."""
    factors, summed = list(t.factors), t.sum_names()
    counts = Counter(i for f in factors for i in f.indices())
    if any(counts[i] != 2 for i in summed):  # a product chain links exactly two factors
        raise NoMatrixForm("a summed index is shared by more or fewer than two factors")
    chain: list[Expr] = []
    if row is not None:
        links, end = _walk(factors, row, summed)
        if end == col and col is not None:
            chain = links or [make("eye", (), dims[row], shape=(dims[row],) * 2)]
        elif end is None:
            chain = links
            if col is not None:
                chain = chain + _row_vector(factors, col, summed)
        else:
            raise NoMatrixForm("the row index does not lead to the column index")
    elif col is not None:
        chain = _row_vector(factors, col, summed)
    if any(i in (row, col) for f in factors for i in f.indices()):
        raise NoMatrixForm("a free index appears twice (an entrywise product)")
    scalars = []
    while factors:
        scalars.append(_scalar_component(factors, summed))
    return t.coeff, scalars, chain


def _row_vector(factors: list, col: str, summed: set) -> list[Expr]:
    links, end = _walk(factors, col, summed)
    if end is not None:
        raise NoMatrixForm("the column index does not end in a vector")
    return [transpose(x) for x in reversed(links)]


def _scaled(coeff: Fraction, e: Expr) -> Expr:
    if coeff == 1:
        return e
    if coeff == -1:
        return make("neg", (e,))
    return make("mul", (number(coeff), e))


def _times(scalars: list[Expr], e: Expr | None) -> Expr:
    parts = list(scalars) + ([e] if e is not None else [])
    if not parts:
        return number(1)
    out = parts[0]
    for p in parts[1:]:
        out = make("mul", (out, p))
    return out


def _common(chains: list[list[Expr]], from_end: bool) -> int:
    """How many leading (or trailing) links all chains share."""
    n = 0
    while all(len(c) > n for c in chains):
        texts = {to_text(c[-1 - n] if from_end else c[n]) for c in chains}
        if len(texts) != 1:
            break
        n += 1
    return n


def _item_expr(item: tuple) -> Expr:
    coeff, chain = item
    return _scaled(coeff, _product(chain))


def _pull_common(items: list[tuple]) -> list[tuple] | None:
    """A (B + C) D from A B D + A C D: one item, or None when nothing is shared."""
    chains = [ch for _, ch in items]
    pre = _common(chains, from_end=False)
    post = _common([c[pre:] for c in chains], from_end=True)
    if pre + post == 0:
        return None
    middles = [(c, _middle(ch, pre, post)) for c, ch in items]
    inner = factor(middles)
    head, tail = chains[0][:pre], chains[0][len(chains[0]) - post:]
    if len(inner) == 1:
        return [(inner[0][0], head + inner[0][1] + tail)]
    return [(Fraction(1), head + [_sum(inner)] + tail)]


def _middle(chain: list[Expr], pre: int, post: int) -> list[Expr]:
    rest = chain[pre:len(chain) - post]
    if rest:
        return rest
    n = chain[pre - 1].shape[1] if pre else chain[len(chain) - post].shape[0]
    return [make("eye", (), n, shape=(n, n))]


def _group(items: list[tuple], from_end: bool) -> list[tuple]:
    """Factor each group of items that share their first (or last) link."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(to_text(item[1][-1 if from_end else 0]), []).append(item)
    out = []
    for group in groups.values():
        out.extend(factor(group) if len(group) > 1 else group)
    return out


def _merge_equal(items: list[tuple]) -> list[tuple]:
    """c1·P + c2·P = (c1 + c2)·P for chains that read the same; zero sums vanish."""
    merged: dict[str, list] = {}
    for coeff, chain in items:
        key = " @ ".join(to_text(link) for link in chain)
        merged.setdefault(key, [Fraction(0), chain])[0] += coeff
    return [(c, chain) for c, chain in merged.values() if c != 0]


def factor(items: list[tuple]) -> list[tuple]:
    """Write a sum of matrix products with as few terms as common factors allow."""
    items = _merge_equal(items)
    if len(items) < 2:
        return items
    pulled = _pull_common(items)
    if pulled is not None:
        return pulled
    for from_end in (False, True):
        grouped = _group(items, from_end)
        if len(grouped) < len(items):
            return factor(grouped)
    return items


def _sum(items: list[tuple]) -> Expr:
    """c1·e1 + c2·e2 + … written with subtraction for negative coefficients."""
    out = _item_expr(items[0])
    for c, ch in items[1:]:
        out = make("sub" if c < 0 else "add", (out, _item_expr((abs(c), ch))))
    return out


def to_matrix_form(terms: list[Term], row: str | None, col: str | None, dims: dict) -> Expr:
    """The matrix expression whose (row, col) entry is the sum of ``terms``."""
    if not terms:
        return number(0)
    by_scalars: dict[tuple, list] = {}
    for coeff, scalars, chain in (term_parts(t, row, col, dims) for t in terms):
        key = tuple(to_text(s) for s in scalars)
        by_scalars.setdefault(key, (scalars, []))[1].append((coeff, chain))
    pieces = []
    for scalars, items in by_scalars.values():
        with_chain = [it for it in items if it[1]]
        plain = [(c, []) for c, ch in items if not ch]
        parts = factor(with_chain) + plain
        pieces.extend((c, _times(scalars, _product(ch) if ch else None)) for c, ch in parts)
    return _sum([(c, [e]) for c, e in pieces])


def _is_leaf(e: Expr) -> bool:
    return e.op == "sym" or (e.op == "T" and e.args[0].op == "sym")


def _links(e: Expr) -> list[Expr]:
    """The factors of a matrix product, left to right."""
    return _links(e.args[0]) + _links(e.args[1]) if e.op == "matmul" else [e]


def transpose_all(e: Expr) -> Expr:
    """The transpose of ``e`` written neatly: (AB)ᵀ = BᵀAᵀ, (A + B)ᵀ = Aᵀ + Bᵀ."""
    if e.op == "T":
        return e.args[0]
    if e.op == "matmul":
        return _product([transpose_all(x) for x in reversed(_links(e))])
    if e.op in ("add", "sub") and all(_is_leaf(x) for x in e.args):
        return make(e.op, tuple(transpose_all(x) for x in e.args))
    if e.op == "neg":
        return make("neg", (transpose_all(e.args[0]),))
    if e.op == "mul" and e.args[0].shape in ((), (1, 1)):
        return make("mul", (e.args[0], transpose_all(e.args[1])))
    if e.op == "eye" or e.shape in ((), (1, 1)):
        return e
    return make("T", (e,))
