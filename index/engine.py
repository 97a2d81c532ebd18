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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from index import columns, store
from index.analysis import analyze, matched_words
from index.answering import answer_question, find_support
from index.attribution.parse import model_version
from index.bm25 import BM25Scorer
from index.chunking import ParsedDocument
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
from index.lazy_hits import LazyHits
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
    page_at,
    paragraph_at,
)
from index.names import NameTable
from index.quote_table import QuoteTable
from index.workers import Job, parse_in_workers, parse_job
from index.writer import Batch, GenerationWriter, batch_of, quote_from_record

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
PathLike = str | os.PathLike[str]
_QUOTE_CACHE = 200_000  # decoded quotes kept per open index
MAX_QUERY_CHARS = 2000
# A document whose quote attribution takes longer than this is indexed without it (and reported).
FILE_BUDGET_S = 30.0


# --- building ------------------------------------------------------------------------------------


def build_index(
    corpus_dir: PathLike,
    index_dir: PathLike,
    *,
    progress: Progress | None = None,
    file_budget_s: float | None = FILE_BUDGET_S,
    repair: bool = False,
) -> Index:
    """Build or update the index of ``corpus_dir`` in ``index_dir`` and return it opened.

    A document that fails to parse is skipped and one whose quote attribution takes longer than
    ``file_budget_s`` seconds (None: no limit) is indexed without it; the report lists both.
    Files whose content hash is unchanged reuse what the previous index derived from them (unless
    ``repair``: then nothing of the old index is trusted, and its directory's layout is put right).
    The new index is written beside the old one and swapped in atomically; on any failure the old
    one stays. An I/O error writing it (disk full, read-only) is an ``IndexWriteError``.
    Documents stream from the files through the parsers to the new index's files, so memory stays
    bounded by the parsers' batches and the index's arrays, not by the corpus.
    """
    corpus_dir, index_dir = Path(corpus_dir).resolve(), Path(index_dir)
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexWriteError(f"Cannot build the index in {index_dir}: it is a file, not a folder.")
    try:
        return _build(corpus_dir, index_dir, progress, file_budget_s, repair)
    except OSError as err:
        what = "the disk is full" if store.is_disk_full(err) else (err.strerror or str(err))
        raise IndexWriteError(
            f"Cannot write the index in {index_dir}: {what}. The previous index, if any, is unchanged."
        ) from None


def _build(
    corpus_dir: Path, index_dir: Path, progress: Progress | None, file_budget_s: float | None, repair: bool
) -> Index:
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
        if previous is not None:
            report.removed = sorted(set(previous.manifest["files"]) - {s.rel for s in sources})
        staged = store.new_generation(index_dir)
        try:
            writer = GenerationWriter(staged)
            indexed: list[str] = []  # files read (or reused), even if no document came of them
            try:
                for batch in _parsed_batches(sources, previous, report, progress, file_budget_s, indexed):
                    writer.add(batch)
                    report.skipped.extend(SkippedFile(doc, why) for doc, why in batch.notes)
            finally:
                if previous is not None:
                    previous.close()  # what it lent is in the new generation now: let the old one go
            counts = writer.finish()
            report.documents, report.chunks, report.quotes = counts.documents, counts.chunks, counts.quotes
            files = {rel: writer.file_docs.get(rel, []) for rel in indexed}
            _write_manifest(staged, corpus_dir, sources, files, report, stamps)
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


def open_index(index_dir: PathLike) -> Index:
    """Open the index served from ``index_dir``; IndexMissing or IndexCorrupt if it can't be."""
    index_dir = Path(index_dir)
    for _ in range(5):
        try:
            return Index(store.current_generation(index_dir))
        except GenerationGone:
            continue  # a build replaced it between reading `current` and opening: read it again
    raise IndexCorrupt(f"The index at {index_dir} keeps changing under this reader; try again.")


def ensure_index(
    corpus_dir: PathLike,
    index_dir: PathLike,
    *,
    progress: Progress | None = None,
    file_budget_s: float | None = FILE_BUDGET_S,
) -> Index:
    """The index of ``corpus_dir``: opened if it is up to date, else (re)built first (with
    ``build_index``'s ``file_budget_s``).

    A stale index that cannot be rebuilt (a read-only index folder, a full disk, a corpus folder
    that is gone) is served as it is, with ``Index.warning`` saying why.
    """
    try:
        index = open_index(index_dir)
    except (IndexMissing, IndexCorrupt):
        return build_index(corpus_dir, index_dir, progress=progress, file_budget_s=file_budget_s)
    if index.is_stale(corpus_dir):
        try:
            return build_index(corpus_dir, index_dir, progress=progress, file_budget_s=file_budget_s)
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


