"""Documents into sentences and passages (chunks), all as offsets into the document text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.attribution.parse import ParseFn
from index.models import Chunk, Document, Quote, Span
from index.quotes import AttributionPlan, find_quotes, paragraph_units

# A chunk gathers whole sentences of one paragraph up to about this many characters.
CHUNK_CHARS = 600
# A sentence longer than this (a run-on paragraph with no punctuation) is cut at whitespace.
MAX_SENTENCE_CHARS = 1200


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document with everything the index derives from its text."""

    document: Document
    sentences: tuple[Span, ...]
    sentence_paragraphs: tuple[int, ...]
    chunks: tuple[Chunk, ...]
    quotes: tuple[Quote, ...]
    # Each chunk's analyzed terms, when the parser computed them (a fresh parse does).
    chunk_terms: tuple[list[str], ...] | None = None


def parse_document(
    document: Document,
    doc_index: int,
    *,
    attribute: bool = True,
    parser: ParseFn | Literal["shipped"] = "shipped",
    plan: AttributionPlan | None = None,
    units: Sequence[Sequence[Span]] | None = None,
) -> ParsedDocument:
    """Sentences, chunks and (unless ``attribute`` is False) attributed quotes of a document;
    ``parser``, ``plan`` and ``units`` are :func:`find_quotes`'s (by default the shipped model,
    and a plan and units made here)."""
    text = document.text
    sentences: list[Span] = []
    sentence_paragraphs: list[int] = []
    chunks: list[Chunk] = []
    units_by_paragraph = list(units) if units is not None else paragraph_units(text, document.paragraphs)
    for number, para_units in enumerate(units_by_paragraph, start=1):
        pieces = [piece for unit in para_units for piece in _cut_long(text, unit)]
        sentences.extend(pieces)
        sentence_paragraphs.extend([number] * len(pieces))
        chunks.extend(Chunk(doc_index, number, s.start, s.end) for s in group_sentences(pieces))
    quotes = (
        find_quotes(document.doc, text, document.paragraphs, units_by_paragraph, parser=parser, plan=plan)
        if attribute
        else []
    )
    return ParsedDocument(
        document, tuple(sentences), tuple(sentence_paragraphs), tuple(chunks), tuple(quotes)
    )


def group_sentences(sentences: list[Span], limit: int = CHUNK_CHARS) -> list[Span]:
    """Consecutive sentences joined into spans of at most ``limit`` characters (or one sentence)."""
    groups: list[Span] = []
    for sentence in sentences:
        if groups and sentence.end - groups[-1].start <= limit:
            groups[-1] = Span(groups[-1].start, sentence.end)
        else:
            groups.append(sentence)
    return groups


def _cut_long(text: str, span: Span, limit: int = MAX_SENTENCE_CHARS) -> list[Span]:
    pieces: list[Span] = []
    start = span.start
    while span.end - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        pieces.append(Span(start, cut))
        start = cut
        while start < span.end and text[start].isspace():
            start += 1
    if start < span.end:
        pieces.append(Span(start, span.end))
    return pieces
