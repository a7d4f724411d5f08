"""The derivation engine: right on every expression the course uses, checked independently here."""

import numpy as np
import pytest
import sympy as sp

from matcalc_edu import derive, numeric_jacobian
from matcalc_edu.derivation import DerivationError
from matcalc_edu.evaluate import evaluate
from matcalc_edu.parser import parse
from matcalc_edu.sampling import sample_values

S = {"W": (3, 2), "x": (2, 1), "t": (3, 1), "B": (3, 4), "C": (4, 2), "X": (3, 3),
     "A": (3, 3), "D": (3, 3), "a": (3, 1), "b": (3, 1), "c": (3, 1), "y": (3, 1),
     "Y": (3, 2), "P": (2, 3), "Q": (2, 2), "s": ()}

CASES = [  # (expression, variable): 40 distinct derivatives
    ("B@C", "B"), ("B@C", "C"), ("W@x", "W"), ("W@x", "x"), ("X.T", "X"), ("inv(X)", "X"),
    ("X@X", "X"), ("2*X - X.T", "X"),
    ("x.T@W.T@t", "W"), ("a.T@y", "y"), ("y.T@a", "y"), ("a.T@X@b", "X"), ("y.T@A@y", "y"),
    ("y.T@y", "y"), ("tr(X)", "X"), ("tr(A@X)", "X"), ("tr(X@A)", "X"), ("tr(X.T@A)", "X"),
    ("tr(A@X@D)", "X"), ("tr(A@X@D@X)", "X"), ("tr(X@A@X.T)", "X"), ("tr(inv(X))", "X"),
    ("tr(A@inv(X)@D)", "X"), ("tr(X.T@X)", "X"), ("tr(P@Y@Q)", "Y"), ("det(X)", "X"),
    ("log(det(X))", "X"), ("det(X)**2", "X"), ("det(A@X@D)", "X"), ("a.T@inv(X)@b", "X"),
    ("(X@b + c).T@D@(X@b + c)", "X"), ("0.5*(W@x - t).T@(W@x - t)", "W"),
    ("0.5*(W@x - t).T@(W@x - t)", "x"), ("log(y.T@y)", "y"), ("(y.T@A@y)/(y.T@y)", "y"),
    ("s*y.T@y", "s"), ("s**2*X", "s"), ("outer(y, a)", "y"), ("tr((X*X)@D)", "X"),
    ("a.T@X.T@X@b", "X"),
]


def _independent_jacobian(expr, wrt, values):
    """Finite differences of the expression itself, written without the engine."""
    e = parse(expr, S)
    base = dict(values)

    def f(Z):
        base[wrt] = Z
        out = evaluate(e, base)
        return out.reshape(()) if out.shape == (1, 1) else out

    return numeric_jacobian(f, values[wrt])


@pytest.mark.parametrize("expr, wrt", CASES)
def test_derive_matches_finite_differences(expr, wrt):
    d = derive(expr, wrt, S)
    values = sample_values(S, seed=7)  # not the engine's own seed
    J = _independent_jacobian(expr, wrt, values)
    assert np.allclose(d.jacobian(values), J, atol=1e-6, rtol=1e-5)
    if d.matrix_expr is not None:
        scalar_out = parse(expr, S).shape in ((), (1, 1))
        m = evaluate(parse(d.matrix_form, S), values)  # the text form parses back, too
        if scalar_out:
            assert np.allclose(np.reshape(m, J.shape), J, atol=1e-6)
        else:
            out_rows = J.reshape(int(np.prod(J.shape[:2])), -1)
            assert np.allclose(m, out_rows.T.reshape(m.shape) if m.size == J.size else m)


def test_enough_distinct_expressions_are_covered():
    assert len(set(CASES)) >= 30


