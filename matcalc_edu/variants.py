"""Randomized exercise variants: a stable per-student seed, draws, and token-aware renaming.

Renaming works on tokens, never on raw substrings: in the expression language a token is a
Python-style name not preceded by ``.`` (so ``W.T`` renames ``W`` and keeps ``.T``); in
Markdown text only math spans (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) and code spans
(`` `…` ``) are touched, and in math every letter is its own variable, as LaTeX reads it
(``dW`` and ``W x`` both rename ``W``; ``\\partial`` and ``\\operatorname{tr}`` are left alone).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Mapping, Sequence

EXPR_NAME = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
MATH_SPAN = re.compile(r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
CODE_SPAN = re.compile(r"`[^`]+`")
MATH_TOKEN = re.compile(
    r"\\(?:text|textrm|mathrm|operatorname|mbox|mathbb|mathcal)\s*\{[^{}]*\}"  # left alone
    r"|\\[A-Za-z]+"  # commands such as \partial: left alone
    r"|[A-Za-z][A-Za-z0-9]*"  # letters: renamed whole, else letter by letter
)
LETTER = re.compile(r"[A-Za-z][0-9]*")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
MAX_SIZE_COMBINATIONS = 100_000


def seed_for(student: str, exercise_id: str) -> int:
    """A 64-bit seed from sha256(student, exercise id): stable across processes and machines."""
    digest = hashlib.sha256(f"{student}\x00{exercise_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def rng_for(student: str, exercise_id: str) -> random.Random:
    """The random generator one student's variant of one exercise is drawn from."""
    return random.Random(seed_for(student, exercise_id))


def rename_expr(text: str, mapping: Mapping[str, str]) -> str:
    """Rename symbols in expression-language text, token by token (``W.T`` -> ``V.T``)."""
    if not mapping:
        return text
    return EXPR_NAME.sub(lambda m: mapping.get(m.group(), m.group()), text)


def _rename_math(span: str, mapping: Mapping[str, str]) -> str:
    """Rename symbols inside one LaTeX math span, leaving commands and words untouched."""

    def token(m: re.Match) -> str:
        word = m.group()
        if word.startswith("\\"):
            return word
        if word in mapping:
            return mapping[word]
        return LETTER.sub(lambda p: mapping.get(p.group(), p.group()), word)

    return MATH_TOKEN.sub(token, span)


def rename_markdown(text: str, mapping: Mapping[str, str]) -> str:
    """Rename symbols in the math and code spans of Markdown text; prose stays as written."""
    if not mapping:
        return text

    def math(m: re.Match) -> str:
        return _rename_math(m.group(), mapping)

    parts = CODE_SPAN.split(text)
    codes = CODE_SPAN.findall(text)
    out = [MATH_SPAN.sub(math, parts[0])]
    for snippet, rest in zip(codes, parts[1:], strict=True):
        out.append(rename_expr(snippet, mapping))
        out.append(MATH_SPAN.sub(math, rest))
    return "".join(out)


def text_names(text: str) -> set[str]:
    """Names the math and code spans of Markdown text use (what renaming could touch)."""
    names: set[str] = set()
    for code in CODE_SPAN.findall(text):
        names.update(EXPR_NAME.findall(code))
    for span in MATH_SPAN.findall(CODE_SPAN.sub(" ", text)):
        for word in MATH_TOKEN.findall(span):
            if not word.startswith("\\"):
                names.add(word)
                names.update(LETTER.findall(word))
    return names


def fill_placeholders(text: str, values: Mapping[str, object]) -> str:
    """Replace ``{name}`` by ``values[name]``; other braces (LaTeX groups) are left alone."""
    if not values:
        return text
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group())), text)


def size_choices(sizes: Mapping[str, Sequence[int]]) -> list[dict[str, int]]:
    """Every assignment of sizes giving different dimensions different sizes (sorted names)."""
    names = sorted(sizes)
    combos = itertools.islice(
        itertools.product(*(sizes[n] for n in names)), MAX_SIZE_COMBINATIONS
    )
    return [dict(zip(names, c, strict=True)) for c in combos if len(set(c)) == len(c)]


def draw(
    rng: random.Random,
    n_choose: int,
    rename: Sequence[Sequence[str]],
    sizes: Sequence[dict[str, int]],
) -> tuple[int, tuple[int, ...], dict[str, int]]:
    """Draw, in a fixed order, the alternative, one name per rename group, and the sizes."""
    choice = rng.randrange(n_choose) if n_choose else 0
    picks = tuple(rng.randrange(len(group)) for group in rename)
    size = dict(sizes[rng.randrange(len(sizes))]) if sizes else {}
    return choice, picks, size


def variant_key(choice: int | None, picks: Sequence[int], sizes: Mapping[str, int]) -> str:
    """A short readable id of a draw for the log, e.g. ``c1-r02-m3n4`` (``base`` if none)."""
    parts = []
    if choice is not None:
        parts.append(f"c{choice}")
    if picks:
        parts.append("r" + "".join(_digit(p) for p in picks))
    if sizes:
        parts.append("".join(f"{name}{size}" for name, size in sorted(sizes.items())))
    return "-".join(parts) or "base"


def _digit(index: int) -> str:
    """One character per rename pick (0-9 then a-z), so keys stay short."""
    return "0123456789abcdefghijklmnopqrstuvwxyz"[index]
