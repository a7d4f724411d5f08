"""The identity table (lesson 05): every line of the notes, corrected, derived and verified.

The identities are data (``data/identities.toml``); ``table()`` derives each one with the engine
in both layouts and checks it against finite differences afresh every time it is called.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .derivation import Derivation, derive
from .evaluate import evaluate
from .numerics import numeric_jacobian
from .parser import parse
from .render import to_latex
from .sampling import sample_values

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Identity:
    """One line of the table, as written in ``identities.toml``."""

    id: str
    title: str
    expr: str
    wrt: str
    shapes: dict
    kind: str = "formula"
    gradient: str = ""
    numerator: str = ""
    rule: str = ""
    latex: str = ""
    source: str = ""
    erratum: str = ""

    def statement(self, layout: str = "gradient") -> str:
        """LaTeX of the identity in the given layout."""
        if self.kind == "rule":
            return self.latex
        form = self.gradient if layout == "gradient" else self.numerator
        lhs = (rf"\nabla_{{{self.wrt}}}" if layout == "gradient"
               else rf"\frac{{\partial}}{{\partial {self.wrt}}}")
        return f"{lhs} \\left({to_latex(parse(self.expr, self.shapes))}\\right) = " \
               f"{to_latex(parse(form, self.shapes))}"


@lru_cache(maxsize=1)
def load() -> tuple[Identity, ...]:
    """All identities, in table order."""
    text = resources.files("matcalc_edu").joinpath("data/identities.toml").read_text("utf-8")
    rows = tomllib.loads(text)["identity"]
    return tuple(Identity(**{**row, "shapes": {k: tuple(v) for k, v in row["shapes"].items()}})
                 for row in rows)


@dataclass
class Row:
    """An identity with its fresh derivations (both layouts) and its measured error."""

    identity: Identity
    derivations: dict
    error: float

    @property
    def ok(self) -> bool:
        return self.error < 1e-6

    def __repr__(self) -> str:
        return f"<Row {self.identity.id}: {'verified' if self.ok else 'FAILED'}>"


def _formula_error(ident: Identity, d: Derivation, form: str, seed: int) -> float:
    """How far the stated formula is from the engine's (finite-difference-checked) result."""
    values = sample_values(ident.shapes, seed)
    stated = evaluate(parse(form, ident.shapes), values)
    engine = evaluate(d.matrix_expr, values)
    scale = max(np.abs(engine).max(), 1.0)
    return float(np.abs(np.reshape(stated, engine.shape) - engine).max() / scale)


def _rule_error(ident: Identity, seed: int) -> float:
    """Check a rule on its example f(X) = X @ D by the index formula it states."""
    values = sample_values(ident.shapes, seed)
    X, D = values["X"], values["D"]
    F = X @ D
    dF = numeric_jacobian(lambda Y: Y @ D, X)  # dF[i, j, k, l] = ∂F_ij/∂X_kl
    composite = numeric_jacobian(lambda Y: evaluate(parse(ident.expr, ident.shapes),
                                                    {"X": Y, "D": D}), X)
    Finv = np.linalg.inv(F)
    formula = {
        "transpose": lambda: np.swapaxes(dF, 0, 1),
        "trace": lambda: np.einsum("iikl->kl", dF),
        "det": lambda: np.linalg.det(F) * np.einsum("ji,ijkl->kl", Finv, dF),
        "inverse": lambda: -np.einsum("ia,abkl,bj->ijkl", Finv, dF, Finv),
    }[ident.rule]()
    return float(np.abs(composite - formula).max() / max(np.abs(composite).max(), 1.0))


def verify(ident: Identity, seed: int = 0) -> Row:
    """Derive an identity in both layouts and measure the stated formula against it."""
    derivations = {layout: derive(ident.expr, ident.wrt, ident.shapes, layout)
                   for layout in ("gradient", "numerator")}
    if ident.kind == "rule":
        return Row(ident, derivations, _rule_error(ident, seed))
    error = max(_formula_error(ident, derivations["gradient"], ident.gradient, seed),
                _formula_error(ident, derivations["numerator"], ident.numerator, seed))
    return Row(ident, derivations, error)


class Table(list):
    """The verified table; shows as HTML in Jupyter and as text in a terminal."""

    def get(self, identity_id: str) -> Row:
        """The row of one identity, e.g. ``table().get("xTAx")``."""
        for row in self:
            if row.identity.id == identity_id:
                return row
        known = ", ".join(r.identity.id for r in self)
        raise KeyError(f"no identity {identity_id!r}; known: {known}")

    def __repr__(self) -> str:
        ok = sum(r.ok for r in self)
        return f"<identity table: {ok} of {len(self)} verified>"

    def _repr_html_(self) -> str:
        head = ("<tr><th>#</th><th>identity (gradient layout)</th><th>numerator layout</th>"
                "<th>the notes said</th><th>check</th></tr>")
        body = "".join(_html_row(n, r) for n, r in enumerate(self, 1))
        return f"<table>{head}{body}</table>"

    def __str__(self) -> str:
        lines = []
        for n, r in enumerate(self, 1):
            mark = "✓" if r.ok else "✗"
            grad = r.identity.gradient or r.identity.rule + " rule"
            lines.append(f"{mark} {n:2d}. {r.identity.title}: {grad}   "
                         f"(max error {r.error:.1e})")
        return "\n".join(lines)


def _html_row(n: int, r: Row) -> str:
    i = r.identity
    mark = "✓ verified" if r.ok else "✗ FAILED"
    said = f"${i.source}$" if i.source else "—"
    if i.erratum:
        said += f"<br><small>{html.escape(i.erratum)}</small>"
    num = f"${i.statement('numerator')}$" if i.kind != "rule" else "(same)"
    return (f"<tr><td>{n}</td><td>${i.statement('gradient')}$</td><td>{num}</td>"
            f"<td>{said}</td><td>{mark} ({r.error:.0e})</td></tr>")


def table(seed: int = 0) -> Table:
    """Every identity, derived and verified now (lesson 05)."""
    return Table(verify(ident, seed) for ident in load())
