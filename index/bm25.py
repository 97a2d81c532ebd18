"""BM25 scoring with Lucene's IDF, served from impact-ordered postings.

A passage's score is rank-bm25's ``BM25Okapi(k1=1.5, b=0.75)`` term-frequency part times Lucene's
IDF, ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (the formula OpenSearch uses too). That IDF is always
positive: a word found in half of the passages or more still counts, a little, so a small corpus
(three files about zeppelins, a single paragraph) can be searched. rank-bm25's own IDF,
``ln((N - df + 0.5) / (df + 0.5))``, is zero or negative for such words, and its ``epsilon`` floor
ranks common words above rare ones. The test oracle is rank-bm25 with its IDF replaced by this one
(``bench/oracle.py``).

Each posting holds its passage's whole contribution for its term (the term-frequency part times the
IDF: both known at build time). A term's postings are cut into segments by that contribution, the
highest first, each segment growing geometrically (512, 2,048, 8,192... postings) and sorted by
passage inside, with its largest contribution kept beside it. A query adds the top segments of its
terms into a score buffer and stops reading as soon as the next segments' largest contributions
together fall below the k-th best score found (the threshold algorithm: a passage not yet seen can
score at most that); the passages that could still reach the top are completed by binary search in
the segments left unread. Common words, which hold most postings and weigh least, are then read
only at the top of their lists.

That algorithm runs here in numpy (tens of calls a query) and, once it is loaded, in one call of a
compiled kernel (``index/bm25_kernel.py``, loaded off the query path by ``index/kernel_loader.py``);
both give the same top k, and the tests hold both to the oracle.

On disk (``index/postings_files.py``, ``index/postings_codec.py``) a posting is not those 8 bytes
(passage id and float32 contribution) but its passage id as a gap within its segment and its term
frequency, in zstd frames of a few consecutive terms; the contribution is recomputed from the term
frequency, the passage's length and the IDF by the build's own expression (bit for bit). ``load``
allocates the arrays above empty and fills a term's postings the first time a query uses it
(``_decode``, at the top of each entry point): the query path reads the same arrays either way.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from index.bm25_build import postings_of
from index.errors import IndexCorrupt
from index.kernel_loader import SHARED, KernelLoader, KernelTopK
from index.parallel import in_order_threads
from index.postings_codec import contributions, length_norm, lucene_idf
from index.postings_files import LazyPostings, PostingsWriter, read_tables
from index.postings_keys import DOC_MASK, DOC_SHIFT, TERM_SHIFT, TF_MASK, pack_postings

IDF = "lucene"  # kept in bm25.json: an index scored with another IDF must be rebuilt
LAYOUT = "impact-segments-tf-frames-2"  # kept in bm25.json too: the files, laid out as described above
_META = "bm25.json"
FIRST_SEGMENT = 512  # postings in a term's first (highest-contribution) segment...
GROWTH = 4  # ...and each next segment holds this many times more
_MAX_FLAGGED_TERMS = 8  # distinct query terms tracked per passage (one bit each); more: read all
# Below this many postings a query adds them all up: the threshold algorithm's bookkeeping
# (bounds, pools, lookups) costs more than it saves.
_FEW_POSTINGS = 30_000
_READ_ALL_SHARE = 0.4  # past this share of a query's postings, the threshold algorithm reads them all
# The kernel reads every posting of a query with no more than this: too few to gain from pruning.
_KERNEL_READ_ALL_BELOW = 4096
# When the kernel reads all of a query's postings, it adds them up densely (no flags, then every
# passage's sum read in order) once they number this many a passage: reading a sum in order costs
# about a third of adding a posting, walking the touched passages at random several times that.
_DENSE_SHARE = 0.03
# ...and does so at once, reading nothing first, when the two largest contributions of its terms
# are below this share of what a passage unseen in the top segments could still get (so those
# segments would not settle it; see bm25_kernel._unsettled). Among the bench's 800 queries the
# least ratio at which the top segments settled one was 0.94 (one KJV 1M query; 1.01 on Zipf): a
# wrong guess costs the dense adding, which most such queries end in anyway. 0.85 and 1.0 measured
# alike on another 600 queries; 1.0 brought the bench's own KJV 100k p95 from 0.89x to 0.84x of
# bm25s-numba's (bench/results/2026-11-30-dense.md).
_UNSETTLED_RATIO = 1.0
_SLACK = 1e-5  # relative: float32 sums and bounds are compared with this much room, so ties survive


class BM25Scorer:
    def __init__(
        self,
        vocabulary: list[str],
        doc_ids: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float32],
        term_seg: npt.NDArray[np.int64],
        seg_start: npt.NDArray[np.int64],
        seg_max: npt.NDArray[np.float32],
        num_docs: int,
        k1: float,
        b: float,
        *,
        kernel: KernelLoader | None = SHARED,
        stored: _Stored | Path | None = None,
        lazy: LazyPostings | None = None,
    ) -> None:
        """``kernel``: where the compiled query kernel comes from (None: numpy alone). ``stored``:
        what ``save`` writes from: the term frequencies and lengths of a scorer built here, or the
        folder a scorer was loaded from. ``lazy``: what fills ``doc_ids`` and ``weights`` a term
        at a time (None: they are whole)."""
        self.k1, self.b = k1, b
        self._stored, self._lazy = stored, lazy
        self._lazy_rest_asked = False
        self._vocabulary = vocabulary
        self._term_ids = {t: i for i, t in enumerate(vocabulary)}
        self._doc_ids, self._weights = doc_ids, weights
        # Term i's segments are term_seg[i]:term_seg[i + 1]; segment j holds the postings
        # seg_start[j]:seg_start[j + 1], none contributing more than seg_max[j].
        self._term_seg, self._seg_start, self._seg_max = term_seg, seg_start, seg_max
        self._num_docs = num_docs
        self._local = threading.local()  # one score buffer per thread
        self._kernel = kernel
        # The kernel's views of the index: read-only, and the segment tables in one integer type, so
        # that every call matches its one compiled signature exactly.
        self._kernel_arrays = (
            _read_only(doc_ids),
            _read_only(weights),
            _read_only(term_seg.astype(np.int64)),
            _read_only(seg_start.astype(np.int64)),
            _read_only(seg_max),
        )

    @classmethod
    def build(
        cls,
        corpus_tokens: Sequence[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        kernel: KernelLoader | None = SHARED,
    ) -> BM25Scorer:
        """The scorer of passages given as lists of terms (see ``index/bm25_build.py``)."""
        vocabulary, keys, lengths = postings_of(corpus_tokens)
        return cls.from_packed(vocabulary, keys, lengths, k1=k1, b=b, kernel=kernel, presorted=True)

    @classmethod
    def from_postings(
        cls,
        vocabulary: list[str],
        posting_terms: npt.NDArray[np.int32],
        posting_docs: npt.NDArray[np.int32],
        posting_tfs: npt.NDArray[np.int32],
        lengths: npt.NDArray[np.int32],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        kernel: KernelLoader | None = SHARED,
    ) -> BM25Scorer:
        """The scorer of postings given as (term id, passage, term frequency) columns, and each
        passage's length in terms."""
        keys = pack_postings(posting_terms, posting_docs, posting_tfs)
        return cls.from_packed(vocabulary, keys, lengths, k1=k1, b=b, kernel=kernel)

    @classmethod
    def from_packed(
        cls,
        vocabulary: list[str],
        keys: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int32],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        kernel: KernelLoader | None = SHARED,
        presorted: bool = False,
    ) -> BM25Scorer:
        """The scorer of postings packed by ``pack_postings`` (``keys`` is sorted in place, unless
        ``presorted`` says it already is)."""
        doc_ids = np.empty(len(keys), dtype=np.int32)
        weights = np.empty(len(keys), dtype=np.float32)
        tfs = np.empty(len(keys), dtype=np.uint16)
        tables = []
        # Each slice is copied into place and dropped: the arrays are never held twice.
        for part in _segmented(keys, lengths, len(vocabulary), k1, b, presorted=presorted):
            lo, hi = int(part.seg_starts[0]), int(part.seg_starts[0]) + len(part.doc_ids)
            doc_ids[lo:hi], weights[lo:hi], tfs[lo:hi] = part.doc_ids, part.weights, part.tfs
            tables.append(_Slice(_EMPTY_I32, _EMPTY_F32, _EMPTY_U16, *part[3:]))
        term_seg, seg_start, seg_max = _segment_tables(tables, len(vocabulary), len(doc_ids))
        stored = _Stored(tfs, np.asarray(lengths, dtype=np.int32))
        return cls(
            vocabulary, doc_ids, weights, term_seg, seg_start, seg_max, len(lengths), k1, b,
            kernel=kernel, stored=stored,
        )  # fmt: skip

    @staticmethod
    def write_packed(
        directory: Path,
        vocabulary: list[str],
        keys: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int32],
        *,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        """``from_packed(...).save(directory)`` without holding the result: each slice of terms goes
        to the files as it is made, so the build's peak is the keys (8 bytes a posting) and a slice."""
        directory.mkdir(parents=True, exist_ok=True)
        total = len(keys)
        slices = []
        with PostingsWriter(directory) as postings:
            for part in _segmented(keys, lengths, len(vocabulary), k1, b):
                postings.add(part.doc_ids, part.tfs, part.seg_terms, part.seg_starts)
                tables = (part.seg_terms, part.seg_starts, part.seg_max)
                slices.append(_Slice(_EMPTY_I32, _EMPTY_F32, _EMPTY_U16, *tables))
            postings.finish(len(vocabulary), _segment_tables(slices, len(vocabulary), total), lengths)
        _write_meta(directory, vocabulary, (len(lengths), total), (k1, b, _mean_length(lengths)))

    @property
    def num_docs(self) -> int:
        return self._num_docs

    @property
    def vocabulary(self) -> list[str]:
        return self._vocabulary

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if isinstance(self._stored, Path):  # loaded: its files are what it was built from
            if self._stored.resolve() != directory.resolve():
                for path in self._stored.iterdir():
                    shutil.copyfile(path, directory / path.name)
            return
        if self._stored is None:
            raise ValueError("this scorer was made from contributions alone: nothing to save it from")
        tfs, lengths = self._stored
        term_first = self._seg_start[self._term_seg]  # each term's first posting, and the end
        with PostingsWriter(directory) as postings:
            for t_lo, t_hi in _term_slices(term_first, _SLICE):
                s_lo, s_hi = int(self._term_seg[t_lo]), int(self._term_seg[t_hi])
                lo, hi = int(term_first[t_lo]), int(term_first[t_hi])
                seg_terms = np.repeat(np.arange(t_lo, t_hi), np.diff(self._term_seg[t_lo : t_hi + 1]))
                seg_starts = self._seg_start[s_lo:s_hi] - lo
                postings.add(self._doc_ids[lo:hi], tfs[lo:hi], seg_terms, seg_starts)
            postings.finish(len(self._vocabulary), (self._term_seg, self._seg_start, self._seg_max), lengths)
        scoring = (self.k1, self.b, _mean_length(lengths))
        _write_meta(directory, self._vocabulary, (self._num_docs, len(self._doc_ids)), scoring)

    @classmethod
    def load(cls, directory: Path, *, kernel: KernelLoader | None = SHARED) -> BM25Scorer:
        """The scorer saved in ``directory``: its tables read now, its postings when first used.
        IndexCorrupt when the files are missing, damaged, of another layout or do not agree."""
        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise IndexCorrupt(
                f"The BM25 files in {directory} are missing or damaged ({err}). Rebuild."
            ) from None
        if not isinstance(meta, dict) or meta.get("idf") != IDF or meta.get("layout") != LAYOUT:
            raise IndexCorrupt(f"The BM25 files in {directory} were scored differently. Rebuild the index.")
        vocabulary, num_docs, postings = meta.get("vocabulary"), meta.get("num_docs"), meta.get("postings")
        scoring = [meta.get(key) for key in ("k1", "b", "avgdl")]
        numbers = [x for x in scoring if isinstance(x, (int, float))]
        if (
            not isinstance(vocabulary, list)
            or not isinstance(num_docs, int)
            or not isinstance(postings, int)
            or min(num_docs, postings) < 0
            or len(numbers) != len(scoring)
        ):
            raise IndexCorrupt(f"The BM25 files in {directory} are damaged (bm25.json). Rebuild the index.")
        k1, b, avgdl = (float(x) for x in numbers)
        tables = read_tables(directory, len(vocabulary), postings)
        lazy = LazyPostings(directory, tables, num_docs, (k1, b, avgdl))
        return cls(
            vocabulary, lazy.doc_ids, lazy.weights, tables.term_seg, tables.seg_start, tables.seg_max,
            num_docs, k1, b, kernel=kernel, stored=directory, lazy=lazy,
        )  # fmt: skip

    def _decode(self, query_tokens: Sequence[str]) -> None:
        """Make sure the postings of the query's terms are in the arrays (a loaded scorer fills
        them in a term at a time); the first call of each query entry point but ``top_k``."""
        self._decode_terms(self._asked(query_tokens))

    def _asked(self, query_tokens: Sequence[str]) -> dict[int, int]:
        """The query's terms the index knows, as ids in the query's order (as in ``_terms``), each
        with how often it is asked."""
        term_ids = self._term_ids
        asked: dict[int, int] = {}
        for token in query_tokens:
            i = term_ids.get(token)
            if i is not None:
                asked[i] = asked.get(i, 0) + 1
        return asked

    def _decode_terms(self, terms: Collection[int]) -> None:
        """``_decode`` for the terms (ids) of a query."""
        if self._lazy is not None:
            self._lazy.ensure(terms)
            if not self._lazy_rest_asked and self._postings_of(terms) > _FEW_POSTINGS:
                # A process asking big queries gets the rest filled in the background, so that
                # none of its later queries decodes (the same trigger as the compiled kernel's).
                self._lazy_rest_asked = True
                self._lazy.fill_rest_later()

    def _postings_of(self, term_ids: Collection[int]) -> int:
        return sum(self._doc_freq(i) for i in set(term_ids))

    def _doc_freq(self, term_id: int) -> int:
        """How many postings (passages) the term has."""
        return int(self._seg_start[self._term_seg[term_id + 1]] - self._seg_start[self._term_seg[term_id]])

    def fill_postings(self, timeout: float | None = None) -> bool:
        """Fill in every term's postings now and wait (a loaded scorer fills them in as queries
        need them, and the rest in the background after the first big query); whether all are."""
        return self._lazy is None or self._lazy.fill_rest(timeout)

    def term_doc_freq(self, term: str) -> int:
        i = self._term_ids.get(term)
        return 0 if i is None else self._doc_freq(i)

    def _terms(self, query_tokens: Sequence[str]) -> list[_Term]:
        """The query's terms the index knows, each once, weighted by how often the query repeats
        it (a repeated term counts again, as in rank-bm25)."""
        counts = Counter(t for t in query_tokens if t in self._term_ids)
        terms = []
        for token, times in counts.items():
            i = self._term_ids[token]
            first, last = int(self._term_seg[i]), int(self._term_seg[i + 1])
            bounds = self._seg_start[first : last + 1].tolist()
            maxima = (self._seg_max[first:last].astype(np.float64) * times).tolist()
            terms.append(_Term(bounds, maxima, float(times)))
        return terms

    def _segment(self, term: _Term, segment: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        lo, hi = term.bounds[segment], term.bounds[segment + 1]
        weights = self._weights[lo:hi]
        return self._doc_ids[lo:hi], weights if term.times == 1 else weights * np.float32(term.times)

    def _add(self, term: _Term, segment: int, buffer: npt.NDArray[np.float32]) -> npt.NDArray[np.int32]:
        """Add one segment's contributions into ``buffer``; its passage ids."""
        ids, weights = self._segment(term, segment)
        np.add.at(buffer, ids, weights)  # float32 into float32: numpy's fast path, ~1 ns a posting
        return ids

    def get_scores(self, query_tokens: Sequence[str]) -> npt.NDArray[np.float64]:
        """Every passage's score, as rank-bm25's ``get_scores`` gives it."""
        self._decode(query_tokens)
        scores = np.zeros(self._num_docs, dtype=np.float64)
        for term in self._terms(query_tokens):
            lo, hi = term.bounds[0], term.bounds[-1]
            scores[self._doc_ids[lo:hi]] += self._weights[lo:hi] * term.times
        return scores

    def scores_of(self, query_tokens: Sequence[str], doc_ids: Sequence[int]) -> npt.NDArray[np.float64]:
        """The scores of the passages ``doc_ids`` only (binary search in each segment)."""
        self._decode(query_tokens)
        return self._scores_for(self._terms(query_tokens), np.asarray(doc_ids, dtype=np.int64))

    def _scores_for(self, terms: list[_Term], wanted: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """Exact scores of ``wanted``, added in float64 term by term as ``get_scores`` adds them (so
        that equal scores come out equal, and ties go to the lower id)."""
        scores = np.zeros(len(wanted), dtype=np.float64)
        for term in terms:
            for segment in range(len(term.maxima)):
                ids, weights = self._segment(term, segment)
                at, hit = _find(ids, wanted)
                scores[hit] += weights[at[hit]]
        return scores

    def _rescored(
        self, terms: list[_Term], ids: npt.NDArray[Any], approx: npt.NDArray[Any], k: int
    ) -> list[tuple[int, float]]:
        """The best k of ``ids`` by exact score: the float32 sums choose the few near the top (with
        room for their rounding), which are then scored exactly."""
        if len(ids) > k:
            kth = float(np.partition(approx, len(approx) - k)[len(approx) - k])
            near = approx >= kth * (1 - _SLACK)
            ids = ids[near]
        return _best(ids, self._scores_for(terms, ids), k)

    def top_k(
        self, query_tokens: Sequence[str], k: int, *, candidates: npt.NDArray[Any] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) pairs with a score above zero, best first; ties go to
        the lower id. ``candidates`` (passage ids) restricts the ranking to those passages."""
        if k <= 0:
            return []
        asked = self._asked(query_tokens)  # once a query: the tokens looked up here alone
        self._decode_terms(asked)
        kernel = self._kernel.ready() if self._kernel is not None else None
        if kernel is not None:
            return self._kernel_top_k(kernel, asked, k, candidates)
        terms = self._terms(query_tokens)
        if not terms:
            return []
        postings = sum(term.bounds[-1] - term.bounds[0] for term in terms)
        if self._kernel is not None and postings > _FEW_POSTINGS:
            # Only a query big enough to gain from the kernel asks for it: a process that only
            # ever asks small ones (a small corpus, one CLI question) never loads numba.
            self._kernel.request()
        if candidates is not None or len(terms) > _MAX_FLAGGED_TERMS or postings <= _FEW_POSTINGS:
            return self._exhaustive(terms, k, candidates)
        buffer, seen, slot = self._buffers()
        read: list[npt.NDArray[np.int32]] = []
        try:
            return self._threshold(terms, k, (buffer, seen, slot), read)
        finally:
            for ids in read:
                buffer[ids] = 0.0
                seen[ids] = 0

    def _kernel_top_k(
        self,
        kernel: KernelTopK,
        asked: dict[int, int],
        k: int,
        candidates: npt.NDArray[Any] | None,
    ) -> list[tuple[int, float]]:
        """``top_k`` in one call of the compiled kernel (``index/bm25_kernel.py``) for the query's
        terms ``asked`` (``_asked``)."""
        if not asked:
            return []
        term_ids = np.fromiter(asked, np.int64, len(asked))
        times = np.fromiter(asked.values(), np.float32, len(asked))
        if candidates is None:
            wanted, restricted = _NO_CANDIDATES, False
        else:
            wanted = np.unique(np.asarray(candidates, dtype=np.int64))
            wanted, restricted = wanted[(wanted >= 0) & (wanted < self._num_docs)], True
        buffer, seen, touched = self._kernel_buffers()
        ids, scores = self._kernel_results(k)
        try:
            found = kernel(
                *self._kernel_arrays, term_ids, times,
                k, wanted, restricted, buffer, seen, touched, _SLACK, _READ_ALL_SHARE, _KERNEL_READ_ALL_BELOW,
                _DENSE_SHARE, _UNSETTLED_RATIO, ids, scores,
            )  # fmt: skip
        except BaseException:
            self._local.kernel_buffers = None  # perhaps left dirty: the next query starts afresh
            raise
        return list(zip(ids.tolist()[:found], scores.tolist()[:found], strict=True))

    def _kernel_buffers(self) -> _KernelBuffers:
        """This thread's float32 sums, seen-in-term flags (both all zero between queries) and
        scratch list of passages, for the kernel."""
        buffers: _KernelBuffers | None = getattr(self._local, "kernel_buffers", None)
        if buffers is None:
            n = self._num_docs
            buffers = np.zeros(n, np.float32), np.zeros(n, np.uint8), np.zeros(n, np.int32)
            self._local.kernel_buffers = buffers
        return buffers

    def _kernel_results(self, k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """This thread's arrays for the kernel to write a query's best ids and scores into, room for
        ``k`` (or every passage) and no more (listed whole, without a view of a part): filled in
        place, they spare a call two new arrays (about 0.7 µs of numba's boxing them, measured)."""
        results: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None
        results = getattr(self._local, "kernel_results", None)
        room = min(k, self._num_docs)
        if results is None or len(results[0]) != room:
            results = np.zeros(room, np.int64), np.zeros(room, np.float64)
            self._local.kernel_results = results
        return results

    def _exhaustive(
        self, terms: list[_Term], k: int, candidates: npt.NDArray[Any] | None
    ) -> list[tuple[int, float]]:
        """Every posting of every term added up in float64, term by term as ``get_scores`` adds
        them (so the scores are exact and equal ones stay equal); the best k passages touched."""
        scores = self._float64_buffer()
        read = []
        try:
            for term in terms:
                lo, hi = term.bounds[0], term.bounds[-1]
                ids = self._doc_ids[lo:hi]  # a term's segments together: each passage once
                scores[ids] += self._weights[lo:hi] * term.times
                read.append(ids)
            touched = np.concatenate(read)
            if candidates is not None:
                touched = touched[np.isin(touched, np.asarray(candidates))]
            chosen, best = _best_entries(touched, scores[touched], k, len(terms))
        finally:
            for ids in read:
                scores[ids] = 0.0
        return _best(chosen, best, k)

    def _threshold(
        self,
        terms: list[_Term],
        k: int,
        buffers: _Buffers,
        read: list[npt.NDArray[np.int32]],
    ) -> list[tuple[int, float]]:
        """Top segments first, until no passage left unseen can reach the k-th best score found;
        then the passages that still can are completed from the segments left unread."""
        buffer, seen, slot = buffers
        next_segment = [0] * len(terms)

        def take(t: int) -> None:
            ids = self._add(terms[t], next_segment[t], buffer)
            seen[ids] |= np.uint8(1 << t)  # a term's segment names a passage at most once
            read.append(ids)
            next_segment[t] += 1

        def frontier(t: int) -> float:
            """The most a passage not yet seen in term t's list can get from it."""
            j = next_segment[t]
            return terms[t].maxima[j] if j < len(terms[t].maxima) else 0.0

        for t in range(len(terms)):
            take(t)
        total = sum(term.bounds[-1] - term.bounds[0] for term in terms)
        while True:
            touched = np.concatenate(read)
            kth = _kth_distinct(touched, buffer[touched], k, len(terms))
            unseen_bound = sum(frontier(t) for t in range(len(terms)))
            gap = unseen_bound - kth * (1 - _SLACK)
            if gap < 0 or unseen_bound == 0:
                break
            # Read the next segment of the terms with the most to give until the bound would
            # drop below the k-th score (which only rises as more is read)...
            plan = []
            for t in sorted(range(len(terms)), key=frontier, reverse=True):
                if gap < 0 or frontier(t) == 0:
                    break
                j = next_segment[t]
                plan.append(t)
                gap -= terms[t].maxima[j] - (terms[t].maxima[j + 1] if j + 1 < len(terms[t].maxima) else 0.0)
            # ...unless that reads most of the postings anyway: then all of them, without the
            # bookkeeping (~1 ns a posting to add instead of ~6 with the flags and the bounds).
            planned = sum(
                terms[t].bounds[next_segment[t] + 1] - terms[t].bounds[next_segment[t]] for t in plan
            )
            if len(touched) + planned > _READ_ALL_SHARE * total:
                return self._read_all(terms, k, kth, next_segment, buffer, slot, read)
            for t in plan:
                take(t)
        # Who can still reach the k-th score: its partial score plus what the terms it was not
        # seen in could still give it. A term with many of those left is read to its end instead
        # (adding costs ~2.5 ns a posting, a lookup ~15 ns a passage and segment); that tightens
        # the others' bounds, so the pool is drawn again.
        cut = kth * (1 - _SLACK)
        bits = (np.arange(1 << len(terms))[:, None] >> np.arange(len(terms))) & 1
        while True:
            frontiers = np.array([frontier(t) for t in range(len(terms))])
            missing = (frontiers.sum() - bits @ frontiers).astype(np.float32)
            upper = buffer[touched] + missing[seen[touched]]
            pool = _distinct(touched[upper >= cut], slot)
            flags = seen[pool]
            lacking = [np.flatnonzero((flags & (1 << t)) == 0) for t in range(len(terms))]
            # The term whose lookups would cost the most against reading the rest of it.
            costs = [
                len(lacking[t])
                * (len(term.maxima) - next_segment[t])
                * 6
                / (term.bounds[-1] - term.bounds[next_segment[t]])
                if next_segment[t] < len(term.maxima)
                else 0.0
                for t, term in enumerate(terms)
            ]
            t = int(np.argmax(costs))
            cost = costs[t]
            if cost <= 1:
                break
            while next_segment[t] < len(terms[t].maxima):  # no seen flag: its bound is now zero
                read.append(self._add(terms[t], next_segment[t], buffer))
                next_segment[t] += 1
        scores = buffer[pool].astype(np.float64)
        for t, term in enumerate(terms):
            wanted = pool[lacking[t]]
            for segment in range(next_segment[t], len(term.maxima)):
                ids, weights = self._segment(term, segment)
                at, hit = _find(ids, wanted)
                scores[lacking[t][hit]] += weights[at[hit]]
        return self._rescored(terms, pool, scores, k)

    def _read_all(
        self,
        terms: list[_Term],
        k: int,
        kth: float,
        next_segment: list[int],
        buffer: npt.NDArray[np.float32],
        slot: npt.NDArray[np.int32],
        read: list[npt.NDArray[np.int32]],
    ) -> list[tuple[int, float]]:
        """Add up the segments not yet read; every passage's score is then whole, and only those
        at the k-th score found so far (a lower bound of the final one) or above can be in the top."""
        for t, term in enumerate(terms):
            for segment in range(next_segment[t], len(term.maxima)):
                read.append(self._add(term, segment, buffer))
        cut = np.float32(kth * (1 - _SLACK))
        pool = _distinct(np.concatenate([ids[buffer[ids] >= cut] for ids in read]), slot)
        return self._rescored(terms, pool, buffer[pool], k)

    def _float64_buffer(self) -> npt.NDArray[np.float64]:
        """This thread's float64 score buffer (all zero between queries)."""
        scores: npt.NDArray[np.float64] | None = getattr(self._local, "scores", None)
        if scores is None or len(scores) != self._num_docs:
            scores = np.zeros(self._num_docs, dtype=np.float64)
            self._local.scores = scores
        return scores

    def _buffers(self) -> _Buffers:
        """This thread's score buffer and seen-in-term flags (all zero between queries), and a
        scratch array for removing repeats."""
        buffers: _Buffers | None = getattr(self._local, "buffers", None)
        if buffers is None or len(buffers[0]) != self._num_docs:
            n = self._num_docs
            buffers = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.uint8), np.zeros(n, dtype=np.int32)
            self._local.buffers = buffers
        return buffers


_Buffers = tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8], npt.NDArray[np.int32]]
_KernelBuffers = tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8], npt.NDArray[np.int32]]
_NO_CANDIDATES = np.zeros(0, dtype=np.int64)


