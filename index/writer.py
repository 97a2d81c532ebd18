"""Writing a generation as parsed documents stream in, in bounded memory.

Parsed documents travel (from worker processes, or from the previous index for unchanged files)
as ``Batch``es: numbers in numpy arrays, quotes already serialized, each passage's terms as ids
into the batch's own small vocabulary. Nothing per document stays in Python objects: the writer
appends texts and records to their files at once and keeps only arrays (spans, postings) until
the end, when it writes them with the BM25 scorer and the name table.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from index import columns, store
from index.bm25 import BM25Scorer
from index.chunking import ParsedDocument
from index.models import Chunk, Document, Quote, Span
from index.names import name_table, write_names
from index.postings_keys import pack_postings
from index.quote_table import QuoteTableWriter

_Ints = npt.NDArray[np.int64]


@dataclass(slots=True)
class Batch:
    """Parsed documents in a compact form. Spans are (start, end) rows of character offsets into
    their document's text; ``*_count`` says how many rows each document has."""

    rels: list[str] = field(default_factory=list)  # the corpus file of each document
    metas: list[tuple[str, str, str | None]] = field(default_factory=list)  # doc, title, url
    texts: list[str] = field(default_factory=list)
    para: _Ints = field(default_factory=lambda: _rows(0))
    para_count: _Ints = field(default_factory=lambda: _ints([]))
    page: _Ints = field(default_factory=lambda: _rows(0))  # printed pages (PDF); none for other formats
    page_count: _Ints = field(default_factory=lambda: _ints([]))
    sent: _Ints = field(default_factory=lambda: _rows(0))
    sent_para: _Ints = field(default_factory=lambda: _ints([]))
    sent_count: _Ints = field(default_factory=lambda: _ints([]))
    chunk: _Ints = field(default_factory=lambda: _rows(0))
    chunk_para: _Ints = field(default_factory=lambda: _ints([]))
    chunk_count: _Ints = field(default_factory=lambda: _ints([]))
    quote_lines: list[bytes] = field(default_factory=list)  # one JSON record each, with its newline
    quote_speakers: list[list[str]] = field(default_factory=list)  # words naming each quote's speaker
    quote_count: _Ints = field(default_factory=lambda: _ints([]))
    quote_sentences: _Ints = field(default_factory=lambda: _rows(0))  # each quote's cited sentence(s)
    # Who each quote names: speaker, as written, relay, roles, speaks for (what answering matches).
    quote_names: list[tuple[str | None, ...]] = field(default_factory=list)
    vocabulary: list[str] = field(default_factory=list)  # the terms of this batch
    postings: _Ints = field(default_factory=lambda: _rows(0, 3))  # (chunk in batch, term, tf) rows
    chunk_lengths: _Ints = field(default_factory=lambda: _ints([]))  # terms in each chunk
    notes: list[tuple[str, str]] = field(default_factory=list)  # (doc, why): skipped or not attributed


def _ints(values: Sequence[int]) -> _Ints:
    return np.asarray(values, dtype=np.int64)


def _rows(n: int, width: int = 2) -> _Ints:
    return np.zeros((n, width), dtype=np.int64)


def _spans(spans: Sequence[Span] | Sequence[Chunk]) -> _Ints:
    flat = np.fromiter((x for s in spans for x in (s.start, s.end)), dtype=np.int64, count=2 * len(spans))
    return flat.reshape(-1, 2)


