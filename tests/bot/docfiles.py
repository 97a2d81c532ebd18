"""Real PDF and DOCX files for the tests, made with kept libraries (fpdf2, python-docx), and
hostile files made by hand (a zip bomb, a PDF whose stream inflates without end)."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import docx
from fpdf import FPDF

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_PDF = DATA / "latex-multicolumn.pdf"
ENCRYPTED_PDF = DATA / "libreoffice-writer-password.pdf"


def pdf_bytes(pages: Sequence[Sequence[str]], *, header: str | None = None, footer: bool = True) -> bytes:
    """A PDF whose pages print exactly these lines (one text line each, top to bottom), with a
    running header and a "Page n of m" footer; an empty page prints no text at all (as a scan)."""
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if not lines:
            pdf.rect(20, 20, 150, 200, style="F")  # an image-like page: ink, no text layer
            continue
        if header:
            pdf.text(20, 15, header)
        for row, line in enumerate(lines):
            pdf.text(20, 30 + 6 * row, line)
        if footer:
            pdf.text(95, 285, f"Page {number} of {len(pages)}")
    return bytes(pdf.output())


def docx_bytes(title: str, blocks: Sequence[tuple[str, str]], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A Word document: ``blocks`` are (kind, text) with kind "heading" or "para"; then a table."""
    document = docx.Document()
    document.core_properties.title = title
    for kind, text in blocks:
        if kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(inflated_mb: int = 1024) -> bytes:
    """A small .docx-shaped zip one of whose parts inflates to ``inflated_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/bomb.xml", "w", force_zip64=True) as part:
            block = bytes(1024 * 1024)
            for _ in range(inflated_mb):
                part.write(block)
    return out.getvalue()


def pdf_bomb(inflated_mb: int = 1024) -> bytes:
    """A one-page PDF whose content stream (about 1 MB) inflates to ``inflated_mb`` MB."""
    squeezer = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    stream = b"".join(squeezer.compress(block) for _ in range(inflated_mb)) + squeezer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
