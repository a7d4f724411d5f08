"""Read the course's expression language (numpy style plus index notation) into an ``Expr`` tree.

Python's ``ast`` module does the tokenizing; every node type is then checked against a whitelist,
so nothing a student types is ever evaluated or executed. Lesson 00 documents the language.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache

from .errors import ExprError
from .expr import Expr, exponent_value, make, number
from .shapes import MAX_DIM, Shape, normalize_shapes

MAX_LENGTH = 2000
MAX_NESTING = 40
MAX_DEPTH = 200

FUNCTIONS = {  # accepted spelling -> (operation, number of arguments)
    "tr": ("tr", 1), "trace": ("tr", 1), "det": ("det", 1), "inv": ("inv", 1),
    "log": ("log", 1), "outer": ("outer", 2), "eye": ("eye", 1), "identity": ("eye", 1),
    "transpose": ("T", 1), "dot": ("matmul", 2), "matmul": ("matmul", 2),
    "delta": ("delta", 2), "KroneckerDelta": ("delta", 2), "sum": ("sum", 2),
}
PREFIXES = ("numpy.linalg.", "np.linalg.", "linalg.", "numpy.", "np.")
BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul",
          ast.Div: "div", ast.Pow: "pow"}
# Same-length rewrites keep every column number valid for error messages.
SHORTHANDS = [(re.compile(r"\^\s*\{\s*-\s*1\s*\}|\^\s*\(\s*-\s*1\s*\)|\^\s*-\s*1(?![\d.])"), ".I"),
              (re.compile(r"\^\s*\{\s*T\s*\}|\^\s*T(?!\w)"), ".T")]


def _rewrite_shorthands(text: str) -> str:
    """``X^T`` -> ``X.T`` and ``X^{-1}`` -> ``X.I`` (inverse), padded with spaces."""
    for pattern, short in SHORTHANDS:
        text = pattern.sub(lambda m, s=short: s + " " * (len(m.group()) - len(s)), text)
    return text


def _check_raw(text: str) -> None:
    """Refuse inputs that are too long, too deeply nested or contain control characters."""
    if not isinstance(text, str):
        raise ExprError(f"an answer must be text, not {type(text).__name__}")
    if not text.strip():
        raise ExprError("the answer is empty: type an expression such as (W@x - t) @ x.T")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    for pos, ch in enumerate(text):
        if ord(ch) < 32 and ch not in "\t\n\r":
            raise ExprError(f"the expression contains an invisible control character at column "
                            f"{pos + 1}", pos=pos)
    depth = 0
    for pos, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_NESTING:
            raise ExprError(f"brackets are nested more than {MAX_NESTING} deep", pos=pos)


def _check_depth(tree: ast.AST) -> None:
    """Refuse syntax trees deeper than ``MAX_DEPTH`` (walked without recursion)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprError(f"the expression has more than {MAX_DEPTH} nested operations")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


OPERAND_END = {tokenize.NAME, tokenize.NUMBER}


