"""The build from token lists (``index/bm25_build.py`` and ``BM25Scorer.from_packed``) against a
straightforward reference written here: per term, its postings counted passage by passage, ranked
by contribution (ties to the lower passage), cut into segments of FIRST_SEGMENT, then GROWTH times
more postings, each in passage order. Random corpora with empty passages and repeated tokens, read
in many small chunks and segmented in many small slices (so that the merge and the threads run),
must give those segments bit for bit, and the scores rank-bm25 with Lucene's IDF gives."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.oracle import LuceneBM25Okapi
from index import bm25, bm25_build
from index.bm25 import BM25Scorer
from index.postings_codec import contributions, length_norm, lucene_idf
from index.postings_keys import pack_postings

K1, B = 1.5, 0.75

# term -> its segments, each (passages, term frequencies, contributions' float32 bits, largest's bits)
Segments = dict[str, list[tuple[list[int], list[int], list[int], int]]]


def _reference(passages: list[list[str]], first_segment: int, growth: int) -> Segments:
    """Each term's segments, computed posting by posting."""
    postings: dict[str, list[tuple[int, int]]] = {}
    for doc, tokens in enumerate(passages):
        for term, tf in Counter(tokens).items():
            postings.setdefault(term, []).append((doc, tf))
    lengths = np.array([len(p) for p in passages], dtype=np.int32)
    avgdl = float(lengths.mean()) if len(lengths) else 0.0
    norm = length_norm(lengths, K1, B, avgdl)
    segments: Segments = {}
    for term, found in postings.items():
        idf = lucene_idf(len(passages), np.array([len(found)]))[0]
        weighed = []
        for doc, tf in found:
            weight = contributions(idf, np.array([float(tf)]), norm[doc : doc + 1], K1)
            weighed.append((int(weight.view(np.uint32)[0]), doc, tf))  # positive: bits order as values
        weighed.sort(key=lambda entry: (-entry[0], entry[1]))
        size, cut = first_segment, []
        while weighed:
            segment, weighed = sorted(weighed[:size], key=lambda entry: entry[1]), weighed[size:]
            bits = [entry[0] for entry in segment]
            cut.append(([entry[1] for entry in segment], [entry[2] for entry in segment], bits, max(bits)))
            size *= growth
        segments[term] = cut
    return segments


def _segments_of(scorer: BM25Scorer) -> Segments:
    """The scorer's segments, read from its arrays (a loaded scorer's without term frequencies:
    it holds them only in its files, which its contributions are decoded from)."""
    stored = scorer._stored
    tfs = stored.tfs if isinstance(stored, bm25._Stored) else np.zeros(len(scorer._doc_ids), np.uint16)
    weights = scorer._weights.view(np.uint32)
    segments: Segments = {}
    for term_id, term in enumerate(scorer.vocabulary):
        cut = []
        for segment in range(int(scorer._term_seg[term_id]), int(scorer._term_seg[term_id + 1])):
            lo, hi = int(scorer._seg_start[segment]), int(scorer._seg_start[segment + 1])
            largest = int(scorer._seg_max[segment : segment + 1].view(np.uint32)[0])
            cut.append(
                (scorer._doc_ids[lo:hi].tolist(), tfs[lo:hi].tolist(), weights[lo:hi].tolist(), largest)
            )
        segments[term] = cut
    return segments


