"""The answer layer's ``Reader`` over an OpenSearch cluster, plus the bot's calls (ask, search, ...).

An opened ``OpenSearchIndex`` is pinned to the version index the alias served when it was opened,
so its statistics, ids and texts always come from one build. Passage ranking is OpenSearch's BM25
(``dfs_query_then_fetch``, so scores do not depend on how passages fall into shards) over the
terms citebot's own analyzer produced; texts and offsets come back verbatim from stored records.
Records read once are kept in small caches: documents, passages and quotes never change in a build.
"""

from __future__ import annotations

import contextlib
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from opensearchpy import OpenSearch, helpers

from index.analysis import matched_words
from index.corpus import file_stamps
from index.engine import pipeline_fingerprint, query_terms
from index.errors import IndexMissing, UnknownDocument
from index.models import (
    Answer,
    BuildReport,
    Chunk,
    Document,
    DocumentInfo,
    Hit,
    Quote,
    SkippedFile,
    Span,
    paragraph_at,
)
from index.opensearch import layout
from index.opensearch.build import serving_indexes
from index.opensearch.client import failures
from index.opensearch.config import OpenSearchConfig
from index.opensearch.quotes import DOCUMENT_FIELDS, QUOTE_FIELDS, ClusterQuoteTable

_DOC_CACHE = 256
_PAGE = 1000
_SCORE_BATCH = 5000


class IndexReplaced(IndexMissing):
    """The version index this reader was pinned to is gone: a newer build replaced it."""


P = ParamSpec("P")
R = TypeVar("R")


