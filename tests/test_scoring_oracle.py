"""Our BM25 scorer against rank-bm25 with Lucene's IDF (the definition of the scores), on real English
text and on random corpora; each ranking path (numpy's, and the compiled kernel's) is held to it."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path
from pydoc_data.topics import topics  # Python's own documentation: real prose, always installed
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.oracle import LuceneBM25Okapi, oracle_top_k
from index import bm25
from index.analysis import analyze
from index.bm25 import BM25Scorer
from index.errors import IndexCorrupt
from index.kernel_loader import SHARED, KernelLoader


@pytest.fixture(scope="module")
def kernel() -> KernelLoader:
    """The process's kernel, loaded (compiled on a first-ever run: seconds)."""
    assert SHARED.wait(timeout=300) is not None, "numba is a dependency: the kernel must load"
    return SHARED


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


_PATHS = [
    *(
        f"{engine}, {how}"
        for engine in ("numpy", "kernel")
        for how in ("as configured", "threshold algorithm always", "tiny segments")
    ),
    "kernel, threshold algorithm always, never dense",
    "kernel, tiny segments, never dense",
    "kernel, dense always",
]


@pytest.fixture(params=_PATHS)
def top_k_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, kernel: KernelLoader
) -> KernelLoader | None:
    """The kernel to build with (None: numpy's path). Small queries add every posting up; the
    other runs send every query through the pruning threshold algorithm instead, the last one over
    segments of 4, 8, 16... postings (so that its lookups, its terms read to their end and its
    switch to reading everything all run on this small corpus), so that all of them are held to
    the oracle. The kernel adds up densely a query its top segments do not settle: "never dense"
    keeps it on the threshold algorithm to the end, "dense always" sends it every query."""
    engine, how, *dense = request.param.split(", ")
    if how != "as configured":
        monkeypatch.setattr(bm25, "_FEW_POSTINGS", 0)
        monkeypatch.setattr(bm25, "_KERNEL_READ_ALL_BELOW", 0)
    if how == "tiny segments":
        monkeypatch.setattr(bm25, "FIRST_SEGMENT", 4)
        monkeypatch.setattr(bm25, "GROWTH", 2)
    if dense == ["never dense"]:
        monkeypatch.setattr(bm25, "_DENSE_SHARE", float("inf"))
    if how == "dense always":
        monkeypatch.setattr(bm25, "_DENSE_SHARE", 0.0)
    return kernel if engine == "kernel" else None


def test_scores_equal_the_oracle(
    passages: list[list[str]], queries: list[list[str]], top_k_path: KernelLoader | None
) -> None:
    assert len(passages) > 1500
    oracle = LuceneBM25Okapi(passages, k1=1.5, b=0.75)
    ours = BM25Scorer.build(passages, kernel=top_k_path)
    # Many candidates (their postings scanned) and a few (each looked up), as one document's
    # passages are; repeats and ids out of range are ignored.
    many, few = np.arange(300, 700), np.array([1400, 3, 50, 51, 900, 3, 10**9])
    for query in queries:
        expected = oracle.get_scores(query)
        np.testing.assert_allclose(ours.get_scores(query), expected, rtol=1e-6, atol=1e-9)
        for k in (1, 10, len(passages)):  # the last: more than match
            _assert_top_k_is_the_oracles(ours.top_k(query, k), expected, k)
        for allowed in (many, few):
            inside = allowed[allowed < len(passages)]
            within = np.zeros_like(expected)
            within[inside] = expected[inside]
            _assert_top_k_is_the_oracles(ours.top_k(query, 10, candidates=allowed), within, 10)
    assert ours.top_k([], 10) == [] and ours.top_k(["zzzunknown"], 10) == []
    assert ours.top_k(["function"], 0) == []


def test_the_kernel_serves_once_loaded(passages: list[list[str]], kernel: KernelLoader) -> None:
    """The kernel path answers (it is not silently the numpy one) and gives the same ranking."""
    calls = []

    def counted(*args: object) -> object:
        calls.append(1)
        top_k = kernel.ready()
        assert top_k is not None
        return top_k(*args)

    ready = KernelLoader(load=lambda: counted)  # type: ignore[arg-type, return-value]
    assert ready.wait(timeout=5) is counted
    with_kernel = BM25Scorer.build(passages, kernel=ready)
    numpy_only = BM25Scorer.build(passages, kernel=None)
    for query in (["function", "object"], ["return", "return", "value"]):
        assert with_kernel.top_k(query, 10) == numpy_only.top_k(query, 10)
    assert len(calls) == 2


