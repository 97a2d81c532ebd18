"""PDF and DOCX: real files made with fpdf2 and python-docx, a real-world PDF, and hostile files."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from docfiles import ENCRYPTED_PDF, REAL_PDF, docx_bytes, pdf_bomb, pdf_bytes, zip_bomb_docx
from fpdf import FPDF

from index import build_index
from index.corpus import load_file, scan_corpus
from index.errors import FileSkipped
from index.formats.docx import read_docx
from index.formats.pdf import assemble, drop_running_lines, read_pdf
from index.models import Document

FULL = "The harbour master told reporters that the northern quay was closed for the"
REPORT_PAGES = [
    [
        FULL,
        "winter while engineers inspected the damaged pilings under the old warehouse,",
        "and that ships would be sent to the southern berths until the work was finished.",
        '"We will reopen the quay in March," said Maria Lopez, the harbour master, adding that',
        "the repairs would cost far less than a new quay. The council agreed with her esti-",
        "mate on Tuesday.",
        "Fishermen said the closure was hard on them.",
    ],
    [
        "The mayor, Tomas Berg, said the council would pay for the repairs from its reserves,",
        "and that no new tax would be needed for the work on the well-known northern quay, which",
        "has served the town for a century. Berg said the town would hold a public meeting.",
    ],
    [],  # a scanned page: no text layer
    [
        '"The well-known quay will be open for the summer festival," Berg said on Friday, and he',
        "thanked the engineers.",
    ],
]


def paragraphs(doc: Document) -> list[str]:
    return [doc.text[p.start : p.end] for p in doc.paragraphs]


def page_text(doc: Document, page: int) -> str:
    span = doc.pages[page - 1]
    return doc.text[span.start : span.end]


@pytest.fixture(scope="module")
def report() -> tuple[Document, list[str]]:
    data = pdf_bytes(REPORT_PAGES, header="Harbour Annual Report 2026")
    (doc,), skipped = read_pdf("report.pdf", data)
    return doc, [f"{s.path}: {s.reason}" for s in skipped]


def test_pdf_paragraphs_read_as_printed(report: tuple[Document, list[str]]) -> None:
    doc, _ = report
    paras = paragraphs(doc)
    assert paras[0].startswith(FULL + " winter while")
    # A word broken at a line end is whole again; a real compound keeps its hyphen.
    assert "agreed with her estimate on Tuesday." in paras[0]
    assert "esti-" not in doc.text and "estimate" in doc.text
    assert "well-known northern quay" in doc.text
    # A short last line ends its paragraph.
    assert paras[1] == "Fishermen said the closure was hard on them."
    # No running header, no page footer.
    assert "Harbour Annual Report" not in doc.text
    assert "Page " not in doc.text


def test_pdf_pages_are_kept_and_scans_reported(report: tuple[Document, list[str]]) -> None:
    doc, skipped = report
    assert len(doc.pages) == 4
    assert page_text(doc, 1).startswith(FULL)
    assert "Tomas Berg" in page_text(doc, 2) and "Tomas Berg" not in page_text(doc, 1)
    assert page_text(doc, 3) == ""
    assert page_text(doc, 4).startswith('"The well-known quay will be open')
    assert skipped == ["report.pdf#page=3: no text layer (a scanned page?); not searchable"]


def test_placeholder_titles_give_way_to_the_first_line() -> None:
    pdf = FPDF()
    pdf.set_title("Microsoft Word - draft3.docx")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.text(20, 30, "Harbour works begin")
    (doc,), _ = read_pdf("draft.pdf", bytes(pdf.output()))
    assert doc.title == "Harbour works begin"


def test_running_lines_need_to_repeat() -> None:
    pages = [
        ["Annual Report 2026", "Body one.", "7"],
        ["Annual Report 2026", "Body two.", "8"],
        ["Body three."],
    ]
    assert drop_running_lines(pages) == [["Body one."], ["Body two."], ["Body three."]]
    # One page: a title line is not a running header.
    assert drop_running_lines([["Annual Report 2026", "Body."]]) == [["Annual Report 2026", "Body."]]


def test_assemble_spans_index_the_text() -> None:
    layout = assemble([["A line that is long enough to count as a full line of print,", "end."], ["Next."]])
    assert [layout.text[p.start : p.end] for p in layout.paragraphs] == [
        "A line that is long enough to count as a full line of print, end.",
        "Next.",
    ]
    assert layout.text[layout.pages[1].start :] == "Next."


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["The council met on Monday and the re-", "port was read aloud."], "the report was read aloud."),
        (["Plans for a well-known bridge; the well-", "known bridge stays."], "the well-known bridge stays."),
        (["Trade grew in the years 1990-", "2000 quite fast."], "years 1990-2000 quite fast."),
        (
            ["The harbour—the old one—was full of boats and the quay—", "the new one—was empty."],
            "quay—the new",
        ),
        (["A long line of text that keeps going for the whole width of it -", "Then more."], "of it - Then"),
        (
            ["A long line of text that keeps going for the whole width of a co\u00ad", "operative."],
            "a cooperative.",
        ),
    ],
    ids=["broken-word", "known-compound", "number-range", "em-dash", "spaced-dash", "soft-hyphen"],
)
def test_line_ends_join_as_printed(lines: list[str], joined: str) -> None:
    assert joined in assemble([lines]).text


def test_real_world_pdf(tmp_path: Path) -> None:
    """A pdfTeX article in two columns (CC-BY-SA-4.0, tests/data/SOURCES.md)."""
    (doc,), skipped = read_pdf("multicolumn.pdf", REAL_PDF.read_bytes())
    assert skipped == []
    assert doc.title == "Two-Column Document with Lorem Ipsum"
    assert len(doc.pages) == 3
    paras = paragraphs(doc)
    assert paras[:4] == ["Two-Column Document with Lorem Ipsum", "Your Name", "January 3, 2024", "Abstract"]
    # Ligatures spelled out, hyphenation undone ("adip-/iscing", "con-/sectetuer").
    assert paras[4] == "This is a sample document with two columns filled with Lorem Ipsum text."
    assert "consectetuer adipiscing elit. Ut purus elit" in doc.text
    assert "adip-" not in doc.text and "ﬁ" not in doc.text
    # The footer page numbers are gone: no paragraph is a bare number.
    assert not any(p.strip().isdigit() for p in paras)
    assert "Table 1: EU Countries Information" in page_text(doc, 3)


def test_pdf_citations_name_the_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(pdf_bytes(REPORT_PAGES, header="Harbour Annual Report 2026"))
    index = build_index(corpus, tmp_path / "index")
    assert [s.path for s in index.report.skipped] == ["report.pdf#page=3"]  # type: ignore[union-attr]
    (hit,) = index.search("summer festival", k=1)
    assert hit.page == 4 and hit.doc == "report.pdf"
    text = index.document("report.pdf").text
    assert text[hit.start : hit.end] == hit.text
    answer = index.ask("What did Berg say about the summer festival?")
    assert answer.answered
    for found in answer.answers:
        assert text[found.start : found.end] == found.text
        assert found.page == 4
    for quote in index.quotes():
        assert text[quote.start : quote.end] == quote.text
    # Pages survive an incremental rebuild that reuses the file.
    again = build_index(corpus, tmp_path / "index")
    assert again.report is not None and again.report.unchanged == 1
    assert again.search("summer festival", k=1)[0].page == 4


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ENCRYPTED_PDF.read_bytes(), "encrypted PDF"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 40, "PDF"),
        (b"MZ\x90\x00" + bytes(4000), "not a PDF file"),
        (pdf_bytes([[], []]), "no text layer on any page"),
    ],
    ids=["encrypted", "corrupt", "renamed-executable", "scanned"],
)
def test_bad_pdfs_are_skipped_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(FileSkipped, match=reason):
        read_pdf("bad.pdf", data)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_bombs_are_refused_in_bounded_time_and_memory() -> None:
    """A 1 MB file that would inflate to 1 GB: refused without inflating it."""
    pdf, docx = pdf_bomb(1024), zip_bomb_docx(1024)
    assert len(pdf) < 2_000_000 and len(docx) < 2_000_000
    before, started = _peak_rss_mb(), time.monotonic()
    with pytest.raises(FileSkipped, match="bomb-like PDF"):
        read_pdf("bomb.pdf", pdf)
    with pytest.raises(FileSkipped, match="bomb-like DOCX"):
        read_docx("bomb.docx", docx)
    assert time.monotonic() - started < 10
    assert _peak_rss_mb() - before < 300


def test_pdf_time_budget_is_enforced() -> None:
    ticks = iter(range(100))
    with pytest.raises(FileSkipped, match="took too long"):
        read_pdf("slow.pdf", pdf_bytes(REPORT_PAGES), max_seconds=1.5, clock=lambda: float(next(ticks)))


def test_docx_headings_paragraphs_and_table_rows() -> None:
    data = docx_bytes(
        "Budget memo",
        [("heading", "Summary"), ("para", 'The minister said "the deficit will fall next year".')],
        [["Year", "Deficit"], ["2025", "3%"]],
    )
    (doc,), skipped = read_docx("memo.docx", data)
    assert skipped == []
    assert doc.title == "Budget memo"
    assert paragraphs(doc) == [
        "Summary",
        'The minister said "the deficit will fall next year".',
        "Year | Deficit",
        "2025 | 3%",
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "encrypted or old-format Word file"),
        (b"PK\x03\x04garbage", "damaged DOCX"),
        (pdf_bytes([["not a word file at all"]]), "damaged DOCX"),
    ],
    ids=["encrypted", "truncated-zip", "pdf-renamed"],
)
def test_bad_docx_are_skipped_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(FileSkipped, match=reason):
        read_docx("bad.docx", data)


def test_corpus_reads_pdf_and_docx_beside_text(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Notes\n\nPlain text.\n", encoding="utf-8")
    (tmp_path / "report.pdf").write_bytes(pdf_bytes(REPORT_PAGES))
    (tmp_path / "memo.docx").write_bytes(docx_bytes("Memo", [("para", "Hello from Word.")]))
    (tmp_path / "locked.pdf").write_bytes(ENCRYPTED_PDF.read_bytes())
    sources, skipped = scan_corpus(tmp_path)
    assert skipped == []
    results = {}
    for source in sources:
        try:
            results[source.rel] = [d.title for d in load_file(source)[0]]
        except FileSkipped as err:
            results[source.rel] = [f"skipped: {err}"]
    assert results["memo.docx"] == ["Memo"]
    assert results["report.pdf"] == [FULL[:120]] or results["report.pdf"][0].startswith("The harbour")
    assert results["locked.pdf"][0].startswith("skipped: encrypted PDF")