def _random_corpus(rng: random.Random, passages: int, words: int) -> list[list[str]]:
    """Passages of 0 to 60 tokens from a skewed vocabulary (a few words in most passages, repeated
    within them), a tenth of them empty."""
    vocabulary = [f"w{i}" for i in range(words)]
    weights = [1 / (rank + 1) for rank in range(words)]
    return [
        [] if rng.random() < 0.1 else rng.choices(vocabulary, weights, k=rng.randint(1, 60))
        for _ in range(passages)
    ]


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Chunks of 97 tokens, slices of 300 postings, segments of 8, 16, 32...: every seam of the
    build crossed many times by a small corpus."""
    monkeypatch.setattr(bm25_build, "CHUNK_TOKENS", 97)
    monkeypatch.setattr(bm25, "_SLICE", 300)
    monkeypatch.setattr(bm25, "FIRST_SEGMENT", 8)
    monkeypatch.setattr(bm25, "GROWTH", 2)
    return 8, 2


@pytest.mark.parametrize("seed", range(4))
def test_the_build_gives_the_reference_segments(small_pieces: tuple[int, int], seed: int) -> None:
    rng = random.Random(seed)
    corpus = _random_corpus(rng, rng.randint(200, 900), rng.choice([5, 40, 400]))
    scorer = BM25Scorer.build(corpus, kernel=None)
    assert scorer.num_docs == len(corpus)
    assert _segments_of(scorer) == _reference(corpus, *small_pieces)


def test_the_build_gives_the_reference_segments_at_full_size() -> None:
    """As configured (one chunk, 512-posting first segments): common terms span several segments."""
    corpus = _random_corpus(random.Random(7), 6000, 300)
    assert max(Counter(t for p in corpus for t in set(p)).values()) > bm25.FIRST_SEGMENT * (1 + bm25.GROWTH)
    assert _segments_of(BM25Scorer.build(corpus, kernel=None)) == _reference(
        corpus, bm25.FIRST_SEGMENT, bm25.GROWTH
    )


_words = st.sampled_from([f"w{i}" for i in range(12)])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(_words, max_size=30), max_size=40),
    st.integers(min_value=1, max_value=50),
)
def test_postings_read_in_any_chunks_are_the_counted_ones(corpus: list[list[str]], chunk_tokens: int) -> None:
    vocabulary, keys, lengths = bm25_build.postings_of(corpus, chunk_tokens=chunk_tokens)
    assert lengths.tolist() == [len(p) for p in corpus]
    assert vocabulary == list(dict.fromkeys(t for p in corpus for t in p))  # numbered as first seen
    ids = {t: i for i, t in enumerate(vocabulary)}
    counted = np.array(
        [(ids[t], doc, tf) for doc, p in enumerate(corpus) for t, tf in Counter(p).items()], dtype=np.int64
    ).reshape(-1, 3)
    expected = np.sort(pack_postings(counted[:, 0], counted[:, 1], counted[:, 2]))
    np.testing.assert_array_equal(keys, expected)


def test_scores_equal_the_oracle_on_a_random_corpus(small_pieces: tuple[int, int]) -> None:
    corpus = _random_corpus(random.Random(11), 600, 60)
    oracle = LuceneBM25Okapi(corpus, k1=K1, b=B)
    scorer = BM25Scorer.build(corpus, kernel=None)
    for query in (["w0"], ["w1", "w7", "w1"], ["w33", "w2"], ["w59", "nothing"]):
        np.testing.assert_allclose(scorer.get_scores(query), oracle.get_scores(query), rtol=1e-6, atol=1e-9)


def test_a_built_scorer_saves_and_loads_as_built(tmp_path: Path, small_pieces: tuple[int, int]) -> None:
    corpus = _random_corpus(random.Random(5), 400, 30)
    built = BM25Scorer.build(corpus, kernel=None)
    built.save(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    for term in loaded.vocabulary:  # every term's postings decoded, as queries would
        np.testing.assert_array_equal(loaded.get_scores([term]), built.get_scores([term]))
    without_tfs = {
        t: [(d, [0] * len(d), w, m) for d, _, w, m in cut] for t, cut in _segments_of(built).items()
    }
    assert _segments_of(loaded) == without_tfs


@pytest.mark.parametrize(
    "corpus",
    [[], [[]], [[], [], []], [["only"]], (("a", "tuple"), (), ("a",))],
    ids=["no passages", "one empty", "all empty", "one token", "tuples"],
)
def test_degenerate_corpora_build(corpus: list[list[str]]) -> None:
    scorer = BM25Scorer.build(corpus, kernel=None)
    assert scorer.num_docs == len(corpus)
    assert _segments_of(scorer) == _reference([list(p) for p in corpus], bm25.FIRST_SEGMENT, bm25.GROWTH)


@pytest.mark.parametrize("chunk_tokens", [None, 10, 5000])
def test_a_term_over_4095_times_in_a_passage_is_refused(chunk_tokens: int | None) -> None:
    fine = [["drum"] * 4095, ["beat"], ["drum", "beat"] * 3]
    counted = bm25_build.postings_of(fine, chunk_tokens=chunk_tokens)
    assert int((counted.keys & 0xFFF).max()) == 4095
    with pytest.raises(ValueError, match="4,095"):
        bm25_build.postings_of([*fine, ["beat"], ["drum"] * 4096, ["x"]], chunk_tokens=chunk_tokens)
    with pytest.raises(ValueError, match="4,095"):
        BM25Scorer.build([["drum"] * 4096], kernel=None)


def test_ranking_by_sorted_keys_equals_the_stable_lexsort_it_replaces() -> None:
    """``_by_rank`` packs (group, contribution, position) into one int64 key when they fit, else
    falls back to a stable lexsort: both give the same order, ties (common) to the lower position."""
    rng = np.random.default_rng(3)
    group = np.sort(rng.integers(0, 40, 5000)).astype(np.int64)
    contribution = rng.choice(np.array([0.5, 1.25, 1.25000012, 3.0], dtype=np.float32), 5000)
    packed = bm25._by_rank(group, contribution, position_bits=13)
    fallback = bm25._by_rank(group, contribution, position_bits=40)  # 6 + 31 + 40 bits: too many
    expected = sorted(range(5000), key=lambda i: (group[i], -contribution[i], i))
    assert packed.tolist() == fallback.tolist() == expected