class _Term:
    """One query term's segments: posting bounds, largest contributions, how often it is asked."""

    __slots__ = ("bounds", "maxima", "times")

    def __init__(self, bounds: list[int], maxima: list[float], times: float) -> None:
        self.bounds, self.maxima, self.times = bounds, maxima, times


def _write_meta(
    directory: Path, vocabulary: list[str], counts: tuple[int, int], scoring: tuple[float, float, float]
) -> None:
    """bm25.json: how the files were scored and laid out, (passages, postings), (k1, b, avgdl)."""
    (num_docs, postings), (k1, b, avgdl) = counts, scoring
    meta = {
        "idf": IDF, "layout": LAYOUT, "k1": k1, "b": b, "avgdl": avgdl,
        "num_docs": num_docs, "postings": postings, "vocabulary": vocabulary,
    }  # fmt: skip
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _mean_length(lengths: npt.NDArray[Any]) -> float:
    """The mean passage length (0 for no passages): the avgdl of both the build and the decoder."""
    return float(np.asarray(lengths, dtype=np.int32).mean()) if len(lengths) else 0.0


class _Stored(NamedTuple):
    """What a scorer built in memory is saved from besides its arrays."""

    tfs: npt.NDArray[np.uint16]  # each posting's term frequency, in the arrays' order
    lengths: npt.NDArray[np.int32]  # each passage's length in terms