def test_no_kernel_means_numpy_silently(passages: list[list[str]], caplog: pytest.LogCaptureFixture) -> None:
    """Without numba (an ImportError in the loading thread), the numpy path keeps serving, and
    asking for the kernel never blocks a query."""

    def missing() -> bm25.KernelTopK:
        raise ImportError("No module named 'numba'")

    loader = KernelLoader(delay_s=0.0, load=missing)
    ours = BM25Scorer.build(passages, kernel=loader)
    expected = BM25Scorer.build(passages, kernel=None).top_k(["function", "the"], 10)
    with mock.patch.object(bm25, "_FEW_POSTINGS", 0):  # every query asks for the kernel
        assert ours.top_k(["function", "the"], 10) == expected
        assert loader.wait(timeout=5) is None
        assert ours.top_k(["function", "the"], 10) == expected
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_small_queries_do_not_load_the_kernel(passages: list[list[str]]) -> None:
    """A process asking only small queries (a small corpus, a one-shot CLI question) never starts
    loading numba; a big one starts it, in the background, after the delay."""
    loads = []
    loader = KernelLoader(delay_s=0.0, load=lambda: loads.append(1) or None)  # type: ignore[func-returns-value]
    ours = BM25Scorer.build(passages, kernel=loader)
    ours.top_k(["function", "object"], 10)
    assert repr(loader) == "KernelLoader(idle)"
    with mock.patch.object(bm25, "_FEW_POSTINGS", 0):
        ours.top_k(["function", "object"], 10)
    loader.wait(timeout=5)
    assert loads == [1]


def test_importing_the_scorer_does_not_import_numba() -> None:
    code = "import sys, index.bm25, index.engine; print('numba' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def _assert_top_k_is_the_oracles(top: list[tuple[int, float]], expected: np.ndarray, k: int) -> None:
    best = oracle_top_k(expected, k)
    assert len(top) == len(best)
    np.testing.assert_allclose([s for _, s in top], expected[best], rtol=1e-6)
    if best:  # the same passages, up to ties at the k-th score
        kth = expected[best[-1]]
        assert {i for i, _ in top if expected[i] > kth + 1e-9} == {
            i for i in best if expected[i] > kth + 1e-9
        }


def test_terms_in_half_or_more_of_the_passages_still_count() -> None:
    corpus = [["a", "b"], ["a", "c"], ["a", "d"], ["b", "e"]]
    ours = BM25Scorer.build(corpus)
    oracle = LuceneBM25Okapi(corpus)
    for term in ("a", "b"):  # in 3/4 and exactly 2/4 of the passages
        np.testing.assert_allclose(ours.get_scores([term]), oracle.get_scores([term]))
    assert [i for i, _ in ours.top_k(["a"], 5)] == [0, 1, 2]
    assert [i for i, _ in ours.top_k(["b"], 5)] == [0, 3]
    # A rare term still outweighs a common one.
    assert ours.top_k(["a", "e"], 1)[0][0] == 3


def test_a_one_passage_corpus_matches_its_words() -> None:
    ours = BM25Scorer.build([["zeppelin", "flight"]])
    assert ours.top_k(["zeppelin"], 3) == [
        (0, pytest.approx(LuceneBM25Okapi([["zeppelin", "flight"]]).get_scores(["zeppelin"])[0]))
    ]
    assert ours.top_k(["balloon"], 3) == []


@pytest.mark.parametrize("with_kernel", [False, True])
def test_candidates_restrict_the_ranking(
    passages: list[list[str]], kernel: KernelLoader, with_kernel: bool
) -> None:
    ours = BM25Scorer.build(passages, kernel=kernel if with_kernel else None)
    allowed = np.arange(100, 200)
    top = ours.top_k(["function"], 5, candidates=allowed)
    assert top and all(100 <= i < 200 for i, _ in top)


def test_save_and_load_give_the_same_scores(tmp_path: Path, passages: list[list[str]]) -> None:
    ours = BM25Scorer.build(passages[:500])
    ours.save(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25")
    for query in (["function"], ["class", "method"], ["nothing-here"]):
        np.testing.assert_array_equal(loaded.get_scores(query), ours.get_scores(query))
    (tmp_path / "bm25" / "seg_start.col").write_bytes(b"garbage")
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
        LuceneBM25Okapi(corpus).get_scores(query),
        rtol=1e-6,
        atol=1e-9,
    )


def _rare_and_common_corpus() -> list[list[str]]:
    rng = random.Random(11)
    corpus = []
    for i in range(6000):
        doc = [f"rare{i % 300}"] + ["alpha"] * (i % 3 != 0) + ["beta"] * (i % 5 < 4)
        doc += [f"filler{rng.randrange(50)}" for _ in range(rng.randint(3, 30))]
        corpus.append(doc)
    return corpus


def test_pruned_top_k_equals_the_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rare term with common ones: the common terms are then read only at the top of their
    lists, and completed by lookups for the passages that can still make the top. The result must
    not change, and fewer postings must be read than the query's terms hold."""
    corpus = _rare_and_common_corpus()
    ours = BM25Scorer.build(corpus, kernel=None)
    oracle = LuceneBM25Okapi(corpus)
    monkeypatch.setattr(bm25, "_FEW_POSTINGS", 0)  # a small corpus: prune anyway
    read: list[int] = []
    original = BM25Scorer._add
    monkeypatch.setattr(BM25Scorer, "_add", lambda self, *a: read.append(len(r := original(self, *a))) or r)
    for i in range(0, 300, 7):
        query = [f"rare{i}", "alpha", "beta", "filler3"]
        expected = oracle.get_scores(query)
        best = sorted(np.flatnonzero(expected > 0), key=lambda d: (-expected[d], d))[:10]
        read.clear()
        top = ours.top_k(query, 10)
        assert [d for d, _ in top] == [int(d) for d in best]
        np.testing.assert_allclose([s for _, s in top], expected[best], rtol=1e-6)
        assert 0 < sum(read) < sum(ours.term_doc_freq(t) for t in query) / 2  # pruned: most were skipped