def _parsed_batches(
    sources: Sequence[SourceFile],
    previous: Index | None,
    report: BuildReport,
    progress: Progress | None,
    budget_s: float | None,
    indexed: list[str],
) -> Iterator[Batch]:
    """The corpus's documents, parsed, in batches in corpus order: unchanged files from the
    previous index, the others read here and parsed in worker processes when there is a lot."""
    # Reuse what an earlier build derived only if the same code derived it.
    reusable = previous is not None and previous.manifest.get("pipeline") == pipeline_fingerprint()
    old_files: dict[str, Any] = previous.manifest["files"] if previous is not None else {}

    def reused(source: SourceFile) -> list[int] | None:
        old = old_files.get(source.rel)
        if not reusable or old is None or old["sha256"] != source.sha256:
            return None
        return store.file_docs(old)

    def items() -> Iterator[Job | Batch]:
        rels: list[str] = []
        documents: list[Document] = []
        chars = 0
        for source in sources:
            old_docs = reused(source)
            if old_docs is not None and previous is not None:
                if documents:
                    yield Job(rels, documents)
                    rels, documents, chars = [], [], 0
                yield batch_of([previous.parsed(i) for i in old_docs], [source.rel] * len(old_docs), [])
                report.unchanged += 1
                indexed.append(source.rel)
                continue
            try:
                loaded, problems = load_file(source)
            except CitebotError as err:
                report.skipped.append(SkippedFile(source.rel, str(err)))
                continue
            report.skipped.extend(problems)
            (report.changed if source.rel in old_files else report.added).append(source.rel)
            indexed.append(source.rel)
            for document in loaded:
                rels.append(source.rel)
                documents.append(document)
                chars += len(document.text)
                if len(documents) >= _BATCH or chars >= _BATCH_CHARS:
                    yield Job(rels, documents)
                    rels, documents, chars = [], [], 0
        if documents:
            yield Job(rels, documents)

    to_parse = sum(s.size for s in sources if reused(s) is None)
    total = max(1, sum(s.size for s in sources))
    workers = min(os.cpu_count() or 1, 8)
    # The budget is a signal, which only a process's main thread receives: a build started from
    # another thread (the bot's reindex) parses in worker processes, however little, so it holds.
    budget_holds_here = budget_s is None or threading.current_thread() is threading.main_thread()
    if to_parse == 0 or (budget_holds_here and (workers < 2 or to_parse < _PARALLEL_CHARS)):
        parts: Iterator[list[Batch]] = (
            [item if isinstance(item, Batch) else parse_job(item, budget_s)] for item in items()
        )
    else:
        parts = parse_in_workers(items(), workers, budget_s)
    done = 0
    for batches in parts:
        for batch in batches:
            done += sum(len(text) for text in batch.texts)
            yield batch
        if progress is not None:
            progress(min(done, total), total)
    if progress is not None:
        progress(total, total)


# Below this much text, starting worker processes costs more than it saves.
_PARALLEL_CHARS = 8_000_000
_BATCH = 256  # documents sent to a worker at a time...
_BATCH_CHARS = 1_000_000  # ...or fewer, when they are long