def batch_of(
    parsed: Sequence[ParsedDocument], rels: Sequence[str], notes: Sequence[tuple[str, str]]
) -> Batch:
    """The compact form of parsed documents (with their terms) from the files ``rels``."""
    from index.analysis import analyze
    from index.answering.naming import speaker_words

    batch = Batch(rels=list(rels), notes=list(notes))
    term_ids: dict[str, int] = {}
    posting_chunks: list[int] = []
    posting_terms: list[int] = []
    posting_tfs: list[int] = []
    lengths: list[int] = []
    quotes: list[Quote] = []
    for p in parsed:
        d = p.document
        batch.metas.append((d.doc, d.title, d.url))
        batch.texts.append(d.text)
        terms = p.chunk_terms or tuple(analyze(d.text[c.start : c.end]) for c in p.chunks)
        for chunk_terms in terms:
            counts = Counter(chunk_terms)
            posting_chunks.extend([len(lengths)] * len(counts))
            posting_terms.extend([term_ids.setdefault(term, len(term_ids)) for term in counts])
            posting_tfs.extend(counts.values())
            lengths.append(len(chunk_terms))
        quotes.extend(p.quotes)
    batch.para = _spans([s for p in parsed for s in p.document.paragraphs])
    batch.para_count = _ints([len(p.document.paragraphs) for p in parsed])
    batch.page = _spans([s for p in parsed for s in p.document.pages])
    batch.page_count = _ints([len(p.document.pages) for p in parsed])
    batch.sent = _spans([s for p in parsed for s in p.sentences])
    batch.sent_para = _ints([n for p in parsed for n in p.sentence_paragraphs])
    batch.sent_count = _ints([len(p.sentences) for p in parsed])
    batch.chunk = _spans([c for p in parsed for c in p.chunks])
    batch.chunk_para = _ints([c.paragraph for p in parsed for c in p.chunks])
    batch.chunk_count = _ints([len(p.chunks) for p in parsed])
    batch.quote_lines = [_json_line(_quote_record(q, p.document.text)) for p in parsed for q in p.quotes]
    batch.quote_speakers = [sorted(speaker_words(q)) for q in quotes]
    batch.quote_count = _ints([len(p.quotes) for p in parsed])
    batch.quote_sentences = _ints([x for q in quotes for x in (q.sentence_start, q.sentence_end)]).reshape(
        -1, 2
    )
    batch.quote_names = [
        (q.speaker, q.speaker_as_written, q.relay, q.speaker_roles, q.speaks_for) for q in quotes
    ]
    batch.vocabulary = list(term_ids)
    batch.postings = np.column_stack(
        [np.asarray(column, dtype=np.int64) for column in (posting_chunks, posting_terms, posting_tfs)]
    ).reshape(-1, 3)
    batch.chunk_lengths = _ints(lengths)
    return batch


def documents_of(batch: Batch) -> list[Document]:
    """The batch's documents back (for tests and for re-reading a batch)."""
    out = []
    para_ends, page_ends = np.cumsum(batch.para_count), np.cumsum(batch.page_count)
    for i, ((doc, title, url), text) in enumerate(zip(batch.metas, batch.texts, strict=True)):
        paras = batch.para[para_ends[i] - batch.para_count[i] : para_ends[i]]
        pages = batch.page[page_ends[i] - batch.page_count[i] : page_ends[i]]
        out.append(
            Document(
                doc,
                title,
                text,
                tuple(Span(int(s), int(e)) for s, e in paras),
                url,
                tuple(Span(int(s), int(e)) for s, e in pages),
            )
        )
    return out


