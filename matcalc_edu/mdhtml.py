"""A small Markdown-to-HTML converter that leaves LaTeX math intact, for ``HTMLMath`` widgets.

Exercise text and verdict messages use a little Markdown (paragraphs, ``- `` lists, ``**bold**``,
``*italic*``, `` `code` ``) around ``$…$`` math. General converters mangle ``_`` and ``*`` inside
math, so math and code spans are set aside first; everything else is HTML-escaped.
"""

from __future__ import annotations

import html
import re

SPANS = re.compile(r"`[^`\n]+`|\$\$.+?\$\$|\$[^$\n]+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
SLOT = "\x00{}\x00"
SLOT_RE = re.compile("\x00(\\d+)\x00")


def to_html(text: str) -> str:
    """Markdown with math -> HTML; math stays as ``$…$`` (escaped) for MathJax/KaTeX to typeset."""
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        span = m.group()
        if span.startswith("`"):
            kept.append(f"<code>{html.escape(span[1:-1])}</code>")
        else:
            kept.append(html.escape(span, quote=False))
        return SLOT.format(len(kept) - 1)

    body = html.escape(SPANS.sub(keep, text or ""), quote=False)
    body = ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", body))
    blocks = [_block(b) for b in re.split(r"\n\s*\n", body.strip()) if b.strip()]
    return SLOT_RE.sub(lambda m: kept[int(m.group(1))], "\n".join(blocks))


def _block(block: str) -> str:
    """One paragraph, or a bulleted list when every line starts with ``- ``."""
    lines = [line.strip() for line in block.strip().splitlines()]
    if all(line.startswith(("- ", "* ")) for line in lines):
        items = "".join(f"<li>{line[2:].strip()}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    return f"<p>{' '.join(lines)}</p>"