def _adjacent_operands(text: str) -> int | None:
    """Column of the first operand that follows another with no operator between (``W x``)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for prev, tok in zip(tokens, tokens[1:]):
        prev_ends = prev.type in OPERAND_END or prev.string in (")", "]")
        tok_starts = tok.type in OPERAND_END or tok.string == "("
        if prev_ends and tok_starts and not (prev.type == tokenize.NAME and tok.string == "("):
            return tok.start[1]
    return None


def _syntax_error(text: str, err: SyntaxError) -> ExprError:
    """Turn Python's SyntaxError into a message about the student's text and column."""
    stripped = text.rstrip()
    if text.count("(") != text.count(")"):
        what, pos = "the parentheses do not match", max((err.offset or 1) - 1, 0)
    elif stripped and stripped[-1] in "+-*/@.,^(":
        what, pos = f"the expression ends too early, after `{stripped[-1]}`", len(stripped) - 1
    elif (pos := _adjacent_operands(text)) is not None:
        what = "two terms stand side by side: put an operator (@, * or +) between them"
    else:
        pos = min(max((err.offset or 1) - 1, 0), max(len(text) - 1, 0))
        what = f"unexpected `{text[pos]}`" if text else "nothing to read"
    return ExprError(f"cannot read the expression: {what} (column {pos + 1})", "parse", pos)


@lru_cache(maxsize=4096)
def _parse_cached(text: str, shape_items: tuple) -> Expr:
    shapes = dict(shape_items)
    _check_raw(text)
    source = _rewrite_shorthands(text)
    source = source.replace("\r", " ").replace("\n", " ").replace("\t", " ")  # one line
    try:
        with warnings.catch_warnings():  # e.g. "2x" warns before it fails
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        raise _syntax_error(source.strip(), err) from None
    except (ValueError, MemoryError, RecursionError):
        raise ExprError("cannot read the expression: it is malformed") from None
    _check_depth(tree)
    return _Builder(source.strip(), shapes).build(tree.body)


def parse(text: str, shapes: Mapping[str, object]) -> Expr:
    """Read ``text`` with the symbols of ``shapes`` (e.g. ``{"W": (3, 2), "x": (2, 1)}``).

    >>> parse("(W@x - t) @ x.T", {"W": (3, 2), "x": (2, 1), "t": (3, 1)}).shape
    (3, 2)
    """
    try:
        items = tuple(normalize_shapes(shapes).items())
    except ValueError as err:
        raise ExprError(str(err), "parse") from None
    return _parse_cached(text, items)


class _Builder:
    """Walks a Python syntax tree, allowing only the language's node types."""

    def __init__(self, source: str, shapes: dict[str, Shape]) -> None:
        self.source = source
        self.encoded = source.encode("utf-8")  # ast offsets count UTF-8 bytes
        self.shapes = shapes
        self.dims = {d for s in shapes.values() for d in s if isinstance(d, str)}

    def text(self, node: ast.AST) -> str:
        """The source of a node, sliced by its offsets (get_source_segment rescans: quadratic)."""
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if start is None or end is None:
            return ""
        return self.encoded[start:end].decode("utf-8", "replace")

    def fail(self, node: ast.AST, message: str, kind: str = "parse") -> ExprError:
        return ExprError(message, kind, getattr(node, "col_offset", None))

    def build(self, node: ast.AST) -> Expr:
        method = getattr(self, "on_" + type(node).__name__, None)
        if method is None:
            what = self.text(node) or type(node).__name__
            raise self.fail(node, f"`{what}` is not part of the expression language "
                                  "(allowed: names, numbers, + - * / ** @ .T and the functions "
                                  "tr, det, inv, log, outer, eye, delta, sum)")
        return method(node)

    def on_Constant(self, node: ast.Constant) -> Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"`{self.text(node)}` is not a number or a name")
        if abs(value) > 1e12 or value != value:
            raise self.fail(node, "numbers are limited to 10^12 in size")
        try:  # the digits as typed: 0.1 is exactly 1/10, not the nearest binary float
            value = Fraction(self.text(node).replace("_", ""))
        except (ValueError, ZeroDivisionError):
            pass
        return number(value, node.col_offset)

    def on_Name(self, node: ast.Name) -> Expr:
        name = node.id
        if name in self.shapes:
            return make("sym", (), name, node.col_offset, name, self.shapes[name])
        known = ", ".join(self.shapes) or "none"
        if name in FUNCTIONS:
            raise self.fail(node, f"`{name}` is a function: write {name}(...)")
        raise self.fail(node, f"unknown name `{name}`; known: {known}", "unknown_symbol")

    def on_Attribute(self, node: ast.Attribute) -> Expr:
        if node.attr == "T":
            return self.op("T", node, self.build(node.value))
        if node.attr == "I":
            return self.op("inv", node, self.build(node.value))
        raise self.fail(node, f"`.{node.attr}` is not allowed: the only attribute is .T "
                              "(transpose)")

    def on_BinOp(self, node: ast.BinOp) -> Expr:
        op = BINOPS.get(type(node.op))
        if isinstance(node.op, ast.BitXor):
            raise self.fail(node, "write powers with ** (^ is only for ^T and ^{-1})")
        if op is None:
            raise self.fail(node, f"the operator in `{self.text(node)}` is not supported; "
                                  "use + - * / ** @")
        left = self.build(node.left)
        right = self.build(node.right)
        if op == "pow":
            return make("pow", (left,), exponent_value(right, node.col_offset),
                        node.col_offset, self.text(node))
        if op == "div" and left.op == right.op == "num" and right.data != 0:
            return number(left.data / right.data, node.col_offset)
        if op == "div" and right.op == "num" and right.data == 0:
            raise self.fail(node, "division by zero", "invalid_operation")
        return self.op(op, node, left, right)

    def on_UnaryOp(self, node: ast.UnaryOp) -> Expr:
        operand = self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if operand.op == "num":
                return number(-operand.data, node.col_offset)
            return self.op("neg", node, operand)
        raise self.fail(node, f"`{self.text(node)}`: only + and - may stand before a term")

    def op(self, op: str, node: ast.AST, *args: Expr, data=None) -> Expr:
        return make(op, args, data, getattr(node, "col_offset", None), self.text(node))

    def on_Call(self, node: ast.Call) -> Expr:
        name = self.func_name(node.func)
        if name not in FUNCTIONS:
            raise self.fail(node, f"unknown function `{name}`; available: tr, det, inv, log, "
                                  "outer, eye, transpose, delta, sum", "unknown_symbol")
        op, arity = FUNCTIONS[name]
        if node.keywords or len(node.args) != arity or any(
                isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, f"{name} takes {arity} argument{'s' * (arity > 1)}")
        if op == "eye":
            return self.eye(node)
        if op == "delta":
            return self.op("delta", node, data=tuple(self.index(a) for a in node.args))
        if op == "sum":
            index = node.args[1]
            if not isinstance(index, ast.Name):
                raise self.fail(index, "the second argument of sum is the summation index, "
                                       "e.g. sum(B[i,r]*C[r,j], r)")
            return self.op("sum", node, self.build(node.args[0]), data=index.id)
        return self.op(op, node, *(self.build(a) for a in node.args))

    def func_name(self, func: ast.AST) -> str:
        """``np.linalg.inv`` -> ``inv``; anything but a dotted name is refused."""
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            raise self.fail(func, "only named functions such as inv(...) can be called")
        dotted = ".".join([func.id, *reversed(parts)])
        for prefix in PREFIXES:
            if dotted.startswith(prefix):
                return dotted[len(prefix):]
        return dotted

    def eye(self, node: ast.Call) -> Expr:
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in self.dims:
            n = arg.id
        elif isinstance(arg, ast.Constant) and type(arg.value) is int and 1 <= arg.value <= MAX_DIM:
            n = arg.value
        else:
            raise self.fail(node, f"eye(n) needs a size from 1 to {MAX_DIM} or a dimension name")
        return make("eye", (), n, node.col_offset, self.text(node), (n, n))

    def index(self, node: ast.AST) -> str | int:
        """An index in C[l, j] or delta(i, k): a name, or a whole number counted from 0."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value < 10**4:
            return node.value
        raise self.fail(node, f"`{self.text(node)}` is not an index: use a letter such as i "
                              "or a whole number")

    def on_Subscript(self, node: ast.Subscript) -> Expr:
        base = self.build(node.value)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = tuple(self.index(i) for i in items)
        if base.shape == () or (len(indices) == 1 and base.shape[0] != 1 and base.shape[1] != 1):
            raise self.fail(node, f"{self.text(node.value)} needs {2 if base.shape else 0} "
                                  "indices", "invalid_operation")
        if len(indices) > 2:
            raise self.fail(node, "a matrix entry has at most two indices, e.g. C[l, j]",
                            "invalid_operation")
        return self.op("idx", node, base, data=indices)
