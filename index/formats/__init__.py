"""Readers for binary document formats (PDF, DOCX): bytes in, documents with verbatim text out.

Each reader turns the bytes of one file into ``Document`` records whose ``text`` is the extracted
text that offsets index, and reports the parts it could not read (scanned pages) as ``SkippedFile``
entries. A file that cannot be read at all (encrypted, corrupt, bomb-like) raises ``FileSkipped``
with the reason. Readers never touch the filesystem: ``index.corpus`` reads the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from index.models import Document, SkippedFile

Reader = Callable[[str, bytes], tuple[list[Document], list[SkippedFile]]]


def _read_pdf(rel: str, data: bytes) -> tuple[list[Document], list[SkippedFile]]:
    from index.formats.pdf import read_pdf

    return read_pdf(rel, data)


def _read_docx(rel: str, data: bytes) -> tuple[list[Document], list[SkippedFile]]:
    from index.formats.docx import read_docx

    return read_docx(rel, data)


# Imported on first use: a corpus of text files never pays for pypdf or python-docx.
BINARY_READERS: dict[str, Reader] = {".pdf": _read_pdf, ".docx": _read_docx}