class _Slice(NamedTuple):
    """A run of terms' postings in segment order, and their segments (starts are absolute)."""

    doc_ids: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    tfs: npt.NDArray[np.uint16]
    seg_terms: npt.NDArray[np.int64]
    seg_starts: npt.NDArray[np.int64]
    seg_max: npt.NDArray[np.float32]


_EMPTY_I32, _EMPTY_F32, _EMPTY_U16 = np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.uint16)


def _segmented(
    keys: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int32],
    vocabulary: int,
    k1: float,
    b: float,
    *,
    presorted: bool = False,
) -> Iterator[_Slice]:
    """Packed postings (sorted here, in place, unless ``presorted``) as passage ids and
    contributions in segment order, a slice of terms at a time."""
    n = len(lengths)
    if not presorted:
        keys.sort()  # by term, then passage
    ptr = np.searchsorted(keys, np.arange(vocabulary + 1, dtype=np.int64) << TERM_SHIFT)
    norm = length_norm(lengths, k1, b, _mean_length(lengths))  # each passage's, once
    scoring = _Scoring(ptr, lucene_idf(n, np.diff(ptr)), norm, k1)
    # Slices are independent and numpy releases the GIL: two are made at once, handed out in order.
    yield from in_order_threads(partial(_segment_slice, keys, scoring), _term_slices(ptr, _SLICE))


