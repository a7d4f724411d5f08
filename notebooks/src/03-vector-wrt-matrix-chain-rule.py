# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 03 · A vector differentiated by a matrix, and the chain rule
#
# *Source notes, §0.2 and §0.2.1.* A linear layer computes $y = Ax$. Its Jacobian with respect to
# the weights $A$ has three indices — but a network never needs it: the loss is a *scalar*, and
# the chain rule collapses everything into one matrix the shape of $A$, an **outer product**.
#
# ## Learning objectives
#
# After this lesson you can
#
# - derive $\partial y_i / \partial A_{kl} = \delta_{ik}\, x_l$ for $y = Ax$;
# - apply the chain rule in index notation: $\dfrac{\partial \mathcal{L}}{\partial A_{kl}} =
#   \sum_i \dfrac{\partial \mathcal{L}}{\partial y_i}\, \dfrac{\partial y_i}{\partial A_{kl}}
#   = \dfrac{\partial \mathcal{L}}{\partial y_k}\, x_l$;
# - write the result as the outer product $\nabla_A \mathcal{L} = g\, x^\top$ with
#   $g = \nabla_y \mathcal{L}$, and explain why it has rank one;
# - confirm a gradient with a gradient check.
#
# ## Prerequisites
#
# - Lessons 01–02: index notation, the sifting property, 4-index Jacobians.

# %%
import numpy as np

from matcalc_edu import derive, gradient_check, numeric_jacobian, show_exercises
from matcalc_edu.numerics import delta_x_tensor

rng = np.random.default_rng(0)

# %% [markdown]
# ## The Jacobian of $y = Ax$ with respect to $A$
#
# With $A \in \mathbb{R}^{m \times n}$ and $x \in \mathbb{R}^n$, entry $y_i = \sum_j A_{ij} x_j$.
# This is lesson 02 with a single column ($C = x$, $p = 1$), so expect $\delta_{ik}$ times an
# entry of $x$:

# %%
d = derive("A@x", "A", {"A": ("m", "n"), "x": ("n",)})
d

# %% [markdown]
# The notes compress this into one line,
# $\frac{\partial y_i}{\partial A_{kl}} = \frac{\partial A_{ij}}{\partial A_{kl}} x_j = \delta_{ik} x_l$,
# with the sum over $j$ left implicit; the engine writes it out. Checked with numbers, as always:

# %%
m, n = 3, 4
A, x = rng.standard_normal((m, n)), rng.standard_normal((n, 1))
J = numeric_jacobian(lambda M: M @ x, A)[:, 0]  # J[i, k, l] = dy_i / dA_kl, shape (m, m, n)
err = np.abs(J - d.jacobian({"A": A, "x": x}).reshape(m, m, n)).max()
print("index form:", d.index_text)
print("Jacobian shape (m, m, n):", J.shape)
print(f"engine vs finite differences: {err:.0e} < 1e-8:", err < 1e-8)
print("delta_x_tensor gives the same array:", np.allclose(delta_x_tensor(x, m), J))

# %% [markdown]
# ## The chain rule
#
# Now put a scalar loss on top: $\mathcal{L} = \mathcal{L}(y)$ with $y = Ax$. Each $A_{kl}$
# influences $\mathcal{L}$ through every $y_i$, so
#
# $$
# \frac{\partial \mathcal{L}}{\partial A_{kl}}
# = \sum_{i} \frac{\partial \mathcal{L}}{\partial y_i}\,\frac{\partial y_i}{\partial A_{kl}}
# = \sum_{i} \frac{\partial \mathcal{L}}{\partial y_i}\,\delta_{ik}\, x_l
# = \frac{\partial \mathcal{L}}{\partial y_k}\, x_l .
# $$
#
# The sifting property does the work again. Call $g = \nabla_y \mathcal{L}$ (a column, the
# shape of $y$). Near a point, $\mathcal{L}$ changes like $g^\top y = g^\top A x$, so the engine
# can derive the gradient by treating $g$ as a constant vector:

# %%
d_chain = derive("g.T@A@x", "A", {"g": (3, 1), "A": (3, 4), "x": (4, 1)}, name=r"\mathcal{L}")
d_chain

# %% [markdown]
# Entry $(k, l)$ is $g_k\, x_l$ — the notes' $\frac{\partial \mathcal{L}}{\partial y_k} x_l$ — and as a
# matrix, in gradient layout:

# %%
print("index form: ", d_chain.index_text)
print("matrix form:", d_chain.matrix_form)

# %% [markdown]
# ## Testing it on a real loss
#
# $g$ stands for *any* upstream gradient. Take a loss that is not linear at all,
# $\mathcal{L}(y) = \sum_i \sin(y_i)$, whose gradient is $g = \cos(y)$ entry by entry.
# The formula says $\nabla_A \mathcal{L} = \cos(Ax)\, x^\top$. A gradient check compares it with
# finite differences of $\mathcal{L}$ itself:

# %%
def loss(M):
    return np.sin(M @ x).sum()


g = np.cos(A @ x)  # dL/dy, the shape of y
grad = g @ x.T  # the chain-rule result: an outer product, the shape of A
err = gradient_check(loss, grad, A)
print("gradient shape equals A's shape:", grad.shape == A.shape)
print(f"gradient check: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# The chain rule is literally "contract the upstream gradient with the Jacobian": summing
# $g_i\, J_{ikl}$ over $i$ gives the same matrix. Backprop skips building $J$ because the
# delta makes the sum trivial.

# %%
print("sum_i g_i J_ikl equals g x^T:", np.allclose(np.einsum("i,ikl->kl", g[:, 0], J), grad))

# %% [markdown]
# ## Why an outer product?
#
# Weight $A_{kl}$ connects input $x_l$ to output $y_k$ and nothing else. Its effect on the loss
# is therefore (how much the loss cares about $y_k$) × (how strongly $x_l$ drives it):
# $g_k\, x_l$. Collecting all pairs $(k, l)$ gives the table $g\, x^\top$.
#
# Two consequences worth remembering:
#
# - For one input $x$ the gradient has **rank one**: every row is a multiple of $x^\top$.
# - In numerator layout the same numbers form $x\, g^\top$ — the transpose; our layout keeps the
#   shape of $A$, so `A -= lr * grad` just works.

# %%
print("rank of the gradient:", np.linalg.matrix_rank(grad))
print("every row is a multiple of x^T:", np.allclose(grad, g * x.T))

# %% [markdown]
# ## Summary
#
# - $y = Ax$: $\dfrac{\partial y_i}{\partial A_{kl}} = \delta_{ik}\, x_l$ (a 3-index tensor, mostly zeros).
# - Chain rule with a scalar loss: $\dfrac{\partial \mathcal{L}}{\partial A_{kl}} =
#   \dfrac{\partial \mathcal{L}}{\partial y_k}\, x_l$, i.e. $\nabla_A \mathcal{L} = g\, x^\top$ with
#   $g = \nabla_y \mathcal{L}$ — whatever the loss is.
# - The gradient of a linear layer for one input is an outer product: upstream gradient times
#   input, transposed. Lesson 04 uses this to train a network.
#
# ## Exercises

# %%
show_exercises("ch03")
