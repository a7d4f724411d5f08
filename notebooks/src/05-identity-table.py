# Lesson source in jupytext percent format; build with: python tools/build_notebooks.py
# (B018: a cell's last expression is displayed; E501: Markdown tables and LaTeX can't wrap)
# ruff: noqa: B018, E501

# %% [markdown]
# # 05 · The identity table, corrected and verified
#
# The source notes end with a table of identities for computing gradients. Several of its lines
# are wrong as printed, or right only in one layout. Here every line is **derived by the engine
# in both layouts**, **checked with numbers**, and the errors are explained.
#
# ## Learning objectives
#
# After this lesson you can
#
# - use the standard gradient identities ($a^\top x$, $a^\top X b$, $x^\top A x$, traces,
#   $\det$, $\log\det$, inverses) in the gradient layout and convert them to numerator layout;
# - say what the source table gets wrong and why;
# - read the determinant and inverse rules as statements about differentials;
# - test an identity of your own — derived by the engine, compared by numbers.
#
# ## Prerequisites
#
# - Lessons 00–04: the two layouts, index notation, the sifting property, the chain rule.

# %%
import numpy as np

from matcalc_edu import check_answer, derive, gradient_check, identities, parse, show_exercises
from matcalc_edu.evaluate import evaluate
from matcalc_edu.sampling import sample_values

rng = np.random.default_rng(0)

# %% [markdown]
# ## The table
#
# `identities.table()` derives every identity afresh with the engine, in both layouts, and
# measures the stated formula against the finite-difference-checked result. The column
# "the notes said" shows the line as the notes print it, with what was wrong.

# %%
table = identities.table()
table

# %% [markdown]
# <div style="border: 2px solid #c0392b; border-radius: 6px; padding: 0.6em 1em; background: #fdf2f2">
#
# **⚠ Errata — what the source notes got wrong, and why**
#
# 1. **$x^\top A x$.** The notes print $\frac{\partial}{\partial X} x^\top A x = x^\top A A + A^\top)$:
#    a stray $A$ and an unmatched bracket. Differentiating both factors of $x$ gives two terms,
#    $\sum_r A_{kr}x_r + \sum_s x_s A_{sk}$, so the gradient is $(A + A^\top)\,x$
#    (numerator layout: $x^\top (A + A^\top)$). It equals $2Ax$ **only when $A$ is symmetric**.
# 2. **$x^\top a$ and $a^\top x$.** The notes differentiate "by $X$", but the variable is the
#    *vector* $x$. The printed answer $a^\top$ is the numerator-layout result; in the course's
#    gradient layout it is $a$, the shape of $x$.
# 3. **$a^\top X b = ab^\top$** is right **only in gradient layout** (an $m \times n$ matrix,
#    like $X$). In numerator layout it is $b a^\top$. The notes do not say which layout they use.
# 4. **$\det$ and inverse.** $\det F \operatorname{tr}\!\bigl(F^{-1}\, \partial F/\partial X\bigr)$
#    and $-F^{-1}\,(\partial F/\partial X)\,F^{-1}$ put a 4-index object where a matrix
#    belongs. Both lines are true **as differentials**: $d(\det F) = \det F\,\operatorname{tr}(F^{-1}\,dF)$
#    and $d(F^{-1}) = -F^{-1}\,dF\,F^{-1}$, with $dF$ an ordinary matrix (see the check below).
# 5. **Transpose and trace rules.** The transpose line has an unbalanced bracket; read in indices,
#    transposing $f(X)$ swaps the two *output* indices only. The trace line is right once "trace of
#    the derivative" means summing $\partial f_{ii}/\partial X_{kl}$ over $i$.
# 6. **Example 0.2.1** (lesson 04): the brace "$x_j/\partial$" in the middle step means
#    $\partial r_i/\partial W_{ij} = x_j$; the final $(Wx - t)\,x^\top$ is right.
#
# </div>

# %% [markdown]
# ## Every line checked
#
# The table's last column is its own check. Printed as text, with the measured error:

# %%
print(table)
print()
print("every identity verified:", all(row.ok for row in table))

# %% [markdown]
# That check compares each formula with the engine's result. As an **independent** check, we
# can skip the engine entirely: evaluate each formula at random values and compare it with the
# finite-difference gradient of the expression itself — in gradient layout, and the transposed
# numerator-layout formula too.