class _Scoring(NamedTuple):
    """What turns a slice's packed postings into contributions."""

    ptr: npt.NDArray[np.int64]  # each term's first posting in the keys, and the end
    idf: npt.NDArray[np.float64]  # each term's
    norm: npt.NDArray[np.float64]  # each passage's length normalization
    k1: float


def _segment_slice(keys: npt.NDArray[np.int64], scoring: _Scoring, t_lo: int, t_hi: int) -> _Slice:
    """Terms t_lo:t_hi's postings (sorted by term and passage in ``keys``) in segment order."""
    ptr = scoring.ptr
    lo, hi = int(ptr[t_lo]), int(ptr[t_hi])
    part = keys[lo:hi]
    terms = part >> TERM_SHIFT
    docs = ((part >> DOC_SHIFT) & DOC_MASK).astype(np.int32)
    tf = (part & TF_MASK).astype(np.float64)
    # Each posting's whole contribution, idf included: a query only adds these up.
    contribution = contributions(scoring.idf[terms], tf, scoring.norm[docs], scoring.k1)
    del tf  # two threads make slices at once: what is dead is dropped at once
    terms -= t_lo
    order, groups = _segment_order(terms, contribution, np.diff(ptr[t_lo : t_hi + 1]))
    del terms
    weights = contribution[order]
    starts = np.flatnonzero(np.diff(groups, prepend=-1))
    return _Slice(
        docs[order],
        weights,
        (part[order] & TF_MASK).astype(np.uint16),
        (groups[starts] >> _SEGMENT_BITS) + t_lo,
        starts + lo,
        np.maximum.reduceat(weights, starts),
    )