@pytest.mark.parametrize("first_segment", [512, 64, 8])
def test_the_kernels_pruning_equals_the_oracle(
    monkeypatch: pytest.MonkeyPatch, kernel: KernelLoader, first_segment: int
) -> None:
    """The same queries through the kernel: the common terms' unread segments completed by
    binary search for the few passages the rare term brings (their postings are many more than
    those passages' lookups would cost), or scanned."""
    monkeypatch.setattr(bm25, "_KERNEL_READ_ALL_BELOW", 0)
    monkeypatch.setattr(bm25, "FIRST_SEGMENT", first_segment)
    corpus = _rare_and_common_corpus()
    ours = BM25Scorer.build(corpus, kernel=kernel)
    oracle = LuceneBM25Okapi(corpus)
    for i in range(0, 300, 7):
        for query in ([f"rare{i}", "alpha", "beta", "filler3"], [f"rare{i}", "alpha"], ["alpha", "beta"]):
            _assert_top_k_is_the_oracles(ours.top_k(query, 10), oracle.get_scores(query), 10)


@pytest.mark.parametrize("dense_share", [0.0, bm25._DENSE_SHARE])
def test_dense_top_k_equals_the_oracle_with_mass_ties(
    monkeypatch: pytest.MonkeyPatch, kernel: KernelLoader, dense_share: float
) -> None:
    """Common terms alone, added up densely: 6,000 passages are twelve blocks of sums and many
    passages tie (the same few terms, the same counts), at the k-th score too; a k of one, of
    more blocks than there are, and of more passages than match. Each query leaves the sums clear
    for the next (a stale sum would change a later ranking)."""
    monkeypatch.setattr(bm25, "_DENSE_SHARE", dense_share)
    monkeypatch.setattr(bm25, "_KERNEL_READ_ALL_BELOW", 0)
    corpus = _rare_and_common_corpus()
    ours = BM25Scorer.build(corpus, kernel=kernel)
    oracle = LuceneBM25Okapi(corpus)
    queries = [["alpha", "beta"], ["alpha"], ["beta", "beta"], ["alpha", "beta", "filler3", "filler7"]]
    queries += [["rare5", "alpha", "beta"], ["filler1", "filler2"]]
    for query in queries * 2:
        expected = oracle.get_scores(query)
        for k in (1, 10, 13, 700, len(corpus)):
            _assert_top_k_is_the_oracles(ours.top_k(query, k), expected, k)


def test_scores_of_some_passages_equal_all_scores(
    passages: list[list[str]], queries: list[list[str]]
) -> None:
    ours = BM25Scorer.build(passages)
    wanted = list(range(0, len(passages), 7))
    for query in queries[:40]:
        np.testing.assert_allclose(ours.scores_of(query, wanted), ours.get_scores(query)[wanted], rtol=1e-6)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.lists(_words, min_size=1, max_size=8), min_size=1, max_size=40),
    st.lists(_words, min_size=1, max_size=5),
    st.integers(min_value=1, max_value=12),
    st.lists(st.integers(min_value=0, max_value=45), max_size=20),
)
def test_random_corpora_top_k_equals_the_oracle(
    corpus: list[list[str]], query: list[str], k: int, allowed: list[int]
) -> None:
    expected = LuceneBM25Okapi(corpus).get_scores(query)
    within = np.zeros_like(expected)
    inside = [i for i in allowed if i < len(corpus)]
    within[inside] = expected[inside]
    assert SHARED.wait(timeout=300) is not None
    # Numpy's path and the kernel, each: all postings added up; the threshold algorithm; the
    # threshold algorithm over segments of one, two, four... postings (bounds, lookups and
    # reading to the end all at work).
    # The kernel with and without adding up densely the queries its top segments do not settle.
    for engine, dense_share in ((None, 0.0), (SHARED, bm25._DENSE_SHARE), (SHARED, float("inf"))):
        for few_postings, first_segment in ((bm25._FEW_POSTINGS, 512), (0, 512), (0, 1)):
            with (
                mock.patch.object(bm25, "_FEW_POSTINGS", few_postings),
                mock.patch.object(bm25, "_KERNEL_READ_ALL_BELOW", few_postings),
                mock.patch.object(bm25, "FIRST_SEGMENT", first_segment),
                mock.patch.object(bm25, "GROWTH", 2),
                mock.patch.object(bm25, "_DENSE_SHARE", dense_share),
            ):
                ours = BM25Scorer.build(corpus, kernel=engine)
                _assert_top_k_is_the_oracles(ours.top_k(query, k), expected, k)
                _assert_top_k_is_the_oracles(ours.top_k(query, k, candidates=np.array(allowed)), within, k)
