"""What the index stores only once: titles found in the text, names, per-document numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from index import Index, build_index, store


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "memo.md").write_text("# Kalın memo\n\nThe memo.\n", "utf-8")
    records = [
        {"text": "First line of a record\n\nIts body.", "title": "A title said nowhere in it"},
        {"text": "Untitled record text, long enough to be its own title."},
    ]
    (corpus / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return corpus


def test_titles_come_back_whether_stored_or_cut_from_the_text(tmp_path: Path) -> None:
    index = build_index(_corpus(tmp_path), tmp_path / "index")
    titles = {info.doc: info.title for info in Index(index.generation).documents()}
    assert titles["memo.md"] == "Kalın memo"
    assert titles["records.jsonl#1"] == "A title said nowhere in it"
    assert titles["records.jsonl#2"] == "Untitled record text, long enough to be its own title."
    reopened = Index(index.generation)
    stored = [reopened._docs.record(i) for i in range(len(reopened))]
    by_doc = {record["doc"]: record for record in stored}
    assert "title" not in by_doc["memo.md"] and "title" not in by_doc["records.jsonl#2"]
    assert by_doc["records.jsonl#1"]["title"] == "A title said nowhere in it"
    for i in range(len(reopened)):  # a title and a path find their document
        assert reopened.doc_index(reopened.meta(i)["title"]) == i


def test_per_document_numbers_take_the_narrowest_type_and_pages_only_when_there_are_any(
    tmp_path: Path,
) -> None:
    index = build_index(_corpus(tmp_path), tmp_path / "index")
    arrays = index.generation / "arrays"
    spans = ("para_start", "para_end", "sent_start", "sent_end", "chunk_start", "chunk_end")
    for name in (*spans, "chunk_para"):
        assert np.load(arrays / f"{name}.npy").dtype == np.uint8, name  # every text here is under 256
    assert not (arrays / "page_ptr.npy").exists()
    reopened = Index(index.generation)
    for chunk_id in range(reopened.passage_count):
        chunk = reopened.chunk(chunk_id)
        text = reopened.text(chunk.doc_index)
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert reopened.chunk_at(chunk.doc_index, chunk.start) == chunk_id


def test_narrowest_dtype_holds_every_value() -> None:
    for top, dtype in ((255, np.uint8), (256, np.uint16), (65_535, np.uint16), (65_536, np.int32)):
        values = np.array([0, top], dtype=np.int64)
        assert store.narrowest_dtype(values) == dtype
        assert np.array_equal(values.astype(store.narrowest_dtype(values)), values)
    assert store.narrowest_dtype(np.array([2**31], dtype=np.int64)) == np.int64


def test_a_file_s_documents_are_kept_as_runs() -> None:
    ids = [0, 1, 2, 5, 6, 9]
    runs = store.doc_runs(ids)
    assert runs == [[0, 3], [5, 2], [9, 1]]
    assert store.file_docs({"doc_runs": runs}) == ids
    assert store.doc_runs([]) == []
