"""Reading corpus files: every format, and every way a file can be bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.corpus import load_documents, paragraph_spans, scan_corpus
from index.errors import CorpusError, FileSkipped
from index.models import Document
from index.paths import sample_corpus_dir


def docs_of(root: Path) -> dict[str, list[Document]]:
    sources, _ = scan_corpus(root)
    return {s.rel: load_documents(s) for s in sources}


def paragraphs(doc: Document) -> list[str]:
    return [doc.text[p.start : p.end] for p in doc.paragraphs]


def test_text_keeps_the_bytes_as_open_reads_them(tmp_path: Path) -> None:
    raw = "Title line\r\n\r\nFirst para\r\nstill first.\r\n \xa0\r\nSecond para.\r\n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    (doc,) = docs_of(tmp_path)["a.txt"]
    with open(tmp_path / "a.txt", encoding="utf-8", newline="") as handle:
        assert doc.text == handle.read()
    assert doc.title == "Title line"
    assert paragraphs(doc) == ["Title line", "First para\r\nstill first.", "Second para."]


def test_markdown_title_and_headings(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("# The Title\nIntro line.\n\n## Part\n\nBody.\n", "utf-8")
    (doc,) = docs_of(tmp_path)["n.md"]
    assert doc.title == "The Title"
    assert paragraphs(doc) == ["# The Title", "Intro line.", "## Part", "Body."]


def test_html_drops_boilerplate_and_keeps_blocks(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text(
        "<html><head><title>T &amp; C</title><link rel=canonical href='https://x.org/p'>"
        "<script>said('no')</script></head><body><nav>Home | World</nav>"
        "<article><h1>Head</h1><p>One &ldquo;two&rdquo;.</p><div>Loose <i>text</i>.<p>Inner.</p></div>"
        "<ul><li>A</li><li>B</li></ul></article><footer>(c)</footer></body></html>",
        "utf-8",
    )
    (doc,) = docs_of(tmp_path)["p.html"]
    assert doc.title == "T & C" and doc.url == "https://x.org/p"
    assert paragraphs(doc) == ["Head", "One “two”.", "Loose text .", "Inner.", "A", "B"]
    assert "said" not in doc.text and "Home" not in doc.text and "(c)" not in doc.text


def test_jsonl_documents_ids_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "title": "First", "url": "https://x.org/1", "text": "One.\n\nTwo."}),
        "not json",
        json.dumps({"text": "Untitled body."}),
        json.dumps({"id": "a", "text": "Duplicate id."}),
        json.dumps({"title": "no text"}),
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    docs = docs_of(tmp_path)["d.jsonl"]
    assert [d.doc for d in docs] == ["d.jsonl#a", "d.jsonl#3", "d.jsonl#a-4"]
    assert docs[0].title == "First" and docs[0].url == "https://x.org/1"
    assert paragraphs(docs[0]) == ["One.", "Two."]
    assert docs[1].title == "Untitled body."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("bin.txt", b"abc\x00def", "binary"),
        ("blank.txt", b" \n\n\t\n", "no text"),
        ("bad.jsonl", b"{oops\n[1,2]\n", "bad lines"),
    ],
)
def test_bad_files_raise_file_skipped(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(content)
    (source,) = scan_corpus(tmp_path)[0]
    with pytest.raises(FileSkipped, match=reason):
        load_documents(source)


def test_scan_skips_with_reasons(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "ok.txt").write_text("T\n\nBody.\n", "utf-8")
    (corpus / "empty.txt").write_text("", "utf-8")
    (corpus / "big.txt").write_text("x" * 200, "utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    (corpus / ".hidden.txt").write_text("secret", "utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside\n\nNot yours.\n", "utf-8")
    (corpus / "escape.txt").symlink_to(outside)
    (corpus / "alias.txt").symlink_to(corpus / "sub" / "ok.txt")
    sources, skipped = scan_corpus(corpus, max_bytes=100)
    assert sorted(s.rel for s in sources) == ["alias.txt", "sub/ok.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert set(reasons) == {"empty.txt", "big.txt", "image.png", "escape.txt"}
    assert "outside" in reasons["escape.txt"] and "empty" in reasons["empty.txt"]
    assert "large" in reasons["big.txt"] and ".png" in reasons["image.png"]


def test_missing_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        scan_corpus(tmp_path / "nope")


def test_sample_articles() -> None:
    docs = docs_of(sample_corpus_dir())
    titles = sorted(d.title for ds in docs.values() for d in ds)
    assert titles == [
        "Erdogan Invites Trump For Visit As Ankara Mulls Double-Deal For US, Russian Missile Systems",
        "Putin Moves On Two Fronts",
    ]
    for (doc,) in docs.values():
        blocks = [b.strip() for b in doc.text.replace("\xa0", " ").split("\n\n") if b.strip()]
        assert len(doc.paragraphs) == len(blocks)


@given(st.text(alphabet=st.sampled_from(list("ab \n\r\t\xa0.")), max_size=80))
def test_paragraph_spans_are_sorted_stripped_and_inside(text: str) -> None:
    spans = paragraph_spans(text)
    end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert end <= span.start < span.end <= len(text)
        assert piece == piece.strip() and piece
        assert "\n\n" not in piece.replace(" ", "").replace("\t", "").replace("\r", "").replace("\xa0", "")
        end = span.end
    assert " ".join(text[s.start : s.end] for s in spans).split() == text.split()
