"""Grade a typed answer against an exercise's reference: shape first, then numbers, then why.

The answer is read by ``parse`` (a whitelist: nothing typed is executed), its shape is compared
with the reference's, then both are computed with numpy at random points (``sampling.py``,
``grading_reference.py``); a wrong answer gets a diagnosis (``grading_diagnosis.py``).
Every answer string gets a ``Verdict``; only a broken reference (the author's fault) raises.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

from .errors import ExprError
from .evaluate import all_indices
from .exact import exact_ratio
from .expr import Expr
from .grading_diagnosis import diagnose, transpose_verdict
from .grading_indices import nodes
from .grading_reference import (
    Reference,
    all_close,
    answer_values,
    build_reference,
    describe,
    gradient_note,
    same_shape,
)
from .parser import FUNCTIONS, parse
from .plain_latex import to_latex
from .shapes import Shape, fmt, normalize_shapes
from .verdict import DIAGNOSES, Verdict

__all__ = ["DIAGNOSES", "Verdict", "check_answer", "preview"]

COST_FLOOR = 2e6  # array operations an answer may always cost per draw
COST_FACTOR = 50  # ... or this many times what the reference costs
MAX_INDEX_CELLS = 10**6  # entries of the largest array index notation may build
_ERROR_DIAGNOSIS = {"parse": "parse", "unknown_symbol": "unknown_symbol"}
_INTERNAL = "Your answer could not be checked; please write it more simply."


def check_answer(answer: str, reference: str, shapes: Mapping[str, object],
                 indices: Mapping[str, int] | None = None, *, wrt: str | None = None,
                 seed: int = 0) -> Verdict:
    """Grade ``answer`` against ``reference`` (lesson 01: the gradient has the variable's shape).

    ``shapes`` declares every symbol; ``indices`` gives how far each free index of an
    index-notation reference runs (a number, or a dimension name from ``shapes``); ``wrt`` names
    the variable, for messages. Raises ``ValueError`` only when the reference itself is broken.
    """
    ref = _reference(reference, _shape_key(shapes), _index_key(indices), seed)
    if wrt is not None and wrt not in ref.shapes:
        raise ValueError(f"wrt={wrt!r} is not one of the symbols in shapes")
    try:
        return _grade(answer, ref, wrt)
    except Exception:  # noqa: BLE001 - last line of defence: no answer may crash a notebook
        return Verdict(False, _INTERNAL)


def preview(answer: str, shapes: Mapping[str, object]) -> tuple[str | None, str | None]:
    """``(latex, None)`` for a readable answer, ``(None, message)`` otherwise (live preview)."""
    if not isinstance(answer, str):
        return None, "an answer must be text"
    try:
        return to_latex(_quiet_parse(answer, shapes)), None
    except ExprError as err:
        return None, _error_verdict(err).message
    except Exception:  # noqa: BLE001 - the preview runs on every keystroke and must not crash
        return None, "the expression cannot be read"


def _quiet_parse(answer: str, shapes: Mapping[str, object]) -> Expr:
    """``parse``, without Python's SyntaxWarnings (e.g. for ``2x``) reaching the notebook."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return parse(answer, shapes)


def _shape_key(shapes: Mapping[str, object]) -> tuple:
    return tuple(sorted(normalize_shapes(shapes).items()))


def _index_key(indices: Mapping[str, int] | None) -> tuple:
    return tuple((str(k), v) for k, v in (indices or {}).items())


@lru_cache(maxsize=4096)  # a class's variants of every exercise
def _reference(text: str, shape_items: tuple, index_items: tuple, seed: int) -> Reference:
    """The parsed reference with its random draws and values, computed once per exercise."""
    ref = build_reference(text, dict(shape_items), dict(index_items), seed)
    cost = _cost(ref.expr, ref)
    return replace(ref, budget=max(COST_FLOOR, COST_FACTOR * cost))


def _error_verdict(err: ExprError) -> Verdict:
    """A verdict for an answer that cannot be read or is undefined (e.g. ``W @ t``)."""
    message = err.message
    if err.kind == "parse" and err.pos is not None and "column" not in message:
        message += f" (column {err.pos + 1})"
    if err.kind in ("shape", "invalid_operation"):
        message = "your expression is not defined: " + message
    first = message.split("(", 1)[0].split(" ", 1)[0]
    if first not in FUNCTIONS:  # "eye(n) needs ..." keeps its lower-case function name
        message = message[:1].upper() + message[1:]
    return Verdict(False, message, _ERROR_DIAGNOSIS.get(err.kind, "invalid_operation"))


def _grade(answer: str, ref: Reference, wrt: str | None) -> Verdict:
    if not isinstance(answer, str):
        return Verdict(False, f"An answer must be text, not {type(answer).__name__}.", "parse")
    try:
        expr = _quiet_parse(answer, ref.shapes)
    except ExprError as err:
        return _error_verdict(err)
    verdict = _form_problem(expr, ref) or _size_problem(expr, ref)
    if verdict is None:
        verdict = _grade_index(expr, ref) if ref.expr.has_index else _grade_matrix(expr, ref, wrt)
    return replace(verdict, read_as=to_latex(expr))


def _form_problem(expr: Expr, ref: Reference) -> Verdict | None:
    """Index notation asked and a matrix expression given, or the other way round."""
    if ref.expr.has_index and not expr.has_index:
        names = ", ".join(ref.free_order) or "none"
        return Verdict(False, "This exercise asks for index notation: one entry of the result, "
                              f"written with its free indices ({names}), e.g. C[l, j] or "
                              "delta(i, k), and sum(..., r) for a sum. Your answer has no indices.")
    if expr.has_index and not ref.expr.has_index:
        return Verdict(False, "This exercise asks for a matrix expression (numpy style, such "
                              f"as A.T @ x) for the whole {describe(ref.expr.shape)} result, not "
                              "index notation: write it without [i, j] indices.")
    return None


def _size_problem(expr: Expr, ref: Reference) -> Verdict | None:
    """Refuse identity matrices bigger than the exercise and answers far too costly to compute."""
    for node in nodes(expr):
        if node.op == "eye" and isinstance(node.data, int) and node.data > ref.max_dim:
            return Verdict(False, f"eye({node.data}) is bigger than any matrix in this exercise "
                                  f"(the largest size is {ref.max_dim}).", "invalid_operation")
    if _cost(expr, ref) > ref.budget:
        return Verdict(False, "Your answer is far too costly to compute; the expected result is "
                              "much simpler.", "invalid_operation")
    return None


def _cost(expr: Expr, ref: Reference) -> float:
    """A rough count of the array operations computing ``expr`` takes for one draw."""
    all_nodes = list(nodes(expr))
    if expr.has_index:
        cells = 1.0
        for name in all_indices(expr):
            cells *= ref.index_sizes.get(name, ref.max_dim)
        return float("inf") if cells > MAX_INDEX_CELLS else cells * len(all_nodes)
    return float(sum(_node_cost(node, ref.sizes) for node in all_nodes))


def _node_cost(node: Expr, sizes: Mapping[str, int]) -> float:
    dims = [sizes[d] if isinstance(d, str) else d for d in node.shape] or [1, 1]
    if node.op == "matmul":
        inner = node.args[0].shape[1]
        return dims[0] * dims[1] * (sizes[inner] if isinstance(inner, str) else inner)
    if node.op in ("inv", "det"):
        n = node.args[0].shape[0]
        return float(sizes[n] if isinstance(n, str) else n) ** 3
    return 1.0 + dims[0] * dims[1]


def _grade_matrix(expr: Expr, ref: Reference, wrt: str | None) -> Verdict:
    want, got = ref.expr.shape, expr.shape
    if not same_shape(got, want):
        return _shape_verdict(expr, ref, wrt)
    values = answer_values(expr, ref)
    if isinstance(values, Verdict):
        return values
    if all_close(values, ref.results):
        return _confirm_exactly(expr, ref) or Verdict(
            True, f"Your answer equals the expected {fmt(want)} result.")
    return diagnose(values, expr, ref, wrt)


def _confirm_exactly(expr: Expr, ref: Reference) -> Verdict | None:
    """A numerically equal answer that exact arithmetic refutes (e.g. 0.333 for 1/3), or None."""
    try:
        ratio = exact_ratio(expr, ref.expr, ref.shapes, ref.sizes)
    except ValueError:  # inv, det, log: no cheap exact check; the numeric verdict stands
        return None
    if ratio == 1:
        return None
    factor = f" (it is {ratio} times the expected result)" if ratio is not None else ""
    return Verdict(False, "Your answer agrees with the expected result to about eight digits but "
                          f"is not exactly equal{factor}: check the constants you typed, e.g. "
                          "write 1/3 rather than 0.333.", "scale" if ratio is not None else None)


def _shape_verdict(expr: Expr, ref: Reference, wrt: str | None) -> Verdict:
    """Wrong shape: the transpose of the right answer, or simply the wrong shape."""
    want: Shape = ref.expr.shape
    if same_shape(expr.shape, want[::-1]):
        values = answer_values(expr, ref)
        if not isinstance(values, Verdict) and all_close([v.T for v in values], ref.results):
            return transpose_verdict(ref, wrt)
    return Verdict(False, f"Your answer is {describe(expr.shape)}, but {gradient_note(ref, wrt)}.",
                   "shape")


def _grade_index(expr: Expr, ref: Reference) -> Verdict:
    free, want = expr.free_indices, ref.expr.free_indices
    unknown = sorted(free - set(ref.index_sizes))
    if unknown:
        return Verdict(False, f"Index {unknown[0]} is free in your answer but is not one of this "
                              f"exercise's indices ({', '.join(ref.free_order)}); if it is "
                              f"summed over, write sum(..., {unknown[0]}).", "unknown_symbol")
    missing, extra = sorted(want - free), sorted(free - want)
    if missing or extra:
        return Verdict(False, _index_set_message(missing, extra, ref), "shape")
    values = answer_values(expr, ref)
    if isinstance(values, Verdict):
        return values
    if all_close(values, ref.results):
        return Verdict(True, "Your entry equals the expected one for every value of "
                             f"{', '.join(ref.free_order)}.")
    return diagnose(values, expr, ref, None)


def _index_set_message(missing: list[str], extra: list[str], ref: Reference) -> str:
    wanted = ", ".join(ref.free_order)
    if missing:
        which = "index " if len(missing) == 1 else "indices "
        return (f"Your answer does not depend on {which}{', '.join(missing)}, but the expected "
                f"entry has the free indices {wanted}: each must appear (delta(i, k) is 1 when "
                "i = k and 0 otherwise).")
    return (f"Your answer has the free index {', '.join(extra)}, which the expected entry "
            f"(free indices {wanted}) does not have: sum over it with sum(..., {extra[0]}) "
            "or remove it.")
