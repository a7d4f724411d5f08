# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 06 · Beyond the notes: batches, two layers, softmax
#
# The source notes stop at one layer and one input. Real networks take a **batch** of inputs,
# stack **layers with nonlinearities**, and end in a **softmax** classifier. None of that needs
# new calculus: backpropagation is the identities you already have, applied again and again.
# Every gradient below is checked against finite differences.
#
# ## Learning objectives
#
# After this lesson you can
#
# - derive the gradient of $\tfrac12\lVert WX - T\rVert_F^2$ for a batch $X$ and read it as a
#   sum of per-example outer products;
# - write the backward pass of a two-layer network with a $\tanh$ nonlinearity, naming the
#   identity used at each step;
# - derive the softmax cross-entropy gradient $\nabla_z \mathcal{L} = p - y$;
# - gradient-check every one of them.
#
# ## Prerequisites
#
# - Lesson 03 (chain rule, outer product), lesson 04 (single-layer loss, gradient checks),
#   lesson 05 (the identity table).

# %%
import numpy as np

from matcalc_edu import derive, gradient_check, numeric_jacobian, show_exercises

rng = np.random.default_rng(0)

# %% [markdown]
# ## 1 · A batch of inputs
#
# Put $b$ inputs side by side as the columns of $X \in \mathbb{R}^{n \times b}$, and their
# targets in $T \in \mathbb{R}^{m \times b}$. The loss sums the squared errors of all entries —
# the squared **Frobenius norm**, written with a trace:
#
# $$
# \mathcal{L}(W) = \tfrac12 \lVert WX - T \rVert_F^2 = \tfrac12 \operatorname{tr}\!\bigl((WX - T)^\top (WX - T)\bigr).
# $$

# %%
shapes = {"W": (3, 2), "X": (2, 4), "T": (3, 4)}
d = derive("0.5*tr((W@X - T).T@(W@X - T))", "W", shapes, name=r"\mathcal{L}")
d

# %% [markdown]
# The engine lands on $(WX - T)\,X^\top$: lesson 04's $(Wx - t)\,x^\top$ with the vector $x$
# replaced by the matrix $X$. The product of an $m \times b$ residual with the $b \times n$
# matrix $X^\top$ *sums over the batch*: it is the sum of the per-example outer products
# $r_j\, x_j^\top$.