def test_BC_wrt_B_reproduces_section_0_1_of_the_notes():
    d = derive("B@C", "B", {"B": (3, 4), "C": (4, 2)})
    latex = [s.latex for s in d.steps]
    assert latex[0] == r"A_{ij} = \sum_{r=1}^{4} B_{ir} C_{rj}"
    assert latex[1].endswith(r"\sum_{r=1}^{4} \frac{\partial B_{ir}}{\partial B_{kl}} C_{rj}")
    assert latex[2].endswith(r"\sum_{r=1}^{4} \delta_{ik} \delta_{rl} C_{rj}")
    assert latex[3].endswith(r"\delta_{ik} \sum_{r=1}^{4} \delta_{rl} C_{rj}")
    assert latex[4].endswith(r"= \delta_{ik} C_{lj}")
    assert all(s.why for s in d.steps)
    i, j, k, l = sp.symbols("i j k l")
    assert d.index_form == sp.KroneckerDelta(i, k) * sp.IndexedBase("C")[l, j]
    assert d.matrix_form is None  # a genuine 4-index object


def test_Ax_wrt_A_is_delta_x_and_the_chain_rule_gives_dL_dy_x():
    d = derive("A@x", "A", {"A": (3, 2), "x": (2, 1)})
    i, k, l = sp.symbols("i k l")
    assert d.index_form == sp.KroneckerDelta(i, k) * sp.IndexedBase("x")[l]
    chain = derive("g.T@A@x", "A", {"g": (3, 1), "A": (3, 2), "x": (2, 1)})
    assert chain.matrix_form == "g @ x.T"  # ∂L/∂A_kl = ∂L/∂y_k x_l with g = ∂L/∂y


def test_single_layer_loss_ends_at_the_outer_product():
    d = derive("0.5*(W@x - t).T@(W@x - t)", "W", S)
    assert d.matrix_form == "(W@x - t) @ x.T"
    assert "outer" in d.steps[-1].why or "matrix form" in d.steps[-1].why
    assert derive("0.5*(W@x - t).T@(W@x - t)", "W", S, layout="numerator").matrix_form \
        == "x @ (W@x - t).T"


def test_layouts_are_transposes_of_each_other():
    for expr, wrt in [("a.T@X@b", "X"), ("y.T@A@y", "y"), ("W@x", "x")]:
        g = derive(expr, wrt, S)
        n = derive(expr, wrt, S, layout="numerator")
        values = sample_values(S, seed=3)
        gm, nm = evaluate(g.matrix_expr, values), evaluate(n.matrix_expr, values)
        assert np.allclose(gm, nm.T)


def test_det_inverse_and_log_use_the_differential_rules():
    whys = " ".join(s.why for s in derive("log(det(X))", "X", S).steps)
    assert "Jacobi" in whys
    assert "M^{-1}" in " ".join(s.why for s in derive("a.T@inv(X)@b", "X", S).steps)
    assert derive("log(det(X))", "X", S).matrix_form == "inv(X).T"


@pytest.mark.parametrize("expr, wrt, words", [
    ("B@C", "Z", "not one of the symbols"),
    ("B@Z", "B", "unknown name"),
    ("delta(i,k)", "B", "index notation"),
])
def test_what_cannot_be_derived_is_said_plainly(expr, wrt, words):
    with pytest.raises(DerivationError, match=words):
        derive(expr, wrt, S)


def test_a_wrong_engine_result_is_never_returned(monkeypatch):
    import matcalc_edu.derivation as dmod

    def broken(d, values):
        return 2 * dmod.jacobian_from_terms.__wrapped__(d, values)

    original = dmod.jacobian_from_terms
    broken.__wrapped__ = original
    monkeypatch.setattr(dmod.jacobian_from_terms, "__wrapped__", original, raising=False)
    monkeypatch.setattr(dmod, "jacobian_from_terms", broken)
    with pytest.raises(DerivationError, match="did not match finite differences"):
        derive("a.T@X@b", "X", S)


def test_rich_display_shows_every_step():
    d = derive("B@C", "B", {"B": (3, 4), "C": (4, 2)})
    md = d._repr_markdown_()
    assert md.count("$$") == 2 * len(d.steps)
    assert "checked against finite differences" in md


def test_rules_that_need_an_inverse_refuse_singular_matrices_plainly():
    with pytest.raises(DerivationError, match="singular"):
        derive("det(y@y.T)", "y", S)  # a rank-one matrix: Jacobi's formula needs its inverse
    with pytest.raises(DerivationError, match="need F invertible"):
        derive("det(y@y.T)", "y", S)