def _following_alias(
    method: Callable[Concatenate[OpenSearchIndex, P], R],
) -> Callable[Concatenate[OpenSearchIndex, P], R]:
    """Run a query; if another process published a newer build meanwhile (and so deleted the one this
    reader was pinned to), re-pin to what the alias serves now and run it once more."""

    def run(self: OpenSearchIndex, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except IndexReplaced:
            self._reopen()
            return method(self, *args, **kwargs)

    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


class OpenSearchIndex:
    """One published build on the cluster. Thread-safe for reading. The bot-facing queries (ask,
    search, support, passage, documents) follow the alias when a newer build replaces this one."""

    def __init__(self, client: OpenSearch, config: OpenSearchConfig) -> None:
        self._client, self._config = client, config
        self._lock = threading.Lock()
        self._reopen_lock = threading.Lock()
        self.report: BuildReport | None = None
        self._load()

    def _load(self) -> None:
        serving = serving_indexes(self._client, self._config)
        if not serving:
            raise IndexMissing(
                f"No citebot index '{self._config.prefix}' on the search service at "
                f"{self._config.safe_url}: run `citebot index build`."
            )
        self.name = serving[0]
        meta = self._get(layout.META)
        if meta is None:
            raise IndexMissing(f"{self.name} has no publish record: rebuild it with `citebot index build`.")
        self.manifest: dict[str, Any] = meta["data"]
        stored = self.manifest.get("report")
        self.report = _report_from_json(stored) if stored else None
        self._df = self._load_df()
        self._vocab = sorted(self._df)
        self._passages = sum(self._df_counts())
        self._speaker_keys = sorted(self._terms_of_field(layout.SPEAKER, "word"))
        self._docs: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._chunks: dict[int, Chunk] = {}
        self._quotes: dict[int, Quote] = {}
        self._names: dict[str, int] = {}
        self._quote_table: tuple[str, ClusterQuoteTable] | None = None  # (the build it was read from, it)
        self._namings: dict[tuple[str | None, ...], int] = {}  # quote_keys' numbers for ways of naming

    @property
    def build_id(self) -> str:
        return self.name  # the version index this reader is pinned to (re-pinned by _reopen)

    def _reopen(self) -> None:
        stale = self.name
        with self._reopen_lock:
            if self.name == stale:  # another thread may have re-pinned already
                self._load()

    # --- requests -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _pinned(self, doing: str) -> Iterator[None]:
        """Like ``client.failures``; a missing index is one a newer build replaced."""
        try:
            with failures(self._config, doing):
                yield
        except IndexMissing as err:
            raise IndexReplaced(
                "The index was replaced by a newer build while reading it; ask again."
            ) from err

    def _search(self, body: dict[str, Any], doing: str, **params: Any) -> list[dict[str, Any]]:
        with self._pinned(doing):
            found = self._client.search(index=self.name, body=body, **params)
        hits: list[dict[str, Any]] = found["hits"]["hits"]
        return hits

    def _get(self, record_id: str) -> dict[str, Any] | None:
        found = self._mget([record_id])
        return found.get(record_id)

    def _mget(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not record_ids:
            return {}
        with self._pinned("reading records"):
            found = self._client.mget(index=self.name, body={"ids": list(record_ids)})
        return {d["_id"]: d["_source"] for d in found["docs"] if d.get("found")}

    def _scan(self, kind: str, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of one kind, through a scroll (bounded pages, any number of records)."""
        body: dict[str, Any] = {"query": {"term": {"kind": kind}}}
        if fields is not None:
            body["_source"] = list(fields)
        with self._pinned(f"reading the {kind} records"):
            for hit in helpers.scan(self._client, query=body, index=self.name, size=_PAGE, scroll="2m"):
                yield hit["_source"]

    def _load_df(self) -> dict[str, int]:
        df: dict[str, int] = {}
        for record in self._scan("df"):
            for term, count in record["data"]["df"].items():
                df[term] = df.get(term, 0) + int(count)
        return df

    def _df_counts(self) -> Iterator[int]:
        for record in self._scan(layout.PART):
            yield int(record["data"]["chunks"])

    def _terms_of_field(self, kind: str, field: str) -> set[str]:
        return {str(r[field]) for r in self._scan(kind, [field])}

    # --- corpus statistics ------------------------------------------------------------------------

    @property
    def passage_count(self) -> int:
        return self._passages

    def term_doc_freq(self, term: str) -> int:
        return self._df.get(term, 0)

    @property
    def vocabulary(self) -> list[str]:
        return self._vocab

    # --- passages ---------------------------------------------------------------------------------

    def _passage_query(self, terms: Sequence[str], filters: list[dict[str, Any]]) -> dict[str, Any]:
        # One clause per query term occurrence: a repeated term counts again, as in the embedded scorer.
        should = [{"term": {"terms": term}} for term in terms]
        return {
            "bool": {
                "filter": [{"term": {"kind": layout.PASSAGE}}, *filters],
                "should": should,
                "minimum_should_match": 1,
            }
        }

    def top_passages(
        self, terms: Sequence[str], k: int, *, doc_index: int | None = None
    ) -> list[tuple[int, float]]:
        terms = [t for t in terms if t in self._df]
        if k <= 0 or not terms:
            return []
        filters = [{"term": {"doc_index": doc_index}}] if doc_index is not None else []
        body = {
            "query": self._passage_query(terms, filters),
            "size": k,
            "sort": [{"_score": "desc"}, {"chunk_id": "asc"}],
            "track_scores": True,
            "track_total_hits": False,
        }
        hits = self._search(body, "searching passages", search_type="dfs_query_then_fetch")
        ranked = []
        for hit in hits:
            chunk_id = int(hit["_source"]["chunk_id"])
            self._remember_chunk(chunk_id, hit["_source"])
            ranked.append((chunk_id, float(hit["_score"])))
        self._prefetch_documents({self._chunks[c].doc_index for c, _ in ranked})
        return ranked

    def passage_scores(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> list[float]:
        terms = [t for t in terms if t in self._df]
        wanted = sorted(set(chunk_ids))
        scores: dict[int, float] = {}
        # In batches: one search returns at most index.max_result_window (10,000) hits.
        for lo in range(0, len(wanted) if terms else 0, _SCORE_BATCH):
            batch = wanted[lo : lo + _SCORE_BATCH]
            body = {
                "query": self._passage_query(terms, [{"terms": {"chunk_id": batch}}]),
                "size": len(batch),
                "_source": ["chunk_id"],
                "track_total_hits": False,
            }
            hits = self._search(body, "scoring passages", search_type="dfs_query_then_fetch")
            scores.update((int(h["_source"]["chunk_id"]), float(h["_score"])) for h in hits)
        return [scores.get(c, 0.0) for c in chunk_ids]

    def _remember_chunk(self, chunk_id: int, source: dict[str, Any]) -> None:
        data = source["data"]
        self._chunks[chunk_id] = Chunk(
            int(source["doc_index"]), data["paragraph"], data["start"], data["end"]
        )

    def chunk(self, chunk_id: int) -> Chunk:
        found = self._chunks.get(chunk_id)
        if found is None:
            record = self._get(f"p{chunk_id}")
            if record is None:
                raise UnknownDocument(f"No passage {chunk_id} in the index.")
            self._remember_chunk(chunk_id, record)
            found = self._chunks[chunk_id]
        return found

    def chunk_at(self, doc_index: int, offset: int) -> int:
        data = self._doc(doc_index)["data"]
        position = bisect_right(data["chunk_starts"], offset) - 1
        return int(data["chunk_ids"][max(position, 0)])

    def chunks_at(self, doc_indexes: Sequence[int], offsets: Sequence[int]) -> list[int]:
        """``chunk_at`` for many pairs: their documents fetched a cache's worth per request, each
        document's chunk starts kept (not its text) and bisected."""
        wanted = list(dict.fromkeys(doc_indexes))
        starts_and_ids: dict[int, tuple[list[int], list[int]]] = {}
        for lo in range(0, len(wanted), _DOC_CACHE):
            part = wanted[lo : lo + _DOC_CACHE]
            self._prefetch_documents(part)
            for doc_index in part:
                data = self._doc(doc_index)["data"]
                starts_and_ids[doc_index] = (data["chunk_starts"], data["chunk_ids"])
        found = []
        for doc_index, offset in zip(doc_indexes, offsets, strict=True):
            starts, ids = starts_and_ids[doc_index]
            found.append(int(ids[max(bisect_right(starts, offset) - 1, 0)]))
        return found

    @_following_alias
    def search(self, query: str, k: int = 10, *, doc: str | None = None) -> list[Hit]:
        """Passages ranked by BM25 for ``query`` (optionally within one document)."""
        return self.search_terms(query_terms(query), k, doc=doc)

    def search_terms(self, terms: Sequence[str], k: int = 10, *, doc: str | None = None) -> list[Hit]:
        if k <= 0 or not terms:
            return []
        doc_index = self.doc_index(doc) if doc is not None else None
        hits = []
        for chunk_id, score in self.top_passages(terms, k, doc_index=doc_index):
            chunk = self.chunk(chunk_id)
            hits.append(self.hit(chunk.doc_index, Span(chunk.start, chunk.end), score, terms))
        return hits

    def hit(
        self, doc_index: int, span: Span, score: float, terms: Iterable[str] = (), speaker: str | None = None
    ) -> Hit:
        record = self._doc(doc_index)
        text = record["data"]["text"]
        matches = tuple(Span(s, e) for s, e in matched_words(text, span.start, span.end, terms))
        return Hit(
            text=text[span.start : span.end],
            doc=record["doc"],
            title=record["title"],
            paragraph=paragraph_at(self._paragraphs(record), span.start),
            start=span.start,
            end=span.end,
            score=score,
            speaker=speaker,
            url=record["data"]["url"],
            matches=matches,
        )

    @_following_alias
    def passage(self, doc: str, paragraph: int) -> Hit:
        """Paragraph ``paragraph`` (1-based) of a document, verbatim."""
        i = self.doc_index(doc)
        paragraphs = self._paragraphs(self._doc(i))
        if not 1 <= paragraph <= len(paragraphs):
            raise UnknownDocument(f"{doc!r} has paragraphs 1 to {len(paragraphs)}, not {paragraph}.")
        return self.hit(i, paragraphs[paragraph - 1], 0.0)

    # --- documents --------------------------------------------------------------------------------

    def _doc(self, doc_index: int) -> dict[str, Any]:
        with self._lock:
            cached = self._docs.get(doc_index)
            if cached is not None:
                self._docs.move_to_end(doc_index)
                return cached
        record = self._get(f"d{doc_index}")
        if record is None:
            raise UnknownDocument(f"No document {doc_index} in the index.")
        self._keep_docs({doc_index: record})
        return record

    def _prefetch_documents(self, doc_indexes: Iterable[int]) -> None:
        with self._lock:
            missing = [f"d{i}" for i in doc_indexes if i not in self._docs]
        found = self._mget(missing)
        self._keep_docs({int(r["doc_index"]): r for r in found.values()})

    def _keep_docs(self, records: dict[int, dict[str, Any]]) -> None:
        with self._lock:
            for i, record in records.items():
                self._docs[i] = record
                self._docs.move_to_end(i)
            while len(self._docs) > _DOC_CACHE:
                self._docs.popitem(last=False)

    @staticmethod
    def _paragraphs(record: dict[str, Any]) -> list[Span]:
        return [Span(s, e) for s, e in record["data"]["paragraphs"]]

    def doc_index(self, doc: str) -> int:
        """The id of a document by its path, or by a unique title or file name."""
        found = self._names.get(doc)
        if found is not None:
            return found
        body = {
            "query": {
                "bool": {
                    "filter": [{"term": {"kind": layout.DOCUMENT}}],
                    "should": [{"term": {field: doc}} for field in ("doc", "title", "name")],
                    "minimum_should_match": 1,
                }
            },
            "size": 3,
            "_source": ["doc_index", "doc"],
        }
        hits = self._search(body, "finding a document")
        exact = [h for h in hits if h["_source"]["doc"] == doc]
        chosen = exact or (hits if len(hits) == 1 else [])
        if not chosen:
            raise UnknownDocument(f"No document called {doc!r} in the index.")
        found = int(chosen[0]["_source"]["doc_index"])
        self._names[doc] = found
        return found

    def document(self, doc: str | int) -> Document:
        i = doc if isinstance(doc, int) else self.doc_index(doc)
        record = self._doc(i)
        data = record["data"]
        return Document(
            record["doc"], record["title"], data["text"], tuple(self._paragraphs(record)), data["url"]
        )

    def text(self, doc_index: int) -> str:
        text: str = self._doc(doc_index)["data"]["text"]
        return text

    def paragraphs_of(self, doc_index: int) -> list[Span]:
        return self._paragraphs(self._doc(doc_index))

    def sentences_of(self, doc_index: int) -> list[Span]:
        return [Span(s, e) for s, e in self._doc(doc_index)["data"]["sentences"]]

    @_following_alias
    def documents(self) -> list[DocumentInfo]:
        fields = ["doc_index", "doc", "title", "data.url", "data.size", "data.paragraphs"]
        records = sorted(self._scan(layout.DOCUMENT, fields), key=lambda r: int(r["doc_index"]))
        return [
            DocumentInfo(
                doc=r["doc"],
                title=r["title"],
                url=r["data"]["url"],
                paragraphs=len(r["data"]["paragraphs"]),
                size=int(r["data"]["size"]),
            )
            for r in records
        ]

    def __len__(self) -> int:
        return int(self.report.documents) if self.report is not None else len(self.documents())

    @property
    def corpus_dir(self) -> Path:
        return Path(self.manifest["corpus_dir"])

    def is_stale(self, corpus_dir: Path) -> bool:
        """True when ``corpus_dir`` is not the corpus this build read, or a file in it changed."""
        if Path(corpus_dir).resolve() != self.corpus_dir:
            return True
        if self.manifest.get("pipeline") != pipeline_fingerprint():
            return True
        return bool(file_stamps(self.corpus_dir) != self.manifest.get("stamps"))

    # --- quotes -----------------------------------------------------------------------------------

    @property
    def speaker_keys(self) -> list[str]:
        return self._speaker_keys

    @property
    def speaker_words(self) -> Mapping[str, Sequence[int]]:
        return _SpeakerWords(self)

    def quote_ids_of_speaker_word(self, word: str) -> list[int]:
        body = {
            "query": {"bool": {"filter": [{"term": {"kind": layout.SPEAKER}}, {"term": {"word": word}}]}},
            "size": 10_000,
        }
        hits = self._search(body, "finding a speaker")
        ids = sorted({int(i) for h in hits for i in h["_source"]["data"]["quotes"]})
        self._prefetch_quotes(ids)
        return ids

    def _remember_quote(self, source: dict[str, Any]) -> Quote:
        quote = Quote(**source["data"])
        self._quotes[int(source["quote_id"])] = quote
        return quote

    def _prefetch_quotes(self, ids: Iterable[int]) -> None:
        missing = [f"q{i}" for i in ids if i not in self._quotes]
        for lo in range(0, len(missing), _PAGE):
            for record in self._mget(missing[lo : lo + _PAGE]).values():
                self._remember_quote(record)

    def quote(self, i: int) -> Quote:
        found = self._quotes.get(i)
        if found is None:
            self._prefetch_quotes([i])
            found = self._quotes.get(i)
            if found is None:
                raise UnknownDocument(f"No quote {i} in the index.")
        return found

    @property
    def quote_table(self) -> ClusterQuoteTable:
        """Every quote's document, sentence and speaker (for speaker listings), read from the
        cluster once per build: a scroll over the quote records and one over the documents' names."""
        name = self.name
        with self._lock:
            cached = self._quote_table
        if cached is not None and cached[0] == name:
            return cached[1]
        table = ClusterQuoteTable(
            self._scan(layout.QUOTE, QUOTE_FIELDS), self._scan(layout.DOCUMENT, DOCUMENT_FIELDS)
        )
        with self._lock:
            self._quote_table = (name, table)
        return table

    def doc_name(self, doc_index: int) -> str:
        """A document's path, from the quote table's names when it has them (no record fetched)."""
        cached = self._quote_table
        if cached is not None and cached[0] == self.name and doc_index in cached[1].doc_names:
            return cached[1].doc_names[doc_index]
        return str(self._doc(doc_index)["doc"])

    def quote_naming(self, i: int) -> Quote:
        return self.quote(i)  # the cluster's quote record holds its text: nothing to save

    def quote_keys(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, naming), the quotes fetched in pages and kept as ``quote`` keeps
        them; namings are numbered as this reader meets them."""
        self._prefetch_quotes(quote_ids)
        keys = []
        for i in quote_ids:
            q = self.quote(i)
            naming = (q.speaker, q.speaker_as_written, q.relay, q.speaker_roles, q.speaks_for)
            keys.append((self.doc_index(q.doc), self._namings.setdefault(naming, len(self._namings))))
        return keys

    def quote_places(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, sentence start), the quotes fetched in pages and kept."""
        self._prefetch_quotes(quote_ids)
        quotes = [self.quote(i) for i in quote_ids]
        return [(self.doc_index(q.doc), q.sentence_start) for q in quotes]

    def quote_speakers(self, quote_ids: Sequence[int]) -> list[str | None]:
        """Each quote's resolved speaker, the quotes fetched in pages and kept."""
        self._prefetch_quotes(quote_ids)
        return [self.quote(i).speaker for i in quote_ids]

    def quote_chunks(self, quote_ids: Sequence[int]) -> list[int]:
        self._prefetch_quotes(quote_ids)
        quotes = [self.quote(i) for i in quote_ids]
        return self.chunks_at([self.doc_index(q.doc) for q in quotes], [q.sentence_start for q in quotes])

    def doc_quotes(self, doc_index: int) -> list[Quote]:
        ids = [int(i) for i in self._doc(doc_index)["data"]["quote_ids"]]
        self._prefetch_quotes(ids)
        return [self._quotes[i] for i in ids]

    # --- answering ----------------------------------------------------------------------------------

    @_following_alias
    def ask(self, question: str) -> Answer:
        from index.answering import answer_question

        return answer_question(self, question)

    @_following_alias
    def support(self, claim: str, k: int = 3) -> Answer:
        from index.answering import find_support

        return find_support(self, claim, k=k)


class _SpeakerWords(Mapping[str, Sequence[int]]):
    """Speaker word -> quote ids, read from the cluster word by word (keys are known at open)."""

    def __init__(self, index: OpenSearchIndex) -> None:
        self._index = index

    def __getitem__(self, word: str) -> Sequence[int]:
        ids = self._index.quote_ids_of_speaker_word(word)
        if not ids:
            raise KeyError(word)
        return ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.speaker_keys)

    def __len__(self) -> int:
        return len(self._index.speaker_keys)


def _report_from_json(data: dict[str, Any]) -> BuildReport:
    return BuildReport(
        documents=data["documents"],
        chunks=data["chunks"],
        quotes=data["quotes"],
        added=list(data["added"]),
        changed=list(data["changed"]),
        removed=list(data["removed"]),
        unchanged=data["unchanged"],
        skipped=[SkippedFile(s["path"], s["reason"]) for s in data["skipped"]],
        seconds=data["seconds"],
        rebuilt=data["rebuilt"],
    )
