"""A corpus of graded answers for ``bench_grading.py``: right forms and every mistake class.

Each ``Case`` says whether the answer is right and which diagnosis a wrong one should get.
``"term"`` marks a missing or extra term, which the grader reports with diagnosis None and a
message naming the term; ``None`` marks a wrong answer that belongs to no class.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One answer to grade against one reference."""

    answer: str
    reference: str
    shapes: dict
    expected_correct: bool
    expected_diagnosis: str | None = None
    indices: dict | None = None
    wrt: str | None = None
    topic: str = ""


@dataclass(frozen=True)
class Exercise:
    """A reference with its right forms and its wrong answers, by mistake class."""

    topic: str
    reference: str
    shapes: dict
    wrt: str | None
    right: tuple[str, ...]
    wrong: tuple[tuple[str, str | None], ...]  # (answer, expected diagnosis)
    indices: dict | None = None


def _generic_mistakes(ref: str, rename: tuple[str, str]) -> list[tuple[str, str | None]]:
    """Mistakes every reference can be given: sign, scale, near misses, unreadable, unknown."""
    old, new = rename
    return [
        (f"-({ref})", "sign"), (f"2*({ref})", "scale"), (f"({ref})/2", "scale"),
        (f"0.999*({ref})", "scale"), (f"1.000001*({ref})", "scale"),
        (f"({ref}", "parse"), (f"{ref} +", "parse"), (f"{ref} $", "parse"),
        (ref.replace(old, new, 1), "unknown_symbol"),
    ]


