"""The query side at scale: hits made only when read, documents found by name without decoding
every record."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Index, build_index, names
from index.engine import Hits, query_terms
from index.errors import UnknownDocument
from index.models import Span


def test_search_ranks_like_the_scorer_and_makes_only_the_hits_read(
    sample_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    real_hit = Index.hit
    monkeypatch.setattr(Index, "hit", lambda self, *a, **kw: made.append(1) or real_hit(self, *a, **kw))
    hits = sample_index.search("Patriot missiles Turkey", k=8)
    assert isinstance(hits, Hits) and len(hits) == 8 and not made
    page = hits[2:4]
    assert len(made) == 2 and hits[3] is page[1] and len(made) == 2
    terms = query_terms("Patriot missiles Turkey")
    ranked = sample_index.scorer.top_k(terms, 8)
    assert hits.chunk_ids() == [chunk_id for chunk_id, _ in ranked]
    for hit, (chunk_id, score) in zip(hits, ranked, strict=True):
        chunk = sample_index.chunk(chunk_id)
        assert hit == real_hit(sample_index, chunk.doc_index, Span(chunk.start, chunk.end), score, terms)
        assert sample_index.text(chunk.doc_index)[hit.start : hit.end] == hit.text
    assert hits[-1] == hits[7]
    with pytest.raises(IndexError):
        hits[8]


def test_documents_are_found_by_name_without_decoding_records(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "b").mkdir()
    (corpus / "a" / "report.txt").write_text("Annual report\n\nSales grew.\n", "utf-8")
    (corpus / "b" / "report.txt").write_text("Annual report\n\nCosts fell.\n", "utf-8")
    (corpus / "memo.md").write_text("Kalın memo\n\nThe memo.\n", "utf-8")
    index = build_index(corpus, tmp_path / "index")
    reopened = Index(index.generation)
    assert reopened.doc_index("memo.md") == reopened.doc_index("Kalın memo")
    assert reopened.doc_index("a/report.txt") != reopened.doc_index("b/report.txt")
    for ambiguous in ("Annual report", "report.txt", "no-such.txt"):  # a shared title or file name
        with pytest.raises(UnknownDocument):
            reopened.doc_index(ambiguous)
    # Only the records of the documents found were decoded (the names are compared with theirs).
    found = {reopened.doc_index(name) for name in ("memo.md", "a/report.txt", "b/report.txt")}
    assert set(reopened._meta_cache) == found
    # The table says what decoding every record says: each path finds its own document.
    for i in range(len(reopened)):
        assert reopened.doc_index(reopened.meta(i)["doc"]) == i


def test_names_sharing_a_hash_are_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table stores hashes, not names: with every name hashing alike, each lookup still finds
    exactly its own document, and an ambiguous title none."""
    monkeypatch.setattr(names, "_hash", lambda name: 7)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, title in enumerate(["Minutes", "Minutes", "Budget", "Plan"]):
        (corpus / f"doc{i}.txt").write_text(f"{title}\n\nBody {i}.\n", "utf-8")
    index = Index(build_index(corpus, tmp_path / "index").generation)
    for i in range(4):
        assert index.doc_name(index.doc_index(f"doc{i}.txt")) == f"doc{i}.txt"
    assert index.doc_index("Budget") == index.doc_index("doc2.txt")
    assert index.doc_index("Plan") == index.doc_index("doc3.txt")
    for missing in ("Minutes", "doc4.txt", "Body"):
        with pytest.raises(UnknownDocument):
            index.doc_index(missing)


def test_chunks_at_agrees_with_chunk_at(sample_index: Index) -> None:
    pairs = [
        (d, offset)
        for d in range(len(sample_index))
        for offset in range(0, len(sample_index.text(d)) + 50, 37)
    ]
    found = sample_index.chunks_at([d for d, _ in pairs], [o for _, o in pairs])
    assert found == [sample_index.chunk_at(d, o) for d, o in pairs]
