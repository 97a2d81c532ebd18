"""PDF: the text layer of each page (pypdf), read back into paragraphs as printed.

What a PDF holds is positioned lines, not paragraphs. The reader puts them back together: running
headers and footers (a line repeated at the same edge of most pages, page numbers) are dropped,
a word hyphenated at a line end is joined again, lines are joined with spaces, and a line clearly
shorter than the page's usual line ends its paragraph (as the last line of a printed paragraph
does). Each page's span of the resulting text is kept, so that a citation can name the page. A
page without a text layer (a scanned image) is reported as skipped; encrypted, corrupt and
bomb-like files are refused within bounded time and memory (pypdf caps every decompressed stream;
to 32 MB here; the page count, the extracted text and the time spent are capped too).
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.errors import FileSkipped
from index.formats._text import PARAGRAPH_BREAK, clean_line
from index.models import Document, SkippedFile, Span

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

MAX_PAGES = 5000
MAX_TEXT_CHARS = 20_000_000
MAX_SECONDS = 120.0
MAX_STREAM_BYTES = 32 * 1024 * 1024
_STREAM_LIMITS = {
    name: MAX_STREAM_BYTES
    for name in (
        "maximum_declared_stream_length",
        "array_based_stream_maximum_output_length",
        "lzw_maximum_output_length",
        "run_length_maximum_output_length",
        "zlib_maximum_output_length",
        "brotli_maximum_output_length",
        "image_maximum_buffer_size",
    )
}
# A line this much shorter than the page's usual line ends a paragraph.
_SHORT_LINE = 0.8
# Running headers and footers are short; long repeated lines are content (a refrain, a table).
_RUNNING_MAX_CHARS = 80
_EDGE_LINES = 2  # how many lines at the top and bottom of a page may be a header or footer
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|seite|pág\.?)?\s*[-–—]?\s*(?:\d{1,5}|[ivxlcdm]{1,8})\s*(?:(?:/|of|von|de)\s*\d{1,5})?\s*[-–—]?$",
    re.IGNORECASE,
)
_HYPHENATED_END = re.compile(r"[^\W\d_][-\u00ad\u2010]$")
# A dash that joins what is on both sides of a line break: a number range, or an unspaced dash.
_CLOSED_DASH_END = re.compile(r"(?:\d[-\u2010\u2013]|[^\W\d_][\u2013\u2014])$")
_COMPOUND = re.compile(r"[^\W\d_]+-[^\W\d_]+")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PdfText:
    """A PDF's text as read: the text, its paragraph spans, and one span per page (empty for a
    page without text)."""

    text: str
    paragraphs: tuple[Span, ...]
    pages: tuple[Span, ...]


def read_pdf(
    rel: str,
    data: bytes,
    *,
    max_pages: int = MAX_PAGES,
    max_chars: int = MAX_TEXT_CHARS,
    max_seconds: float = MAX_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[Document], list[SkippedFile]]:
    """The document in a PDF file's bytes, and its pages without text (reported as skipped)."""
    import pypdf

    # Tighter than pypdf's defaults (75 MB a stream): a page's text never needs that much, and a
    # bomb is refused with less memory spent on it.
    with pypdf.apply_configuration(pypdf.get_configuration().with_overwrites(**_STREAM_LIMITS)):
        reader = _open(data)
        title, page_lines = _extract(reader, max_pages, max_chars, clock() + max_seconds, clock)
    blank = [n for n, lines in enumerate(page_lines, start=1) if not lines]
    if len(blank) == len(page_lines):
        raise FileSkipped("no text layer on any page (a scanned PDF?); run OCR on it first")
    skipped = [
        SkippedFile(f"{rel}#page={n}", "no text layer (a scanned page?); not searchable") for n in blank
    ]
    layout = assemble(drop_running_lines(page_lines))
    first = layout.text[layout.paragraphs[0].start : layout.paragraphs[0].end]
    document = Document(rel, title or first[:120], layout.text, layout.paragraphs, pages=layout.pages)
    return [document], skipped