def _write_manifest(
    staged: Path,
    corpus_dir: Path,
    sources: Sequence[SourceFile],
    files: dict[str, list[int]],
    report: BuildReport,
    stamps: dict[str, list[int]],
) -> None:
    by_rel = {s.rel: s for s in sources}
    manifest = {
        "format": store.FORMAT,
        "version": store.VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus_dir": str(corpus_dir),
        "pipeline": pipeline_fingerprint(),
        "documents": report.documents,
        "chunks": report.chunks,
        "quotes": report.quotes,
        "files": {
            rel: {"sha256": by_rel[rel].sha256, "size": by_rel[rel].size, "doc_runs": store.doc_runs(ids)}
            for rel, ids in files.items()
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
    for name in ("corpus", "sentences", "analysis", "quotes", "chunking", "bm25", "writer"):
        digest.update((here / f"{name}.py").read_bytes())
    # The words each quote is found by (its speaker's names, roles, relay, whom it speaks for).
    digest.update((here / "answering" / "naming.py").read_bytes())
    digest.update((here / "data" / "answering" / "relay_noise.txt").read_bytes())
    for path in sorted((here / "formats").glob("*.py")):
        digest.update(path.read_bytes())
    # Attribution: its code, its word lists and the parsing model's version.
    for path in sorted((here / "attribution").glob("*.py")) + sorted((here / "data").glob("*.txt")):
        digest.update(path.read_bytes())
    digest.update(model_version().encode())
    return digest.hexdigest()[:16]


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


# Families of spans per document (``<family>_ptr``, ``_start``, ``_end``); pages only when some
# document has printed pages (a PDF).
_SPANS = ("para", "sent", "chunk")


class Index:
    """An opened index generation. Thread-safe for reading; never changes once opened."""

    def __init__(self, generation: PathLike) -> None:
        self.generation = generation = Path(generation)
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
        self._name_table: NameTable | None = None
        self._known_docs: dict[str, int] = {}  # paths already resolved (by quotes decoded)
        self._chunk_keys: npt.NDArray[np.int64] | None = None
        self._speakers: dict[str, list[int]] | None = None
        self._speaker_keys: list[str] | None = None
        self._quote_table: QuoteTable | None = None
        self.quote_records_read = 0  # quote records decoded: the work a listing or an answer costs

    def _open_files(self) -> None:
        generation, verifier = self.generation, self._verifier
        try:
            self._texts = store.open_blob(generation, "texts.bin", "text_offsets", verifier)
            self._docs = store.open_blob(generation, "docs.jsonl", "docs_offsets", verifier)
            self._quote_blob = store.open_blob(generation, "quotes.jsonl", "quotes_offsets", verifier)
            self._a = self._columns()
            for rel in self.manifest["checksums"]:
                if rel.startswith("bm25/"):
                    verifier.verify(rel)
            self.scorer = BM25Scorer.load(generation / "bm25")
        except CitebotError:
            raise
        except Exception as err:  # a damaged file can fail in many ways; all mean "rebuild"
            raise IndexCorrupt(f"The index at {generation} is damaged ({err}). Rebuild it.") from None
        documents, chunks = len(self._docs), self.scorer.num_docs
        if (
            documents != self.manifest["documents"]
            or chunks != self.manifest["chunks"]
            or len(self._quote_blob) != self.manifest["quotes"]
            or len(self._texts) != documents
        ):
            raise IndexCorrupt(f"The index at {generation} is inconsistent. Rebuild it.")

    def _columns(self) -> columns.Columns:
        """The per-document and per-passage columns, decoded when first read; their lengths
        follow from the manifest's counts (pointers: one a document and one more, passages: the
        scorer's count, whose pointers must end there)."""
        documents, chunks = self.manifest["documents"], self.manifest["chunks"]
        paged = columns.rel_path("page_ptr") in self.manifest["checksums"]
        families = (*_SPANS, "page") if paged else _SPANS
        lengths: dict[str, int | str] = {f"{family}_ptr": documents + 1 for family in families}
        lengths |= {"quote_ptr": documents + 1, "chunk_para": chunks, "sent_para": "sent"}
        # Passages stored as runs of whole sentences (``columns.runs_of``) when every one is.
        runs = {"chunk": "sent"} if columns.rel_path("chunk_runs") in self.manifest["checksums"] else {}
        return columns.Columns(self.generation, self._verifier, lengths, families, {"chunk": chunks}, runs)

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

    def is_stale(self, corpus_dir: PathLike) -> bool:
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

    def _record(self, doc_index: int) -> dict[str, Any]:
        """A document's record as stored (its title may be a span of its text: ``title``)."""
        record = self._meta_cache.get(doc_index)
        if record is None:
            record = self._checked_record(doc_index)
            self._meta_cache[doc_index] = record  # a dict store is atomic; a race only decodes twice
        return record

    def _checked_record(self, doc_index: int) -> dict[str, Any]:
        record = self._docs.record(doc_index)
        if not isinstance(record, dict) or not isinstance(record.get("doc"), str):
            raise IndexCorrupt(f"The index at {self.generation} has a damaged record. Rebuild it.")
        return record

    def meta(self, doc_index: int) -> dict[str, Any]:
        """A document's path (``doc``), ``title`` and ``url``."""
        record = self._record(doc_index)
        return {"doc": record["doc"], "title": self.title(doc_index), "url": record.get("url")}

    def title(self, doc_index: int) -> str:
        return self._title(doc_index, self._record(doc_index), self.text)

    def _title(self, doc_index: int, record: dict[str, Any], text_of: Callable[[int], str]) -> str:
        span = record.get("title_span")
        if span is None:
            return str(record.get("title", ""))
        text = text_of(doc_index)
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(isinstance(x, int) for x in span)
            and 0 <= span[0] <= span[1] <= len(text)
        ):
            raise IndexCorrupt(f"The index at {self.generation} has a damaged record. Rebuild it.")
        return text[span[0] : span[1]]

    def doc_name(self, doc_index: int) -> str:
        """A document's path."""
        return str(self._record(doc_index)["doc"])

    def _document_names(self, doc_index: int) -> tuple[str, str]:
        return self.doc_name(doc_index), self.title(doc_index)

    def doc_index(self, doc: str) -> int:
        """The position of a document, by its path, or by a unique title or file name."""
        known = self._known_docs.get(doc)
        if known is not None:
            return known
        if self._name_table is None:
            file_runs = {rel: entry["doc_runs"] for rel, entry in self.manifest["files"].items()}
            self._name_table = NameTable(
                self.generation, self._document_names, len(self), file_runs, self._verifier
            )
        found = self._name_table.lookup(doc)
        if found is None:
            raise UnknownDocument(f"No document called {doc!r} in the index.")
        return found

    def _span_view(self, name: str, doc_index: int) -> SpanView:
        lo, hi = int(self._a[f"{name}_ptr"][doc_index]), int(self._a[f"{name}_ptr"][doc_index + 1])
        return SpanView(self._a[f"{name}_start"][lo:hi], self._a[f"{name}_end"][lo:hi])

    def _spans(self, name: str, doc_index: int) -> list[Span]:
        if f"{name}_ptr" not in self._a:
            return []
        lo, hi = int(self._a[f"{name}_ptr"][doc_index]), int(self._a[f"{name}_ptr"][doc_index + 1])
        starts, ends = self._a[f"{name}_start"][lo:hi], self._a[f"{name}_end"][lo:hi]
        return [Span(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]

    def document(self, doc: str | int) -> Document:
        if isinstance(doc, int) and not 0 <= doc < len(self):
            raise UnknownDocument(f"There is no document number {doc}: the index holds 0 to {len(self) - 1}.")
        i = doc if isinstance(doc, int) else self.doc_index(doc)
        meta = self.meta(i)
        return Document(
            meta["doc"],
            meta["title"],
            self.text(i),
            tuple(self._spans("para", i)),
            meta["url"],
            pages=tuple(self._spans("page", i)),
        )

    def documents(self) -> list[DocumentInfo]:
        ptr = self._a["para_ptr"].tolist()
        # Every document once, in order: records and texts straight from their blobs (whose
        # block caches serve neighbours), past the per-document caches.
        records = (self._checked_record(i) for i in range(len(self)))
        return [
            DocumentInfo(
                doc=record["doc"],
                title=self._title(i, record, self._texts.text),
                url=record.get("url"),
                paragraphs=ptr[i + 1] - ptr[i],
                size=self._texts.size(i),
            )
            for i, record in enumerate(records)
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
            record = self._quote_record(i)
            doc_index = _last_at_or_before(self._a["quote_ptr"], i)
            try:
                cached = quote_from_record(self.doc_name(doc_index), record, self.text(doc_index))
            except (TypeError, KeyError):
                raise self._damaged_quote() from None
            self._known_docs[cached.doc] = doc_index  # answers look a quote's document up again
            if len(self._quote_cache) < _QUOTE_CACHE:  # a prolific speaker is asked about again
                self._quote_cache[i] = cached
        return cached

    def quote(self, i: int) -> Quote:
        return self._quote(i)

    def quote_naming(self, i: int) -> Quote:
        """Quote ``i`` from its record alone (see ``Reader.quote_naming``): a third of a full
        decode, which also inflates its document's record and text."""
        cached = self._quote_cache.get(i)
        if cached is not None:
            return cached
        try:
            return Quote(doc="", **{"text": "", **self._quote_record(i)})
        except TypeError:
            raise self._damaged_quote() from None

    def _quote_record(self, i: int) -> Any:
        """Quote ``i``'s record, decoded (and counted: see ``quote_records_read``)."""
        record = self._quote_blob.record(i)
        self.quote_records_read += 1
        return record

    def _damaged_quote(self) -> IndexCorrupt:
        return IndexCorrupt(f"The index at {self.generation} has a damaged quote. Rebuild it.")

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

    @property
    def quote_table(self) -> QuoteTable:
        """Every quote's document, passage, sentence and speaker as arrays (no record decoded)."""
        if self._quote_table is None:
            self._quote_table = QuoteTable(self.generation, self._verifier, len(self._quote_blob))
        return self._quote_table

    def quote_chunks(self, quote_ids: Sequence[int]) -> list[int]:
        """The passage (chunk id) holding each quote's sentence, without decoding the quotes."""
        chunks: npt.NDArray[np.int64] = self.quote_table.chunks[np.asarray(quote_ids, dtype=np.int64)]
        return chunks.tolist()  # type: ignore[no-any-return]

    def quote_keys(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, naming) from the per-quote arrays (no record decoded): see
        ``Reader.quote_keys``."""
        ids = np.asarray(quote_ids, dtype=np.int64)
        table = self.quote_table
        return list(zip(table.docs[ids].tolist(), table.namings[ids].tolist(), strict=True))

    def quote_places(self, quote_ids: Sequence[int]) -> list[tuple[int, int]]:
        """Each quote's (document, sentence start) from the per-quote arrays (no record decoded)."""
        ids = np.asarray(quote_ids, dtype=np.int64)
        table = self.quote_table
        return list(zip(table.docs[ids].tolist(), table.sentence_starts[ids].tolist(), strict=True))

    def quote_speakers(self, quote_ids: Sequence[int]) -> list[str | None]:
        """Each quote's resolved speaker from the per-quote arrays (no record decoded)."""
        table = self.quote_table
        names = table.names
        ids: list[int] = table.speakers[np.asarray(quote_ids, dtype=np.int64)].tolist()
        return [names[k] if k >= 0 else None for k in ids]

    def doc_quotes(self, doc_index: int) -> list[Quote]:
        """The quotes attributed in one document."""
        lo, hi = int(self._a["quote_ptr"][doc_index]), int(self._a["quote_ptr"][doc_index + 1])
        return [self._quote(q) for q in range(lo, hi)]

    # --- retrieval ---

    @property
    def passage_count(self) -> int:
        return self.scorer.num_docs

    def term_doc_freq(self, term: str) -> int:
        return self.scorer.term_doc_freq(term)

    def top_passages(
        self, terms: Sequence[str], k: int, *, doc_index: int | None = None
    ) -> list[tuple[int, float]]:
        candidates = self.chunk_ids_of(doc_index) if doc_index is not None else None
        return self.scorer.top_k(terms, k, candidates=candidates)

    @property
    def build_id(self) -> str:
        return self.generation.name  # a generation never changes once written

    def passage_scores(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> list[float]:
        return [float(score) for score in self.scorer.scores_of(terms, chunk_ids)]

    @property
    def vocabulary(self) -> list[str]:
        if self._vocab is None:
            self._vocab = sorted(self.scorer.vocabulary)  # the scorer's own list, not stored twice
        return self._vocab

    def _chunk_doc(self, chunk_id: int) -> int:
        """The document holding a passage (found in the passages' per-document pointers)."""
        return _last_at_or_before(self._a["chunk_ptr"], chunk_id)

    def chunk(self, chunk_id: int) -> Chunk:
        if not 0 <= chunk_id < self.passage_count:
            raise IndexError(chunk_id)
        return Chunk(
            self._chunk_doc(chunk_id),
            int(self._a["chunk_para"][chunk_id]),
            int(self._a["chunk_start"][chunk_id]),
            int(self._a["chunk_end"][chunk_id]),
        )

    def chunk_at(self, doc_index: int, offset: int) -> int:
        """The id of the chunk of ``doc_index`` that holds (or last starts before) ``offset``."""
        lo, hi = int(self._a["chunk_ptr"][doc_index]), int(self._a["chunk_ptr"][doc_index + 1])
        position = _last_at_or_before(self._a["chunk_start"][lo:hi], offset)
        return lo + max(position, 0)

    def chunks_at(self, doc_indices: Sequence[int], offsets: Sequence[int]) -> list[int]:
        """``chunk_at`` for many (document, offset) pairs at once, in one vectorized lookup."""
        docs = np.asarray(doc_indices, dtype=np.int64)
        if self._chunk_keys is None:
            # Chunks in document order, then by start: one sorted key each (texts are under 4 GB).
            ptr = self._a["chunk_ptr"]
            chunk_docs = np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(ptr))
            self._chunk_keys = (chunk_docs << 32) | self._a["chunk_start"]
        wanted = (docs << 32) | np.asarray(offsets, dtype=np.int64)
        at: npt.NDArray[np.int64] = np.searchsorted(self._chunk_keys, wanted, side="right") - 1
        return np.maximum(at, self._a["chunk_ptr"][docs].astype(np.int64)).tolist()  # type: ignore[no-any-return]

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
        matches = tuple(Span(s, e) for s, e in matched_words(text, span.start, span.end, terms))
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
            page=page_at(self._spans("page", doc_index), span.start),
        )

    def search(self, query: str, k: int = 10, *, doc: str | None = None) -> Hits:
        """Passages ranked by BM25 for ``query`` (optionally within one document)."""
        return self.search_terms(query_terms(query), k, doc=doc)

    def search_terms(self, terms: Sequence[str], k: int = 10, *, doc: str | None = None) -> Hits:
        """Passages ranked by BM25 for already analyzed ``terms``."""
        if k <= 0 or not terms:
            return Hits(self, [], ())
        candidates = self.chunk_ids_of(self.doc_index(doc)) if doc is not None else None
        return Hits(self, self.scorer.top_k(terms, k, candidates=candidates), tuple(terms))

    def passage(self, doc: str, paragraph: int) -> Hit:
        """Paragraph ``paragraph`` (1-based) of a document, verbatim."""
        i = self.doc_index(doc)
        paragraphs = self._spans("para", i)
        if not 1 <= paragraph <= len(paragraphs):
            raise UnknownDocument(f"{doc!r} has paragraphs 1 to {len(paragraphs)}, not {paragraph}.")
        return self.hit(i, paragraphs[paragraph - 1], 0.0)

    def ask(self, question: str) -> Answer:
        return answer_question(self, question)

    def support(self, claim: str, k: int = 3) -> Answer:
        return find_support(self, claim, k=k)


class Hits(LazyHits):
    """Ranked passages, each made into a verbatim, highlighted Hit only when it is read: a page
    of results shows a few of them, and ranking alone costs what the scorer costs."""

    def __init__(self, index: Index, ranked: Sequence[tuple[int, float]], terms: Sequence[str]) -> None:
        super().__init__()
        self._index, self._ranked, self._terms = index, ranked, terms

    def __len__(self) -> int:
        return len(self._ranked)

    def _make(self, i: int) -> Hit:
        chunk_id, score = self._ranked[i]
        chunk = self._index.chunk(chunk_id)
        return self._index.hit(chunk.doc_index, Span(chunk.start, chunk.end), score, self._terms)

    def chunk_ids(self) -> list[int]:
        """The ranked passages' ids, without building their hits."""
        return [chunk_id for chunk_id, _ in self._ranked]


def query_terms(query: str) -> list[str]:
    """The analyzed terms of a query, or BadQuery with a message fit for the user."""
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"That is too long: keep it under {MAX_QUERY_CHARS} characters.")
    terms = analyze(query)
    if not terms:
        raise BadQuery("There is nothing to search for in that: try some distinctive words.")
    return terms


def _last_at_or_before(ascending: npt.NDArray[Any], value: int) -> int:
    """The position of the last of ``ascending`` at or before ``value`` (-1 if none). The value is
    searched as the array's own type: a Python int against a narrow column (uint32 pointers) makes
    numpy convert the whole column first, 0.1 ms a call at a million documents."""
    kind = ascending.dtype.type
    if np.issubdtype(ascending.dtype, np.integer) and not (
        np.iinfo(ascending.dtype).min <= value <= np.iinfo(ascending.dtype).max
    ):
        kind = np.int64
    return int(np.searchsorted(ascending, kind(value), side="right")) - 1