# %%
W, X, T = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), rng.standard_normal((3, 4))
grad = (W @ X - T) @ X.T
per_example = sum((W @ X[:, [j]] - T[:, [j]]) @ X[:, [j]].T for j in range(X.shape[1]))
err = gradient_check(lambda V: 0.5 * np.sum((V @ X - T) ** 2), grad, W)
print("matrix form:", d.matrix_form)
print("equals the sum of per-example outer products:", np.allclose(grad, per_example))
print(f"gradient check: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# ## 2 · Two layers and a nonlinearity
#
# A two-layer network on a batch $X$:
#
# $$
# Z = W_1 X, \qquad H = \tanh(Z), \qquad Y = W_2 H, \qquad
# \mathcal{L} = \tfrac12 \lVert Y - T \rVert_F^2 .
# $$
#
# Backpropagation computes the gradient of $\mathcal{L}$ with respect to each intermediate
# quantity, from the output back to the input. Write $G_Y = \nabla_Y \mathcal{L}$ and so on.
# Each step is one identity:
#
# | step | gradient | identity used |
# |---|---|---|
# | loss | $G_Y = Y - T$ | gradient of $\tfrac12\lVert Y - T\rVert_F^2$ |
# | weights of layer 2 | $\nabla_{W_2}\mathcal{L} = G_Y H^\top$ | $\nabla_W \operatorname{tr}(G^\top W H) = G H^\top$ (lesson 03, batched) |
# | input of layer 2 | $G_H = W_2^\top G_Y$ | $\nabla_H \operatorname{tr}(G^\top W H) = W^\top G$ |
# | nonlinearity | $G_Z = G_H \odot (1 - H \odot H)$ | entry by entry: $\tanh' = 1 - \tanh^2$ |
# | weights of layer 1 | $\nabla_{W_1}\mathcal{L} = G_Z X^\top$ | the same as for layer 2 |
#
# The two linear-layer identities, derived by the engine (with $G$ standing for the upstream
# gradient, a constant, as in lesson 03):

# %%
layer = {"G": (3, 4), "W": (3, 2), "H": (2, 4)}
d_W = derive("tr(G.T@W@H)", "W", layer)
d_H = derive("tr(G.T@W@H)", "H", layer)
print("gradient for the weights:", d_W.matrix_form)
print("gradient for the input:  ", d_H.matrix_form)

# %% [markdown]
# The derivation of the second one, since it is new. Watch where the free index $k$ lands after
# sifting: on the *column* index of $W$, in $\sum_p G_{pl} W_{pk}$ — which is why the result has
# $W^\top$ in it:

# %%
d_H

# %% [markdown]
# The nonlinearity acts entry by entry, so its Jacobian is diagonal: $\partial H_{ij} /
# \partial Z_{kl} = \delta_{ik}\delta_{jl}\,(1 - H_{ij}^2)$. The chain rule through it is
# therefore an entry-wise product, not a matrix product:

# %%
Z = rng.standard_normal((2, 4))
J_tanh = numeric_jacobian(np.tanh, Z).reshape(8, 8)
print("Jacobian of tanh is diagonal:", np.allclose(J_tanh, np.diag(np.diag(J_tanh)), atol=1e-9))
print("its diagonal is 1 - tanh(Z)^2:", np.allclose(np.diag(J_tanh), (1 - np.tanh(Z) ** 2).ravel()))

# %% [markdown]
# Now the network in numpy: a forward pass that keeps what the backward pass needs, and a
# backward pass that is the table above, line by line.

# %%
def forward(W1, W2, X):
    Z = W1 @ X
    H = np.tanh(Z)
    return H, W2 @ H


def loss(W1, W2, X, T):
    return 0.5 * np.sum((forward(W1, W2, X)[1] - T) ** 2)


def backward(W1, W2, X, T):
    H, Y = forward(W1, W2, X)
    G_Y = Y - T  # gradient of the loss
    grad_W2 = G_Y @ H.T  # layer 2 weights: upstream gradient times input, transposed
    G_H = W2.T @ G_Y  # into layer 2's input
    G_Z = G_H * (1 - H**2)  # through tanh, entry by entry
    grad_W1 = G_Z @ X.T  # layer 1 weights: the same identity again
    return grad_W1, grad_W2


n_in, n_hidden, n_out, batch = 3, 5, 2, 8
W1 = rng.standard_normal((n_hidden, n_in))
W2 = rng.standard_normal((n_out, n_hidden))
X, T = rng.standard_normal((n_in, batch)), rng.standard_normal((n_out, batch))
grad_W1, grad_W2 = backward(W1, W2, X, T)

err1 = gradient_check(lambda V: loss(V, W2, X, T), grad_W1, W1)
err2 = gradient_check(lambda V: loss(W1, V, X, T), grad_W2, W2)
print("gradient shapes equal weight shapes:",
      grad_W1.shape == W1.shape and grad_W2.shape == W2.shape)
print(f"gradient check W1: {err1:.0e} < 1e-6:", err1 < 1e-6)
print(f"gradient check W2: {err2:.0e} < 1e-6:", err2 < 1e-6)

# %% [markdown]
# The gradients are right, so they can train. A short run of gradient descent on a smooth
# target function:

# %%
X_train = rng.uniform(-2, 2, size=(n_in, 64))
T_train = np.vstack([np.sin(X_train[0]) * X_train[1], np.cos(X_train[2])])
V1, V2 = 0.5 * rng.standard_normal((n_hidden, n_in)), 0.5 * rng.standard_normal((n_out, n_hidden))
start = loss(V1, V2, X_train, T_train)
for _ in range(300):
    g1, g2 = backward(V1, V2, X_train, T_train)
    V1, V2 = V1 - 0.005 * g1, V2 - 0.005 * g2
print("loss fell to less than half its start:", loss(V1, V2, X_train, T_train) < 0.5 * start)

# %% [markdown]
# ## 3 · Softmax with cross-entropy
#
# A classifier turns logits $z \in \mathbb{R}^K$ into probabilities and compares them with a
# one-hot target $y$:
#
# $$
# p_i = \frac{e^{z_i}}{\sum_r e^{z_r}}, \qquad \mathcal{L} = -\sum_i y_i \log p_i .
# $$
#
# The expression language has no $\exp$, so this derivation is done by hand — and then checked
# by numbers. Since $\log p_i = z_i - \log \sum_r e^{z_r}$,
#
# $$
# \frac{\partial \log p_i}{\partial z_k} = \delta_{ik} - \frac{e^{z_k}}{\sum_r e^{z_r}} = \delta_{ik} - p_k,
# \qquad
# \frac{\partial \mathcal{L}}{\partial z_k} = -\sum_i y_i (\delta_{ik} - p_k) = -y_k + p_k \sum_i y_i = p_k - y_k ,
# $$
#
# using $\sum_i y_i = 1$. The sifting property once more. So $\nabla_z \mathcal{L} = p - y$:
# prediction minus target, just like the residual of lesson 04.

# %%
def softmax(z):
    e = np.exp(z - z.max())  # subtracting the max changes nothing and avoids overflow
    return e / e.sum()


def cross_entropy(z, y):
    return -np.sum(y * np.log(softmax(z)))


K = 5
z = rng.standard_normal((K, 1))
y = np.zeros((K, 1))
y[2] = 1.0
err = gradient_check(lambda v: cross_entropy(v, y), softmax(z) - y, z)
print(f"gradient check of p - y: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# Put a linear layer in front, $z = Wx$, and lesson 03's chain rule gives the familiar outer
# product $\nabla_W \mathcal{L} = (p - y)\,x^\top$; for a batch, $(P - Y)\,X^\top$.

# %%
W, x = rng.standard_normal((K, 3)), rng.standard_normal((3, 1))
grad = (softmax(W @ x) - y) @ x.T
err = gradient_check(lambda V: cross_entropy(V @ x, y), grad, W)
print(f"gradient check of (p - y) x^T: {err:.0e} < 1e-6:", err < 1e-6)

# %% [markdown]
# ## Summary
#
# - Batches: $\nabla_W \tfrac12\lVert WX - T\rVert_F^2 = (WX - T)\,X^\top$, the per-example outer
#   products summed by one matrix product.
# - Backprop through a linear layer $Y = WH$: $\nabla_W = G_Y H^\top$ and $G_H = W^\top G_Y$;
#   through an entry-wise nonlinearity: multiply entry by entry by its derivative.
# - Softmax with cross-entropy: $\nabla_z \mathcal{L} = p - y$.
# - A deep network's gradient is these few identities, repeated — and a gradient check tells
#   you whether you wired them correctly.
#
# ## Exercises

# %%
show_exercises("ch06")
