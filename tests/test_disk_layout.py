"""What the index stores only once: titles found in the text, names, per-document numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import Index, build_index, columns, store
from index.errors import UnknownDocument


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
    generation = index.generation
    stored = ("para_gap", "para_len", "sent_gap", "sent_len", "chunk_runs", "chunk_para")
    for name in stored:  # every text here is under 256 characters
        header = json.loads((generation / columns.rel_path(name)).read_bytes().split(b"\n", 1)[0])
        assert np.dtype(header["dtype"]) == np.uint8, name
    for name in ("para_ptr", "sent_ptr", "chunk_ptr", "quote_ptr", "text_offsets", "docs_offsets"):
        header = json.loads((generation / columns.rel_path(name)).read_bytes().split(b"\n", 1)[0])
        assert header["delta"] and np.dtype(header["dtype"]) == np.uint8, name  # kept as counts
    assert not (generation / columns.rel_path("page_ptr")).exists()
    assert not (generation / columns.rel_path("chunk_len")).exists()  # passages are runs of sentences
    assert not list(generation.rglob("*.npy")) or all(
        p.parent.name == "bm25" for p in generation.rglob("*.npy")
    )
    reopened = Index(index.generation)
    for chunk_id in range(reopened.passage_count):
        chunk = reopened.chunk(chunk_id)
        text = reopened.text(chunk.doc_index)
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert reopened.chunk_at(chunk.doc_index, chunk.start) == chunk_id


def test_quote_records_hold_no_text_and_quotes_come_back_verbatim(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "talks.txt").write_text(
        'Talks\n\n"We will not leave," Ibrahim Kalin said on Monday. Kalin added that the talks went on.\n',
        "utf-8",
    )
    index = build_index(corpus, tmp_path / "index")
    quotes = index.quotes()
    assert quotes
    for i, quote in enumerate(quotes):
        assert "text" not in index._quote_blob.record(i)
        assert index.document(quote.doc).text[quote.start : quote.end] == quote.text


def test_a_file_s_documents_are_kept_as_runs() -> None:
    ids = [0, 1, 2, 5, 6, 9]
    runs = store.doc_runs(ids)
    assert runs == [[0, 3], [5, 2], [9, 1]]
    assert store.file_docs({"doc_runs": runs}) == ids
    assert store.doc_runs([]) == []


def test_paths_the_manifest_gives_are_not_stored_and_every_path_finds_its_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "memo.md").write_text("# Memo\n\nThe memo.\n", "utf-8")
    (corpus / "sub" / "memo.md").write_text("# Other memo\n\nAnother memo.\n", "utf-8")
    lines = [
        json.dumps({"text": "First record."}),
        "not json",  # a skipped line: the records after it are no longer the n-th document
        "",
        json.dumps({"text": "Third line's record."}),
        json.dumps({"id": "x7", "text": "A record with its own id."}),
        json.dumps({"id": "9", "text": "An id that looks like a line number."}),
    ]
    (corpus / "records.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index = build_index(corpus, tmp_path / "index")
    paths = [index.doc_name(i) for i in range(len(index))]
    assert {"memo.md", "sub/memo.md", "records.jsonl#1", "records.jsonl#4", "records.jsonl#x7"} <= set(paths)
    entries = columns.read(index.generation, "names_entry")
    stored_paths = {paths[int(e) >> 2] for e in entries if int(e) & 3 == 0}
    # Found from the manifest: a file's only document and the first record; the others are stored.
    assert stored_paths == {"records.jsonl#4", "records.jsonl#x7", "records.jsonl#9"}
    reopened = Index(index.generation)
    for i, path in enumerate(paths):
        assert reopened.doc_index(path) == i
    assert reopened.doc_index("Memo") == paths.index("memo.md")
    with pytest.raises(UnknownDocument):
        reopened.doc_index("records.jsonl#2")  # the skipped line names nothing
    with pytest.raises(UnknownDocument):
        reopened.doc_index("memo.md#1")


@pytest.mark.parametrize("bits", [None, 4])
def test_names_sharing_a_hash_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bits: int | None
) -> None:
    from index import names

    if bits is not None:  # four bits: every name shares its hash with hundreds of others
        monkeypatch.setattr(names, "_hash_bits", lambda entries: bits)
    documents = [(f"folder/doc-{i}.txt", f"Title number {i}") for i in range(3000)]
    (tmp_path / "arrays").mkdir()
    names.write_names(tmp_path, names.name_table(documents, {}))
    table = names.NameTable(tmp_path, documents.__getitem__, len(documents), {})
    for i, (path, title) in enumerate(documents):
        assert table.lookup(path) == i and table.lookup(title) == i
        assert table.lookup(f"doc-{i}.txt") == i  # the file name, unique here
    assert table.lookup("Title number 3000") is None and table.lookup("folder") is None
