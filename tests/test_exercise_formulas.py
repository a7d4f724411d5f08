"""Every derivative the bank states is checked by finite differences, independently of the grader.

For an exercise with ``of``, the Jacobian of ``of`` with respect to ``wrt`` is measured with
``numeric_jacobian`` at random values, and the reference answer must match it: a matrix form is
the gradient (the variable's shape; numerator layout: its transpose), or for a vector output and
a vector variable the Jacobian laid out by the layout; an index form is evaluated for every value
of its free indices, output indices (i, j) first, then the variable's (k, l). Every listed
mistake must differ from it. Exercises without ``of`` are not derivatives: their answers are
compared with a value computed directly with numpy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from matcalc_edu import exercise_bank as bank
from matcalc_edu.evaluate import evaluate
from matcalc_edu.numerics import numeric_jacobian
from matcalc_edu.parser import parse
from matcalc_edu.sampling import dim_sizes, sample_values

STUDENTS = ("ada", "grace", "alan")
OUTPUT_INDICES, VARIABLE_INDICES = ("i", "j"), ("k", "l")
RTOL = 1e-5  # central differences with eps = 1e-6 are good to about 1e-9 here


def _lr_step(W: np.ndarray, x: np.ndarray, t: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """One gradient-descent step on 1/2 |Wx - t|^2, with the gradient by finite differences."""
    grad = numeric_jacobian(lambda V: 0.5 * np.sum((V @ x - t) ** 2), W)
    return W - float(eta) * grad


# Exercises whose answer is not a derivative: why, and the value computed directly with numpy
# from the variant's symbols (in the order the exercise declares them), with the answer's free
# indices in the order its `indices` lists them.
NOT_DERIVATIVES: dict[str, tuple[str, Callable[..., np.ndarray]]] = {
    "ch01.product-entry": ("an entry of A B^T", lambda A, B: A @ B.T),
    "ch01.sifting": ("a sum collapsed by a delta",
                     lambda C: np.einsum("rl,rj->lj", np.eye(C.shape[0]), C)),
    "ch04.gd-step": ("the weights after one gradient-descent step", _lr_step),
}


def _variants(with_of: bool) -> list[tuple[str, str]]:
    return [(ex.id, student) for ex in bank.exercises() for student in STUDENTS
            if (ex.variant(student).of is not None) == with_of]


def _sizes(variant: bank.Variant, seed: int) -> dict[str, int]:
    """The sizes of the named dimensions the values are drawn with (none if all are concrete)."""
    return dim_sizes(variant.shapes, seed)


def _index_sizes(variant: bank.Variant, sizes: dict[str, int]) -> dict[str, int]:
    return {i: sizes.get(d, d) if isinstance(d, str) else d for i, d in variant.indices.items()}


def _axes(shape: tuple) -> list:
    """The axes an object of this declared shape has in index form: none, one or two."""
    return [d for d in shape if d != 1]


def _compute(text: str, variant: bank.Variant, values: dict, sizes: dict) -> np.ndarray:
    """An answer (or mistake) evaluated; index form with its free indices in `indices` order."""
    expr = parse(text, variant.shapes)
    if expr.has_index:
        return evaluate(expr, values, indices=_index_sizes(variant, sizes), sizes=sizes)
    return evaluate(expr, values, sizes=sizes)


def _derivative(variant: bank.Variant, seed: int) -> tuple[dict, dict, np.ndarray]:
    """Values, sizes and what the answer must equal there, from finite differences of `of`."""
    sizes = _sizes(variant, seed)
    values = sample_values(variant.shapes, seed, sizes=sizes)
    of = parse(variant.of, variant.shapes)
    wrt = variant.wrt

    def f(X: np.ndarray) -> np.ndarray:
        return evaluate(of, {**values, wrt: X}, sizes=sizes)

    J = numeric_jacobian(f, values[wrt])
    out_axes, var_axes = _axes(of.shape), _axes(variant.shapes[wrt])
    J = J.reshape([_size(d, sizes) for d in out_axes + var_axes])
    if variant.indices is not None:  # index form: output indices first, then the variable's
        names = list(OUTPUT_INDICES[: len(out_axes)] + VARIABLE_INDICES[: len(var_axes)])
        assert list(variant.indices) == names, (
            f"{variant.exercise_id}: a derivative in index form names its free indices "
            f"{names} (output i, j; variable k, l), in that order; got {list(variant.indices)}")
        return values, sizes, J
    if not out_axes:  # a scalar: the gradient has the variable's shape
        grad = J.reshape(np.shape(values[wrt]))
        return values, sizes, grad if variant.layout == "gradient" else grad.T
    assert len(out_axes) == 1 and len(var_axes) == 1, (
        f"{variant.exercise_id}: a matrix-form derivative needs a scalar `of` or a vector by a "
        "vector; use index form for anything with more indices")
    return values, sizes, J.T if variant.layout == "gradient" else J


def _size(d: object, sizes: dict[str, int]) -> int:
    return sizes[d] if isinstance(d, str) else int(d)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 1 and b.size == 1:
        a, b = a.reshape(()), b.reshape(())
    scale = max(float(np.abs(b).max(initial=0)), 1.0)
    return a.shape == b.shape and bool(np.abs(a - b).max(initial=0) <= RTOL * scale)


@pytest.mark.parametrize(("exercise_id", "student"), _variants(with_of=True))
def test_stated_derivative_matches_finite_differences(exercise_id: str, student: str) -> None:
    variant = bank.exercise(exercise_id).variant(student)
    assert variant.wrt is not None
    for seed in (0, 1):
        values, sizes, expected = _derivative(variant, seed)
        got = _compute(variant.solution, variant, values, sizes)
        assert _close(got, expected), (exercise_id, student, variant.key, variant.solution)
        for mistake in variant.mistakes:
            wrong = _compute(mistake.answer, variant, values, sizes)
            assert not _close(wrong, expected), (exercise_id, student, mistake.answer)


@pytest.mark.parametrize(("exercise_id", "student"), _variants(with_of=False))
def test_answers_that_are_not_derivatives_match_a_direct_computation(
    exercise_id: str, student: str
) -> None:
    assert exercise_id in NOT_DERIVATIVES, (
        f"{exercise_id} has no `of`: if its answer is a derivative, give `of`; if not, add a "
        "direct computation of its value to NOT_DERIVATIVES")
    variant = bank.exercise(exercise_id).variant(student)
    _why, direct = NOT_DERIVATIVES[exercise_id]
    for seed in (0, 1):
        sizes = _sizes(variant, seed)
        values = sample_values(variant.shapes, seed, sizes=sizes)
        expected = direct(*(values[name] for name in variant.shapes))
        assert _close(_compute(variant.solution, variant, values, sizes), expected), (
            exercise_id, student, variant.key)
        for mistake in variant.mistakes:
            wrong = _compute(mistake.answer, variant, values, sizes)
            assert not _close(wrong, expected), (exercise_id, student, mistake.answer)


def test_the_direct_computations_name_existing_exercises() -> None:
    ids = {ex.id for ex in bank.exercises()}
    assert set(NOT_DERIVATIVES) <= ids
    assert all(ex.variant(s).of is None for ex in bank.exercises() for s in STUDENTS
               if ex.id in NOT_DERIVATIVES)


def test_of_and_layout_are_validated(tmp_path) -> None:
    base = '''
[[exercise]]
id = "ch09.ok"
title = "t"
prompt = "p"
symbols = {W = ["m", "n"], x = ["n"]}
answer = "W@x@x.T"
'''
    cases = [
        ('wrt = "W"\nof = "0.5*x.T@W.T@W@x"\nlayout = "numerator"\n', None),
        ('of = "x.T@W.T@W@x"\n', "'of' needs 'wrt'"),
        ('wrt = "W"\nof = "x.T@W@W"\n', "'of'"),
        ('wrt = "W"\nof = "tr(W)"\nlayout = "rows"\n', "'layout' must be"),
        ('wrt = "W"\nlayout = "numerator"\n', "'layout' needs 'of'"),
    ]
    for n, (extra, error) in enumerate(cases):
        path = tmp_path / f"case{n}" / "ch09.toml"
        path.parent.mkdir()
        path.write_text(base + extra, encoding="utf-8")
        if error is None:
            (ex,) = bank.load_file(path)
            v = ex.variant("ada")
            assert (v.of, v.layout) == ("0.5*x.T@W.T@W@x", "numerator")
        else:
            with pytest.raises(bank.ExerciseSchemaError, match=error):
                bank.load_file(path)


def test_of_is_renamed_with_the_variant() -> None:
    ex = bank.exercise("ch04.single-layer")
    renamed = next(v for v in (ex.variant(f"s{n}") for n in range(50)) if v.wrt != "W")
    assert renamed.wrt in renamed.of and "W" not in renamed.of
    parse(renamed.of, renamed.shapes)
