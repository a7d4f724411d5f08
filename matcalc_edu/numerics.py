"""Numbers that check the algebra: finite-difference Jacobians, gradient checks, δ-tensors.

Every formula in the course is confirmed with these (lessons 02–06), in the spirit of
CS231n's gradient checks: a derivation is only trusted once the numbers agree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numeric_jacobian(f: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                     eps: float = 1e-6) -> np.ndarray:
    """Central differences: result[out..., in...] = ∂f(X)[out...]/∂X[in...].

    >>> C = np.arange(6.0).reshape(3, 2)
    >>> numeric_jacobian(lambda B: B @ C, np.ones((2, 3))).shape
    (2, 2, 2, 3)
    """
    X = np.array(X, dtype=float)
    out_shape = np.shape(f(X))
    J = np.zeros(out_shape + X.shape)
    for idx in np.ndindex(*X.shape):
        step = np.zeros_like(X)
        step[idx] = eps
        diff = (np.asarray(f(X + step), dtype=float) - np.asarray(f(X - step), dtype=float))
        J[(Ellipsis,) + idx] = diff / (2 * eps)
    return J


def gradient_check(f: Callable[[np.ndarray], float], grad: np.ndarray, X: np.ndarray,
                   eps: float = 1e-6) -> float:
    """Relative error between ``grad`` and the finite-difference gradient of scalar ``f`` at X.

    Below about 1e-7 the gradient is right; above 1e-3 it is almost surely wrong.
    """
    numeric = numeric_jacobian(lambda Y: np.reshape(f(Y), ()), X, eps)
    grad = np.asarray(grad, dtype=float).reshape(numeric.shape)
    scale = max(np.abs(numeric).max(), np.abs(grad).max(), 1e-12)
    return float(np.abs(numeric - grad).max() / scale)


def delta_C_tensor(C: np.ndarray, m: int) -> np.ndarray:
    """∂A_ij/∂B_kl = δ_ik C_lj for A = B C (lesson 02), as an (m, p, m, n) array."""
    return np.einsum("ik,lj->ijkl", np.eye(m), np.asarray(C, dtype=float))


def delta_x_tensor(x: np.ndarray, m: int) -> np.ndarray:
    """∂y_i/∂A_kl = δ_ik x_l for y = A x (lesson 03), as an (m, m, n) array."""
    return np.einsum("ik,l->ikl", np.eye(m), np.ravel(np.asarray(x, dtype=float)))


def identity_tensor(m: int, n: int) -> np.ndarray:
    """∂X_ij/∂X_kl = δ_ik δ_jl (lesson 01), as an (m, n, m, n) array."""
    return np.einsum("ik,jl->ijkl", np.eye(m), np.eye(n))
