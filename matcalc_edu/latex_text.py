"""Turn the course's LaTeX into readable plain text for terminals (``matcalc-edu derive``).

Only the handful of constructs the library itself writes are translated: fractions, sums,
deltas, subscripts, transposes and inverses. ``∂A_ij/∂B_kl = Σ[r=1..4] δ_ik δ_rl C_rj``.
"""

from __future__ import annotations

import re

SIMPLE = [
    (r"\left(", "("), (r"\right)", ")"), (r"^{\top}", "ᵀ"), (r"^{-1}", "⁻¹"),
    (r"\nabla", "∇"), (r"\partial ", "∂"), (r"\partial", "∂"), (r"\delta", "δ"),
    (r"\operatorname{tr}", "tr"), (r"\det", "det"), (r"\log", "log"), (r"\odot", "∘"),
    (r"\,", " "), (r"\!", ""), (r"\text", ""), (r"\mathcal{L}", "L"),
]
FRACTIONS = {("1", "2"): "½", ("1", "3"): "⅓", ("1", "4"): "¼"}


def _group(text: str, start: int) -> tuple[str, int]:
    """The contents of the {...} group opening at ``start`` and the index after it."""
    depth = 0
    for pos in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return text[start + 1:pos], pos + 1
    return text[start + 1:], len(text)


def _fractions(text: str) -> str:
    """\\frac{a}{b} and \\tfrac{a}{b} -> a/b (parenthesised when needed)."""
    match = re.search(r"\\t?frac(?=\{)", text)
    while match:
        num, after = _group(text, match.end())
        den, end = _group(text, after)
        num, den = _fractions(num), _fractions(den)
        plain = FRACTIONS.get((num, den))
        if plain is None:
            wrap = [f"({s})" if re.search(r"[ +\-]", s.strip()) else s.strip() for s in (num, den)]
            plain = "/".join(wrap)
        text = text[:match.start()] + plain + text[end:]
        match = re.search(r"\\t?frac(?=\{)", text)
    return text


def latex_to_text(latex: str) -> str:
    """Plain text for a LaTeX line written by the library."""
    text = re.sub(r"\\sum_\{(\w+)=1\}\^\{(\w+)\}\s*", r"Σ[\1=1..\2] ", latex)
    text = re.sub(r"\\sum_(\w)\s*", r"Σ_\1 ", text)
    text = _fractions(text.replace(r"\partial ", "∂"))
    for tex, plain in SIMPLE:
        text = text.replace(tex, plain)
    text = re.sub(r"_\{(\w+)\}", r"_\1", text)
    text = re.sub(r"\^\{(\w+)\}", r"^\1", text)
    text = re.sub(r"\^\{([^{}]+)\}", r"^(\1)", text)
    text = text.replace("$", "").replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()