def _segment_tables(
    slices: Sequence[_Slice], vocabulary: int, postings: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """term_seg, seg_start and seg_max of the slices together."""
    seg_terms = np.concatenate([s.seg_terms for s in slices]) if slices else np.zeros(0, np.int64)
    seg_start = np.concatenate([*(s.seg_starts for s in slices), [postings]]).astype(np.int64)
    seg_max = np.concatenate([s.seg_max for s in slices]) if slices else _EMPTY_F32
    term_seg = np.searchsorted(seg_terms, np.arange(vocabulary + 1)).astype(np.int64)
    return term_seg, seg_start, seg_max.astype(np.float32)


def _read_only(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    view = np.ascontiguousarray(values).view()
    view.flags.writeable = False
    return view


def _distinct(ids: npt.NDArray[np.int32], slot: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """``ids`` without repeats (in no particular order): each id keeps the entry that wrote its
    slot last. Linear, where sorting or hashing costs several times more."""
    positions = np.arange(len(ids), dtype=np.int32)
    slot[ids] = positions
    kept: npt.NDArray[np.int32] = ids[slot[ids] == positions]
    return kept


def _find(
    ids: npt.NDArray[np.int32], wanted: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Where each of ``wanted`` sits in the sorted ``ids``, and whether it is there."""
    if len(ids) == 0:
        return np.zeros(len(wanted), dtype=np.intp), np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return at, ids[at] == wanted


_SEGMENT_BITS = 6  # a segment's number within its term: fewer than 64 (see _segment_ends)
_CONTRIBUTION_BITS = 31  # a positive float32's bits, which order as its values do


def _segment_order(
    terms: npt.NDArray[np.int64], contribution: npt.NDArray[np.float32], sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A slice's postings (``terms`` counted from its first, in passage order within a term,
    ``sizes`` each term's count) in segment order: the positions, and each one's (term, segment)
    as ``term << _SEGMENT_BITS | segment``. A posting's segment is its rank in its term by
    contribution (highest first, ties to the lower passage), the first FIRST_SEGMENT of them in
    segment 0, then GROWTH times more in each next one; within a segment, passage order.

    Both orders are one sort of int64 keys ending in the position (unique, so no stable sort is
    needed). Only the terms longer than a first segment are ranked: their postings sort first by
    the term's number among them (0 for the others, whose order does not matter), then by the
    contribution's bits inverted."""
    count = len(terms)
    position_bits = max(count - 1, 1).bit_length()
    positions = np.arange(count, dtype=np.int64)
    segment = np.zeros(count, dtype=np.int64)
    ranked = sizes > FIRST_SEGMENT
    if ranked.any():
        ranked_number = np.where(ranked, np.cumsum(ranked), 0)  # 1, 2, ... for the ranked terms
        by_rank = _by_rank(ranked_number[terms], contribution, position_bits)
        unranked = count - int(sizes[ranked].sum())  # they come first, then each ranked term's
        ranked_sizes = sizes[ranked]
        firsts = np.cumsum(ranked_sizes) - ranked_sizes
        rank = positions[: count - unranked] - np.repeat(firsts, ranked_sizes)
        segment[by_rank[unranked:]] = np.searchsorted(_segment_ends(), rank, side="right")
        del by_rank, rank
    key = terms << _SEGMENT_BITS
    key |= segment
    del segment
    key <<= position_bits
    key |= positions
    key.sort()
    return key & ((1 << position_bits) - 1), key >> position_bits


def _by_rank(
    group: npt.NDArray[np.int64], contribution: npt.NDArray[np.float32], position_bits: int
) -> npt.NDArray[np.int64]:
    """Positions ordered by group, then contribution (highest first), then position."""
    group_bits = int(group.max()).bit_length()
    if group_bits + _CONTRIBUTION_BITS + position_bits > 63:  # never at 512-posting first segments
        return np.lexsort((-contribution, group)).astype(np.int64)  # stable: ties keep positions
    key = group << (_CONTRIBUTION_BITS + position_bits)
    inverted = contribution.view(np.int32).astype(np.int64)
    np.subtract((1 << _CONTRIBUTION_BITS) - 1, inverted, out=inverted)
    inverted <<= position_bits
    key |= inverted
    del inverted
    key |= np.arange(len(group), dtype=np.int64)
    key.sort()
    by_rank: npt.NDArray[np.int64] = key & ((1 << position_bits) - 1)
    return by_rank


def _segment_ends() -> npt.NDArray[np.int64]:
    """The rank where each segment ends: 512, 512 + 2,048, ...: enough to cover any list, and
    fewer than 64 (the room _SEGMENT_BITS gives)."""
    return np.cumsum(FIRST_SEGMENT * GROWTH ** np.arange(60 if GROWTH < 4 else 20, dtype=np.int64))


def _term_slices(ptr: npt.NDArray[np.int64], size: int) -> list[tuple[int, int]]:
    """Consecutive runs of terms holding about ``size`` postings each (a longer term: alone)."""
    slices, lo = [], 0
    terms = len(ptr) - 1
    while lo < terms:
        hi = max(lo + 1, int(np.searchsorted(ptr, ptr[lo] + size, side="right")) - 1)
        hi = min(hi, terms)
        slices.append((lo, hi))
        lo = hi
    return slices


_SLICE = 1 << 20  # postings turned into contributions at a time (longer terms: alone)


def _kth_distinct(ids: npt.NDArray[Any], values: npt.NDArray[np.float32], k: int, terms: int) -> float:
    """The k-th highest value of distinct ``ids`` (0 if fewer), where each id repeats (with the same
    value) at most ``terms`` times: the best ``k * terms`` entries hold at least k distinct ids."""
    wanted = k * terms
    if len(values) > wanted:
        part = np.argpartition(values, len(values) - wanted)[len(values) - wanted :]
        ids, values = ids[part], values[part]
    distinct = np.unique(ids, return_index=True)[1]
    if len(distinct) < k:
        return 0.0
    best = np.sort(values[distinct])
    return float(best[len(best) - k])


def _best_entries(
    ids: npt.NDArray[Any], scores: npt.NDArray[Any], k: int, terms: int
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The distinct ``ids`` (and their scores) among the best ``k * terms`` entries, where an id
    repeats at most ``terms`` times: they hold the k best distinct ids."""
    wanted = k * terms
    if len(ids) > wanted:
        part = np.argpartition(-scores, wanted - 1)
        chosen = np.flatnonzero(scores >= scores[part[wanted - 1]])  # every tie at the boundary too
        ids, scores = ids[chosen], scores[chosen]
    ids, first = np.unique(ids, return_index=True)
    return ids, scores[first]


def _best(ids: npt.NDArray[Any], scores: npt.NDArray[np.float64], k: int) -> list[tuple[int, float]]:
    """The k highest-scoring distinct ``ids`` with a score above zero; ties to the lower id."""
    keep = scores > 0
    ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(ids[j]), float(scores[j])) for j in order]
