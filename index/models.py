"""The library's data: frozen records whose offsets index a document's text.

Every span (``start``/``end``) is a half-open character range into ``Document.text``, so that
``document.text[span.start:span.end]`` is exactly the quoted text. Nothing here is reworded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A document as the index sees it: its extracted text and its paragraph spans.

    ``doc`` is the path relative to the corpus directory (with ``#id`` appended for a line of a
    ``.jsonl`` file), and is what answers cite. ``pages`` holds the span of each printed page (page
    ``n`` is ``pages[n - 1]``; empty for a page without text) for paged formats (PDF), else nothing.
    """

    doc: str
    title: str
    text: str
    paragraphs: tuple[Span, ...]
    url: str | None = None
    pages: tuple[Span, ...] = ()


def page_at(pages: Sequence[Span], offset: int) -> int | None:
    """1-based number of the page that holds ``offset``, or None for a document without pages."""
    if not pages:
        return None
    return max(1, bisect_right([p.start for p in pages], offset))


def paragraph_at(paragraphs: Sequence[Span], offset: int) -> int:
    """1-based number of the last paragraph starting at or before ``offset`` (1 if none does)."""
    return max(1, bisect_right(paragraphs, offset, key=_start))  # reads log(n) spans, not all


def _start(span: Span) -> int:
    return span.start


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage: whole sentences from one paragraph."""

    doc_index: int
    paragraph: int
    start: int
    end: int


QuoteKind = Literal["direct", "reported"]


@dataclass(frozen=True, slots=True)
class Quote:
    """Who said what, found at index time.

    ``start``/``end`` cover the quoted words (for a direct quote, the text inside the marks; for
    reported speech, the reported clause). ``sentence_start``/``sentence_end`` cover the whole
    attributed sentence(s), which is what answers cite. ``speaker`` is the resolved name (for "he" or
    "the president", the named person it refers to), ``speaker_as_written`` the words in the text
    at ``speaker_start``/``speaker_end``.
    """

    doc: str
    text: str
    start: int
    end: int
    speaker: str | None
    speaker_as_written: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    kind: QuoteKind
    sentence_start: int
    sentence_end: int
    relay: str | None = None
    speaks_for: str | None = None  # "Putin" when Putin's press secretary speaks
    # Words the document describes the speaker with ("commune chief", "Crown prosecutor"): role
    # questions ("what did the commune chief say") are answered through them.
    speaker_roles: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One verbatim passage cited from the corpus, with the score that ranked it."""

    text: str
    doc: str
    title: str
    paragraph: int
    start: int
    end: int
    score: float
    speaker: str | None = None
    url: str | None = None
    # Spans (document offsets) of the words that matched the query, for highlighting.
    matches: tuple[Span, ...] = ()
    page: int | None = None  # the printed page, for paged documents (PDF)

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "speaker": self.speaker,
            "doc": self.doc,
            "title": self.title,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
            "url": self.url,
            "matches": [[m.start, m.end] for m in self.matches],
            "page": self.page,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to a question: verbatim answers, or ``answered=False`` and related passages."""

    question: str
    answered: bool
    answers: tuple[Hit, ...] = ()
    related: tuple[Hit, ...] = ()
    # Why there is no answer, in words fit to show a user (None when answered).
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answers": [hit.to_json() for hit in self.answers],
            "related": [hit.to_json() for hit in self.related],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What a listing of sources shows about one document."""

    doc: str
    title: str
    url: str | None
    paragraphs: int
    size: int  # bytes of the document's UTF-8 text (listing sizes without decoding every text)


@dataclass(slots=True)
class BuildReport:
    """What a build did: counts, and the files it skipped with the reason for each."""

    documents: int = 0
    chunks: int = 0
    quotes: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    # Files added, edited or removed while the build read the corpus: the next check rebuilds them.
    changed_during_build: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "quotes": self.quotes,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "changed_during_build": self.changed_during_build,
            "seconds": round(self.seconds, 3),
            "rebuilt": self.rebuilt,
        }
