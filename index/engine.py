"""Build, open and query an index: the library's public surface over the modules beside it."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from index import store
from index.analysis import analyze, iter_tokens
from index.bm25 import BM25Scorer
from index.chunking import ParsedDocument, parse_document
from index.corpus import SourceFile, changed_since, file_stamps, load_file, scan_corpus
from index.errors import (
    BadQuery,
    CitebotError,
    CorpusError,
    GenerationGone,
    IndexCorrupt,
    IndexMissing,
    IndexWriteError,
    UnknownDocument,
)
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

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_QUOTE_CACHE = 200_000  # decoded quotes kept per open index
MAX_QUERY_CHARS = 2000


# --- building ------------------------------------------------------------------------------------


def build_index(
    corpus_dir: Path, index_dir: Path, *, progress: Progress | None = None, repair: bool = False
) -> Index:
    """Build or update the index of ``corpus_dir`` in ``index_dir`` and return it opened.

    Files whose content hash is unchanged reuse what the previous index derived from them (unless
    ``repair``: then nothing of the old index is trusted, and its directory's layout is put right).
    The new index is written beside the old one and swapped in atomically; on any failure the old
    one stays. An I/O error writing it (disk full, read-only) is an ``IndexWriteError``.
    """
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexWriteError(f"Cannot build the index in {index_dir}: it is a file, not a folder.")
    try:
        return _build(corpus_dir.resolve(), index_dir, progress, repair)
    except OSError as err:
        what = "the disk is full" if store.is_disk_full(err) else (err.strerror or str(err))
        raise IndexWriteError(
            f"Cannot write the index in {index_dir}: {what}. The previous index, if any, is unchanged."
        ) from None


def _build(corpus_dir: Path, index_dir: Path, progress: Progress | None, repair: bool) -> Index:
    started = time.perf_counter()
    with store.build_lock(index_dir):
        if repair:
            for action in store.repair(index_dir):
                log.warning("index repair index=%s action=%s", index_dir, action)
        previous = None if repair else _open_previous(index_dir)
        # Stamps come before any read: a file edited while the build reads it looks changed afterwards.
        stamps = file_stamps(corpus_dir)
        sources, skipped = scan_corpus(corpus_dir)
        report = BuildReport(skipped=list(skipped))
        parsed, file_docs = _parse_sources(sources, previous, report, progress)
        if previous is not None:
            old_files = previous.manifest["files"]
            report.removed = sorted(set(old_files) - {s.rel for s in sources})
        if previous is not None:
            previous.close()  # everything reused is in memory now; let the old generation go
        staged = store.new_generation(index_dir)
        try:
            _write_generation(staged, corpus_dir, sources, parsed, file_docs, report, stamps)
            report.changed_during_build = changed_since(stamps, file_stamps(corpus_dir))
            report.seconds = time.perf_counter() - started
            store.write_json(staged / "report.json", report.to_json())
            generation = store.publish(index_dir, staged)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    index = Index(generation)
    index.report = report
    return index


def open_index(index_dir: Path) -> Index:
    """Open the index served from ``index_dir``; IndexMissing or IndexCorrupt if it can't be."""
    for _ in range(5):
        try:
            return Index(store.current_generation(index_dir))
        except GenerationGone:
            continue  # a build replaced it between reading `current` and opening: read it again
    raise IndexCorrupt(f"The index at {index_dir} keeps changing under this reader; try again.")


def ensure_index(corpus_dir: Path, index_dir: Path, *, progress: Progress | None = None) -> Index:
    """The index of ``corpus_dir``: opened if it is up to date, else (re)built first.

    A stale index that cannot be rebuilt (a read-only index folder, a full disk, a corpus folder
    that is gone) is served as it is, with ``Index.warning`` saying why.
    """
    try:
        index = open_index(index_dir)
    except (IndexMissing, IndexCorrupt):
        return build_index(corpus_dir, index_dir, progress=progress)
    if index.is_stale(corpus_dir):
        try:
            return build_index(corpus_dir, index_dir, progress=progress)
        except (IndexWriteError, CorpusError) as err:  # unwritable, or the corpus folder is gone
            log.warning("stale index served reason=%s", err)
            index.warning = f"{err} Answering from the existing index, which may be out of date."
    return index


def _open_previous(index_dir: Path) -> Index | None:
    """The index to reuse parsed files from: only one that is whole (every checksum verified)."""
    try:
        previous = open_index(index_dir)
        previous.verify()
    except CitebotError:
        return None
    return previous


def _parse_sources(
    sources: Sequence[SourceFile],
    previous: Index | None,
    report: BuildReport,
    progress: Progress | None,
) -> tuple[list[ParsedDocument], dict[str, list[int]]]:
    parsed: list[ParsedDocument] = []
    file_docs: dict[str, list[int]] = {}
    # Reuse what an earlier build derived only if the same code derived it.
    reusable = previous is not None and previous.manifest.get("pipeline") == pipeline_fingerprint()
    old_files: dict[str, Any] = previous.manifest["files"] if previous else {}
    fresh: list[Document] = []  # parsed below, in worker processes when there is a lot
    slots: list[tuple[str, list[ParsedDocument | int]]] = []
    for source in sources:
        old = old_files.get(source.rel)
        if reusable and previous is not None and old is not None and old["sha256"] == source.sha256:
            slots.append((source.rel, [previous.parsed(i) for i in old["docs"]]))
            report.unchanged += 1
            continue
        try:
            loaded, problems = load_file(source)
            report.skipped.extend(problems)
        except CitebotError as err:
            report.skipped.append(SkippedFile(source.rel, str(err)))
            continue
        (report.changed if old is not None else report.added).append(source.rel)
        slots.append((source.rel, list(range(len(fresh), len(fresh) + len(loaded)))))
        fresh.extend(loaded)
    done_docs = _parse_all(fresh, progress)
    for rel, items in slots:
        first = len(parsed)
        # A document's position in ``parsed`` is its index; Chunk.doc_index is not relied on here.
        parsed.extend(done_docs[item] if isinstance(item, int) else item for item in items)
        file_docs[rel] = list(range(first, len(parsed)))
    return parsed, file_docs


# Below this much text, starting worker processes costs more than it saves.
_PARALLEL_CHARS = 8_000_000


def _parse_all(documents: Sequence[Document], progress: Progress | None) -> list[ParsedDocument]:
    """Parse documents (sentences, chunks, quotes, terms), on every core for a large corpus."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or sum(len(d.text) for d in documents) < _PARALLEL_CHARS:
        out = []
        for done, document in enumerate(documents, start=1):
            out.append(_parse_with_terms(document))
            if progress is not None:
                progress(done, len(documents))
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": the builder may run in a thread of a busy process (the bot), where fork is unsafe.
    context = multiprocessing.get_context("spawn")
    batches = [documents[i : i + _BATCH] for i in range(0, len(documents), _BATCH)]
    results: list[ParsedDocument] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for batch, derived in zip(batches, pool.map(_derive_batch, batches), strict=True):
            # Workers send back only what they derived; the texts stay on this side.
            results.extend(ParsedDocument(doc, *parts) for doc, parts in zip(batch, derived, strict=True))
            if progress is not None:
                progress(len(results), len(documents))
    return results


_BATCH = 256
_Derived = tuple[Any, ...]


def _derive_batch(documents: Sequence[Document]) -> list[_Derived]:
    """Everything but the document itself, for each document (the worker side of _parse_all)."""
    out = []
    for document in documents:
        parsed = _parse_with_terms(document)
        out.append(
            (parsed.sentences, parsed.sentence_paragraphs, parsed.chunks, parsed.quotes, parsed.chunk_terms)
        )
    return out


def _parse_with_terms(document: Document) -> ParsedDocument:
    parsed = parse_document(document, 0)
    text = document.text
    terms = tuple(analyze(text[c.start : c.end]) for c in parsed.chunks)
    return replace(parsed, chunk_terms=terms)


def _write_generation(
    staged: Path,
    corpus_dir: Path,
    sources: Sequence[SourceFile],
    parsed: Sequence[ParsedDocument],
    file_docs: dict[str, list[int]],
    report: BuildReport,
    stamps: dict[str, list[int]],
) -> None:
    docs = [p.document for p in parsed]
    store.write_texts(staged, (d.text for d in docs))
    store.write_records(staged, "docs", ({"doc": d.doc, "title": d.title, "url": d.url} for d in docs))
    _write_ptr_spans(staged, "para", [[p for p in d.paragraphs] for d in docs])
    _write_ptr_spans(staged, "sent", [list(p.sentences) for p in parsed])
    store.write_array(staged, "sent_para", [n for p in parsed for n in p.sentence_paragraphs], np.int32)
    chunks = [c for p in parsed for c in p.chunks]
    _write_ptr_spans(staged, "chunk", [[Span(c.start, c.end) for c in p.chunks] for p in parsed])
    store.write_array(staged, "chunk_doc", [i for i, p in enumerate(parsed) for _ in p.chunks], np.int32)
    store.write_array(staged, "chunk_para", [c.paragraph for c in chunks], np.int32)
    quotes = [q for p in parsed for q in p.quotes]
    store.write_records(staged, "quotes", (_quote_record(q) for q in quotes))
    store.write_array(staged, "quote_ptr", np.cumsum([0] + [len(p.quotes) for p in parsed]), np.int64)
    store.write_json(staged / "speakers.json", _speaker_words(quotes))
    tokens = [
        list(terms)
        for p in parsed
        for terms in (p.chunk_terms or [analyze(p.document.text[c.start : c.end]) for c in p.chunks])
    ]
    scorer = BM25Scorer.build(tokens)
    (staged / "bm25").mkdir()
    scorer.save(staged / "bm25")
    store.write_json(staged / "vocab.json", sorted({t for ts in tokens for t in ts}))
    report.documents, report.chunks, report.quotes = len(docs), len(chunks), len(quotes)
    by_rel = {s.rel: s for s in sources}
    manifest = {
        "format": store.FORMAT,
        "version": store.VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus_dir": str(corpus_dir),
        "pipeline": pipeline_fingerprint(),
        "documents": len(docs),
        "chunks": len(chunks),
        "quotes": len(quotes),
        "files": {
            rel: {"sha256": by_rel[rel].sha256, "size": by_rel[rel].size, "docs": ids}
            for rel, ids in file_docs.items()
        },
        "skipped": {s.path: s.reason for s in report.skipped},
        "stamps": stamps,
        "checksums": store.checksums(staged),
    }
    store.write_json(staged / store.MANIFEST, manifest)


@functools.cache
def pipeline_fingerprint() -> str:
    """A hash of the code that turns files into passages, terms and quotes: when it changes (an
    upgrade), indexes built by the old code are stale even if the corpus is not."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("corpus", "sentences", "analysis", "quotes", "chunking", "bm25"):
        digest.update((here / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def _write_ptr_spans(staged: Path, name: str, groups: Sequence[Sequence[Span]]) -> None:
    """Spans grouped per document: ``<name>_ptr`` indexes ``<name>_start``/``<name>_end``."""
    store.write_array(staged, f"{name}_ptr", np.cumsum([0] + [len(g) for g in groups]), np.int64)
    store.write_array(staged, f"{name}_start", [s.start for g in groups for s in g], np.int64)
    store.write_array(staged, f"{name}_end", [s.end for g in groups for s in g], np.int64)


def _speaker_words(quotes: Sequence[Quote]) -> dict[str, list[int]]:
    """Folded speaker word -> ids of the quotes whose speaker it names ('what did X say' looks here)."""
    from index.answer import speaker_words

    table: dict[str, list[int]] = {}
    for i, quote in enumerate(quotes):
        for word in speaker_words(quote):
            table.setdefault(word, []).append(i)
    return table


def _quote_record(q: Quote) -> dict[str, object]:
    return {
        "text": q.text,
        "start": q.start,
        "end": q.end,
        "speaker": q.speaker,
        "speaker_as_written": q.speaker_as_written,
        "speaker_start": q.speaker_start,
        "speaker_end": q.speaker_end,
        "cue": q.cue,
        "kind": q.kind,
        "sentence_start": q.sentence_start,
        "sentence_end": q.sentence_end,
        "relay": q.relay,
    }


# --- the opened index ----------------------------------------------------------------------------


class SpanView(Sequence[Span]):
    """Spans backed by the index's start and end arrays: a document with a million sentences costs
    nothing until a span is read, and bisection over it reads a handful."""

    def __init__(self, starts: npt.NDArray[Any], ends: npt.NDArray[Any]) -> None:
        self._starts, self._ends = starts, ends

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> Span: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Span]: ...
    def __getitem__(self, i: int | slice) -> Span | Sequence[Span]:
        if isinstance(i, slice):
            return SpanView(self._starts[i], self._ends[i])
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return Span(int(self._starts[i]), int(self._ends[i]))


_ARRAYS = (
    "para_ptr",
    "para_start",
    "para_end",
    "sent_ptr",
    "sent_start",
    "sent_end",
    "sent_para",
    "chunk_ptr",
    "chunk_start",
    "chunk_end",
    "chunk_doc",
    "chunk_para",
    "quote_ptr",
)


class Index:
    """An opened index generation. Thread-safe for reading; never changes once opened."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self._lease = store.Lease(generation)  # first: from here on no build removes the generation
        try:
            self.manifest = store.read_manifest(generation)
            self._verifier = store.Verifier(generation, self.manifest["checksums"])
            self._open_files()
        except BaseException:
            self._lease.release()
            raise
        self.report: BuildReport | None = None
        self.warning: str | None = None  # why a stale index is served as it is (ensure_index)
        self._lock = threading.Lock()  # the bot reads one Index from several worker threads
        self._text_cache: OrderedDict[int, str] = OrderedDict()
        self._meta_cache: dict[int, dict[str, Any]] = {}
        self._quote_cache: dict[int, Quote] = {}
        self._quotes: list[Quote] | None = None
        self._vocab: list[str] | None = None
        self._doc_ids: dict[str, int] | None = None
        self._speakers: dict[str, list[int]] | None = None
        self._speaker_keys: list[str] | None = None

    def _open_files(self) -> None:
        generation, verifier = self.generation, self._verifier
        try:
            self._texts = store.open_blob(generation, "texts.bin", "text_offsets", verifier)
            self._docs = store.open_blob(generation, "docs.jsonl", "docs_offsets", verifier)
            self._quote_blob = store.open_blob(generation, "quotes.jsonl", "quotes_offsets", verifier)
            self._a = {name: store.load_array(generation, name, verifier) for name in _ARRAYS}
            for rel in self.manifest["checksums"]:
                if rel.startswith("bm25/"):
                    verifier.verify(rel)
            self.scorer = BM25Scorer.load(generation / "bm25")
        except CitebotError:
            raise
        except Exception as err:  # a damaged file can fail in many ways; all mean "rebuild"
            raise IndexCorrupt(f"The index at {generation} is damaged ({err}). Rebuild it.") from None
        documents, chunks = len(self._docs), self.scorer.num_docs
        sizes = {
            "para_ptr": documents + 1,
            "sent_ptr": documents + 1,
            "chunk_ptr": documents + 1,
            "quote_ptr": documents + 1,
            "chunk_doc": chunks,
            "chunk_para": chunks,
            "chunk_start": chunks,
            "chunk_end": chunks,
        }
        if (
            documents != self.manifest["documents"]
            or chunks != self.manifest["chunks"]
            or len(self._quote_blob) != self.manifest["quotes"]
            or len(self._texts) != documents
            or any(len(self._a[name]) != size for name, size in sizes.items())
        ):
            raise IndexCorrupt(f"The index at {generation} is inconsistent. Rebuild it.")

    def verify(self) -> None:
        """Check every file of the generation against its checksum now (IndexCorrupt if one fails)."""
        self._verifier.verify_all()

    def close(self) -> None:
        """Let builds remove this generation (the open maps keep working until dropped)."""
        self._lease.release()

    # --- documents ---

    @property
    def corpus_dir(self) -> Path:
        return Path(self.manifest["corpus_dir"])

    def __len__(self) -> int:
        return len(self._docs)

    def is_stale(self, corpus_dir: Path) -> bool:
        """True when ``corpus_dir`` is not the indexed corpus, or a file in it changed since the build."""
        if Path(corpus_dir).resolve() != self.corpus_dir:
            return True
        if self.manifest.get("pipeline") != pipeline_fingerprint():
            return True  # this citebot reads or attributes text differently from the one that built it
        return bool(file_stamps(self.corpus_dir) != self.manifest.get("stamps"))

    def text(self, doc_index: int) -> str:
        with self._lock:
            cached = self._text_cache.get(doc_index)
            if cached is not None:
                self._text_cache.move_to_end(doc_index)
                return cached
        text = self._texts.text(doc_index)
        with self._lock:
            self._text_cache[doc_index] = text
            if len(self._text_cache) > 256:
                self._text_cache.popitem(last=False)
        return text

    def meta(self, doc_index: int) -> dict[str, Any]:
        meta = self._meta_cache.get(doc_index)
        if meta is None:
            meta = self._docs.record(doc_index)
            self._meta_cache[doc_index] = meta  # a dict store is atomic; a race only decodes twice
        return meta

    def doc_index(self, doc: str) -> int:
        """The position of a document, by its path, or by a unique title or file name."""
        names = self._names()
        found = names.get(doc)
        if found is None:
            raise UnknownDocument(f"No document called {doc!r} in the index.")
        return found

    def _names(self) -> dict[str, int]:
        if self._doc_ids is None:
            names: dict[str, int] = {}
            ambiguous: set[str] = set()
            for i in range(len(self)):
                meta = self.meta(i)
                for alias in (meta["title"], Path(meta["doc"]).name):
                    if alias in names and names[alias] != i:
                        ambiguous.add(alias)
                    names.setdefault(alias, i)
            for alias in ambiguous:
                del names[alias]
            names.update({self.meta(i)["doc"]: i for i in range(len(self))})  # paths win over aliases
            self._doc_ids = names
        return self._doc_ids

    def _span_view(self, name: str, doc_index: int) -> SpanView:
        lo, hi = int(self._a[f"{name}_ptr"][doc_index]), int(self._a[f"{name}_ptr"][doc_index + 1])
        return SpanView(self._a[f"{name}_start"][lo:hi], self._a[f"{name}_end"][lo:hi])

    def _spans(self, name: str, doc_index: int) -> list[Span]:
        lo, hi = int(self._a[f"{name}_ptr"][doc_index]), int(self._a[f"{name}_ptr"][doc_index + 1])
        starts, ends = self._a[f"{name}_start"][lo:hi], self._a[f"{name}_end"][lo:hi]
        return [Span(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]

    def document(self, doc: str | int) -> Document:
        if isinstance(doc, int) and not 0 <= doc < len(self):
            raise UnknownDocument(f"There is no document number {doc}: the index holds 0 to {len(self) - 1}.")
        i = doc if isinstance(doc, int) else self.doc_index(doc)
        meta = self.meta(i)
        return Document(meta["doc"], meta["title"], self.text(i), tuple(self._spans("para", i)), meta["url"])

    def documents(self) -> list[DocumentInfo]:
        ptr = self._a["para_ptr"]
        return [
            DocumentInfo(
                doc=self.meta(i)["doc"],
                title=self.meta(i)["title"],
                url=self.meta(i)["url"],
                paragraphs=int(ptr[i + 1] - ptr[i]),
                size=self._texts.size(i),
            )
            for i in range(len(self))
        ]

    def parsed(self, doc_index: int) -> ParsedDocument:
        """What the index derived from one document, as the build made it (for incremental builds)."""
        document = self.document(doc_index)
        sentences = tuple(self._spans("sent", doc_index))
        lo = int(self._a["sent_ptr"][doc_index])
        paras = tuple(int(p) for p in self._a["sent_para"][lo : lo + len(sentences)])
        c_lo = int(self._a["chunk_ptr"][doc_index])
        chunks = tuple(
            Chunk(doc_index, int(self._a["chunk_para"][c_lo + j]), s.start, s.end)
            for j, s in enumerate(self._spans("chunk", doc_index))
        )
        return ParsedDocument(document, sentences, paras, chunks, tuple(self.doc_quotes(doc_index)))

    # --- quotes ---

    def _quote(self, i: int) -> Quote:
        cached = self._quote_cache.get(i)
        if cached is None:
            record = self._quote_blob.record(i)
            doc_index = int(np.searchsorted(self._a["quote_ptr"], i, side="right") - 1)
            cached = Quote(doc=self.meta(doc_index)["doc"], **record)
            if len(self._quote_cache) < _QUOTE_CACHE:  # a prolific speaker is asked about again
                self._quote_cache[i] = cached
        return cached

    def quote(self, i: int) -> Quote:
        return self._quote(i)

    @property
    def speaker_words(self) -> dict[str, list[int]]:
        if self._speakers is None:
            self._speakers = self._load_json("speakers.json")
        return self._speakers

    @property
    def speaker_keys(self) -> list[str]:
        if self._speaker_keys is None:
            self._speaker_keys = sorted(self.speaker_words)
        return self._speaker_keys

    def _load_json(self, name: str) -> Any:
        return store.load_json(self.generation, name, self._verifier)

    def quotes(self) -> list[Quote]:
        """Every attributed quote in the corpus, in document order."""
        if self._quotes is None:
            self._quotes = [self._quote(i) for i in range(len(self._quote_blob))]
        return list(self._quotes)

    def doc_quotes(self, doc_index: int) -> list[Quote]:
        """The quotes attributed in one document."""
        lo, hi = int(self._a["quote_ptr"][doc_index]), int(self._a["quote_ptr"][doc_index + 1])
        return [self._quote(q) for q in range(lo, hi)]

    # --- retrieval ---

    @property
    def vocabulary(self) -> list[str]:
        if self._vocab is None:
            self._vocab = self._load_json("vocab.json")
        return self._vocab

    def chunk(self, chunk_id: int) -> Chunk:
        return Chunk(
            int(self._a["chunk_doc"][chunk_id]),
            int(self._a["chunk_para"][chunk_id]),
            int(self._a["chunk_start"][chunk_id]),
            int(self._a["chunk_end"][chunk_id]),
        )

    def chunk_at(self, doc_index: int, offset: int) -> int:
        """The id of the chunk of ``doc_index`` that holds (or last starts before) ``offset``."""
        lo, hi = int(self._a["chunk_ptr"][doc_index]), int(self._a["chunk_ptr"][doc_index + 1])
        position = int(np.searchsorted(self._a["chunk_start"][lo:hi], offset, side="right")) - 1
        return lo + max(position, 0)

    def chunk_ids_of(self, doc_index: int) -> npt.NDArray[np.int64]:
        lo, hi = int(self._a["chunk_ptr"][doc_index]), int(self._a["chunk_ptr"][doc_index + 1])
        return np.arange(lo, hi, dtype=np.int64)

    def paragraphs_of(self, doc_index: int) -> Sequence[Span]:
        """The paragraphs of a document, in order, read from the index only as they are indexed."""
        return self._span_view("para", doc_index)

    def sentences_of(self, doc_index: int) -> Sequence[Span]:
        """The sentences of a document, in order, read from the index only as they are indexed."""
        return self._span_view("sent", doc_index)

    def hit(
        self, doc_index: int, span: Span, score: float, terms: Iterable[str] = (), speaker: str | None = None
    ) -> Hit:
        """A verbatim Hit for ``span`` of a document, with the spans of ``terms`` marked."""
        text = self.text(doc_index)
        meta = self.meta(doc_index)
        wanted = set(terms)
        matches = tuple(
            Span(t.start, t.end)
            for t in _dedupe_tokens(iter_tokens(text[span.start : span.end], span.start))
            if t.term in wanted
        )
        return Hit(
            text=text[span.start : span.end],
            doc=meta["doc"],
            title=meta["title"],
            paragraph=paragraph_at(self._span_view("para", doc_index), span.start),
            start=span.start,
            end=span.end,
            score=score,
            speaker=speaker,
            url=meta["url"],
            matches=matches,
        )

    def search(self, query: str, k: int = 10, *, doc: str | None = None) -> list[Hit]:
        """Passages ranked by BM25 for ``query`` (optionally within one document)."""
        return self.search_terms(query_terms(query), k, doc=doc)

    def search_terms(self, terms: Sequence[str], k: int = 10, *, doc: str | None = None) -> list[Hit]:
        """Passages ranked by BM25 for already analyzed ``terms``."""
        if k <= 0 or not terms:
            return []
        candidates = self.chunk_ids_of(self.doc_index(doc)) if doc is not None else None
        hits = []
        for chunk_id, score in self.scorer.top_k(terms, k, candidates=candidates):
            chunk = self.chunk(chunk_id)
            hits.append(self.hit(chunk.doc_index, Span(chunk.start, chunk.end), score, terms))
        return hits

    def passage(self, doc: str, paragraph: int) -> Hit:
        """Paragraph ``paragraph`` (1-based) of a document, verbatim."""
        i = self.doc_index(doc)
        paragraphs = self._spans("para", i)
        if not 1 <= paragraph <= len(paragraphs):
            raise UnknownDocument(f"{doc!r} has paragraphs 1 to {len(paragraphs)}, not {paragraph}.")
        return self.hit(i, paragraphs[paragraph - 1], 0.0)

    def ask(self, question: str) -> Answer:
        from index.answer import answer_question

        return answer_question(self, question)

    def support(self, claim: str, k: int = 3) -> Answer:
        from index.answer import find_support

        return find_support(self, claim, k=k)


def query_terms(query: str) -> list[str]:
    """The analyzed terms of a query, or BadQuery with a message fit for the user."""
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"That is too long: keep it under {MAX_QUERY_CHARS} characters.")
    terms = analyze(query)
    if not terms:
        raise BadQuery("There is nothing to search for in that: try some distinctive words.")
    return terms


def _dedupe_tokens(tokens: Iterable[Any]) -> list[Any]:
    seen: set[tuple[int, int]] = set()
    out = []
    for token in tokens:
        if (token.start, token.end) not in seen:
            seen.add((token.start, token.end))
            out.append(token)
    return out