EXERCISES = [
    Exercise(
        "single-layer loss ½‖Wx−t‖² wrt W", "(W@x - t) @ x.T",
        {"W": (3, 2), "x": (2, 1), "t": (3, 1)}, "W",
        ("W@x@x.T - t@x.T", "outer(W@x - t, x)", "np.outer(W @ x - t, x)",
         "(x @ (W@x - t).T).T", "-(t - W@x) @ x.T", "W@(x@x.T) - t@x.T", "(W@x - t) @ x^T",
         "np.dot(W, x) @ x.T - np.outer(t, x)"),
        (("x @ (W@x - t).T", "transpose"), ("x @ x.T @ W.T - x @ t.T", "transpose"),
         ("(t - W@x) @ x.T", "sign"), ("t@x.T - W@x@x.T", "sign"),
         ("W@x@x.T", "term"), ("-t@x.T", "term"), ("W@x@x.T - t@x.T + W", "term"),
         ("W@x@x.T - 2*t@x.T", "term"), ("W @ x - t", "shape"), ("W.T", "shape"),
         ("x.T @ x", "shape"), ("W @ t", "invalid_operation"), ("W * x", "invalid_operation"),
         ("(W@x - t) * x", "invalid_operation"), ("W @ x @ t.T", "shape"),
         ("(W@x - t) @ x.T @ W.T @ W", None), ("W@x@x.T - t@t.T@W", None))
        + tuple(_generic_mistakes("(W@x - t) @ x.T", ("t", "y"))),
    ),
    Exercise(
        "single-layer loss ½‖Wx−t‖² wrt x", "W.T @ (W@x - t)",
        {"W": (3, 2), "x": (2, 1), "t": (3, 1)}, "x",
        ("W.T@W@x - W.T@t", "((W@x - t).T @ W).T", "W.T @ W @ x - (t.T @ W).T"),
        (("(W@x - t).T @ W", "transpose"), ("W.T @ (t - W@x)", "sign"),
         ("W.T @ W @ x", "term"), ("-W.T @ t", "term"), ("W @ x - t", "shape"),
         ("W @ (W@x - t)", "invalid_operation"), ("W.T @ W @ x - W.T @ W @ x", None))
        + tuple(_generic_mistakes("W.T @ (W@x - t)", ("W", "V"))),
    ),
    Exercise(
        "quadratic form xᵀAx wrt x", "(A + A.T) @ x", {"A": (3, 3), "x": (3, 1)}, "x",
        ("A@x + A.T@x", "(x.T @ (A + A.T)).T", "(A.T + A) @ x", "(A + A.T).T @ x",
         "A@x + A^T@x", "(x.T@A).T + (x.T@A.T).T"),
        (("x.T @ (A + A.T)", "transpose"), ("x.T@A + x.T@A.T", "transpose"),
         ("2 * A @ x", "symmetric"), ("2 * A.T @ x", "symmetric"), ("A @ x", "term"),
         ("A.T @ x", "term"), ("A@x + A.T@x + A@x", "term"), ("x.T @ A @ x", "shape"),
         ("A", "shape"), ("A @ x.T", "invalid_operation"), ("(A - A.T) @ x", None),
         ("A @ A @ x", None))
        + tuple(_generic_mistakes("(A + A.T) @ x", ("A", "B"))),
    ),
    Exercise(
        "bilinear form aᵀXb wrt X", "a @ b.T", {"a": (3, 1), "X": (3, 4), "b": (4, 1)}, "X",
        ("outer(a, b)", "(b @ a.T).T", "np.outer(a, b)", "a @ b^T"),
        (("b @ a.T", "transpose"), ("outer(b, a)", "transpose"), ("-outer(a, b)", "sign"),
         ("a.T @ X @ b", "shape"), ("a @ b", "invalid_operation"), ("X", None),
         ("a @ b.T + X", "term"))
        + tuple(_generic_mistakes("a @ b.T", ("b", "c"))),
    ),
    Exercise(
        "trace tr(AXB) wrt X", "A.T @ B.T", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, "X",
        ("(B @ A).T", "A.T @ B.T", "(A.T @ B.T).T.T"),
        (("B @ A", "transpose"), ("-(B @ A).T", "sign"), ("A @ B", "invalid_operation"),
         ("tr(A @ X @ B)", "shape"), ("B.T @ A.T", "invalid_operation"),
         ("A.T @ B.T + X", "term"))
        + tuple(_generic_mistakes("A.T @ B.T", ("A", "C"))),
    ),
    Exercise(
        "log-determinant log det X wrt X", "inv(X).T", {"X": (3, 3)}, "X",
        ("inv(X.T)", "X^{-1}^T", "np.linalg.inv(X).T", "inv(X).T @ X @ inv(X)"),
        (("inv(X)", "transpose"), ("X^{-1}", "transpose"), ("-inv(X).T", "sign"),
         ("det(X) * inv(X).T", None), ("log(det(X))", "shape"), ("X.T", None),
         ("inv(X) @ inv(X).T", None), ("inv(X).T + eye(3)", "term"))
        + tuple(_generic_mistakes("inv(X).T", ("X", "Y"))),
    ),
    Exercise(
        "trace of a quadratic tr(XᵀAX) wrt X", "(A + A.T) @ X", {"A": (3, 3), "X": (3, 2)}, "X",
        ("A@X + A.T@X", "(X.T @ (A + A.T)).T", "(X.T@A.T + X.T@A).T"),
        (("X.T @ (A + A.T)", "transpose"), ("2 * A @ X", "symmetric"),
         ("2 * A.T @ X", "symmetric"), ("A @ X", "term"), ("A.T @ X", "term"),
         ("X.T @ A @ X", "shape"), ("A @ X.T", "invalid_operation"))
        + tuple(_generic_mistakes("(A + A.T) @ X", ("A", "B"))),
    ),
    Exercise(
        "chain rule ½‖VWx−t‖² wrt W", "V.T @ (V@W@x - t) @ x.T",
        {"V": (2, 3), "W": (3, 4), "x": (4, 1), "t": (2, 1)}, "W",
        ("V.T @ outer(V@W@x - t, x)", "(x @ (V@W@x - t).T @ V).T",
         "V.T@V@W@x@x.T - V.T@t@x.T"),
        (("x @ (V@W@x - t).T @ V", "transpose"), ("V.T @ (t - V@W@x) @ x.T", "sign"),
         ("(V@W@x - t) @ x.T", "shape"), ("V.T @ (V@W@x - t)", "shape"),
         ("V.T@V@W@x@x.T", "term"), ("V @ (V@W@x - t) @ x.T", "invalid_operation"),
         ("V.T @ V @ W", None))
        + tuple(_generic_mistakes("V.T @ (V@W@x - t) @ x.T", ("V", "U"))),
    ),
    Exercise(
        "two-layer linear net ½‖W₂W₁x−t‖² wrt W₂", "(W2@W1@x - t) @ (W1@x).T",
        {"W1": (3, 4), "W2": (2, 3), "x": (4, 1), "t": (2, 1)}, "W2",
        ("outer(W2@W1@x - t, W1@x)", "(W2@W1@x - t) @ x.T @ W1.T",
         "W2@W1@x@x.T@W1.T - t@x.T@W1.T"),
        (("W1@x @ (W2@W1@x - t).T", "transpose"), ("(t - W2@W1@x) @ (W1@x).T", "sign"),
         ("(W2@W1@x - t) @ x.T", "shape"), ("W2@W1@x@x.T@W1.T", "term"),
         ("(W2@W1@x - t) @ W1@x", "invalid_operation"))
        + tuple(_generic_mistakes("(W2@W1@x - t) @ (W1@x).T", ("W1", "W3"))),
    ),
    Exercise(
        "ridge regression ½‖Xw−y‖² + ½λ‖w‖² wrt w", "X.T @ (X@w - y) + lam * w",
        {"X": (5, 3), "w": (3, 1), "y": (5, 1), "lam": ()}, "w",
        ("X.T@X@w - X.T@y + lam*w", "(X.T@X + lam*eye(3)) @ w - X.T@y",
         "((X@w - y).T @ X).T + w*lam"),
        (("(X@w - y).T @ X + lam * w.T", "transpose"), ("X.T @ (X@w - y)", "term"),
         ("X.T @ (X@w - y) + 2*lam*w", "term"), ("X.T @ (X@w - y) - lam * w", None),
         ("X @ w - y + lam * w", "invalid_operation"), ("lam * w.T", "shape"))
        + tuple(_generic_mistakes("X.T @ (X@w - y) + lam * w", ("lam", "mu"))),
    ),
    Exercise(
        "named dimensions: ½‖Wx−t‖² wrt W, W m×n", "(W@x - t) @ x.T",
        {"W": ("m", "n"), "x": ("n", 1), "t": ("m", 1)}, "W",
        ("outer(W@x - t, x)", "W@x@x.T - t@x.T"),
        (("x @ (W@x - t).T", "transpose"), ("W @ x", "shape"), ("W @ t", "invalid_operation"),
         ("eye(3) @ W", "invalid_operation"), ("(t - W@x) @ x.T", "sign")),
    ),
    Exercise(
        "index form ∂(BC)_ij/∂B_kl", "delta(i,k)*C[l,j]", {"B": (3, 4), "C": (4, 2)}, None,
        ("C[l,j]*delta(k,i)", "delta(k,i)*C[l,j]", "sum(delta(i,r)*delta(r,k), r)*C[l,j]"),
        (("delta(i,l)*C[k,j]", None), ("delta(i,k)*C[j,l]", "invalid_operation"),
         ("C[l,j]", "shape"), ("delta(i,k)*C[l,q]", "unknown_symbol"),
         ("delta(i,k)*C[l,j]*2", "scale"), ("-delta(i,k)*C[l,j]", "sign"),
         ("delta(i,k)*B[k,l]", "shape"), ("delta(i,k)*C[l,5]", "shape"),
         ("delta(i,k)*C[l,j] + delta(i,k)", "term"), ("B @ C", None),
         ("delta(i,k)*C[l,j", "parse"), ("delta(i,k)*D[l,j]", "unknown_symbol")),
        {"i": 3, "j": 2, "k": 3, "l": 4},
    ),
    Exercise(
        "index form (BC)_ij", "sum(B[i,r]*C[r,j], r)", {"B": (3, 4), "C": (4, 2)}, None,
        ("sum(C[q,j]*B[i,q], q)", "sum(B[i,k]*C[k,j], k)"),
        (("sum(B[j,r]*C[r,i], r)", "invalid_operation"), ("B[i,r]*C[r,j]", "unknown_symbol"),
         ("sum(B[i,r]*C[r,j], r)/2", "scale"), ("-sum(B[i,r]*C[r,j], r)", "sign"),
         ("sum(B[i,r]*C[j,r], r)", "invalid_operation"), ("B[i,0]*C[0,j]", None)),
        {"i": 3, "j": 2},
    ),
    Exercise(
        "index form ∂(Ax)_i/∂x_k", "A[i,k]", {"A": (4, 4), "x": (4, 1)}, None,
        ("sum(A[i,j]*delta(j,k), j)", "A.T[k,i]"),
        (("A[k,i]", "transpose"), ("x[k]", "shape"), ("delta(i,k)", None),
         ("2*A[i,k]", "scale"), ("A @ x", None), ("A[i,k] + A[k,i]", "term")),
        {"i": 4, "k": 4},
    ),
]


def cases() -> list[Case]:
    """Every (answer, reference) pair of the corpus, right forms first."""
    out = []
    for ex in EXERCISES:
        common = {"reference": ex.reference, "shapes": ex.shapes, "indices": ex.indices,
                  "wrt": ex.wrt, "topic": ex.topic}
        out += [Case(answer=a, expected_correct=True, **common) for a in (ex.reference, *ex.right)]
        out += [Case(answer=a, expected_correct=False, expected_diagnosis=d, **common)
                for a, d in ex.wrong]
    return out
