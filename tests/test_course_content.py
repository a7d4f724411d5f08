"""The lessons show results that come from the library, and every lesson has its frame.

Two halves: (1) the key results the lessons display are what the library computes (index forms,
matrix forms, the identity table), checked here independently with finite differences; (2) the
built notebooks really make those library calls, print those results, and have "Learning
objectives", "Prerequisites" and "Summary". nbval keeps the stored outputs current.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp

from matcalc_edu import derive, gradient_check, identities, numeric_jacobian
from matcalc_edu.evaluate import evaluate
from matcalc_edu.numerics import delta_C_tensor, delta_x_tensor
from matcalc_edu.parser import parse
from matcalc_edu.sampling import sample_values

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
i, j, k, l = sp.symbols("i j k l")
KD = sp.KroneckerDelta
LESSONS = ["00-welcome", "01-index-notation", "02-matrix-wrt-matrix",
           "03-vector-wrt-matrix-chain-rule", "04-single-layer-network", "05-identity-table",
           "06-beyond-the-notes"]
rng = np.random.default_rng(0)


def entry(name, *idx):
    return sp.IndexedBase(name)[idx]


# ------------------------------------------------------------------ (1) the results themselves


def test_bc_wrt_b_is_delta_ik_c_lj():
    d = derive("B@C", "B", {"B": ("m", "n"), "C": ("n", "p")})
    assert d.index_form == KD(i, k) * entry("C", l, j)
    B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    J = d.jacobian({"B": B, "C": C})
    assert np.allclose(J, delta_C_tensor(C, 3))
    assert np.allclose(J, numeric_jacobian(lambda X: X @ C, B), atol=1e-8)


def test_bc_wrt_c_is_b_ik_delta_jl():
    d = derive("B@C", "C", {"B": ("m", "n"), "C": ("n", "p")})
    assert d.index_form == entry("B", i, k) * KD(j, l)
    B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    assert np.allclose(d.jacobian({"B": B, "C": C}), np.einsum("ik,jl->ijkl", B, np.eye(2)))


def test_ax_wrt_a_is_delta_ik_x_l():
    d = derive("A@x", "A", {"A": ("m", "n"), "x": ("n",)})
    assert d.index_form == KD(i, k) * entry("x", l)
    A, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    J = d.jacobian({"A": A, "x": x}).reshape(3, 3, 4)
    assert np.allclose(J, delta_x_tensor(x, 3))
    assert np.allclose(J, numeric_jacobian(lambda M: M @ x, A)[:, 0], atol=1e-8)


def _matrix_value(d, values):
    return evaluate(d.matrix_expr, values)


def test_chain_rule_is_dl_dy_k_times_x_l():
    d = derive("g.T@A@x", "A", {"g": (3, 1), "A": (3, 4), "x": (4, 1)})
    assert d.index_form == entry("g", k) * entry("x", l)
    g, A, x = rng.standard_normal((3, 1)), rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    assert np.allclose(_matrix_value(d, {"g": g, "A": A, "x": x}), g @ x.T)


def test_single_layer_gradient_is_residual_times_input():
    shapes = {"W": (3, 2), "x": (2, 1), "t": (3, 1)}
    d = derive("0.5*(W@x - t).T@(W@x - t)", "W", shapes)
    W, x, t = rng.standard_normal((3, 2)), rng.standard_normal((2, 1)), rng.standard_normal((3, 1))
    expected = (W @ x - t) @ x.T
    assert np.allclose(_matrix_value(d, {"W": W, "x": x, "t": t}), expected)
    assert gradient_check(lambda V: 0.5 * np.sum((V @ x - t) ** 2), expected, W) < 1e-6


def test_batch_gradient():
    shapes = {"W": (3, 2), "X": (2, 4), "T": (3, 4)}
    d = derive("0.5*tr((W@X - T).T@(W@X - T))", "W", shapes)
    W, X, T = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), rng.standard_normal((3, 4))
    assert np.allclose(_matrix_value(d, {"W": W, "X": X, "T": T}), (W @ X - T) @ X.T)


def test_identity_table_rows_all_verified():
    table = identities.table()
    assert len(table) == len(identities.load()) > 0
    assert all(row.ok for row in table), [row.identity.id for row in table if not row.ok]


@pytest.mark.parametrize("ident", [i for i in identities.load() if i.kind != "rule"],
                         ids=lambda ident: ident.id)
def test_identity_formula_matches_finite_differences(ident):
    """Independent of the engine: the stated formulas against finite differences (lesson 05)."""
    values = sample_values(ident.shapes, seed=3)
    expr = parse(ident.expr, ident.shapes)

    def f(X):
        return evaluate(expr, {**values, ident.wrt: X})

    grad = evaluate(parse(ident.gradient, ident.shapes), values)
    numer = evaluate(parse(ident.numerator, ident.shapes), values)
    assert gradient_check(f, grad, values[ident.wrt]) < 1e-6
    assert gradient_check(f, numer.T, values[ident.wrt]) < 1e-6


# ------------------------------------------------------------------ (2) the lessons show them

CALLS = {  # lesson -> library calls its code must make
    "00-welcome": ['derive("a.T@X@b", "X"', "check_answer(", "ExerciseWidget(", "parse("],
    "01-index-notation": ['derive("X", "X"', "identity_tensor(", "numeric_jacobian(",
                          'derive("A@x", "x"'],
    "02-matrix-wrt-matrix": ['derive("B@C", "B"', 'derive("B@C", "C"', "numeric_jacobian(",
                             "delta_C_tensor("],
    "03-vector-wrt-matrix-chain-rule": ['derive("A@x", "A"', 'derive("g.T@A@x", "A"',
                                        "gradient_check(", "delta_x_tensor("],
    "04-single-layer-network": ['derive("0.5*(W@x - t).T@(W@x - t)", "W"', "gradient_check("],
    "05-identity-table": ["identities.table()", "check_answer(", "gradient_check("],
    "06-beyond-the-notes": ['derive("0.5*tr((W@X - T).T@(W@X - T))", "W"', "gradient_check(",
                            "numeric_jacobian("],
}
SHOWN = {  # lesson -> results that must appear in its stored outputs
    "01-index-notation": ["A[i, k]"],
    "02-matrix-wrt-matrix": ["delta(i, k)*C[l, j]", "B[i, k]*delta(j, l)"],
    "03-vector-wrt-matrix-chain-rule": ["delta(i, k)*x[l]", "g[k]*x[l]", "g @ x.T"],
    "04-single-layer-network": ["(W@x - t) @ x.T"],
    "05-identity-table": ["every identity verified: True"],
    "06-beyond-the-notes": ["(W@X - T) @ X.T", "W.T @ G", "G @ H.T"],
}


def _notebook(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.exists(), f"{path} is missing: run python tools/build_notebooks.py"
    return nbformat.read(path, as_version=4)


def _code(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _outputs(nb):
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            texts.extend(v for v in out.get("data", {}).values() if isinstance(v, str))
    return "\n".join(texts)


def test_the_course_has_seven_lessons():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_makes_its_library_calls(name):
    code = _code(_notebook(name))
    for call in CALLS[name]:
        assert call in code, f"{name} should call {call}"
    assert re.search(r"^from matcalc_edu import ", code, re.M)
    for redefined in ("derive", "numeric_jacobian", "gradient_check", "check_answer"):
        assert f"def {redefined}(" not in code, f"{name} redefines the library's {redefined}"


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_lesson_displays_the_library_results(name):
    shown = _outputs(_notebook(name))
    for result in SHOWN[name]:
        assert result in shown, f"{name} should display {result}"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_frame(name):
    nb = _notebook(name)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert "## Learning objectives" in markdown[0] and "## Prerequisites" in markdown[0]
    assert any("## Summary" in text for text in markdown[-2:])


@pytest.mark.parametrize("name", LESSONS[1:])
def test_lesson_is_seeded_and_ends_with_its_exercises(name):
    nb = _notebook(name)
    code = _code(nb)
    assert "np.random.default_rng(0)" in code
    assert not re.search(r"np\.random\.(seed|rand|randn|normal|uniform)\(", code)
    assert nb.cells[-1].source.strip() == f'show_exercises("ch{name[:2]}")'


@pytest.mark.parametrize("name", LESSONS)
def test_plot_cells_end_with_show(name):
    for cell in _notebook(name).cells:
        if cell.cell_type == "code" and "plt.subplots" in cell.source:
            assert cell.source.rstrip().endswith("plt.show()")
