"""Build, open and query an index: the library's public surface over the modules beside it."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index import store
from index.analysis import analyze, iter_tokens
from index.attribution.parse import model_version
from index.bm25 import BM25Scorer
from index.chunking import ParsedDocument, parse_document
from index.corpus import SUPPORTED_SUFFIXES, SourceFile, load_file, scan_corpus
from index.errors import BadQuery, CitebotError, IndexCorrupt, IndexMissing, UnknownDocument
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

Progress = Callable[[int, int], None]
_QUOTE_CACHE = 200_000  # decoded quotes kept per open index
MAX_QUERY_CHARS = 2000


# --- building ------------------------------------------------------------------------------------


def build_index(corpus_dir: Path, index_dir: Path, *, progress: Progress | None = None) -> Index:
    """Build or update the index of ``corpus_dir`` in ``index_dir`` and return it opened.

    Files whose content hash is unchanged reuse what the previous index derived from them. The new
    index is written beside the old one and swapped in atomically; on any failure the old one stays.
    """
    started = time.perf_counter()
    corpus_dir = corpus_dir.resolve()
    with store.build_lock(index_dir):
        previous = _open_previous(index_dir)
        sources, skipped = scan_corpus(corpus_dir)
        report = BuildReport(skipped=list(skipped))
        parsed, file_docs = _parse_sources(sources, previous, report, progress)
        if previous is not None:
            old_files = previous.manifest["files"]
            report.removed = sorted(set(old_files) - {s.rel for s in sources})
        staged = store.new_generation(index_dir)
        try:
            _write_generation(staged, corpus_dir, sources, parsed, file_docs, report)
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
    return Index(store.current_generation(index_dir))


def ensure_index(corpus_dir: Path, index_dir: Path, *, progress: Progress | None = None) -> Index:
    """The index of ``corpus_dir``: opened if it is up to date, else (re)built first."""
    try:
        index = open_index(index_dir)
    except IndexMissing:
        return build_index(corpus_dir, index_dir, progress=progress)
    except IndexCorrupt:
        return build_index(corpus_dir, index_dir, progress=progress)
    if index.is_stale(corpus_dir):
        return build_index(corpus_dir, index_dir, progress=progress)
    return index


def _open_previous(index_dir: Path) -> Index | None:
    try:
        return open_index(index_dir)
    except CitebotError:
        return None


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
        "stamps": _stamps(corpus_dir),
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
    # Attribution: its code, its word lists and the parsing model's version.
    for path in sorted((here / "attribution").glob("*.py")) + sorted((here / "data").glob("*.txt")):
        digest.update(path.read_bytes())
    digest.update(model_version().encode())
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
        "speaks_for": q.speaks_for,
        "speaker_roles": q.speaker_roles,
    }


def _stamps(corpus_dir: Path) -> dict[str, list[int]]:
    """Size and mtime of every candidate file: a cheap way to notice that the corpus changed."""
    stamps: dict[str, list[int]] = {}
    for root, dirs, files in os.walk(corpus_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith(".") or not name.lower().endswith(SUPPORTED_SUFFIXES):
                continue
            path = Path(root) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path.relative_to(corpus_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return stamps


# --- the opened index ----------------------------------------------------------------------------


class Index:
    """An opened index generation. Thread-safe for reading; never changes once opened."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.manifest = store.read_manifest(generation)
        self.report: BuildReport | None = None
        try:
            self._texts = store.open_blob(generation, "texts.bin", "text_offsets")
            self._docs = store.open_blob(generation, "docs.jsonl", "docs_offsets")
            self._quote_blob = store.open_blob(generation, "quotes.jsonl", "quotes_offsets")
            arrays = {
                name: store.load_array(generation, name)
                for name in [
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
                ]
            }
            self.scorer = BM25Scorer.load(generation / "bm25")
        except CitebotError:
            raise
        except Exception as err:  # a damaged file can fail in many ways; all mean "rebuild"
            raise IndexCorrupt(f"The index at {generation} is damaged ({err}). Rebuild it.") from None
        self._a = arrays
        if len(self._docs) != self.manifest.get("documents") or self.scorer.num_docs != self.manifest.get(
            "chunks"
        ):
            raise IndexCorrupt(f"The index at {generation} is inconsistent. Rebuild it.")
        self._lock = threading.Lock()  # the bot reads one Index from several worker threads
        self._text_cache: OrderedDict[int, str] = OrderedDict()
        self._meta_cache: dict[int, dict[str, Any]] = {}
        self._quote_cache: dict[int, Quote] = {}
        self._quotes: list[Quote] | None = None
        self._vocab: list[str] | None = None
        self._doc_ids: dict[str, int] | None = None
        self._speakers: dict[str, list[int]] | None = None
        self._speaker_keys: list[str] | None = None

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
        return bool(_stamps(self.corpus_dir) != self.manifest.get("stamps"))

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

    def _spans(self, name: str, doc_index: int) -> list[Span]:
        lo, hi = int(self._a[f"{name}_ptr"][doc_index]), int(self._a[f"{name}_ptr"][doc_index + 1])
        starts, ends = self._a[f"{name}_start"][lo:hi], self._a[f"{name}_end"][lo:hi]
        return [Span(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]

    def document(self, doc: str | int) -> Document:
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
        import json

        try:
            return json.loads((self.generation / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise IndexCorrupt(f"The index file {name} is damaged ({err}). Rebuild it.") from None

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

    def sentences_of(self, doc_index: int) -> list[Span]:
        return self._spans("sent", doc_index)

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
            paragraph=paragraph_at(self._spans("para", doc_index), span.start),
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
