"""Assembling extracted blocks into a document text with paragraph (and page) spans."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.models import Span

# Typographic ligatures that PDF fonts print as one glyph: a reader searches for the letters.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
PARAGRAPH_BREAK = "\n\n"


def clean_line(text: str) -> str:
    """One printed line as plain text: ligatures spelled out, control characters and runs of spaces
    squeezed (a paragraph break is never produced inside a line)."""
    text = _CONTROL.sub(" ", text.translate(_LIGATURES))
    return " ".join(text.split())


def join_blocks(blocks: Sequence[str]) -> tuple[str, tuple[Span, ...]]:
    """The text of non-empty ``blocks`` separated by blank lines, and the span of each block."""
    spans: list[Span] = []
    parts: list[str] = []
    offset = 0
    for block in blocks:
        if not block:
            continue
        if parts:
            parts.append(PARAGRAPH_BREAK)
            offset += len(PARAGRAPH_BREAK)
        parts.append(block)
        spans.append(Span(offset, offset + len(block)))
        offset += len(block)
    return "".join(parts), tuple(spans)
