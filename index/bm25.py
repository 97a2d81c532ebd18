"""BM25 scoring with Lucene's IDF, served from a numpy inverted index.

A passage's score is rank-bm25's ``BM25Okapi(k1=1.5, b=0.75)`` term-frequency part times Lucene's
IDF, ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (the formula OpenSearch uses too). That IDF is always
positive: a word found in half of the passages or more still counts, a little, so a small corpus
(three files about zeppelins, a single paragraph) can be searched. rank-bm25's own IDF,
``ln((N - df + 0.5) / (df + 0.5))``, is zero or negative for such words, and its ``epsilon`` floor
ranks common words above rare ones. The test oracle is rank-bm25 with its IDF replaced by this one
(``bench/oracle.py``).

rank-bm25 loops over every passage in Python for every query term; here each term's postings
(passage ids and a precomputed ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``) sit in
contiguous arrays, so a query touches only the passages that contain its terms.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.errors import IndexCorrupt

IDF = "lucene"  # kept in bm25.json: an index scored with another IDF must be rebuilt
_FILES = ("ptr", "doc_ids", "weights", "idf", "maxes")
_Postings = tuple[npt.NDArray[Any], npt.NDArray[Any], float]


class BM25Scorer:
    def __init__(
        self,
        vocabulary: list[str],
        ptr: npt.NDArray[np.int64],
        doc_ids: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float32],
        idf: npt.NDArray[np.float64],
        maxes: npt.NDArray[np.float32],
        num_docs: int,
        k1: float,
        b: float,
    ) -> None:
        self.k1, self.b = k1, b
        self._vocabulary = vocabulary
        self._term_ids = {t: i for i, t in enumerate(vocabulary)}
        self._ptr, self._doc_ids, self._weights, self._idf = ptr, doc_ids, weights, idf
        self._maxes = maxes  # each term's largest contribution: an upper bound for pruning
        self._num_docs = num_docs
        self._local = threading.local()  # one score buffer per thread

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75) -> BM25Scorer:
        """The scorer of passages given as lists of terms."""
        term_ids: dict[str, int] = {}
        # Typed arrays, not lists: a million passages hold tens of millions of postings.
        rows, cols, tfs = array("i"), array("i"), array("i")
        for doc, tokens in enumerate(corpus_tokens):
            for token, count in Counter(tokens).items():
                rows.append(term_ids.setdefault(token, len(term_ids)))
                cols.append(doc)
                tfs.append(count)
        return cls.from_postings(
            list(term_ids),
            np.frombuffer(rows, dtype=np.int32),
            np.frombuffer(cols, dtype=np.int32),
            np.frombuffer(tfs, dtype=np.int32),
            np.fromiter((len(t) for t in corpus_tokens), dtype=np.int32, count=len(corpus_tokens)),
            k1=k1,
            b=b,
        )

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
    ) -> BM25Scorer:
        """The scorer of postings given as (term id, passage, term frequency) columns, and each
        passage's length in terms."""
        keys = pack_postings(posting_terms, posting_docs, posting_tfs)
        return cls.from_packed(vocabulary, keys, lengths, k1=k1, b=b)

    @classmethod
    def from_packed(
        cls,
        vocabulary: list[str],
        keys: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int32],
        *,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> BM25Scorer:
        """The scorer of postings packed by ``pack_postings`` (``keys`` is sorted in place).

        One int64 a posting, sorted in place, then turned into passage ids and contributions a
        slice at a time: the build's peak memory is 16 bytes a posting, whatever the corpus."""
        n = len(lengths)
        keys.sort()  # by term, then passage
        ptr = np.searchsorted(keys, np.arange(len(vocabulary) + 1, dtype=np.int64) << _TERM_SHIFT)
        ptr = ptr.astype(np.int64)
        df = np.diff(ptr)
        idf = lucene_idf(n, df)
        avgdl = float(lengths.mean()) if n else 0.0
        doc_ids = np.empty(len(keys), dtype=np.int32)
        weights = np.empty(len(keys), dtype=np.float32)
        for lo in range(0, len(keys), _SLICE):
            part = keys[lo : lo + _SLICE]
            docs = (part >> _DOC_SHIFT) & _DOC_MASK
            doc_ids[lo : lo + len(part)] = docs
            tf = (part & _TF_MASK).astype(np.float64)
            norm = k1 * (1 - b + b * lengths[docs] / avgdl) if avgdl else np.full(len(tf), k1)
            # Each posting's whole contribution, idf included: a query only adds these up.
            weights[lo : lo + len(part)] = idf[part >> _TERM_SHIFT] * tf * (k1 + 1) / (tf + norm)
        del keys
        maxes = np.maximum.reduceat(weights, ptr[:-1]) if len(weights) else np.zeros(0, dtype=np.float32)
        return cls(vocabulary, ptr, doc_ids, weights, idf.astype(np.float64), maxes, n, k1, b)

    @property
    def num_docs(self) -> int:
        return self._num_docs

    @property
    def vocabulary(self) -> list[str]:
        return self._vocabulary

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            np.save(directory / f"{name}.npy", getattr(self, f"_{name}"), allow_pickle=False)
        meta = {
            "idf": IDF,
            "k1": self.k1,
            "b": self.b,
            "num_docs": self._num_docs,
            "vocabulary": self._vocabulary,
        }
        (directory / "bm25.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> BM25Scorer:
        try:
            meta = json.loads((directory / "bm25.json").read_text(encoding="utf-8"))
            arrays: dict[str, Any] = {
                name: np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
                for name in _FILES
            }
        except (OSError, ValueError) as err:
            raise IndexCorrupt(
                f"The BM25 files in {directory} are missing or damaged ({err}). Rebuild."
            ) from None
        if meta.get("idf") != IDF:
            raise IndexCorrupt(f"The BM25 files in {directory} were scored differently. Rebuild the index.")
        vocabulary = meta.get("vocabulary")
        if not isinstance(vocabulary, list) or len(arrays["ptr"]) != len(vocabulary) + 1:
            raise IndexCorrupt(f"The BM25 files in {directory} do not match each other. Rebuild the index.")
        return cls(
            vocabulary,
            arrays["ptr"],
            arrays["doc_ids"],
            arrays["weights"],
            arrays["idf"],
            arrays["maxes"],
            int(meta["num_docs"]),
            float(meta["k1"]),
            float(meta["b"]),
        )

    def term_doc_freq(self, term: str) -> int:
        i = self._term_ids.get(term)
        return 0 if i is None else int(self._ptr[i + 1] - self._ptr[i])

    def _postings(self, query_tokens: Sequence[str]) -> list[_Postings]:
        """(passage ids, contributions, largest contribution) for each query term that can score;
        a repeated term counts again, as in rank-bm25."""
        found = []
        for term in query_tokens:
            i = self._term_ids.get(term)
            if i is None:
                continue
            lo, hi = int(self._ptr[i]), int(self._ptr[i + 1])
            found.append((self._doc_ids[lo:hi], self._weights[lo:hi], float(self._maxes[i])))
        return found

    def get_scores(self, query_tokens: Sequence[str]) -> npt.NDArray[np.float64]:
        """Every passage's score, as rank-bm25's ``get_scores`` gives it."""
        scores = np.zeros(self._num_docs, dtype=np.float64)
        for ids, contributions, _ in self._postings(query_tokens):
            scores[ids] += contributions
        return scores

    def top_k(
        self, query_tokens: Sequence[str], k: int, *, candidates: npt.NDArray[Any] | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (passage id, score) pairs with a score above zero, best first; ties go to
        the lower id. ``candidates`` (passage ids) restricts the ranking to those passages.

        Terms are added rarest first into a per-thread buffer. Before a long posting list, if the
        terms still to come could not lift a passage not yet seen above the current k-th partial
        score (MaxScore pruning), they are looked up only for the passages already seen.
        """
        postings = sorted(self._postings(query_tokens), key=lambda p: len(p[0]))
        if k <= 0 or not postings:
            return []
        still_to_come = np.cumsum([p[2] for p in postings][::-1])[::-1]
        buffer = self._buffer()
        seen: list[npt.NDArray[Any]] = []
        seen_count = 0
        try:
            for j, (ids, contributions, _) in enumerate(postings):
                if candidates is None and seen and len(ids) > 8 * seen_count:
                    pool = np.unique(np.concatenate(seen))
                    if len(pool) >= k and still_to_come[j] < _kth_largest(buffer[pool], k):
                        self._add_for(pool, postings[j:], buffer)
                        return _best(pool, buffer[pool], k)
                buffer[ids] += contributions
                seen.append(ids)
                seen_count += len(ids)
            touched = np.concatenate(seen) if len(seen) > 1 else seen[0]
            if candidates is not None:
                touched = touched[np.isin(touched, np.asarray(candidates))]
            scores = buffer[touched]
        finally:
            for ids in seen:
                buffer[ids] = 0.0
        # ``touched`` repeats a passage once per query term it holds, so the best k * terms entries
        # hold at least k distinct passages: narrow to those before deduplicating.
        wanted = k * len(postings)
        if len(touched) > wanted:
            part = np.argpartition(-scores, wanted - 1)
            chosen = np.flatnonzero(scores >= scores[part[wanted - 1]])  # every tie at the boundary too
            touched, scores = touched[chosen], scores[chosen]
        touched, first = np.unique(touched, return_index=True)
        return _best(touched, scores[first], k)

    @staticmethod
    def _add_for(
        pool: npt.NDArray[Any], postings: Sequence[_Postings], buffer: npt.NDArray[np.float64]
    ) -> None:
        """Add the contributions of ``postings`` to the passages in ``pool`` only (binary search)."""
        for ids, contributions, _ in postings:
            at = np.minimum(np.searchsorted(ids, pool), len(ids) - 1)
            hit = ids[at] == pool
            buffer[pool[hit]] += contributions[at[hit]]

    def _buffer(self) -> npt.NDArray[np.float64]:
        buffer: npt.NDArray[np.float64] | None = getattr(self._local, "buffer", None)
        if buffer is None or len(buffer) != self._num_docs:
            buffer = np.zeros(self._num_docs, dtype=np.float64)
            self._local.buffer = buffer
        return buffer


# A posting packed in a non-negative int64: term id (24 bits), passage id (27), term frequency (12).
_TERM_SHIFT, _DOC_SHIFT = 39, 12
_TERM_MASK, _DOC_MASK, _TF_MASK = (1 << 24) - 1, (1 << 27) - 1, (1 << 12) - 1
_SLICE = 1 << 22  # postings turned into contributions at a time


def pack_postings(
    terms: npt.NDArray[Any], docs: npt.NDArray[Any], tfs: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """(term, passage, tf) columns as one sortable int64 each. Passages are at most 1,200
    characters, so a term occurs fewer than 4,096 times in one; the other limits are 16.7 million
    distinct terms and 134 million passages."""
    if len(terms) and (
        int(terms.max()) > _TERM_MASK or int(docs.max()) > _DOC_MASK or int(tfs.max()) > _TF_MASK
    ):
        raise ValueError("too many terms or passages, or a term repeated over 4,095 times in a passage")
    keys = terms.astype(np.int64) << _TERM_SHIFT
    keys |= docs.astype(np.int64) << _DOC_SHIFT
    keys |= tfs.astype(np.int64)
    return keys


def lucene_idf(num_docs: int, doc_freq: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Lucene's BM25 IDF: always above zero, smaller the more passages hold the term."""
    df = np.asarray(doc_freq, dtype=np.float64)
    return np.log1p((num_docs - df + 0.5) / (df + 0.5))


def _kth_largest(values: npt.NDArray[np.float64], k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _best(ids: npt.NDArray[Any], scores: npt.NDArray[np.float64], k: int) -> list[tuple[int, float]]:
    """The k highest-scoring distinct ``ids`` with a score above zero; ties to the lower id."""
    keep = scores > 0
    ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(ids[j]), float(scores[j])) for j in order]
