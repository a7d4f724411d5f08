# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 04 · A single-layer network
#
# *Source notes, Example 0.2.1.* A linear layer $y = Wx$ is trained to hit a target $t$ by
# minimising
#
# $$
# \mathcal{L}(W) = \tfrac12\, \lVert W x - t \rVert^2 .
# $$
#
# We derive $\nabla_W \mathcal{L} = (Wx - t)\,x^\top$, check it, and then use it: gradient
# descent, watched as a loss curve and as a path on the loss surface.
#
# ## Learning objectives
#
# After this lesson you can
#
# - derive $\nabla_W \tfrac12\lVert Wx - t\rVert^2 = (Wx - t)\,x^\top$ in index notation and read
#   it as "residual times input";
# - spot and repair the garbled step of the source notes;
# - verify a gradient with a gradient check before trusting it;
# - train a linear model with gradient descent and read its loss curve and loss surface.
#
# ## Prerequisites
#
# - Lesson 03: the chain rule $\partial \mathcal{L}/\partial A_{kl} = (\partial \mathcal{L}/\partial y_k)\, x_l$
#   and the outer product.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from matcalc_edu import derive, gradient_check, show_exercises

rng = np.random.default_rng(0)

# %% [markdown]
# ## The derivation
#
# Here $W$ is $3 \times 2$, $x \in \mathbb{R}^2$, $t \in \mathbb{R}^3$ (any sizes work the same
# way). The engine expands the squared norm into sums, differentiates, sifts and collects:

# %%
shapes = {"W": (3, 2), "x": (2, 1), "t": (3, 1)}
d = derive("0.5*(W@x - t).T@(W@x - t)", "W", shapes, name=r"\mathcal{L}")
d

# %%
print("matrix form:", d.matrix_form)

# %% [markdown]
# Write $r = Wx - t$ for the **residual**. Entry $(k, l)$ of the gradient is $r_k\, x_l$:
# the error of output $k$ times input $l$. This is lesson 03's $g\, x^\top$ with
# $g = \nabla_y \mathcal{L} = r$.
#
# > **Erratum (source notes).** In the middle line of Example 0.2.1 the notes print
# > $\underbrace{x_j / \partial}_{\partial W_{ij}(\cdot)}$ under a brace. That is a typesetting
# > accident. What is meant is the chain rule for one square:
# > $\dfrac{\partial}{\partial W_{ij}} \tfrac12 r_i^2 = r_i\, \dfrac{\partial r_i}{\partial W_{ij}} = r_i\, x_j$,
# > because $r_i = \sum_k W_{ik} x_k - t_i$ contains $W_{ij}$ once, multiplied by $x_j$.
# > The final result of the notes, $(Wx - t)\,x^\top$, is right.

# %% [markdown]
# ## Gradient check
#
# A formula is only trusted once it agrees with finite differences of the loss itself:

# %%
W = rng.standard_normal((3, 2))
x, t = rng.standard_normal((2, 1)), rng.standard_normal((3, 1))


def loss(W):
    r = W @ x - t
    return 0.5 * np.sum(r**2)


