"""A generated corpus of a chosen number of passages, for backend comparisons at scale.

Paragraphs of real news text (the given directories) are copied with a tenth of their words swapped
at random (``bench.run.scale``), cut to at most one passage each, and written 20 to a document as
``.txt`` files. Deterministic for a given seed and sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.run import scale

PARAGRAPHS_PER_DOCUMENT = 20
MAX_PARAGRAPH_CHARS = 500  # under the chunker's 600: one paragraph, one passage


def source_paragraphs(sources: Sequence[Path]) -> list[str]:
    paragraphs = []
    for source in sources:
        for path in sorted(source.rglob("*.txt")):
            for block in path.read_text("utf-8").split("\n\n"):
                text = " ".join(block.split())
                if len(text.split()) >= 6:
                    paragraphs.append(_cut(text))
    return paragraphs


def _cut(text: str) -> str:
    if len(text) <= MAX_PARAGRAPH_CHARS:
        return text
    cut = text.rfind(". ", 0, MAX_PARAGRAPH_CHARS)
    return text[: cut + 1] if cut > 0 else text[:MAX_PARAGRAPH_CHARS].rsplit(" ", 1)[0]


def write_corpus(out: Path, passages: int, sources: Sequence[Path], seed: int = 2) -> int:
    """Write about ``passages`` passages (titles included) under ``out``; the number of documents."""
    out.mkdir(parents=True, exist_ok=True)
    per_doc = PARAGRAPHS_PER_DOCUMENT + 1  # the title line is a passage too
    documents = max(1, passages // per_doc)
    paragraphs = [
        _cut(p) for p in scale(source_paragraphs(sources), documents * PARAGRAPHS_PER_DOCUMENT, seed)
    ]
    for d in range(documents):
        body = paragraphs[d * PARAGRAPHS_PER_DOCUMENT : (d + 1) * PARAGRAPHS_PER_DOCUMENT]
        title = f"Generated report {d:06d}"
        (out / f"gen_{d:06d}.txt").write_text("\n\n".join([title, *body]) + "\n", encoding="utf-8")
    return documents
