"""The expression language: what it reads, what it computes, and how it explains mistakes."""

import numpy as np
import pytest

from matcalc_edu import ExprError, parse
from matcalc_edu.evaluate import evaluate
from matcalc_edu.render import to_latex, to_sympy, to_text

S = {"W": (3, 2), "x": (2, 1), "t": (3, 1), "B": (3, 4), "C": (4, 2), "X": (3, 3)}
RNG = np.random.default_rng(0)
V = {k: RNG.standard_normal(v) for k, v in S.items()}


@pytest.mark.parametrize("text, expected", [
    ("(W@x - t) @ x.T", lambda v: (v["W"] @ v["x"] - v["t"]) @ v["x"].T),
    ("outer(W@x - t, x)", lambda v: np.outer(v["W"] @ v["x"] - v["t"], v["x"])),
    ("np.linalg.inv(X)", lambda v: np.linalg.inv(v["X"])),
    ("X^{-1} @ X", lambda v: np.eye(3)),
    ("X^T", lambda v: v["X"].T),
    ("1/2 * x.T @ x", lambda v: 0.5 * v["x"].T @ v["x"]),
    ("np.trace(X) + det(X)", lambda v: np.trace(v["X"]) + np.linalg.det(v["X"])),
    ("log(x.T@x)**2", lambda v: np.log(v["x"].T @ v["x"]) ** 2),
    ("eye(3) @ X - X", lambda v: np.zeros((3, 3))),
])
def test_numpy_style_expressions_evaluate_like_numpy(text, expected):
    got = evaluate(parse(text, S), V)
    assert np.allclose(np.reshape(got, np.shape(expected(V))), expected(V))


def test_shapes_follow_the_rules_and_vectors_are_columns():
    assert parse("(W@x - t) @ x.T", S).shape == (3, 2)
    assert parse("x.T @ x", S).shape == (1, 1)
    assert parse("det(X)", S).shape == ()
    assert parse("v", {"v": (4,)}).shape == (4, 1)
    assert parse("A @ B", {"A": ("m", "n"), "B": ("n", "p")}).shape == ("m", "p")


def test_index_notation_matches_einsum():
    bc = evaluate(parse("sum(B[i,r]*C[r,j], r)", S), V, {"i": 3, "j": 2})
    assert np.allclose(bc, V["B"] @ V["C"])
    J = evaluate(parse("delta(i,k)*C[l,j]", S), V, {"i": 3, "j": 2, "k": 3, "l": 4})
    assert np.allclose(J, np.einsum("ik,lj->ijkl", np.eye(3), V["C"]))


def test_an_index_running_past_its_array_is_a_clear_error():
    e = parse("delta(i,k)*C[l,j]", S)
    with pytest.raises(ExprError, match="index l runs over 5 values but C has only 4"):
        evaluate(e, V, {"i": 3, "j": 2, "k": 3, "l": 5})


@pytest.mark.parametrize("text, kind, words", [
    ("W@t", "shape", "cannot multiply W (3×2) by t (3×1): inner sizes 2 and 3 differ"),
    ("W@x + y", "unknown_symbol", "unknown name `y`; known: W, x, t"),
    ("W*x", "shape", "did you mean @?"),
    ("x^2", "parse", "write powers with **"),
    ("W@", "parse", "column"),
    ("(W@x", "parse", "parentheses do not match"),
    ("__import__('os')", "unknown_symbol", "unknown function"),
    ("W.__class__", "parse", "only attribute is .T"),
    ("9**9**9**9", "invalid_operation", "plain number"),
    ("(" * 50 + "x" + ")" * 50, "parse", "nested more than"),
    ("x" * 3000, "parse", "limit is 2000"),
    ("det(W)", "invalid_operation", "det needs a square matrix, but W is 3×2"),
    ("eye(100000)", "parse", "eye(n) needs a size"),
])
def test_malformed_input_gets_a_plain_message(text, kind, words):
    with pytest.raises(ExprError) as info:
        parse(text, S)
    assert info.value.kind == kind
    assert words in info.value.message


def test_syntax_errors_point_at_the_column():
    with pytest.raises(ExprError) as info:
        parse("W @ x +* t", S)
    assert info.value.pos is not None
    assert "^" in info.value.pointer("W @ x +* t")


def test_text_form_round_trips():
    for text in ["(W@x - t) @ x.T", "x.T @ x", "inv(X).T", "-(W@x - t) @ x.T", "1/2*x.T @ x"]:
        e = parse(text, S)
        again = parse(to_text(e), S)
        assert np.allclose(evaluate(e, V), evaluate(again, V))


def test_latex_and_sympy_forms():
    e = parse("(W@x - t) @ x.T", S)
    assert to_latex(e) == r"\left(W x - t\right) x^{\top}"
    assert str(to_sympy(e)) == "(W*x - t)*x.T"
    import sympy as sp

    idx = to_sympy(parse("delta(i,k)*C[l,j]", S))
    i, k, l, j = sp.symbols("i k l j")
    assert idx == sp.KroneckerDelta(i, k) * sp.IndexedBase("C")[l, j]


def test_parsed_object_has_shape_evaluate_latex_and_sympy():
    e = parse("(W@x - t) @ x.T", S)
    assert e.shape == (3, 2)
    assert np.allclose(e.evaluate(V), (V["W"] @ V["x"] - V["t"]) @ V["x"].T)
    assert e.latex == r"\left(W x - t\right) x^{\top}"
    assert e._repr_latex_() == f"${e.latex}$"
    assert str(e.to_sympy()) == "(W*x - t)*x.T"
    assert str(e) == "(W@x - t) @ x.T"


@pytest.mark.parametrize("text, words, column", [
    ("W@x -", "ends too early, after `-`", 5),
    ("W x - t", "two terms stand side by side", 3),
    ("2x", "two terms stand side by side", 2),
])
def test_syntax_messages_name_the_place(text, words, column):
    with pytest.raises(ExprError) as info:
        parse(text, S)
    assert words in info.value.message and f"(column {column})" in info.value.message


def test_a_summed_index_must_run_over_one_range():
    with pytest.raises(ExprError, match="index r runs over 4 values in B but 3 in W"):
        evaluate(parse("sum(B[i,r]*W[r,j], r)", S), V, {"i": 3, "j": 2})
    # an index that only sits in a delta runs as far as its partner
    got = evaluate(parse("sum(delta(r,l)*C[r,j], r)", S), V, {"l": 4, "j": 2})
    assert np.allclose(got, V["C"])