def _open(data: bytes) -> PdfReader:
    import pypdf
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise FileSkipped("not a PDF file (no %PDF- header)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileSkipped("encrypted PDF (password-protected); save an unprotected copy to index it")
    except FileSkipped:
        raise
    except NotImplementedError as err:  # an encryption algorithm pypdf cannot decrypt
        raise FileSkipped(f"encrypted PDF that cannot be opened ({err})") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as err:
        raise FileSkipped(f"damaged or unreadable PDF ({_why(err)})") from None
    return reader


def _extract(
    reader: PdfReader, max_pages: int, max_chars: int, deadline: float, clock: Callable[[], float]
) -> tuple[str, list[list[str]]]:
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        count = len(reader.pages)
        if count > max_pages:
            raise FileSkipped(f"too many pages ({count:,}; the limit is {max_pages:,})")
        title = _metadata_title(reader)
        pages: list[list[str]] = []
        total = 0
        for page in reader.pages:
            if clock() > deadline:
                raise FileSkipped("took too long to read (a very complex or hostile PDF); skipped")
            lines = [line for line in (clean_line(raw) for raw in page.extract_text().splitlines()) if line]
            if not lines:
                _check_contents(page)
            total += sum(len(line) + 1 for line in lines)
            if total > max_chars:
                raise FileSkipped(f"too much text (over {max_chars:,} characters; a bomb-like PDF?)")
            pages.append(lines)
    except FileSkipped:
        raise
    except LimitReachedError:
        raise FileSkipped("bomb-like PDF: a compressed stream expands beyond the size limit") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as err:
        raise FileSkipped(f"damaged or unreadable PDF ({_why(err)})") from None
    return title, pages


def _check_contents(page: PageObject) -> None:
    """Raise LimitReachedError for a page whose content inflates past pypdf's cap: text extraction
    swallows that error and returns nothing, which would pass a bomb off as a scanned page."""
    contents = page.get_contents()
    if contents is not None:
        contents.get_data()


def _metadata_title(reader: PdfReader) -> str:
    """The title in the PDF's metadata, unless it is a tool's placeholder ("Microsoft Word -
    report.docx", "Untitled"): then the first line of text serves better."""
    metadata = getattr(reader, "metadata", None)
    title = getattr(metadata, "title", None) if metadata is not None else None
    title = clean_line(title) if isinstance(title, str) else ""
    if _PLACEHOLDER_TITLE.match(title):
        return ""
    return title


_PLACEHOLDER_TITLE = re.compile(r"^(?:microsoft \w+ - .*|untitled\b.*|.*\.(?:docx?|odt|rtf|tex|pdf))$", re.I)


def _why(err: BaseException) -> str:
    text = " ".join(str(err).split())[:120]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


# --- layout: pure functions over lines ------------------------------------------------------------


def _edge_key(line: str) -> str:
    """A header line with its page number blanked, so that 'Report · 3' and 'Report · 4' match."""
    return re.sub(r"\d+", "#", line.casefold())


def drop_running_lines(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """The pages without their running headers/footers and bare page numbers.

    A line is running when the same line (numbers aside) stands among the first or last few lines
    of at least half the pages (and of two pages at least).
    """
    with_text = [p for p in pages if p]
    needed = max(2, math.ceil(len(with_text) / 2))
    counts: Counter[str] = Counter()
    for lines in with_text:
        edges = {_edge_key(line) for line in _edges(lines) if len(line) <= _RUNNING_MAX_CHARS}
        counts.update(edges)
    running = {key for key, n in counts.items() if n >= needed} if len(with_text) >= 2 else set()
    out: list[list[str]] = []
    for lines in pages:
        kept = list(lines)
        edge_positions = set(range(min(_EDGE_LINES, len(kept)))) | set(
            range(max(0, len(kept) - _EDGE_LINES), len(kept))
        )
        drop = {
            i
            for i in edge_positions
            if _edge_key(kept[i]) in running or (i in (0, len(kept) - 1) and _PAGE_NUMBER.match(kept[i]))
        }
        out.append([line for i, line in enumerate(kept) if i not in drop])
    return out


def _edges(lines: Sequence[str]) -> list[str]:
    return list(lines[:_EDGE_LINES]) + list(lines[-_EDGE_LINES:])


def assemble(pages: Sequence[Sequence[str]]) -> PdfText:
    """Lines of each page joined into paragraphs: the text, paragraph spans and page spans."""
    compounds = {m.group().casefold() for lines in pages for line in lines for m in _COMPOUND.finditer(line)}
    flat = [(p, line, _usual_length(lines)) for p, lines in enumerate(pages) for line in lines]
    parts: list[str] = []
    offset = 0
    page_starts: list[int | None] = [None] * len(pages)
    paragraphs: list[Span] = []
    para_start: int | None = None
    joined_to_next = False
    for i, (page, line, usual) in enumerate(flat):
        if para_start is not None:
            separator = "" if joined_to_next else " "  # the next line of the same paragraph
        else:
            separator = PARAGRAPH_BREAK if parts else ""
        parts.append(separator)
        offset += len(separator)
        if para_start is None:
            para_start = offset
        if page_starts[page] is None:
            page_starts[page] = offset
        # A page without text between two lines (a scan) is a gap we cannot read across.
        following = flat[i + 1][1] if i + 1 < len(flat) and flat[i + 1][0] <= page + 1 else ""
        piece, joined_to_next = _dehyphenate(line, following, compounds)
        parts.append(piece)
        offset += len(piece)
        if not joined_to_next and (not following or len(line) < _SHORT_LINE * usual):
            paragraphs.append(Span(para_start, offset))
            para_start = None
    return PdfText("".join(parts), tuple(paragraphs), _page_spans(page_starts, offset))


def _usual_length(lines: Sequence[str]) -> float:
    """The length of a full line on this page (a high percentile, so short lines stand out)."""
    lengths = sorted(len(line) for line in lines)
    return float(lengths[math.ceil(0.8 * (len(lengths) - 1))]) if lengths else 0.0


def _dehyphenate(line: str, following: str, compounds: set[str]) -> tuple[str, bool]:
    """``line`` as it joins the next one, and whether it joins with no space (a word broken by a
    hyphen at the line end). The hyphen stays when the document spells that compound with one."""
    # A soft hyphen is printed only where it breaks a line.
    soft_break = line.endswith("\u00ad")
    line = line.replace("\u00ad", "") + ("-" if soft_break else "")
    if following and _CLOSED_DASH_END.search(line):
        return line, True  # "1990-/2000", "word—/word": the dash belongs to both sides
    if not following or not _HYPHENATED_END.search(line) or not following[:1].islower():
        return line, False
    head = line[:-1].split(" ")[-1]
    tail = re.match(r"[^\W\d_]+", following)
    if tail is not None and f"{head}-{tail.group()}".casefold() in compounds:
        return line, True
    return line[:-1], True


def _page_spans(starts: Sequence[int | None], end: int) -> tuple[Span, ...]:
    """Each page's span of the text; a page without text gets an empty span where the next begins."""
    spans: list[Span] = []
    next_start = end
    for start in reversed(starts):
        if start is None:
            spans.append(Span(next_start, next_start))
            continue
        spans.append(Span(start, next_start))
        next_start = start
    spans.reverse()
    return tuple(spans)
