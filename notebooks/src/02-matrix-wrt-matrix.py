# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 02 · A matrix differentiated by a matrix
#
# *Source notes, §0.1.* A matrix $A$ that depends on a matrix $B$ has one partial derivative
# for every pair (entry of $A$, entry of $B$): a **4-index Jacobian**
# $J_{ijkl} = \partial A_{ij} / \partial B_{kl}$. For the product $A = BC$ this tensor turns out
# to be almost all zeros, with a simple pattern. We derive it, draw it and measure it.
#
# ## Learning objectives
#
# After this lesson you can
#
# - derive $\partial A_{ij} / \partial B_{kl} = \delta_{ik}\, C_{lj}$ for $A = BC$, step by step;
# - explain what each factor means: $\delta_{ik}$ (only row $k$ of $A$ moves) and $C_{lj}$
#   (by how much);
# - picture the 4-index Jacobian as a grid of blocks and spot its $\delta_{ik}$ structure;
# - check a Jacobian against finite differences;
# - do the same with respect to the right factor: $\partial A_{ij}/\partial C_{kl} = B_{ik}\,\delta_{jl}$.
#
# ## Prerequisites
#
# - Lesson 01: entries as sums, $\partial X_{ij}/\partial X_{kl} = \delta_{ik}\delta_{jl}$, the
#   sifting property.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from matcalc_edu import derive, numeric_jacobian, show_exercises
from matcalc_edu.numerics import delta_C_tensor

rng = np.random.default_rng(0)

# %% [markdown]
# ## The derivation
#
# Let $B \in \mathbb{R}^{m \times n}$, $C \in \mathbb{R}^{n \times p}$ and $A = BC$, so
# $A_{ij} = \sum_{r=1}^{n} B_{ir} C_{rj}$. The engine follows the method of lesson 01: write the
# entry as a sum, differentiate each factor, evaluate the derivatives into deltas, pull out
# what does not depend on $r$, sift.

# %%
d = derive("B@C", "B", {"B": ("m", "n"), "C": ("n", "p")})
d

# %% [markdown]
# The notes do the same steps: $\delta_{ik}$ does not involve the summation index $r$, so it
# comes out of the sum, and $\delta_{rl}$ sifts $C_{rj}$ down to $C_{lj}$. In the expression
# language the result is:

# %%
print(d.index_text)

# %% [markdown]
# No matrix form is printed: with four free indices ($i, j, k, l$) the result is a 4-index
# tensor, not a matrix.
#
# ## What the formula says
#
# $\partial A_{ij}/\partial B_{kl} = \delta_{ik}\, C_{lj}$ reads:
#
# - $\delta_{ik}$: nudging $B_{kl}$ changes **only row $k$** of $A$ (rows $i \ne k$ are untouched),
# - $C_{lj}$: and it changes entry $j$ of that row by $C_{lj}$ per unit — row $l$ of $C$.
#
# Let us nudge one entry and watch.

# %%
m, n, p = 3, 4, 2
B, C = rng.standard_normal((m, n)), rng.standard_normal((n, p))
k, l, eps = 1, 2, 1e-3
B_nudged = B.copy()
B_nudged[k, l] += eps
change = (B_nudged @ C - B @ C) / eps
print("rows of A that changed:", np.flatnonzero(np.abs(change).max(axis=1) > 1e-9))
print("row k changed by row l of C:", np.allclose(change[k], C[l]))

# %% [markdown]
# ## The whole Jacobian, measured
#
# `numeric_jacobian` nudges every entry of $B$ in turn (central differences) and stacks the
# changes into an array `J[i, j, k, l]` of shape $(m, p, m, n)$. The engine's index form,
# evaluated at the same point, must agree — and so must `delta_C_tensor`, which builds
# $\delta_{ik} C_{lj}$ with `einsum`.

# %%
J = numeric_jacobian(lambda X: X @ C, B)  # J[i, j, k, l] = dA_ij / dB_kl, by finite differences
J_engine = d.jacobian({"B": B, "C": C})
err = np.abs(J - J_engine).max()
print("Jacobian shape (m, p, m, n):", J.shape)
print(f"engine vs finite differences: {err:.0e} < 1e-8:", err < 1e-8)
print("delta_C_tensor gives the same array:", np.allclose(delta_C_tensor(C, m), J_engine))

# %% [markdown]
# ## Drawing the 4-index Jacobian
#
# A 4-index array does not fit on a page, but a grid of small pictures does. Panel $(i, k)$
# shows how **row $i$ of $A$** responds to **row $k$ of $B$**: its rows are the entries
# $B_{kl}$ ($l = 1..n$), its columns the entries $A_{ij}$ ($j = 1..p$). The formula predicts
# that the panels on the diagonal ($i = k$) are copies of $C$ and all others are zero.

