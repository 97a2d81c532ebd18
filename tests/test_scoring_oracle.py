"""Our BM25 scorer against rank-bm25, the definition of the scores, on real English text."""

from __future__ import annotations

import random
import re
from pathlib import Path
from pydoc_data.topics import topics  # Python's own documentation: real prose, always installed

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from index.analysis import analyze
from index.bm25 import BM25Scorer
from index.errors import IndexCorrupt


@pytest.fixture(scope="module")
def passages() -> list[list[str]]:
    paragraphs = [p for text in topics.values() for p in re.split(r"\n\s*\n", text) if len(p.split()) > 5]
    tokens = [analyze(p) for p in paragraphs]
    return [t for t in tokens if t]


@pytest.fixture(scope="module")
def queries(passages: list[list[str]]) -> list[list[str]]:
    rng = random.Random(7)
    drawn = [rng.sample(p, min(len(p), rng.randint(1, 5))) for p in rng.sample(passages, 150)]
    common = [["the"], ["function"], ["function", "object"], ["zzzunknown"], ["return", "return"]]
    return drawn + common


def test_scores_equal_rank_bm25_epsilon_zero(passages: list[list[str]], queries: list[list[str]]) -> None:
    assert len(passages) > 1500
    oracle = BM25Okapi(passages, k1=1.5, b=0.75, epsilon=0)
    ours = BM25Scorer.build(passages)
    for query in queries:
        expected = oracle.get_scores(query)
        np.testing.assert_allclose(ours.get_scores(query), expected, rtol=1e-6, atol=1e-9)
        top = ours.top_k(query, 10)
        positive = np.flatnonzero(expected > 0)
        best = sorted(positive, key=lambda i: (-expected[i], i))[:10]
        np.testing.assert_allclose([s for _, s in top], [expected[i] for i in best], rtol=1e-6)
        # The same documents, up to ties at equal scores.
        assert {i for i, _ in top if expected[i] > expected[best[-1]]} == {
            i for i in best if expected[i] > expected[best[-1]]
        }


def test_terms_in_half_or_more_of_the_passages_score_zero() -> None:
    corpus = [["a", "b"], ["a", "c"], ["a", "d"], ["b", "e"]]
    ours = BM25Scorer.build(corpus)
    oracle = BM25Okapi(corpus, epsilon=0)
    np.testing.assert_allclose(ours.get_scores(["a"]), oracle.get_scores(["a"]))
    assert not ours.get_scores(["a"]).any() and not ours.get_scores(["b"]).any()  # 3/4 and exactly 2/4
    assert ours.top_k(["a"], 5) == []


def test_candidates_restrict_the_ranking(passages: list[list[str]]) -> None:
    ours = BM25Scorer.build(passages)
    allowed = np.arange(100, 200)
    top = ours.top_k(["function"], 5, candidates=allowed)
    assert top and all(100 <= i < 200 for i, _ in top)


def test_save_and_load_give_the_same_scores(tmp_path: Path, passages: list[list[str]]) -> None:
    ours = BM25Scorer.build(passages[:500])
    ours.save(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25")
    for query in (["function"], ["class", "method"], ["nothing-here"]):
        np.testing.assert_array_equal(loaded.get_scores(query), ours.get_scores(query))
    (tmp_path / "bm25" / "idf.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt):
        BM25Scorer.load(tmp_path / "bm25")


_words = st.sampled_from("alpha beta gamma delta eps zeta eta theta".split())


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(_words, min_size=1, max_size=8), min_size=1, max_size=12),
    st.lists(_words, min_size=1, max_size=4),
)
def test_random_corpora_match_rank_bm25(corpus: list[list[str]], query: list[str]) -> None:
    np.testing.assert_allclose(
        BM25Scorer.build(corpus).get_scores(query),
        BM25Okapi(corpus, epsilon=0).get_scores(query),
        rtol=1e-6,
        atol=1e-9,
    )


def test_pruned_top_k_equals_rank_bm25(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rare term with common ones: the common terms are then looked up only for the passages the
    rare one found (MaxScore). The result must not change."""
    rng = random.Random(11)
    corpus = []
    for i in range(3000):
        doc = [f"rare{i % 300}"] + ["alpha"] * (i % 3 == 0) + ["beta"] * (i % 5 < 2)
        doc += [f"filler{rng.randrange(50)}" for _ in range(rng.randint(3, 30))]
        corpus.append(doc)
    ours = BM25Scorer.build(corpus)
    oracle = BM25Okapi(corpus, epsilon=0)
    pruned = []
    original = BM25Scorer._add_for
    monkeypatch.setattr(BM25Scorer, "_add_for", staticmethod(lambda *a: pruned.append(1) or original(*a)))
    for i in range(0, 300, 7):
        query = [f"rare{i}", "alpha", "beta", "filler3"]
        expected = oracle.get_scores(query)
        best = sorted(np.flatnonzero(expected > 0), key=lambda d: (-expected[d], d))[:10]
        top = ours.top_k(query, 10)
        assert [d for d, _ in top] == [int(d) for d in best]
        np.testing.assert_allclose([s for _, s in top], expected[best], rtol=1e-6)
    assert pruned  # the pruned path really ran
