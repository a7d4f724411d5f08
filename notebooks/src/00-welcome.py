# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 00 · Welcome to matrix calculus for machine learning
#
# Backpropagation is one question asked over and over: *how does a number (the loss) change
# when I nudge every entry of a matrix (the weights)?* This course answers it with one method
# — write entries, differentiate entries, read the matrix back off — and checks every answer
# with numbers.
#
# ## Learning objectives
#
# After this lesson you can
#
# - say how a lesson is organised and how your answers are checked;
# - read the notation: scalars, column vectors, matrices, entries, and their **shapes**;
# - tell the two layout conventions apart and name the one this course uses;
# - type an answer in the course's expression language, in matrix form and in index form.
#
# ## Prerequisites
#
# - Matrix multiplication and the transpose; partial derivatives of functions of several
#   variables.
# - A little Python/numpy: `A @ B`, `A.T`, `.shape`.

# %% [markdown]
# ## How the course works
#
# | lesson | topic |
# |---|---|
# | 00 | this welcome: notation, layouts, how to answer |
# | 01 | index notation and the Kronecker delta |
# | 02 | a matrix differentiated by a matrix, $A = BC$ |
# | 03 | a vector differentiated by a matrix, and the chain rule |
# | 04 | a single-layer network, trained by gradient descent |
# | 05 | the identity table, corrected and verified |
# | 06 | beyond the notes: batches, two layers, softmax |
#
# Every lesson has the same rhythm:
#
# 1. **Derive.** The derivations are produced by the course library, `matcalc_edu`, one step
#    at a time, each with the reason it holds. You read them; nothing is typed in by hand.
# 2. **Check with numbers.** Every formula is compared with *finite differences*
#    $\bigl(f(X + \varepsilon E) - f(X - \varepsilon E)\bigr) / 2\varepsilon$. A formula is only
#    trusted once the numbers agree.
# 3. **Practise.** Each lesson ends with exercises. Type an answer, press *Check*, get feedback.
#    Every checked answer is saved, so `matcalc-edu progress` can show what you have solved.

# %%
import numpy as np

import matcalc_edu
from matcalc_edu import ExerciseWidget, check_answer, derive, parse
from matcalc_edu.evaluate import evaluate

print("matcalc_edu is ready:", isinstance(matcalc_edu.__version__, str))

# %% [markdown]
# ## Notation and shapes
#
# - Scalars are plain letters: $a$, $f$, $\mathcal{L}$.
# - **Vectors are columns.** $x \in \mathbb{R}^{n}$ is an $n \times 1$ matrix; $x^\top$ is a row.
# - Matrices are capitals: $A \in \mathbb{R}^{m \times n}$ has $m$ rows and $n$ columns.
# - Entries carry indices: $A_{ij}$ is row $i$, column $j$; $x_i$ is entry $i$ of $x$.
#
# In code we keep vectors as columns too, so that every shape is visible.

# %%
rng = np.random.default_rng(0)
A = rng.standard_normal((3, 2))  # m = 3, n = 2
x = rng.standard_normal((2, 1))  # a column vector in R^2
print("A:", A.shape, " x:", x.shape, " A @ x:", (A @ x).shape, " x.T @ x:", (x.T @ x).shape)

# %% [markdown]
# Checking shapes is the cheapest test there is: if the shapes of an answer are wrong, the
# answer is wrong, whatever the algebra says.

# %% [markdown]
# ## Two layout conventions
#
# Take a scalar $f$ that depends on a matrix $X \in \mathbb{R}^{m \times n}$. Its $mn$ partial
# derivatives $\partial f / \partial X_{kl}$ can be arranged in two ways:
#
# - **Gradient (denominator) layout:** an $m \times n$ matrix, the *shape of the variable*,
#   written $\nabla_X f$. Entry $(k, l)$ is $\partial f / \partial X_{kl}$.
# - **Numerator layout:** the transpose, $n \times m$. This is the row of a Jacobian.
#
# **This course uses the gradient layout.** It is what deep-learning code does: the gradient
# `W.grad` has the shape of `W`, so a step `W -= lr * W.grad` makes sense.
#
# The source notes mix the two; lesson 05 sorts out where. Here is the engine deriving
# $f = a^\top X b$ in both layouts.