# %%
vmax = np.abs(J).max()
fig, axes = plt.subplots(m, m, figsize=(6.4, 6.4), sharex=True, sharey=True)
for i in range(m):
    for kk in range(m):
        ax = axes[i, kk]
        image = ax.imshow(J[i, :, kk, :].T, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(f"i={i + 1}, k={kk + 1}", fontsize=9)
        ax.set_xticks(range(p), [f"j={j + 1}" for j in range(p)], fontsize=7)
        ax.set_yticks(range(n), [f"l={q + 1}" for q in range(n)], fontsize=7)
fig.suptitle(r"$\partial A_{ij}/\partial B_{kl}$ for $A = BC$: only the panels $i = k$ are nonzero")
fig.colorbar(image, ax=axes, shrink=0.6, label="finite-difference value")
plt.show()

# %% [markdown]
# Each diagonal panel is exactly $C$ (rows $l$, columns $j$); every off-diagonal panel is
# zero. That is $\delta_{ik}\,C_{lj}$, read off a picture:

# %%
diagonal_is_C = all(np.allclose(J[i, :, i, :].T, C) for i in range(m))
off_diagonal_zero = all(np.allclose(J[i, :, kk, :], 0) for i in range(m) for kk in range(m)
                        if i != kk)
print("diagonal panels equal C:", diagonal_is_C)
print("off-diagonal panels are zero:", off_diagonal_zero)

# %% [markdown]
# ### The same tensor as one matrix
#
# Flatten $(i, j)$ into a row number and $(k, l)$ into a column number: the Jacobian becomes an
# $(mp) \times (mn)$ matrix. The $\delta_{ik}$ makes it **block diagonal**, with the block
# $C^\top$ repeated $m$ times (in Kronecker-product notation, $I_m \otimes C^\top$).
# Next to it, for comparison, the derivative with respect to the *right* factor, which we
# derive below.

# %%
J_flat = J.reshape(m * p, m * n)
J_C = numeric_jacobian(lambda Y: B @ Y, C)  # dA_ij / dC_kl, shape (m, p, n, p)
J_C_flat = J_C.reshape(m * p, n * p)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
panels = [
    (left, J_flat, r"$\partial A/\partial B = \delta_{ik}C_{lj}$: blocks $C^\top$ on the diagonal",
     (p, n)),
    (right, J_C_flat, r"$\partial A/\partial C = B_{ik}\delta_{jl}$: blocks $B_{ik} I_p$", (p, p)),
]
for ax, data, title, block in panels:
    top = np.abs(data).max()
    image = ax.imshow(data, cmap="RdBu_r", vmin=-top, vmax=top)
    for r in range(1, data.shape[0] // block[0]):
        ax.axhline(r * block[0] - 0.5, color="black", linewidth=0.8)
    for c in range(1, data.shape[1] // block[1]):
        ax.axvline(c * block[1] - 0.5, color="black", linewidth=0.8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("column = (k, l), flattened")
    ax.set_ylabel("row = (i, j), flattened")
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## With respect to the right factor
#
# Now hold $B$ fixed and differentiate by $C$. The delta now comes from the *column* index:
# nudging $C_{kl}$ only moves **column $l$** of $A$ ($\delta_{jl}$), entry $i$ by $B_{ik}$.

# %%
d_C = derive("B@C", "C", {"B": ("m", "n"), "C": ("n", "p")})
d_C

# %% [markdown]
# On the right of the picture above each block is $B_{ik}$ times the $p \times p$ identity —
# the $\delta_{jl}$. The numbers agree with the engine:

# %%
J_C_engine = d_C.jacobian({"B": B, "C": C})
err = np.abs(J_C - J_C_engine).max()
print("index form:", d_C.index_text)
print("Jacobian shape (m, p, n, p):", J_C.shape)
print(f"engine vs finite differences: {err:.0e} < 1e-8:", err < 1e-8)
print("B_ik delta_jl by einsum agrees:",
      np.allclose(np.einsum("ik,jl->ijkl", B, np.eye(p)), J_C_engine))

# %% [markdown]
# ## Summary
#
# - For $A = BC$: $\dfrac{\partial A_{ij}}{\partial B_{kl}} = \delta_{ik}\, C_{lj}$ and
#   $\dfrac{\partial A_{ij}}{\partial C_{kl}} = B_{ik}\, \delta_{jl}$.
# - The delta says *which* entries can move at all (a row of $A$, or a column); the other factor
#   says by how much.
# - As a picture the Jacobian is a grid of blocks: $C$ on the diagonal for $\partial A/\partial B$,
#   $B_{ik} I$ blocks for $\partial A/\partial C$. Most of it is zero — which is why backprop
#   never builds it, as lesson 03 shows.
#
# ## Exercises

# %%
show_exercises("ch02")
