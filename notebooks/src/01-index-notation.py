# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 01 · Index notation and the Kronecker delta
#
# Matrix calculus gets easy the moment you stop differentiating matrices and start
# differentiating *numbers*: one entry at a time. This lesson sets up the three tools every
# later derivation uses.
#
# ## Learning objectives
#
# After this lesson you can
#
# - write a matrix product, a matrix–vector product, an inner product and a trace entry by entry,
#   as sums;
# - tell free indices from summation (dummy) indices;
# - state $\partial X_{ij} / \partial X_{kl} = \delta_{ik}\,\delta_{jl}$ and explain it;
# - collapse a sum with the **sifting property** of the Kronecker delta, and check it with numbers.
#
# ## Prerequisites
#
# - Lesson 00 (notation, shapes, the expression language).
# - Sums written with $\sum$; partial derivatives.

# %%
import numpy as np

from matcalc_edu import derive, numeric_jacobian, parse, show_exercises
from matcalc_edu.evaluate import evaluate
from matcalc_edu.numerics import identity_tensor

rng = np.random.default_rng(0)

# %% [markdown]
# ## Entries and sums
#
# Every matrix operation is a recipe for its entries:
#
# $$
# (BC)_{ij} = \sum_{r} B_{ir} C_{rj}, \qquad (Ax)_i = \sum_j A_{ij} x_j, \qquad
# a^\top x = \sum_r a_r x_r, \qquad \operatorname{tr} X = \sum_r X_{rr}.
# $$
#
# numpy's `einsum` takes exactly this notation: the letters name the indices, and a letter
# that does not appear after `->` is summed over.

# %%
B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
A, x, a = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)
X = rng.standard_normal((4, 4))

print("(BC)_ij = sum_r B_ir C_rj :", np.allclose(np.einsum("ir,rj->ij", B, C), B @ C))
print("(Ax)_i  = sum_j A_ij x_j  :", np.allclose(np.einsum("ij,j->i", A, x), A @ x))
print("a^T x   = sum_r a_r x_r   :", np.allclose(np.einsum("r,r->", a, x), a @ x))
print("tr X    = sum_r X_rr      :", np.allclose(np.einsum("rr->", X), np.trace(X)))

# %% [markdown]
# ### Free and summation indices
#
# In $(BC)_{ij} = \sum_r B_{ir} C_{rj}$ the indices $i, j$ are **free**: they say *which* entry
# we are talking about, and they appear on both sides. The index $r$ is a **summation** (dummy)
# index: it is used up by the sum, so renaming it changes nothing.
#
# The course's expression language reads the same notation, so you can type an entry as an
# answer. Renaming the dummy index gives the same numbers:

# %%
shapes = {"B": (3, 4), "C": (4, 2)}
values = {"B": B, "C": C}
with_r = evaluate(parse("sum(B[i, r]*C[r, j], r)", shapes), values)
with_s = evaluate(parse("sum(B[i, s]*C[s, j], s)", shapes), values)
print("free indices (i, j) -> shape", with_r.shape)
print("renaming r to s changes nothing:", np.array_equal(with_r, with_s))

# %% [markdown]
# ## The Kronecker delta
#
# $$
# \delta_{ik} = \begin{cases} 1 & \text{if } i = k,\\ 0 & \text{if } i \neq k. \end{cases}
# $$
#
# As an array, $\delta$ is simply the identity matrix `np.eye(n)`.
#
# ### Differentiating a matrix by itself
#
# The entries of $X$ are independent variables. So $\partial X_{ij}/\partial X_{kl}$ is $1$
# when $X_{ij}$ and $X_{kl}$ are the same entry — same row **and** same column — and $0$
# otherwise:
#
# $$
# \frac{\partial X_{ij}}{\partial X_{kl}} = \delta_{ik}\,\delta_{jl}.
# $$
#
# This one rule is where every Kronecker delta in the course comes from. The engine uses it in
# the "Evaluate each derivative" step:

# %%
derive("X", "X", {"X": ("m", "n")})

# %% [markdown]
# With four indices, this derivative is a 4-index array of shape $(m, n, m, n)$.
# `identity_tensor(m, n)` builds $\delta_{ik}\delta_{jl}$; finite differences measure the
# same thing directly:

# %%
m, n = 2, 3
X0 = rng.standard_normal((m, n))
I4 = identity_tensor(m, n)
J = numeric_jacobian(lambda X: X, X0)  # J[i, j, k, l] = dX_ij / dX_kl, measured
print("shape:", I4.shape)
print("finite differences agree with delta_ik delta_jl:", np.allclose(J, I4, atol=1e-8))

# %% [markdown]
# Flatten the pair $(i, j)$ into one row number and $(k, l)$ into one column number, and this
# tensor is just the $mn \times mn$ identity matrix: every entry depends on itself only.

# %%
print("reshaped to 6x6 it is the identity:", np.array_equal(I4.reshape(m * n, m * n), np.eye(6)))

# %% [markdown]
# ## The sifting property
#
# A delta inside a sum *picks out* one term: in $\sum_r \delta_{rl}\, C_{rj}$ every term with
# $r \neq l$ is zero, so
#
# $$
# \sum_{r} \delta_{rl}\, C_{rj} = C_{lj}.
# $$
#
# The sum and the delta disappear together, and the delta's other index ($l$) takes the place
# of the summation index ($r$). In numbers, multiplying by the identity changes nothing:

# %%
delta = np.eye(4)
print("sum_r delta_rl C_rj = C_lj:", np.allclose(np.einsum("rl,rj->lj", delta, C), C))

# %% [markdown]
# The same works with two deltas at once. Contracting the identity tensor with any matrix $M$
# gives $M$ back, $\sum_{k,l} \delta_{ik}\delta_{jl} M_{kl} = M_{ij}$:

# %%
M = rng.standard_normal((m, n))
print("sum_kl delta_ik delta_jl M_kl = M_ij:", np.allclose(np.einsum("ijkl,kl->ij", I4, M), M))

# %% [markdown]
# ## All three together: a worked example
#
# Let $y = Ax$ with $A \in \mathbb{R}^{m \times n}$. How does entry $y_i$ change with entry
# $x_k$? Write the entry as a sum, differentiate with $\partial x_r / \partial x_k = \delta_{rk}$,
# and sift:

# %%
d = derive("A@x", "x", {"A": ("m", "n"), "x": ("n",)})
d

# %% [markdown]
# The answer is in index form: $\partial y_i / \partial x_k = A_{ik}$. The last line arranges
# these numbers as a matrix in the course's gradient layout, where the *variable's* index $k$
# labels the rows: the $(k, i)$ entry is $A_{ik}$, so the matrix is $A^\top$. (In numerator
# layout the same numbers form $A$.) The index form is what the engine checks first:

# %%
A, x0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
J = numeric_jacobian(lambda v: A @ v, x0)  # J[i, 0, k, 0] = dy_i / dx_k
engine = d.jacobian({"A": A, "x": x0})  # the index form A[i, k], evaluated
print("index form:", d.index_text)
print("engine and finite differences agree:", np.allclose(J.reshape(3, 4), engine.reshape(3, 4)))
print("and both equal A:", np.allclose(J.reshape(3, 4), A))

# %% [markdown]
# ## Summary
#
# - Index notation turns matrix expressions into sums of products of numbers;
#   `np.einsum` speaks it.
# - Free indices name the entry; summation indices are dummies.
# - $\partial X_{ij} / \partial X_{kl} = \delta_{ik}\,\delta_{jl}$: entries are independent.
# - Sifting: $\sum_r \delta_{rl}\, C_{rj} = C_{lj}$ — a delta in a sum picks one term.
#
# Next: **02 · A matrix differentiated by a matrix**, where these rules give the 4-index
# Jacobian of $A = BC$.
#
# ## Exercises

# %%
show_exercises("ch01")
