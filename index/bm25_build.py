"""The build from analyzed tokens: passages given as Python lists of terms, turned into packed
postings (``index/postings_keys.py``) sorted by term, then passage, which ``BM25Scorer.from_packed``
then segments (``index/bm25.py``).

Python's strings are read once: each token is looked up in one dict from term to id (numbered as
first seen) through ``map``, a chunk of passages at a time, straight into a numpy array. That
pass holds the GIL, and a dict lookup and an int conversion a token are its floor (about 30 ns a
token here: most of the build at 80 tokens a passage). Everything else is numpy, which releases
the GIL, done in a second thread while the next chunk's tokens are read: a chunk's occurrences as
(term, passage) keys, sorted, and each run of one key counted into that posting's term frequency.
The chunks' postings, each sorted, are merged at the end by two threads sorting a half of the
term range each. A few chunks are in flight at once, so memory holds the postings (8 bytes each),
not a copy of the tokens.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from index.parallel import in_order_threads
from index.postings_keys import DOC_MASK, DOC_SHIFT, OUT_OF_RANGE, TERM_MASK, TERM_SHIFT, TF_MASK

# Tokens read into one array, then counted while the next chunk is read; the last chunk's counting
# is not hidden behind reading, so smaller is a little faster (2^20 against 2^22: 0.29-0.30 against
# 0.32-0.34 s at Zipf 100k) until the merge's runs grow many.
CHUNK_TOKENS = 1 << 20
_PIECE = 1 << 16  # tokens read in one call (about 2 ms: the thread switch interval is 5)
_IN_FLIGHT = 2  # chunks read but not yet counted, at most (their token ids: 8 bytes a token)

Keys = npt.NDArray[np.int64]


class TokenPostings(NamedTuple):
    """A corpus of token lists as the scorer's build takes it."""

    vocabulary: list[str]  # term ids' terms, in order of first occurrence
    keys: Keys  # packed postings, sorted by term, then passage
    lengths: npt.NDArray[np.int32]  # each passage's length in terms


def postings_of(corpus_tokens: Sequence[Sequence[str]], *, chunk_tokens: int | None = None) -> TokenPostings:
    """The packed postings of passages given as lists of terms. ValueError past the limits of
    ``pack_postings`` (a term over 4,095 times in one passage, as the build always refused).
    ``chunk_tokens``: tokens read at a time (None: ``CHUNK_TOKENS``)."""
    lengths = np.fromiter(map(len, corpus_tokens), dtype=np.int64, count=len(corpus_tokens))
    if len(lengths) > DOC_MASK + 1:
        raise ValueError(OUT_OF_RANGE)
    term_ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    passages = iter(corpus_tokens)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bm25-count") as counter:
        counted: list[Future[Keys]] = []
        for lo, hi in _chunks(lengths, chunk_tokens or CHUNK_TOKENS):
            tokens = itertools.chain.from_iterable(itertools.islice(passages, hi - lo))
            ids = _ids(map(term_ids.__getitem__, tokens), int(lengths[lo:hi].sum()))
            counted.append(counter.submit(_counted, ids, lengths[lo:hi], lo))
            if len(counted) > _IN_FLIGHT:
                counted[-1 - _IN_FLIGHT].result()  # reading waits for counting: bounded memory
        runs = [future.result() for future in counted]
        counted.clear()  # the runs are freed as they are merged
    if len(term_ids) > TERM_MASK + 1:
        raise ValueError(OUT_OF_RANGE)
    return TokenPostings(list(term_ids), _merged(runs), lengths.astype(np.int32))


def _ids(term_ids: Iterator[int], count: int) -> Keys:
    """The next ``count`` term ids, read a piece at a time: a piece is one C loop that never lets
    go of the GIL, so between pieces the counting thread gets it for its next numpy call."""
    ids = np.empty(count, dtype=np.int64)
    for lo in range(0, count, _PIECE):
        hi = min(lo + _PIECE, count)
        ids[lo:hi] = np.fromiter(term_ids, dtype=np.int64, count=hi - lo)
    return ids


def _chunks(lengths: npt.NDArray[np.int64], chunk_tokens: int) -> list[tuple[int, int]]:
    """Runs of whole passages holding about ``chunk_tokens`` tokens each (a longer passage: alone);
    none when there are no tokens."""
    offsets = np.cumsum(lengths) - lengths  # each passage's first token
    marks = np.arange(0, int(lengths.sum()), chunk_tokens, dtype=np.int64)
    cuts = np.unique(np.searchsorted(offsets, marks, side="left")).tolist()
    return list(itertools.pairwise([*cuts, len(lengths)])) if cuts else []


def _counted(ids: Keys, lengths: npt.NDArray[np.int64], first_doc: int) -> Keys:
    """A chunk's postings, packed and sorted: ``ids`` are its tokens' term ids, passage after
    passage, ``lengths`` its passages' lengths, ``first_doc`` the first passage's number."""
    docs = np.repeat(np.arange(first_doc, first_doc + len(lengths), dtype=np.int64), lengths)
    occurrences = ids << TERM_SHIFT
    occurrences |= docs << DOC_SHIFT
    del docs
    occurrences.sort()
    first = np.empty(len(occurrences), dtype=bool)
    first[:1] = True
    np.not_equal(occurrences[1:], occurrences[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    tfs = np.diff(starts, append=len(occurrences))
    if len(tfs) and int(tfs.max()) > TF_MASK:
        raise ValueError(OUT_OF_RANGE)
    keys = occurrences[starts]
    keys |= tfs
    return keys


def _merged(runs: list[Keys]) -> Keys:
    """The runs' keys in one sorted array. Each run is sorted and they are of consecutive passages,
    so the keys below a term split every run in two: the halves are gathered apart, and sorted in
    two threads. A run is freed once copied: the peak is the keys once and one run."""
    if len(runs) == 1:
        return runs[0]
    total = sum(len(run) for run in runs)
    keys = np.empty(total, dtype=np.int64)
    if not total:
        return keys
    longest = max(runs, key=len)
    middle = (int(longest[len(longest) // 2]) >> TERM_SHIFT) << TERM_SHIFT  # a term's first key
    cuts = [int(np.searchsorted(run, middle)) for run in runs]
    low_at, high_at = 0, sum(cuts)
    halves = (keys[:high_at], keys[high_at:])
    while runs:
        run, cut = runs.pop(0), cuts.pop(0)
        keys[low_at : low_at + cut] = run[:cut]
        keys[high_at : high_at + len(run) - cut] = run[cut:]
        low_at, high_at = low_at + cut, high_at + len(run) - cut
        del run
    for _ in in_order_threads(np.ndarray.sort, [(half,) for half in halves]):
        pass  # each half is sorted in place, the two at once
    return keys
