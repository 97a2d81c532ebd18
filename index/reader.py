"""The search-backend seam: exactly what the answer layer (``index.answering``) reads of an index.

Two backends implement it: the embedded index (``index.engine.Index``, the default) and the
OpenSearch one (``index.opensearch``). Ids are ints that the backend hands out: a document's
``doc_index``, a passage's ``chunk_id`` and a quote's id. They need not be contiguous (parallel
OpenSearch builders interleave them), so callers only pass back ids they were given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from index.models import Chunk, Document, Hit, Quote, Span


class Reader(Protocol):
    @property
    def build_id(self) -> str:
        """Which build this reader serves now. A reader that follows a newer build in place (the
        OpenSearch one re-pins to what its alias serves) changes it, so whatever was remembered
        of the old build's ids is dropped."""
        ...

    # --- corpus statistics (the answer layer weighs question terms by them) ---

    @property
    def passage_count(self) -> int:
        """How many passages are searched (BM25's N)."""
        ...

    def term_doc_freq(self, term: str) -> int:
        """In how many passages the analyzed ``term`` occurs."""
        ...

    @property
    def vocabulary(self) -> Sequence[str]:
        """Every analyzed term of the corpus, sorted (word forms are found by prefix)."""
        ...

    # --- passages ---

    def top_passages(
        self, terms: Sequence[str], k: int, *, doc_index: int | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (chunk id, BM25 score) pairs for analyzed ``terms``, best first, scores above
        zero; only within one document when ``doc_index`` is given."""
        ...

    def passage_scores(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> list[float]:
        """The BM25 score of each of ``chunk_ids`` for ``terms`` (0 where none of them occurs)."""
        ...

    def chunk(self, chunk_id: int) -> Chunk: ...

    def chunk_at(self, doc_index: int, offset: int) -> int:
        """The id of the passage of ``doc_index`` that holds (or last starts before) ``offset``."""
        ...

    def chunks_at(self, doc_indexes: Sequence[int], offsets: Sequence[int]) -> Sequence[int]:
        """``chunk_at`` for many (document, offset) pairs at once (a prolific speaker's quotes)."""
        ...

    def search_terms(self, terms: Sequence[str], k: int = 10, *, doc: str | None = None) -> Sequence[Hit]:
        """Verbatim hits for the best passages (``top_passages`` made citable)."""
        ...

    def hit(
        self, doc_index: int, span: Span, score: float, terms: Iterable[str] = (), speaker: str | None = None
    ) -> Hit:
        """A verbatim Hit for ``span`` of a document, with the spans of ``terms`` marked."""
        ...

    # --- documents ---

    def doc_index(self, doc: str) -> int:
        """The id of a document by its path, or a unique title or file name; UnknownDocument if none."""
        ...

    def document(self, doc: str | int) -> Document: ...

    def text(self, doc_index: int) -> str: ...

    def paragraphs_of(self, doc_index: int) -> Sequence[Span]: ...

    def sentences_of(self, doc_index: int) -> Sequence[Span]: ...

    # --- quotes by speaker ---

    @property
    def speaker_keys(self) -> Sequence[str]:
        """Every folded word of a speaker's name, sorted."""
        ...

    @property
    def speaker_words(self) -> Mapping[str, Sequence[int]]:
        """Folded speaker word -> ids of the quotes whose speaker it names."""
        ...

    def quote(self, i: int) -> Quote: ...

    def quote_naming(self, i: int) -> Quote:
        """Quote ``i`` as far as it names its speaker (speaker, as written, roles, relay, whom
        they speak for), for deciding whom a name means. Its text and document may be left empty
        (no document is read): never shown."""
        ...

    def quote_keys(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, naming): the naming is a number the quotes that name their
        speaker alike share (speaker, as written, relay, roles, whom they speak for), so that
        whether a name means a speaker is decided once for each way, not once a quote."""
        ...

    def quote_places(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, start of its sentence): where it stands in document order, so
        that a speaker's first quotes can be found without decoding the others."""
        ...

    def quote_speakers(self, quote_ids: Sequence[int]) -> list[str | None]:
        """Each quote's resolved speaker (``Quote.speaker``), without decoding the quotes where the
        backend keeps them apart."""
        ...

    def quote_chunks(self, quote_ids: Sequence[int]) -> Sequence[int]:
        """The passage (chunk id) holding the start of each quote's sentence."""
        ...

    def doc_quotes(self, doc_index: int) -> list[Quote]:
        """The quotes attributed in one document, in text order."""
        ...
