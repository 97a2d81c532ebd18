"""DOCX: headings, paragraphs and table rows of a Word document (python-docx), in document order.

A DOCX file is a zip archive; before python-docx opens it, the archive's table of contents is
checked so that a zip bomb (a small file that inflates to gigabytes) or an encrypted document
(which Word saves as an OLE container, not a zip) is refused with a reason, never inflated.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from index.errors import FileSkipped
from index.formats._text import clean_line, join_blocks
from index.models import Document, SkippedFile

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.table import Table

# python-docx holds every part in memory and lxml parses the main XML into a tree several times
# its size: these caps keep one file's reading to a few hundred MB at worst.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MAIN_XML_BYTES = 40 * 1024 * 1024
MAX_MEMBERS = 10_000
# Real Word XML compresses about 5-20x; a ratio far beyond that is how a zip bomb looks.
MAX_RATIO = 200
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CELL_SEPARATOR = " | "


def read_docx(
    rel: str, data: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES
) -> tuple[list[Document], list[SkippedFile]]:
    """The document in a DOCX file's bytes (one paragraph per heading, paragraph and table row)."""
    check_archive(data, max_unpacked=max_unpacked)
    word = _open(data)
    blocks = list(_blocks(word))
    text, paragraphs = join_blocks(blocks)
    if not paragraphs:
        raise FileSkipped("no text in the file")
    title = clean_line(word.core_properties.title or "") or _first_heading(word) or blocks[0][:120]
    return [Document(rel, title, text, paragraphs)], []


def check_archive(data: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """FileSkipped unless ``data`` is a plausible, safe-to-inflate Word archive."""
    if data.startswith(_OLE_MAGIC):
        raise FileSkipped("encrypted or old-format Word file (an OLE container, not DOCX); save it as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise FileSkipped(f"damaged DOCX (not a readable zip archive: {err})") from None
    if len(members) > MAX_MEMBERS:
        raise FileSkipped(f"bomb-like DOCX ({len(members):,} parts in the archive)")
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked:
        raise FileSkipped(f"bomb-like DOCX (unpacks to {unpacked:,} bytes; the limit is {max_unpacked:,})")
    for member in members:
        if member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise FileSkipped(f"bomb-like DOCX ({member.filename} inflates {MAX_RATIO}x or more)")
    main = next((m for m in members if m.filename == "word/document.xml"), None)
    if main is None:
        raise FileSkipped("not a Word document (the archive has no word/document.xml)")
    if main.file_size > MAX_MAIN_XML_BYTES:
        raise FileSkipped(f"too large a Word document ({main.file_size:,} bytes of text markup)")


def _open(data: bytes) -> WordDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise FileSkipped(f"damaged DOCX ({type(err).__name__})") from None
    except Exception as err:  # lxml's XMLSyntaxError and kin: a damaged part, whatever its kind
        if type(err).__module__.startswith(("lxml", "docx")):
            raise FileSkipped(f"damaged DOCX ({type(err).__name__})") from None
        raise


def _blocks(word: WordDocument) -> Iterator[str]:
    from docx.table import Table

    for item in word.iter_inner_content():
        if isinstance(item, Table):
            yield from _table_rows(item)
        else:
            yield clean_line(item.text)


def _table_rows(table: Table) -> Iterator[str]:
    """Each row as one line, its cells joined; a merged cell (repeated by python-docx) counts once."""
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(clean_line(cell.text))
        if any(cells):
            yield CELL_SEPARATOR.join(cells)


def _first_heading(word: WordDocument) -> str:
    for paragraph in word.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style and (style == "Title" or style.startswith("Heading")) and paragraph.text.strip():
            return clean_line(paragraph.text)[:120]
    return ""
