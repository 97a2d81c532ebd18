"""The definition of citebot's scores: rank-bm25's BM25Okapi with Lucene's IDF.

rank-bm25 computes ``ln((N - df + 0.5) / (df + 0.5))`` and floors the negative values; citebot
scores with Lucene's ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (see ``index/bm25.py``). Only the IDF
is replaced here: the term-frequency part, the lengths and the loop are rank-bm25's own, so the
tests and the benchmark still compare against an independent implementation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi


class LuceneBM25Okapi(BM25Okapi):  # type: ignore[misc]
    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        super().__init__(corpus, k1=k1, b=b)

    def _calc_idf(self, nd: Mapping[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        scores: npt.NDArray[np.float64] = super().get_scores(query)
        return scores


def oracle_top_k(scores: npt.NDArray[np.float64], k: int) -> list[int]:
    """The ``k`` best passages with a score above zero, best first, ties to the lower id."""
    positive = np.flatnonzero(scores > 0)
    return [int(i) for i in sorted(positive, key=lambda i: (-scores[i], i))[:k]]
