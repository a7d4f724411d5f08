"""Random and hostile answers: always a Verdict, always well under a second, never executed.

10,000 hypothesis examples in all, split over four strategies, plus a fixed list of known
attacks. While ``check_answer`` runs, ``open`` and ``__import__`` are replaced by traps.
"""

from __future__ import annotations

import builtins
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcalc_edu.grading import DIAGNOSES, Verdict, check_answer

SENTINEL = Path(tempfile.gettempdir()) / f"matcalc_fuzz_pwned_{os.getpid()}"
PWNED = Path("/tmp/pwned")
PWNED_BEFORE = PWNED.exists()
TIME_LIMIT = 1.0
# CPython's own tokenizer imports unicodedata to NFKC-normalize a non-ASCII name such as 𝑊;
# no name typed by a student can choose what is imported.
TOKENIZER_IMPORTS = frozenset({"unicodedata"})
SLOWEST = {"seconds": 0.0, "answer": ""}

EXERCISES = [
    ("(W@x - t) @ x.T", {"W": (3, 2), "x": (2, 1), "t": (3, 1), "A": (3, 3), "s": ()}, None),
    ("(A + A.T) @ y", {"A": (3, 3), "y": (3, 1), "W": ("m", "n"), "s": ()}, None),
    ("delta(i,k)*C[l,j]", {"B": (3, 4), "C": (4, 2), "s": ()}, {"i": 3, "j": 2, "k": 3, "l": 4}),
]
HOSTILE = [
    "__class__", "__subclasses__", "().__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('touch /tmp/pwned')",
    f"__import__('os').system('touch {SENTINEL}')",
    f"open('{SENTINEL}', 'w').write('x')", "open('/etc/passwd').read()",
    "exec('import os')", "eval('1')", "compile('1', '', 'eval')", "globals()", "locals()",
    "breakpoint()", "getattr(W, 'T')", "W.__class__", "W.T.__class__.__mro__", "x.__dict__",
    "lambda: 0", "[c for c in ().__class__.__base__.__subclasses__()]", "(yield)", "await x",
    "9**9**9**9", "9**99999999", "2**64**64", "1e308*1e308*W", "10**10**10", "s**64**64",
    "x" * 100_000, "(" * 10_000 + ")" * 10_000, "(" * 39 + "W" + ")" * 39, "-" * 1999 + "W",
    "W\x00@x", "\x00", "\x1b[31m", "W\r\nx", "\ufeffW", "W\u200b@x", "ẞ∂x", "Wₓ", "𝑊@x", "W＠x",
    "é", "☃", "\udcff", "'W'", '"W"', "b'W'", "f'{W}'", "W; import os", "W\nimport os", "#W",
    "W if 1 else W", "W and W", "not W", "W < W", "W[::-1]", "W[...]", "{W}", "[W]", "{'a': W}",
    "*W", "W:=1", "(W:=1)", "W.T.T.T.T.T.T.T.T.T.T", "eye(200)", "tr(eye(200))",
    "inv(eye(200)) @ eye(200)", "delta(i,i)", "C[9999, 9999]", "x[9999]", "sum(W, r)",
    "sum(sum(sum(sum(sum(sum(C[a,b]*C[c,d]*C[e,f]*C[g,h]*C[p,q], a), b), c), d), e), f)",
    "*".join(f"delta(a{k},b{k})" for k in range(40)),
    "+".join(["inv(A)@inv(A)@inv(A)@inv(A)"] * 60), "@".join(["A"] * 600),
    "inv(" * 39 + "A" + ")" * 39, "log(" * 39 + "s" + ")" * 39,
]
TOKENS = [
    "W", "x", "t", "A", "y", "s", "B", "C", "i", "j", "k", "l", "r", "q", "m", "n", "@", "+", "-",
    "*", "/", "**", ".T", "(", ")", "[", "]", ",", " ", "inv(", "det(", "tr(", "log(", "outer(",
    "eye(", "delta(", "sum(", "np.", "np.linalg.", "transpose(", "0", "1", "2", "3", "9", "0.5",
    "1e12", "1e-300", "^T", "^{-1}", "^", "__class__", "__import__", "'os'", ".system", "open",
    "lambda", ":", ";", "=", "\x00", "∂", "é", "\n", "eye(200)", "9**9**9**9", ".__dict__",
]


