"""Random expressions: derive returns a finite-difference-checked result or says plainly why not."""

import random

import numpy as np
import pytest

from matcalc_edu import derive, numeric_jacobian
from matcalc_edu.derivation import DerivationError
from matcalc_edu.evaluate import evaluate
from matcalc_edu.parser import parse
from matcalc_edu.sampling import sample_values

S = {"A": (3, 3), "X": (3, 3), "x": (3, 1), "s": ()}
LEAVES = {(): ["s", "2", "1/2"], (3, 3): ["A", "X", "eye(3)"], (3, 1): ["x"]}
RULES = {
    (): ["tr({M})", "det({M})", "({v}).T@({M})@({v})", "log(det({M})**2 + 1)", "({c})**2",
         "({c})*({c})", "({c}) + ({c})"],
    (3, 3): ["({M})@({M})", "({M}) - ({M})", "({M}).T", "inv(eye(3) + ({M})@({M}).T)",
             "({c})*({M})", "({v})@({v}).T", "({M})*({M})"],
    (3, 1): ["({M})@({v})", "({v}) + ({v})", "({c})*({v})"],
}


def expression(rng: random.Random, shape: tuple, depth: int) -> str:
    """A random well-shaped expression of the course's operations."""
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(LEAVES[shape])
    rule = rng.choice(RULES[shape])
    fill = {"M": (3, 3), "v": (3, 1), "c": ()}
    out = ""
    for part in rule.split("{"):
        key, _, rest = part.partition("}")
        out += expression(rng, fill[key], depth - 1) + rest if rest or key in fill else part
    return out


def _cases(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(expression(rng, rng.choice([(), (), (3, 3), (3, 1)]), 3),
             rng.choice(["A", "X", "x", "s"])) for _ in range(n)]


@pytest.mark.parametrize("chunk", range(4))
def test_random_expressions_are_derived_right_or_refused_plainly(chunk):
    derived = 0
    for expr, wrt in _cases(100, seed=chunk):
        try:
            d = derive(expr, wrt, S)
        except DerivationError as err:
            assert str(err) and "Traceback" not in str(err)
            continue
        derived += 1
        values = sample_values(S, seed=100 + chunk)  # other values than the engine's check
        base, e = dict(values), parse(expr, S)

        def f(Z, base=base, e=e, wrt=wrt):
            base[wrt] = Z
            out = evaluate(e, base)
            return out.reshape(()) if out.shape == (1, 1) else out

        J = numeric_jacobian(f, values[wrt])
        got = d.jacobian(values)
        scale = max(np.abs(J).max(), 1.0)
        assert np.abs(got - J.reshape(got.shape)).max() / scale < 1e-4, (expr, wrt)
    assert derived >= 95  # refusals are rare: singular matrices at the test point
