"""The grading engine: equivalent forms pass, each mistake class is diagnosed, near misses fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc_edu.grading import DIAGNOSES, Verdict, check_answer, preview
from matcalc_edu.sampling import dim_sizes, sample_values

ROOT = Path(__file__).resolve().parents[1]

LOSS = {"W": (3, 2), "x": (2, 1), "t": (3, 1)}  # L = ½‖Wx − t‖², ∂L/∂W = (Wx − t)xᵀ
LOSS_REF = "(W@x - t) @ x.T"
QUAD = {"A": (3, 3), "x": (3, 1)}  # xᵀAx, gradient (A + Aᵀ)x
QUAD_REF = "(A + A.T) @ x"
BILIN = {"a": (3, 1), "X": (3, 4), "b": (4, 1)}  # aᵀXb, gradient abᵀ
TRACE = {"A": (2, 3), "X": (3, 4), "B": (4, 2)}  # tr(AXB), gradient AᵀBᵀ
LOGDET = {"X": (3, 3)}  # log det X, gradient X⁻ᵀ
NAMED = {"W": ("m", "n"), "x": ("n", 1), "t": ("m", 1)}
BC = {"B": (3, 4), "C": (4, 2)}
BC_IDX = {"i": 3, "j": 2, "k": 3, "l": 4}  # ∂(BC)_ij/∂B_kl = δ_ik C_lj


@pytest.mark.parametrize("answer, reference, shapes", [
    ("(W@x - t) @ x.T", LOSS_REF, LOSS),
    ("W@x@x.T - t@x.T", LOSS_REF, LOSS),
    ("outer(W@x - t, x)", LOSS_REF, LOSS),
    ("np.outer(W @ x - t, x)", LOSS_REF, LOSS),
    ("(x @ (W@x - t).T).T", LOSS_REF, LOSS),
    ("-(t - W@x) @ x.T", LOSS_REF, LOSS),
    ("W@(x@x.T) - t@x.T", LOSS_REF, LOSS),
    ("np.dot(W, x) @ x.T - np.outer(t, x)", LOSS_REF, LOSS),
    ("(x.T @ (A + A.T)).T", QUAD_REF, QUAD),
    ("(A + A.T).T @ x", QUAD_REF, QUAD),
    ("A@x + A^T@x", QUAD_REF, QUAD),
    ("A.T@x + A@x", QUAD_REF, QUAD),
    ("a @ b.T", "outer(a, b)", BILIN),
    ("(b @ a.T).T", "outer(a, b)", BILIN),
    ("A.T @ B.T", "A.T @ B.T", TRACE),
    ("(B @ A).T", "A.T @ B.T", TRACE),
    ("inv(X).T", "inv(X).T", LOGDET),
    ("inv(X.T)", "inv(X).T", LOGDET),
    ("X^{-1}^T", "inv(X).T", LOGDET),
    ("np.linalg.inv(X).T", "inv(X).T", LOGDET),
    ("(W@x - t) @ x.T", LOSS_REF, NAMED),
    ("2*(W@x - t)@x.T/2", LOSS_REF, LOSS),
])
def test_equivalent_forms_are_accepted(answer, reference, shapes):
    verdict = check_answer(answer, reference, shapes)
    assert verdict.correct, verdict.message
    assert verdict.diagnosis is None
    assert verdict.read_as


@pytest.mark.parametrize("answer, reference, shapes, wrt, diagnosis, fact", [
    ("x @ (W@x - t).T", LOSS_REF, LOSS, "W", "transpose", "numerator-layout"),
    ("x.T @ (A + A.T)", QUAD_REF, QUAD, "x", "transpose", "3×1"),
    ("inv(X)", "inv(X).T", LOGDET, "X", "transpose", "denominator"),
    ("B @ A", "A.T @ B.T", TRACE, "X", "transpose", "X (3×4)"),
    ("(t - W@x) @ x.T", LOSS_REF, LOSS, "W", "sign", "minus"),
    ("-inv(X).T", "inv(X).T", LOGDET, "X", "sign", "minus"),
    ("2 * (W@x - t) @ x.T", LOSS_REF, LOSS, "W", "scale", "2 times"),
    ("(W@x - t) @ x.T / 2", LOSS_REF, LOSS, "W", "scale", "1/2 times"),
    ("-3/2 * outer(a, b)", "outer(a, b)", BILIN, "X", "scale", "-3/2 times"),
    ("0.999 * (W@x - t) @ x.T", LOSS_REF, LOSS, "W", "scale", "0.999"),
    ("2 * A @ x", QUAD_REF, QUAD, "x", "symmetric", "A"),
    ("2 * A.T @ x", QUAD_REF, QUAD, "x", "symmetric", "symmetric"),
    ("W @ x", LOSS_REF, LOSS, "W", "shape", "a gradient has the shape of its variable W (3×2)"),
    ("x.T @ x", LOSS_REF, LOSS, "W", "shape", "3×2"),
    ("W.T", LOSS_REF, LOSS, None, "shape", "the expected result is 3×2"),
    ("W @ x", LOSS_REF, NAMED, "W", "shape", "m×n"),
    ("x @ (W@x - t).T", LOSS_REF, NAMED, "W", "transpose", "W (m×n)"),
    ("W @ t", LOSS_REF, LOSS, "W", "invalid_operation", "3×1"),
    ("W * x", LOSS_REF, LOSS, "W", "invalid_operation", "2×1"),
    ("inv(W)", LOSS_REF, LOSS, "W", "invalid_operation", "3×2"),
    ("(W@x - t) @@ x.T", LOSS_REF, LOSS, "W", "parse", "column 12"),
    ("(W@x - t @ x.T", LOSS_REF, LOSS, "W", "parse", "parentheses"),
    ("(W@x - y) @ x.T", LOSS_REF, LOSS, "W", "unknown_symbol", "`y`"),
    ("grad(W)", LOSS_REF, LOSS, "W", "unknown_symbol", "grad"),
    ("eye(7) @ W", LOSS_REF, LOSS, "W", "invalid_operation", "eye(7)"),
])
def test_mistakes_are_diagnosed(answer, reference, shapes, wrt, diagnosis, fact):
    verdict = check_answer(answer, reference, shapes, wrt=wrt)
    assert not verdict.correct
    assert verdict.diagnosis == diagnosis, verdict.message
    assert fact in verdict.message


@pytest.mark.parametrize("answer, reference, shapes, term", [
    ("W@x@x.T", LOSS_REF, LOSS, "missing the term $-t x^{\\top}$"),
    ("-t@x.T", LOSS_REF, LOSS, "missing the term $W x x^{\\top}$"),
    ("A @ x", QUAD_REF, QUAD, "missing the term $A^{\\top} x$"),
    ("W@x@x.T - t@x.T + W", LOSS_REF, LOSS, "extra term $W$"),
    ("W@x@x.T - 2*t@x.T", LOSS_REF, LOSS, "once too often"),
])
def test_a_missing_or_extra_term_is_named(answer, reference, shapes, term):
    verdict = check_answer(answer, reference, shapes)
    assert not verdict.correct and verdict.diagnosis is None
    assert term in verdict.message


@pytest.mark.parametrize("answer", [
    "0.999 * (W@x - t) @ x.T",
    "1.000001 * (W@x - t) @ x.T",
    "(W@x - t) @ x.T + 1e-6 * W",
    "(W@x - t) @ x.T + 1e-7 * outer(t, x)",
    "W@x@x.T - 0.9999999*t@x.T",
    "(W@x - 1.000001*t) @ x.T",
    "(W@x - t) @ x.T * (1 + 1e-7)",
    "W@x@x.T",
    "(W@x - t) @ x.T @ (eye(2) + 1e-6 * x @ x.T)",
])
def test_near_misses_are_never_accepted(answer):
    assert not check_answer(answer, LOSS_REF, LOSS).correct


def test_index_form_is_compared_entry_by_entry():
    ref = "delta(i,k)*C[l,j]"
    assert check_answer("delta(i,k)*C[l,j]", ref, BC, BC_IDX).correct
    assert check_answer("C[l,j]*delta(k,i)", ref, BC, BC_IDX).correct
    wrong = check_answer("delta(i,l)*C[k,j]", ref, BC, BC_IDX)
    assert not wrong.correct
    assert "for example at" in wrong.message


def test_index_form_with_sums_and_renamed_summation_index():
    shapes, idx = {"B": (3, 4), "C": (4, 2)}, {"i": 3, "j": 2}
    ref = "sum(B[i,r]*C[r,j], r)"
    assert check_answer("sum(C[q,j]*B[i,q], q)", ref, shapes, idx).correct
    assert check_answer("sum(B[i,r]*C[r,j], r)*2", ref, shapes, idx).diagnosis == "scale"
    swapped = check_answer("sum(B[j,r]*C[r,i], r)", ref, shapes, idx)
    assert not swapped.correct


def test_index_form_swapped_indices_of_equal_range_are_called_a_transpose():
    shapes, idx = {"A": (3, 3), "x": (3, 1)}, {"i": 3, "k": 3}  # ∂(Ax)_i/∂x_k = A_ik
    verdict = check_answer("A[k,i]", "A[i,k]", shapes, idx)
    assert verdict.diagnosis == "transpose"
    assert "i and k" in verdict.message
    assert check_answer("sum(A[i,j]*delta(j,k), j)", "A[i,k]", shapes, idx).correct


def test_index_running_past_its_array_is_a_message_not_a_crash():
    verdict = check_answer("delta(i,k)*C[j,l]", "delta(i,k)*C[l,j]", BC, BC_IDX)
    assert not verdict.correct
    assert verdict.diagnosis == "invalid_operation"
    assert "index l runs over 4 values but C has only 2" in verdict.message
    literal = check_answer("delta(i,k)*C[l,j]*C[9,j]", "delta(i,k)*C[l,j]", BC, BC_IDX)
    assert "past the end of C" in literal.message


def test_unknown_missing_and_extra_free_indices():
    ref = "delta(i,k)*C[l,j]"
    unknown = check_answer("delta(i,q)*C[l,j]", ref, BC, BC_IDX)
    assert unknown.diagnosis == "unknown_symbol" and "q" in unknown.message
    missing = check_answer("C[l,j]", ref, BC, BC_IDX)
    assert missing.diagnosis == "shape" and "i, k" in missing.message
    extra = check_answer("B[i,k]*C[k,j]", "sum(B[i,k]*C[k,j], k)", BC, {"i": 3, "j": 2, "k": 4})
    assert extra.diagnosis == "shape" and "sum(..., k)" in extra.message


def test_the_form_asked_for_is_named():
    to_index = check_answer("B @ C", "delta(i,k)*C[l,j]", BC, BC_IDX)
    assert not to_index.correct and "index notation" in to_index.message
    to_matrix = check_answer("W[i,j]", LOSS_REF, LOSS)
    assert not to_matrix.correct and "matrix expression" in to_matrix.message


def test_index_sizes_may_name_a_dimension():
    shapes = {"B": ("m", "n"), "C": ("n", "p")}
    idx = {"i": "m", "j": "p", "k": "m", "l": "n"}
    assert check_answer("C[l,j]*delta(i,k)", "delta(i,k)*C[l,j]", shapes, idx).correct


def test_nan_singular_and_overflow_answers_get_messages():
    for answer in ("log(0*x.T@x) * W", "(inv(0*x@x.T) @ x @ t.T).T", "1e12**64 * W",
                   "W / (x.T@x - x.T@x)"):
        verdict = check_answer(answer, LOSS_REF, LOSS)
        assert isinstance(verdict, Verdict) and not verdict.correct


@pytest.mark.parametrize("answer", [None, 3, b"W", ["W"], "", "   ", "\x00", "W" * 100_000])
def test_never_raises_for_odd_answers(answer):
    verdict = check_answer(answer, LOSS_REF, LOSS)
    assert isinstance(verdict, Verdict) and not verdict.correct
    assert verdict.diagnosis in DIAGNOSES


def test_reference_errors_raise_value_error():
    with pytest.raises(ValueError):
        check_answer("W", "W @ t", LOSS)
    with pytest.raises(ValueError):
        check_answer("W", LOSS_REF, LOSS, wrt="V")
    with pytest.raises(ValueError):
        check_answer("W", LOSS_REF, {"W": (3, 0)})
    with pytest.raises(ValueError):
        check_answer("delta(i,k)", "delta(i,k)", BC)  # nothing says how far i and k run


def test_verdict_shapes_and_markdown():
    good = check_answer(LOSS_REF, LOSS_REF, LOSS)
    bad = check_answer("W@x", LOSS_REF, LOSS, wrt="W")
    assert json.loads(json.dumps(good.to_dict())) == good.to_dict()
    assert set(good.to_dict()) == {"correct", "message", "diagnosis", "read_as"}
    assert "✔" in good._repr_markdown_() and "Correct" in good._repr_markdown_()
    assert "✘" in bad._repr_markdown_() and "Not correct" in bad._repr_markdown_()
    assert "shape" in bad._repr_markdown_()
    with pytest.raises(AttributeError):
        good.correct = False  # type: ignore[misc]


def test_preview_gives_latex_or_an_error():
    latex, error = preview("(W@x - t) @ x.T", LOSS)
    assert error is None and latex == r"\left(W x - t\right) x^{\top}"
    latex, error = preview("W@@x", LOSS)
    assert latex is None and "column" in error
    assert preview(None, LOSS)[0] is None  # type: ignore[arg-type]


def test_read_as_matches_the_sympy_renderer():
    from matcalc_edu.parser import parse
    from matcalc_edu.render import to_latex

    shapes = {"W1": (3, 2), "x": (2, 1), "alpha": (), "A": (3, 3), "x_0": (3, 1), "C": (3, 3)}
    for text in ("alpha * (W1@x) @ x.T", "inv(A).T @ x_0", "log(det(A)) * A", "-A + A*A",
                 "tr(A)**(1/2) * outer(x_0, x_0)", "sum(C[i,r]*A[r,j], r) / 2 - delta(i, j)"):
        verdict = check_answer(text, text, shapes, {"i": 3, "j": 3} if "[" in text else None)
        assert verdict.correct
        assert verdict.read_as == to_latex(parse(text, shapes))


def test_sampling_is_deterministic_and_well_conditioned():
    shapes = {"A": ("n", "n"), "W": ("m", "n"), "x": ("n", 1), "s": (), "B": (4, 4)}
    one, two = sample_values(shapes, seed=7), sample_values(shapes, seed=7)
    assert all(np.array_equal(one[k], two[k]) for k in shapes)
    assert not np.array_equal(one["A"], sample_values(shapes, seed=7, draw=1)["A"])
    sizes = dim_sizes(shapes, seed=7)
    assert len(set(sizes.values())) == len(sizes) and 4 not in sizes.values()
    assert all(2 <= v <= 6 for v in sizes.values())
    for seed in range(30):
        values = sample_values(shapes, seed=seed)
        for name in ("A", "B"):
            m = values[name]
            assert np.linalg.det(m) > 0 and np.linalg.cond(m) < 50
            assert not np.allclose(m, m.T)
        assert 0.5 <= float(values["s"]) <= 2
        assert values["W"].shape[0] != values["W"].shape[1]
        assert not np.allclose(values["A"] @ values["A"].T, values["A"].T @ values["A"])


def test_many_named_dimensions_still_get_distinct_sizes():
    shapes = {f"M{k}": (f"d{k}", f"d{k + 1}") for k in range(8)}
    sizes = dim_sizes(shapes)
    assert len(set(sizes.values())) == 9


def test_seed_changes_the_draws_but_not_the_verdict():
    for seed in (0, 1, 12345, -3):
        assert check_answer("outer(W@x - t, x)", LOSS_REF, LOSS, seed=seed).correct
        assert check_answer("2*A@x", QUAD_REF, QUAD, seed=seed).diagnosis == "symmetric"


def test_grading_never_imports_sympy():
    code = ("import sys; from matcalc_edu.grading import check_answer, preview; "
            "S = {'W': (3, 2), 'x': (2, 1), 't': (3, 1)}; "
            "check_answer('x@(W@x-t).T', '(W@x - t) @ x.T', S); check_answer('W@@', 'W', S); "
            "preview('W@x', S); print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_summed_indices_take_their_range_from_arrays_or_deltas():
    ref = "delta(i,k)*C[l,j]"
    assert check_answer("sum(delta(i,r)*delta(r,k), r)*C[l,j]", ref, BC, BC_IDX).correct
    clash = check_answer("sum(B[i,r]*C[j,r], r)", "sum(B[i,r]*C[r,j], r)", BC, {"i": 3, "j": 2})
    assert clash.diagnosis == "invalid_operation"
    assert "index r runs over" in clash.message and "B[i,r]" in clash.message


def test_a_free_index_left_unsummed_is_explained():
    verdict = check_answer("B[i,r]*C[r,j]", "sum(B[i,r]*C[r,j], r)", BC, {"i": 3, "j": 2})
    assert verdict.diagnosis == "unknown_symbol"
    assert "sum(..., r)" in verdict.message


def test_exact_arithmetic_refutes_answers_inside_the_float_tolerance():
    shapes = {"W": (3, 2), "x": (2, 1), "t": (3, 1)}
    near = check_answer("1.000000001*(W@x - t) @ x.T", "(W@x - t) @ x.T", shapes)
    assert not near.correct and near.diagnosis == "scale"
    assert "not exactly equal" in near.message and "1000000001/1000000000" in near.message
    assert check_answer("0.5*x.T@x", "1/2*x.T@x", shapes).correct  # 0.5 is exactly 1/2
    assert check_answer("W@x@x.T - t@x.T", "(W@x - t) @ x.T", shapes).correct


def test_exact_ratio_is_only_claimed_for_polynomials():
    from matcalc_edu.exact import exact_ratio
    from matcalc_edu.parser import parse

    shapes = {"X": (3, 3), "a": (3, 1)}
    with pytest.raises(ValueError):
        exact_ratio(parse("inv(X)", shapes), parse("inv(X)", shapes), shapes, {})
    assert exact_ratio(parse("2*X@a", shapes), parse("X@a", shapes), shapes, {}) == 2
    assert exact_ratio(parse("X.T@a", shapes), parse("X@a", shapes), shapes, {}) is None