def _quote_record(q: Quote, text: str) -> dict[str, object]:
    """A quote's record. Its text is stored only when it is not ``text[start:end]`` of its
    document's text (attribution always makes it so): otherwise it is cut from the text when read
    (``quote_from_record``), verbatim by construction."""
    record: dict[str, object] = {} if text[q.start : q.end] == q.text else {"text": q.text}
    return record | {
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


def quote_from_record(doc: str, record: dict[str, Any], text: str) -> Quote:
    """The Quote a record written by ``_quote_record`` stands for, in a document of that text."""
    if "text" in record:
        return Quote(doc=doc, **record)
    return Quote(doc=doc, text=text[record["start"] : record["end"]], **record)


def document_record(doc: str, title: str, url: str | None, text: str) -> dict[str, object]:
    """A document's record. A title found in the text (most are its first line) is kept as where it
    is there, ``title_span``, and cut from the text when read, rather than stored a second time."""
    at = text.find(title) if title else -1
    if at < 0:
        return {"doc": doc, "title": title, "url": url}
    return {"doc": doc, "title_span": [at, at + len(title)], "url": url}


def _json_line(record: object) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass
class Counts:
    documents: int
    chunks: int
    quotes: int


class GenerationWriter:
    """Writes batches, in order, into a staged generation; ``finish`` writes the rest."""

    def __init__(self, staged: Path) -> None:
        self._staged = staged
        self._texts = store.BlobWriter(staged, "texts.bin", "text_offsets")
        self._docs = store.BlobWriter(staged, "docs.jsonl", "docs_offsets")
        self._quotes = store.BlobWriter(staged, "quotes.jsonl", "quotes_offsets")
        self._names: list[tuple[str, str]] = []
        self._postings_path = staged / "postings.spill"
        self._postings: IO[bytes] = open(self._postings_path, "wb")  # noqa: SIM115 (closed in finish)
        self._parts: dict[str, list[npt.NDArray[Any]]] = {}
        self._speakers: dict[str, array[int]] = {}
        self._quote_table = QuoteTableWriter()
        self._term_ids: dict[str, int] = {}
        self._chunks = 0
        self.file_docs: dict[str, list[int]] = {}

    def add(self, batch: Batch) -> None:
        first_doc = len(self._docs)
        self._quote_table.add(batch, first_doc, self._chunks)
        for i, (rel, (doc, title, url), text) in enumerate(
            zip(batch.rels, batch.metas, batch.texts, strict=True)
        ):
            self._texts.add(text.encode("utf-8"))
            self._docs.add(_json_line(document_record(doc, title, url, text)))
            self._names.append((doc, title))
            self.file_docs.setdefault(rel, []).append(first_doc + i)
        for line, words in zip(batch.quote_lines, batch.quote_speakers, strict=True):
            for word in words:
                self._speakers.setdefault(word, array("q")).append(len(self._quotes))
            self._quotes.add(line)
        # The batch's term ids become the index's.
        to_global = np.array(
            [self._term_ids.setdefault(t, len(self._term_ids)) for t in batch.vocabulary], dtype=np.int32
        )
        self._append("para", batch.para)
        self._append("para_count", batch.para_count)
        self._append("page", batch.page)
        self._append("page_count", batch.page_count)
        self._append("sent", batch.sent)
        self._append("sent_para", batch.sent_para)
        self._append("sent_count", batch.sent_count)
        self._append("chunk", batch.chunk)
        self._append("chunk_para", batch.chunk_para)
        self._append("chunk_count", batch.chunk_count)
        self._append("quote_count", batch.quote_count)
        self._append("chunk_lengths", batch.chunk_lengths.astype(np.int32))
        if len(batch.postings):
            # Postings go to disk at once, packed; the scorer reads them back in one piece.
            packed = pack_postings(
                to_global[batch.postings[:, 1]], batch.postings[:, 0] + self._chunks, batch.postings[:, 2]
            )
            packed.tofile(self._postings)
        self._chunks += len(batch.chunk_lengths)

    def _append(self, name: str, values: npt.NDArray[Any]) -> None:
        self._parts.setdefault(name, []).append(values)

    def _take(self, name: str, dtype: npt.DTypeLike, width: int = 0) -> npt.NDArray[Any]:
        parts = self._parts.pop(name, [])
        if not parts:
            return np.zeros((0, width) if width else 0, dtype=dtype)
        return np.concatenate(parts).astype(dtype, copy=False)

    def finish(self) -> Counts:
        staged = self._staged
        for blob in (self._texts, self._docs, self._quotes):
            blob.close()
        documents, quotes = len(self._docs), len(self._quotes)
        file_runs = {rel: store.doc_runs(docs) for rel, docs in self.file_docs.items()}
        write_names(staged, name_table(self._names, file_runs))
        self._names = []
        written: dict[str, tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]] = {}
        for name in ("para", "page", "sent", "chunk"):
            spans = self._take(name, np.int64, width=2)
            counts = self._take(f"{name}_count", np.int64)
            if name == "page" and not len(spans):
                continue  # pages come only from PDFs: a corpus without any stores no page arrays
            ptr = np.concatenate(([0], np.cumsum(counts)))
            columns.write(staged, f"{name}_ptr", ptr, delta=True)  # stored as the counts
            written[name] = (spans[:, 0], spans[:, 1], ptr)
            # A passage is whole sentences: stored as how many, when every one is.
            runs = columns.runs_of(written[name], written["sent"]) if name == "chunk" else None
            if runs is not None:
                columns.write(staged, "chunk_runs", runs)
            else:
                columns.write_spans(staged, name, spans[:, 0], spans[:, 1], ptr)
        written.clear()
        # A sentence's and a passage's paragraph number within its document.
        for name in ("sent_para", "chunk_para"):
            columns.write(staged, name, self._take(name, np.int64))
        quote_counts = self._take("quote_count", np.int64)
        columns.write(staged, "quote_ptr", np.concatenate(([0], np.cumsum(quote_counts))), delta=True)
        store.write_json(staged / "speakers.json", {w: ids.tolist() for w, ids in self._speakers.items()})
        self._quote_table.write(staged)
        self._speakers = {}
        vocabulary = list(self._term_ids)
        self._postings.close()
        keys = np.fromfile(self._postings_path, dtype=np.int64)
        self._postings_path.unlink()
        BM25Scorer.write_packed(staged / "bm25", vocabulary, keys, self._take("chunk_lengths", np.int32))
        del keys
        return Counts(documents, self._chunks, quotes)