# %%
for ident in identities.load():
    if ident.kind == "rule":
        continue
    values = sample_values(ident.shapes, seed=1)
    expr = parse(ident.expr, ident.shapes)

    def f(X, ident=ident, values=values, expr=expr):
        return evaluate(expr, {**values, ident.wrt: X})

    grad = evaluate(parse(ident.gradient, ident.shapes), values)
    numer = evaluate(parse(ident.numerator, ident.shapes), values)
    ok = (gradient_check(f, grad, values[ident.wrt]) < 1e-6
          and gradient_check(f, numer.T, values[ident.wrt]) < 1e-6)
    print(f"{ident.title:55} both layouts agree with finite differences: {ok}")

# %% [markdown]
# ## Both layouts, derived
#
# Every row holds the engine's derivation in each layout. The index form is the same; only the
# last step — which index labels the rows — differs. Here is the quadratic form $x^\top A x$:

# %%
rows = {row.identity.id: row for row in table}
rows["xTAx"].derivations["gradient"]

# %%
for layout in ("gradient", "numerator"):
    d = rows["xTAx"].derivations[layout]
    print(f"{layout:>9} layout: {d.matrix_form:14} index form: {d.index_text}")

# %% [markdown]
# And $\log\det X$, where the engine uses Jacobi's formula and the chain rule:

# %%
rows["logdet"].derivations["gradient"]

# %% [markdown]
# ## The determinant and inverse rules, as differentials
#
# Erratum 4 says the rules hold for a small matrix change $dF$. Take $F$, a direction $E$ and a
# central difference of size $\varepsilon$:
#
# $$
# \frac{\det(F + \varepsilon E) - \det(F - \varepsilon E)}{2\varepsilon} \approx \det F\,
# \operatorname{tr}(F^{-1} E), \qquad
# \frac{(F + \varepsilon E)^{-1} - (F - \varepsilon E)^{-1}}{2\varepsilon} \approx -F^{-1} E F^{-1}.
# $$

# %%
F = np.eye(3) + 0.3 * rng.standard_normal((3, 3))
E = rng.standard_normal((3, 3))
eps = 1e-6
ddet = (np.linalg.det(F + eps * E) - np.linalg.det(F - eps * E)) / (2 * eps)
dinv = (np.linalg.inv(F + eps * E) - np.linalg.inv(F - eps * E)) / (2 * eps)
Finv = np.linalg.inv(F)
print("d(det F) = det F tr(F^-1 dF):", np.isclose(ddet, np.linalg.det(F) * np.trace(Finv @ E)))
print("d(F^-1) = -F^-1 dF F^-1:     ", np.allclose(dinv, -Finv @ E @ Finv, atol=1e-6))

# %% [markdown]
# ## Test an identity of your own
#
# Found an identity in a book, or worked one out? `test_identity` derives the gradient with the
# engine and compares your claimed formula with it by numbers (the same grader as the
# exercises). Change the strings and run the cell.

# %%
def test_identity(expr, wrt, claim, shapes, layout="gradient", reveal=False):
    """Derive d(expr)/d(wrt) with the engine and grade `claim` against it by numbers."""
    derivation = derive(expr, wrt, shapes, layout=layout)
    if reveal:
        print(f"the engine says ({layout} layout): {derivation.matrix_form}")
    return check_answer(claim, derivation.matrix_form, shapes, wrt=wrt)


# A popular shortcut, and the catch erratum 1 warns about:
test_identity("x.T@A@x", "x", "2*A@x", {"x": (3, 1), "A": (3, 3)}, reveal=True)

# %% [markdown]
# A correct claim, written differently from the engine's answer:

# %%
test_identity("tr(A@X@B)", "X", "(B@A).T", {"X": (3, 2), "A": (2, 3), "B": (2, 2)}, reveal=True)

# %% [markdown]
# Your turn: what is $\nabla_X \operatorname{tr}(X^\top A X)$ for $X \in \mathbb{R}^{3 \times 2}$ and a
# square $A$? The cell below tests a first guess, `X.T@(A + A.T)`. Read the feedback, then
# replace the guess with your own answer and run the cell again (`reveal=True` shows the
# engine's answer, once you are done guessing).

# %%
test_identity("tr(X.T@A@X)", "X", "X.T@(A + A.T)", {"X": (3, 2), "A": (3, 3)})

# %% [markdown]
# ## Summary
#
# - In gradient layout: $\nabla_x a^\top x = a$, $\nabla_X a^\top X b = a b^\top$,
#   $\nabla_x x^\top A x = (A + A^\top)x$, $\nabla_X \operatorname{tr}(AXB) = A^\top B^\top$,
#   $\nabla_X \log\det X = X^{-\top}$; numerator layout transposes each.
# - The notes' table mixes layouts, garbles $x^\top A x$, and writes the $\det$/inverse rules with
#   a 4-index derivative where a differential belongs.
# - Trust an identity when the numbers agree — in the layout you use.
#
# ## Exercises

# %%
show_exercises("ch05")