@pytest.fixture(scope="module", autouse=True)
def traps():
    """Install ``open``/``__import__`` traps that fire only while a check runs."""
    state = {"armed": False, "calls": []}
    real_open, real_import = builtins.open, builtins.__import__

    def trap_open(*args, **kwargs):
        if state["armed"]:
            state["calls"].append(("open", args))
        return real_open(*args, **kwargs)

    def trap_import(name, *args, **kwargs):
        if state["armed"] and name not in TOKENIZER_IMPORTS:
            state["calls"].append(("__import__", name))
        return real_import(name, *args, **kwargs)

    builtins.open, builtins.__import__ = trap_open, trap_import
    yield state
    builtins.open, builtins.__import__ = real_open, real_import


@pytest.fixture(scope="module", autouse=True)
def warm_references():
    """Build each exercise's reference once, before any trap is armed."""
    for reference, shapes, indices in EXERCISES:
        check_answer(reference, reference, shapes, indices)


def checked(state: dict, answer: str, exercise: int) -> Verdict:
    """Grade under the traps, timing the call; assert everything the property promises."""
    reference, shapes, indices = EXERCISES[exercise]
    state["calls"].clear()
    state["armed"] = True
    start = time.perf_counter()
    try:
        verdict = check_answer(answer, reference, shapes, indices)
    finally:
        elapsed = time.perf_counter() - start
        state["armed"] = False
    if elapsed > SLOWEST["seconds"]:
        SLOWEST.update(seconds=elapsed, answer=answer[:80])
    assert isinstance(verdict, Verdict)
    assert verdict.diagnosis in (*DIAGNOSES, None)
    assert isinstance(verdict.message, str) and verdict.message
    assert not state["calls"], f"{answer[:80]!r} called {state['calls'][:3]}"
    assert not SENTINEL.exists()
    assert elapsed < TIME_LIMIT, f"{answer[:80]!r} took {elapsed:.2f} s"
    return verdict


FUZZ = settings(deadline=None, database=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
    HealthCheck.large_base_example])
EXERCISE = st.integers(0, len(EXERCISES) - 1)
SOUP = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@pytest.mark.parametrize("answer", HOSTILE)
@pytest.mark.parametrize("exercise", range(len(EXERCISES)))
def test_known_attacks_are_refused(traps, answer, exercise):
    verdict = checked(traps, answer, exercise)
    assert not verdict.correct


@settings(FUZZ, max_examples=3000)
@given(answer=st.text(max_size=200), exercise=EXERCISE)
def test_any_text_gets_a_verdict(traps, answer, exercise):
    checked(traps, answer, exercise)


@settings(FUZZ, max_examples=3500)
@given(answer=SOUP, exercise=EXERCISE)
def test_token_soup_gets_a_verdict(traps, answer, exercise):
    checked(traps, answer, exercise)


@settings(FUZZ, max_examples=1500)
@given(prefix=SOUP, attack=st.sampled_from(HOSTILE), suffix=SOUP, exercise=EXERCISE)
def test_embedded_attacks_are_never_run(traps, prefix, attack, suffix, exercise):
    checked(traps, prefix + attack + suffix, exercise)


def _matrix_expressions() -> st.SearchStrategy[str]:
    """Well-formed expressions over A (3×3) and s (scalar), nested: they reach the numerics."""
    leaves = st.sampled_from(["A", "A.T", "s", "2", "0.5", "eye(3)", "inv(A)", "W@W.T"])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["@", "+", "-", "*", "/"]), inner).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(st.sampled_from(["inv", "det", "tr", "log", "-"]), inner).map(
            lambda p: f"{p[0]}({p[1]})"),
        inner.map(lambda e: f"({e}).T")), max_leaves=12)


@settings(FUZZ, max_examples=2000)
@given(answer=_matrix_expressions(), exercise=st.sampled_from([0, 1]))
def test_well_formed_expressions_get_a_verdict(traps, answer, exercise):
    checked(traps, f"({answer}) @ " + ("W" if exercise == 0 else "y"), exercise)


def test_nothing_ran_and_nothing_was_slow():
    assert not SENTINEL.exists()
    assert PWNED.exists() == PWNED_BEFORE
    print(f"slowest check: {SLOWEST['seconds'] * 1e3:.1f} ms for {SLOWEST['answer']!r}")
    assert SLOWEST["seconds"] < TIME_LIMIT, SLOWEST