grad = (W @ x - t) @ x.T
err = gradient_check(loss, grad, W)
print("gradient shape equals W's shape:", grad.shape == W.shape)
print(f"gradient check: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# ## Training with gradient descent
#
# Gradient descent repeats $W \leftarrow W - \eta\, \nabla_W \mathcal{L}$: a small step against
# the gradient, downhill. With one example the fit is trivial, so take a data set of $N$ pairs
# $(x_n, t_n)$ and the mean loss
#
# $$
# \mathcal{L}(W) = \frac{1}{N} \sum_{n} \tfrac12 \lVert W x_n - t_n \rVert^2, \qquad
# \nabla_W \mathcal{L} = \frac{1}{N} \sum_n (W x_n - t_n)\, x_n^\top ,
# $$
#
# the average of the single-example gradients (lesson 06 writes this sum as one matrix
# product). To be able to *see* the loss surface, $W$ is $1 \times 2$: two weights.

# %%
N = 40
u = rng.standard_normal(N)
inputs = [np.array([[a], [0.7 * a + 0.5 * b]]) for a, b in zip(u, rng.standard_normal(N))]
W_true = np.array([[1.0, -0.5]])
targets = [W_true @ xn + 0.1 * rng.standard_normal((1, 1)) for xn in inputs]


def mean_loss(W):
    return np.mean([0.5 * np.sum((W @ xn - tn) ** 2) for xn, tn in zip(inputs, targets)])


def mean_grad(W):
    return sum((W @ xn - tn) @ xn.T for xn, tn in zip(inputs, targets)) / N


W0 = np.array([[-1.5, 2.0]])
err = gradient_check(mean_loss, mean_grad(W0), W0)
print(f"gradient check on the data set: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# Now the descent itself: 50 steps with step size $\eta = 1.2$, remembering every $W$ on the way.

# %%
eta, steps = 1.2, 50
path = [W0]
for _ in range(steps):
    path.append(path[-1] - eta * mean_grad(path[-1]))
losses = [mean_loss(W) for W in path]

X_all, T_all = np.hstack(inputs), np.hstack(targets)  # 2 x N and 1 x N
W_best = np.linalg.lstsq(X_all.T, T_all.T, rcond=None)[0].T  # the exact minimiser
print("the loss never went up:", bool(np.all(np.diff(losses) < 1e-12)))
print("final W is the least-squares solution:", np.allclose(path[-1], W_best, atol=1e-3))

# %% [markdown]
# ## The loss curve and the loss surface
#
# Left: the loss after each step, falling fast and then levelling off at the smallest loss
# possible (the noise in the targets cannot be fitted). Right: contour lines of $\mathcal{L}$
# over the two weights $(w_1, w_2)$, with the path of gradient descent. Each step is
# perpendicular to the contour line it starts on — the gradient points straight uphill. The
# correlated inputs make the valley long and narrow, so with this step size the path zigzags
# across the valley while it moves steadily along it to the minimum.

# %%
w1, w2 = np.meshgrid(np.linspace(-2.0, 2.5, 121), np.linspace(-2.0, 2.5, 121))
Xc = X_all[:, None, None, :]  # broadcast the loss over the grid of weights
surface = 0.5 * np.mean((w1[..., None] * Xc[0] + w2[..., None] * Xc[1] - T_all[0]) ** 2, axis=-1)
track = np.vstack(path)  # one row (w1, w2) per step

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
left.plot(losses, marker="o", markersize=3)
left.axhline(mean_loss(W_best), color="gray", linestyle="--", label="smallest possible loss")
left.set_yscale("log")
left.set_xlabel("step")
left.set_ylabel(r"$\mathcal{L}(W)$ (log scale)")
left.set_title("Loss curve")
left.legend()

levels = np.geomspace(surface.min() * 1.05, surface.max(), 18)
right.contour(w1, w2, surface, levels=levels, cmap="viridis", linewidths=0.8)
right.plot(track[:, 0], track[:, 1], "-o", color="crimson", markersize=3, label="descent path")
right.plot(*track[0], "s", color="black", label="start")
right.plot(*W_best[0], "*", color="gold", markersize=14, markeredgecolor="black",
           label="minimum")
right.set_xlabel("$w_1$")
right.set_ylabel("$w_2$")
right.set_aspect("equal")
right.set_title(r"Loss surface $\mathcal{L}(w_1, w_2)$ and the descent path")
right.legend(loc="upper right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Summary
#
# - $\nabla_W \tfrac12\lVert Wx - t\rVert^2 = (Wx - t)\,x^\top$: residual times input, an outer
#   product the shape of $W$.
# - The notes' middle step is garbled; it means $\partial r_i / \partial W_{ij} = x_j$.
# - Over a data set the gradient is the average of these outer products.
# - Gradient descent follows the negative gradient across the contour lines, down to the
#   least-squares solution; a gradient check comes first, every time.
#
# ## Exercises

# %%
show_exercises("ch04")
