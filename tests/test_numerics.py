"""Finite differences and the closed-form δ-tensors of lessons 01–03."""

import numpy as np

from matcalc_edu import gradient_check, numeric_jacobian
from matcalc_edu.numerics import delta_C_tensor, delta_x_tensor, identity_tensor

RNG = np.random.default_rng(1)


def test_numeric_jacobian_of_BC_is_delta_C():
    B, C = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    J = numeric_jacobian(lambda Y: Y @ C, B)
    assert J.shape == (3, 2, 3, 4)
    assert np.allclose(J, delta_C_tensor(C, 3), atol=1e-8)


def test_numeric_jacobian_of_Ax_wrt_A_is_delta_x():
    A, x = RNG.standard_normal((3, 2)), RNG.standard_normal(2)
    J = numeric_jacobian(lambda M: M @ x, A)
    assert np.allclose(J, delta_x_tensor(x, 3), atol=1e-8)


def test_identity_tensor_is_dX_dX():
    X = RNG.standard_normal((2, 3))
    assert np.allclose(numeric_jacobian(lambda Y: Y, X), identity_tensor(2, 3), atol=1e-8)


def test_gradient_check_separates_right_from_wrong():
    W, x, t = RNG.standard_normal((3, 2)), RNG.standard_normal((2, 1)), RNG.standard_normal((3, 1))
    loss = lambda M: 0.5 * float(np.sum((M @ x - t) ** 2))  # noqa: E731
    assert gradient_check(loss, (W @ x - t) @ x.T, W) < 1e-7
    assert gradient_check(loss, 2 * (W @ x - t) @ x.T, W) > 1e-2
    assert gradient_check(loss, ((W @ x - t) @ x.T)[::-1], W) > 1e-2
