"""The kernel's ways into adding a query up densely (``index/bm25_kernel.py``): at once, from the
segment maxima alone, when the top segments look unable to settle the query; after reading them,
on top of their sums; and the arrays the kernel writes its answer into. Each is held to the oracle."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bench.oracle import LuceneBM25Okapi, oracle_top_k
from index import bm25, bm25_kernel
from index.bm25 import BM25Scorer
from index.kernel_loader import SHARED, KernelLoader


@pytest.fixture(scope="module")
def kernel() -> KernelLoader:
    assert SHARED.wait(timeout=300) is not None, "numba is a dependency: the kernel must load"
    return SHARED


def _guess(maxima: list[list[float]], times: list[float], ratio: float = bm25._UNSETTLED_RATIO) -> bool:
    """``_unsettled`` for terms with these segment maxima (each term's, highest first)."""
    seg_max = np.array([m for term in maxima for m in term], np.float32)
    first = np.cumsum([0] + [len(term) for term in maxima[:-1]]).astype(np.int64)
    end = first + np.array([len(term) for term in maxima], np.int64)
    return bool(bm25_kernel._unsettled(seg_max, first, end, np.array(times, np.float32), ratio))


def test_the_guess_goes_dense_for_common_terms_alone() -> None:
    # Five common terms, each about as heavy in its top segment as in its second: a passage at
    # the k-th place gets two or three of them, and an unseen one can still get five.
    common = [[3.0, 2.8, 2.0]] * 5
    assert _guess(common, [1.0] * 5)
    # A rare term (one segment: it is read whole) outweighing the common ones together.
    assert not _guess([[12.0], [3.0, 2.8], [2.9, 2.7]], [1.0, 1.0, 1.0])
    # Two common terms: the passages holding both reach what an unseen one can still get.
    assert not _guess([[3.0, 2.8], [2.9, 2.7]], [1.0, 1.0])
    # A term asked three times counts three times, in its top segment and its second alike.
    assert not _guess([[3.0, 1.0], [3.0, 2.8], [2.9, 2.7]], [3.0, 1.0, 1.0])
    assert _guess([[3.0, 2.9, 1.0], [3.0, 2.8], [2.9, 2.7], [2.9, 2.7]], [3.0, 1.0, 1.0, 1.0])
    # A ratio of 0 never guesses (every query reads its top segments first).
    assert not _guess(common, [1.0] * 5, ratio=0.0)


def _common_terms_corpus() -> list[list[str]]:
    """6,000 passages of a few common words with varied counts and lengths, and rare ones."""
    rng = random.Random(5)
    corpus = []
    for i in range(6000):
        doc = [w for w in ("alpha", "beta", "gamma", "delta", "eps") if rng.random() < 0.6]
        doc += [w for w in doc if rng.random() < 0.3]  # some twice
        doc += [f"rare{i % 400}"] * (i % 9 == 0) + [
            f"filler{rng.randrange(40)}" for _ in range(rng.randint(1, 20))
        ]
        corpus.append(doc)
    return corpus


@pytest.mark.parametrize("unsettled_ratio", [0.0, bm25._UNSETTLED_RATIO, float("inf")])
@pytest.mark.parametrize("first_segment", [512, 16])
def test_dense_at_once_or_after_the_top_segments_equals_the_oracle(
    monkeypatch: pytest.MonkeyPatch, kernel: KernelLoader, unsettled_ratio: float, first_segment: int
) -> None:
    """Every query big enough goes dense (a share of 0): never at once (ratio 0: the top segments
    read first, their sums kept and the rest added on top, or the query settled by them), as the
    guess says, or always at once (ratio inf). Small first segments make the top segments settle
    some queries and not others. Repeated terms, k of one to every passage, each query twice
    (a sum or flag left behind would change a later answer)."""
    monkeypatch.setattr(bm25, "_DENSE_SHARE", 0.0)
    monkeypatch.setattr(bm25, "_KERNEL_READ_ALL_BELOW", 0)
    monkeypatch.setattr(bm25, "_UNSETTLED_RATIO", unsettled_ratio)
    monkeypatch.setattr(bm25, "FIRST_SEGMENT", first_segment)
    corpus = _common_terms_corpus()
    ours = BM25Scorer.build(corpus, kernel=kernel)
    oracle = LuceneBM25Okapi(corpus)
    queries = [
        ["alpha", "beta", "gamma", "delta", "eps"],
        ["alpha", "alpha", "beta", "gamma"],
        ["rare9", "alpha", "beta", "gamma", "delta"],
        ["rare18", "rare27", "eps"],
        ["gamma", "filler3", "filler5", "delta"],
    ]
    for query in queries * 2:
        expected = oracle.get_scores(query)
        for k in (1, 10, 333, len(corpus)):
            top = ours.top_k(query, k)
            best = oracle_top_k(expected, k)
            assert len(top) == len(best)
            np.testing.assert_allclose([s for _, s in top], expected[best], rtol=1e-6)
            kth = expected[best[-1]]
            assert {i for i, _ in top if expected[i] > kth + 1e-9} == {
                i for i in best if expected[i] > kth + 1e-9
            }


def test_answers_for_a_growing_k_in_one_thread(kernel: KernelLoader) -> None:
    """The kernel writes its answer into this thread's arrays: a k larger than any before gets
    room for all of it, and a smaller one after it only what it asked for."""
    corpus = _common_terms_corpus()
    ours = BM25Scorer.build(corpus, kernel=kernel)
    numpy_only = BM25Scorer.build(corpus, kernel=None)
    query = ["alpha", "beta", "rare9"]
    for k in (1, 5, 1200, 3, len(corpus) + 10):
        assert ours.top_k(query, k) == numpy_only.top_k(query, k)
