"""The scorer's postings on disk (``index/postings_codec.py`` frames) and their tables: written a
slice of terms at a time, read back a frame at a time into arrays allocated whole at load.

Files of a scorer's folder besides ``bm25.json``:

- ``postings.zst``: the frames, back to back;
- ``frame_term.col``, ``frame_offset.col``: each frame's first term and first byte (and one more
  value: the vocabulary's size, the file's size);
- ``term_seg.col``, ``seg_start.col``, ``seg_max.col``: the segment tables the scorer reads
  (``index/bm25.py``), the largest contributions as their float32 bits;
- ``lengths.col``: each passage's length in terms, which contributions are recomputed from.

The ``.col`` files are the store's integer columns (``index/columns.py``: byte-planed, zstd).

``LazyPostings`` allocates the scorer's ``doc_ids`` and ``weights`` with ``np.empty`` (pages never
written cost no memory) and fills a term's postings the first time ``ensure`` is asked for it: one
frame read and decoded under a lock, then a flag per term, so asking again is one byte read. A
process that goes on answering has the rest filled in by a background thread (``fill_rest_later``,
after a delay: a one-question CLI never does it), so that no later query waits for a decode; the
arrays then hold what format 7 kept on disk, 8 bytes a posting.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from index import columns, postings_codec
from index.background import DelayedJob
from index.errors import IndexCorrupt
from index.parallel import in_order_threads

log = logging.getLogger(__name__)

POSTINGS = "postings.zst"
_TABLES = ("frame_term", "frame_offset", "term_seg", "seg_start", "seg_max")
FILES = (POSTINGS, *(f"{name}{columns.SUFFIX}" for name in (*_TABLES, "lengths")))
_REBUILD = "Rebuild it with `citebot index build --repair`."
_CHUNK = 65_536  # postings whose contributions are computed at once

Ints = npt.NDArray[Any]


class Tables(NamedTuple):
    """Where each frame, term and segment starts (see the module's docstring)."""

    frame_term: npt.NDArray[np.int64]
    frame_offset: npt.NDArray[np.int64]
    term_seg: npt.NDArray[np.int64]
    seg_start: npt.NDArray[np.int64]
    seg_max: npt.NDArray[np.float32]


class PostingsWriter:
    """Frames written to ``postings.zst`` as slices of terms arrive; the tables at ``finish``."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._handle = open(directory / POSTINGS, "wb")  # noqa: SIM115 (closed in finish/__exit__)
        self._frame_term: list[Ints] = []
        self._frame_bytes: list[int] = []

    def __enter__(self) -> PostingsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def add(
        self,
        docs: npt.NDArray[Any],
        tfs: npt.NDArray[Any],
        seg_terms: npt.NDArray[np.int64],
        seg_starts: npt.NDArray[np.int64],
    ) -> None:
        """A run of whole terms: postings in segment order, each segment's term and first posting
        (counted from any origin: the first segment starts at ``docs[0]``), terms ascending."""
        if not len(docs):
            return
        seg_starts = seg_starts - seg_starts[0]
        gaps = postings_codec.segment_gaps(docs, seg_starts)
        new_term = np.flatnonzero(np.diff(seg_terms, prepend=-1))
        term_starts, terms = seg_starts[new_term], seg_terms[new_term]
        cuts = postings_codec.frame_cuts(term_starts, len(docs))
        bounds = np.append(term_starts[cuts], len(docs))
        # zstd lets go of the GIL: frames are compressed two at a time, written in order.
        pieces = ((gaps[lo:hi], tfs[lo:hi]) for lo, hi in itertools.pairwise(bounds.tolist()))
        for frame in in_order_threads(postings_codec.encode_frame, pieces):
            self._handle.write(frame)
            self._frame_bytes.append(len(frame))
        self._frame_term.append(terms[cuts])

    def finish(self, vocabulary: int, tables: tuple[Ints, Ints, Ints], lengths: Ints) -> None:
        """Close the frames and write the tables: (term_seg, seg_start, seg_max) and the passages'
        lengths."""
        self._handle.close()
        firsts = np.concatenate([*self._frame_term, np.zeros(0, np.int64)])
        if len(firsts):
            firsts[0] = 0  # terms before the first with postings have none: the first frame holds them
        frame_term = np.append(firsts, vocabulary)
        frame_offset = np.concatenate(([0], np.cumsum(np.asarray(self._frame_bytes, dtype=np.int64))))
        term_seg, seg_start, seg_max = tables
        bits = np.asarray(seg_max, dtype=np.float32).view(np.uint32)
        for name, values, delta in (
            ("frame_term", frame_term, True),
            ("frame_offset", frame_offset, True),
            ("term_seg", term_seg, True),
            ("seg_start", seg_start, True),
            ("seg_max", bits, False),
            ("lengths", lengths, False),
        ):
            (self._directory / f"{name}{columns.SUFFIX}").write_bytes(columns.encode(values, delta=delta))


def read_tables(directory: Path, vocabulary: int, postings: int) -> Tables:
    """The tables, checked against each other, the vocabulary's size, the postings' count and the
    postings file's size; IndexCorrupt if they disagree."""
    values = {name: _column(directory, name) for name in _TABLES}
    frame_term, frame_offset = values["frame_term"].astype(np.int64), values["frame_offset"].astype(np.int64)
    term_seg, seg_start = values["term_seg"].astype(np.int64), values["seg_start"].astype(np.int64)
    seg_max = values["seg_max"].astype(np.uint32).view(np.float32)
    try:
        size = (directory / POSTINGS).stat().st_size
    except OSError as err:
        raise IndexCorrupt(f"The BM25 postings in {directory} are unreadable ({err}). {_REBUILD}") from None
    if not (
        _runs(frame_term, 0, vocabulary, strictly=True)
        and len(frame_offset) == len(frame_term)
        and _runs(frame_offset, 0, size)
        and len(term_seg) == vocabulary + 1
        and _runs(term_seg, 0, len(seg_max))
        and len(seg_start) == len(seg_max) + 1
        and _runs(seg_start, 0, postings)
    ):
        raise IndexCorrupt(f"The BM25 files in {directory} do not match each other. {_REBUILD}")
    return Tables(frame_term, frame_offset, term_seg, seg_start, seg_max)


def _runs(values: npt.NDArray[np.int64], first: int, last: int, *, strictly: bool = False) -> bool:
    """Whether ``values`` go from ``first`` to ``last`` without stepping back (or, ``strictly``,
    without standing still)."""
    steps = np.diff(values)
    return (
        len(values) > 0
        and int(values[0]) == first
        and int(values[-1]) == last
        and bool(np.all(steps > 0) if strictly else np.all(steps >= 0))
    )


def _column(directory: Path, name: str, length: int | None = None) -> Ints:
    rel = f"{name}{columns.SUFFIX}"
    try:
        data = (directory / rel).read_bytes()
    except OSError as err:
        raise IndexCorrupt(f"The BM25 file {directory / rel} is unreadable ({err}). {_REBUILD}") from None
    values = columns.decode(data, str(directory / rel))
    if length is not None and len(values) != length:
        raise IndexCorrupt(f"The BM25 file {directory / rel} does not match the others. {_REBUILD}")
    return values


class LazyPostings:
    """The scorer's ``doc_ids`` and ``weights``, each term's filled in when first asked for."""

    def __init__(
        self, directory: Path, tables: Tables, num_docs: int, scoring: tuple[float, float, float]
    ) -> None:
        """``scoring``: (k1, b, the mean passage length the build used)."""
        self._directory, self._tables, self._num_docs = directory, tables, num_docs
        self._k1, self._b, self._avgdl = scoring
        postings = int(tables.seg_start[-1])
        self.doc_ids = np.empty(postings, dtype=np.int32)
        self.weights = np.empty(postings, dtype=np.float32)
        self._decoded = bytearray(len(tables.term_seg) - 1)  # one flag a term
        self._lock = threading.Lock()
        self._rest = DelayedJob(self._fill_rest, "citebot-bm25-postings")
        # Read at the first decode, not at load: a fresh process's first query pays only for its terms.
        self._idf: npt.NDArray[np.float64] | None = None
        self._norm_of_length: npt.NDArray[np.float64] | None = None
        self._lengths: Ints | None = None

    def fill_rest_later(self) -> None:
        """Fill in every term not filled yet, in a background thread, after a delay (once)."""
        self._rest.request()

    def fill_rest(self, timeout: float | None = None) -> bool:
        """Fill in every term now (in that thread) and wait; whether all are filled."""
        return self._rest.wait(timeout) and all(self._decoded)

    def _fill_rest(self) -> None:
        frame_term = self._tables.frame_term
        for frame in range(len(frame_term) - 1):
            first = int(frame_term[frame])
            if self._decoded[first]:
                continue
            try:
                self._fill_frame(frame)  # the lock is taken a frame at a time: queries go on
            except IndexCorrupt as err:  # the query that needs the frame reports it
                log.warning("bm25_postings=damaged reason=%r", err)

    def ensure(self, term_ids: Iterable[int]) -> None:
        """Fill in these terms' postings, where they are not yet (IndexCorrupt if a frame is damaged)."""
        decoded = self._decoded
        for term in term_ids:
            if not decoded[term]:
                self._fill_frame(int(np.searchsorted(self._tables.frame_term, term, side="right")) - 1)

    def _fill_frame(self, frame: int) -> None:
        """Decode one frame into the arrays and flag its terms, unless that is done already."""
        frame_term = self._tables.frame_term
        first, last = int(frame_term[frame]), int(frame_term[frame + 1])
        with self._lock:
            if self._decoded[first]:  # another thread decoded it while this one waited
                return
            self._decode_frame(frame)
            self._decoded[first:last] = b"\1" * (last - first)

    def _decode_frame(self, frame: int) -> None:
        tables = self._tables
        t_lo, t_hi = int(tables.frame_term[frame]), int(tables.frame_term[frame + 1])
        s_lo, s_hi = int(tables.term_seg[t_lo]), int(tables.term_seg[t_hi])
        lo, hi = int(tables.seg_start[s_lo]), int(tables.seg_start[s_hi])
        segment_lengths = np.diff(tables.seg_start[s_lo : s_hi + 1])
        try:
            gaps, tf = postings_codec.decode_frame(self._read_frame(frame), hi - lo)
            ids = postings_codec.ids_from_gaps(gaps, segment_lengths, self._num_docs)
        except postings_codec.FrameDamaged as err:
            where = self._directory / POSTINGS
            raise IndexCorrupt(f"The BM25 postings file {where} is damaged ({err}). {_REBUILD}") from None
        self.doc_ids[lo:hi] = ids
        segment_terms = np.repeat(np.arange(t_lo, t_hi), np.diff(tables.term_seg[t_lo : t_hi + 1]))
        self._fill_weights(lo, ids, tf, self._scoring()[0][segment_terms], segment_lengths)

    def _read_frame(self, frame: int) -> bytes:
        where, offsets = self._directory / POSTINGS, self._tables.frame_offset
        try:
            with open(where, "rb") as handle:
                handle.seek(int(offsets[frame]))
                return handle.read(int(offsets[frame + 1] - offsets[frame]))
        except OSError as err:
            raise IndexCorrupt(f"The BM25 postings file {where} is unreadable ({err}). {_REBUILD}") from None

    def _fill_weights(
        self,
        lo: int,
        ids: npt.NDArray[np.int64],
        tf: npt.NDArray[np.uint16],
        segment_idf: npt.NDArray[np.float64],
        segment_lengths: npt.NDArray[np.int64],
    ) -> None:
        """The contributions of a frame's postings (from ``lo`` on), a chunk at a time: a term in
        every passage would otherwise make several arrays of a million float64 each, and a fresh
        process pays a page fault for every 4 KB of them."""
        _, norm_of_length, lengths = self._scoring()
        firsts = np.cumsum(segment_lengths) - segment_lengths
        for start in range(0, len(ids), _CHUNK):
            end = min(len(ids), start + _CHUNK)
            idf = _idf_of_postings(segment_idf, firsts, segment_lengths, (start, end))
            norm = norm_of_length[lengths[ids[start:end]]]
            tf_part = tf[start:end].astype(np.float64)
            self.weights[lo + start : lo + end] = postings_codec.contributions(idf, tf_part, norm, self._k1)

    def _scoring(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], Ints]:
        """Each term's IDF, each passage length's normalization, each passage's length."""
        if self._idf is None or self._norm_of_length is None or self._lengths is None:
            lengths = _column(self._directory, "lengths", self._num_docs)
            longest = int(lengths.max()) if len(lengths) else 0
            # The normalization of every length once: the same float64 per element as the build's
            # per posting, so looking it up gives the same value.
            self._norm_of_length = postings_codec.length_norm(
                np.arange(longest + 1, dtype=np.int64), self._k1, self._b, self._avgdl
            )
            doc_freq = np.diff(self._tables.seg_start[self._tables.term_seg])
            self._idf = postings_codec.lucene_idf(self._num_docs, doc_freq)
            self._lengths = lengths
        return self._idf, self._norm_of_length, self._lengths


def _idf_of_postings(
    segment_idf: npt.NDArray[np.float64],
    firsts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    span: tuple[int, int],
) -> npt.NDArray[np.float64] | np.float64:
    """The IDF of each posting in ``span`` (positions in the frame), given each segment's IDF,
    first position and length; one number when the span lies in one segment (the same products)."""
    start, end = span
    first = int(np.searchsorted(firsts, start, side="right")) - 1
    last = int(np.searchsorted(firsts, end, side="left"))
    if last - first == 1:
        one: np.float64 = segment_idf[first]
        return one
    covered = np.minimum(firsts[first:last] + lengths[first:last], end) - np.maximum(
        firsts[first:last], start
    )
    return np.repeat(segment_idf[first:last], covered)