# %%
shapes = {"X": (3, 2), "a": (3, 1), "b": (2, 1)}
for layout in ("gradient", "numerator"):
    d = derive("a.T@X@b", "X", shapes, layout=layout)
    print(f"{layout:>9} layout: {d.matrix_form:8} shape {d.matrix_expr.shape}")

# %% [markdown]
# The gradient layout gives $a b^\top$, which is $3 \times 2$ like $X$; the numerator layout
# gives its transpose $b a^\top$.

# %% [markdown]
# ## The expression language for answers
#
# Answers are typed in a small, numpy-like language. Nothing you type is executed: it is
# read, checked for shapes, then compared numerically with the expected answer at random
# values.
#
# **Matrix form** — a whole matrix:
#
# | you type | means |
# |---|---|
# | `W @ x`, `A @ B` | matrix product |
# | `x.T` or `x^T` | transpose |
# | `inv(X)` or `X^-1`, `det(X)`, `tr(X)`, `log(s)` | inverse, determinant, trace, logarithm |
# | `eye(n)`, `outer(a, b)` | identity matrix, outer product $a b^\top$ |
# | `2*X`, `A + B`, `0.5*x` | scalar multiples and sums |
#
# **Index form** — one entry, with free indices:
#
# | you type | means |
# |---|---|
# | `C[l, j]`, `x[l]` | the entry $C_{lj}$, the entry $x_l$ |
# | `delta(i, k)` | the Kronecker delta $\delta_{ik}$ |
# | `sum(B[i, r]*C[r, j], r)` | $\sum_r B_{ir} C_{rj}$ |

# %% [markdown]
# The two forms describe the same thing. The index form of the product $BC$ gives, for every
# pair $(i, j)$, exactly the matrix `B @ C`:

# %%
shapes = {"B": (3, 4), "C": (4, 2)}
B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
entries = evaluate(parse("sum(B[i, r]*C[r, j], r)", shapes), {"B": B, "C": C})
print("one axis per free index (i, j):", entries.shape)
print("equals B @ C:", np.allclose(entries, B @ C))

# %% [markdown]
# When something cannot be read, or the shapes do not fit, you get a plain message saying
# where:

# %%
shapes = {"W": (3, 2), "x": (2, 1), "t": (3, 1)}
for text in ["W x - t", "W @ t", "(W@x - t) @ x.T)"]:
    try:
        parse(text, shapes)
    except matcalc_edu.ExprError as err:
        print(f"{text!r:20} -> {err.message}")

# %% [markdown]
# ## How an answer is checked
#
# The grader behind every exercise is `check_answer(answer, reference, shapes)`. It compares
# shapes first, then values at random points, and names a typical mistake when it sees one.
# Here a student answers the single-layer gradient of lesson 04, $(Wx - t)\,x^\top$, in the
# wrong layout:

# %%
check_answer("x @ (W@x - t).T", "(W@x - t) @ x.T", shapes, wrt="W")

# %% [markdown]
# Any correct way of writing the answer is accepted, expanded or not:

# %%
check_answer("W@x@x.T - t@x.T", "(W@x - t) @ x.T", shapes, wrt="W")

# %% [markdown]
# In the lessons you do not call the grader yourself: the exercise widgets at the end of each
# lesson call `matcalc_edu.check(exercise_id, answer)`, which grades your own variant of the
# exercise (names and sizes differ a little from student to student) and saves the attempt.
#
# Try it with the exercise checked above. Read the prompt first: your version may use other
# letters or sizes. Type an answer, press *Check* (or Enter), and try a wrong one too, to see
# the feedback. This demo (`record=False`) does not count towards your progress.

# %%
ExerciseWidget("ch04.single-layer", record=False)

# %% [markdown]
# ## Summary
#
# - Vectors are columns; always know the shape of everything.
# - A gradient can be laid out two ways. **This course uses the gradient layout: the gradient
#   has the shape of the variable.** The numerator layout is its transpose.
# - Answers are typed as matrix expressions (`(W@x - t) @ x.T`) or as one entry in index form
#   (`delta(i, k)*C[l, j]`, `sum(B[i, r]*C[r, j], r)`); they are checked by shape and by
#   numbers, never by comparing text.
#
# Next: **01 · Index notation**, the tool behind every derivation in the course.
