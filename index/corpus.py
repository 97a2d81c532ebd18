"""Reading a corpus directory: the only module that reads corpus files.

``scan_corpus`` walks the directory and decides which files to read (with a reason for each one it
skips); ``load_documents`` turns one file into documents. A document's ``text`` is what offsets
index: for .txt/.md exactly what ``open(path, encoding="utf-8", newline="")`` reads, for HTML and
JSONL the extracted text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import CorpusError, FileSkipped
from index.formats import READERS

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser
from index.models import Document, SkippedFile, Span

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", *READERS)
MAX_FILE_BYTES = 50 * 1024 * 1024
# Files nobody means as documents: ignored without a report.
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini"})

# Paragraphs are separated by blank lines (whitespace only, including no-break spaces).
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")


@dataclass(frozen=True, slots=True)
class SourceFile:
    rel: str
    path: Path
    sha256: str
    size: int


def scan_corpus(
    corpus_dir: Path, *, max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[SourceFile], list[SkippedFile]]:
    """The files of ``corpus_dir`` to index, and the ones skipped with the reason why."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"The corpus directory {corpus_dir} does not exist or is not a directory.")
    root = corpus_dir.resolve()
    sources: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    for path in _walk(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        reason = _skip_reason(path, root, max_bytes)
        if reason is not None:
            skipped.append(SkippedFile(rel, reason))
            continue
        try:
            data = path.read_bytes()
        except OSError as err:
            skipped.append(SkippedFile(rel, f"unreadable: {err.strerror or err}"))
            continue
        sources.append(SourceFile(rel, path, hashlib.sha256(data).hexdigest(), len(data)))
    return sources, skipped


def _walk(corpus_dir: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # A symlinked directory is not descended into by os.walk; report it as a file would be.
        found.extend(here / d for d in dirnames if (here / d).is_symlink())
        found.extend(
            here / f for f in sorted(filenames) if not f.startswith(".") and f.lower() not in _JUNK_NAMES
        )
    return sorted(found)


def _skip_reason(path: Path, root: Path, max_bytes: int) -> str | None:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            return "symlink pointing outside the corpus directory"
        if target.is_dir():
            return "symlink to a directory (not followed)"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type {path.suffix or '(no extension)'}"
    try:
        size = path.stat().st_size
    except OSError as err:
        return f"unreadable: {err.strerror or err}"
    if size == 0:
        return "empty file"
    if size > max_bytes:
        return f"too large ({size:,} bytes; the limit is {max_bytes:,})"
    return None


def load_documents(source: SourceFile) -> list[Document]:
    """The documents in one file; FileSkipped with a reason when there are none to be had."""
    return load_file(source)[0]


def load_file(source: SourceFile) -> tuple[list[Document], list[SkippedFile]]:
    """The documents in one file, and the parts of it that were skipped (bad JSONL lines)."""
    try:
        data = source.path.read_bytes()
    except OSError as err:
        raise FileSkipped(f"unreadable: {err.strerror or err}") from None
    binary_reader = READERS.get(source.path.suffix.lower())
    if binary_reader is not None:  # PDF, DOCX: index.formats
        return binary_reader(source.rel, data)
    if b"\x00" in data[:8192]:
        raise FileSkipped("binary file (contains NUL bytes)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileSkipped(f"not UTF-8 text (undecodable byte at offset {err.start})") from None
    with open(source.path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    suffix = source.path.suffix.lower()
    problems: list[SkippedFile] = []
    if suffix in (".html", ".htm"):
        documents = [_html_document(source.rel, text)]
    elif suffix == ".jsonl":
        documents, bad = _jsonl_documents(source.rel, text)
        problems = [SkippedFile(f"{source.rel}:{n}", "not a JSON object with a 'text' string") for n in bad]
    else:
        documents = [_text_document(source.rel, text, markdown=suffix in (".md", ".markdown"))]
    documents = [d for d in documents if d.paragraphs]
    if not documents:
        raise FileSkipped("no text in the file")
    return documents, problems


def scan_file(path: Path) -> list[Document]:
    """The documents of one file outside any corpus (the ``citebot quotes`` command)."""
    if not path.is_file():
        raise CorpusError(f"No such file: {path}")
    reason = _skip_reason(path, path.resolve().parent, MAX_FILE_BYTES)
    if reason is not None:
        raise FileSkipped(reason)
    return load_documents(SourceFile(path.name, path, "", path.stat().st_size))


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Blank-line separated blocks of ``text``, each trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for gap in _BLANK_LINES.finditer(text, start, end):
        spans.extend(_trimmed(text, start, gap.start()))
        start = gap.end()
    spans.extend(_trimmed(text, start, end))
    return spans


def _text_document(doc: str, text: str, *, markdown: bool) -> Document:
    paragraphs = paragraph_spans(text)
    if markdown:
        paragraphs = [piece for p in paragraphs for piece in _split_headings(text, p)]
    title = ""
    if paragraphs:
        first = text[paragraphs[0].start : paragraphs[0].end].lstrip("\ufeff").splitlines()[0]
        title = first.lstrip("#").strip() if markdown else first.strip()
    return Document(doc, _collapse(title) or Path(doc).stem, text, tuple(paragraphs))


def _split_headings(text: str, para: Span) -> list[Span]:
    """A markdown heading line is a paragraph of its own even without a blank line after it."""
    pieces: list[Span] = []
    start = para.start
    for match in re.finditer(r"^#{1,6}[ \t].*$", text[para.start : para.end], re.M):
        h_start, h_end = para.start + match.start(), para.start + match.end()
        pieces.extend(_trimmed(text, start, h_start))
        pieces.extend(_trimmed(text, h_start, h_end))
        start = h_end
    pieces.extend(_trimmed(text, start, para.end))
    return pieces


def _trimmed(text: str, start: int, end: int) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [Span(start, end)] if end > start else []


# --- HTML -------------------------------------------------------------------------------------------

_DROP = "script, style, noscript, template, nav, header, footer, aside, form, svg, iframe, button, select"
_DROP_ATTRS = '[role="navigation"], [role="banner"], [role="contentinfo"], [aria-hidden="true"], [hidden]'
_BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li blockquote pre td th dd dt figcaption caption address summary".split()
)
_CONTAINERS = frozenset("div section article main body".split())


def _html_document(doc: str, html: str) -> Document:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser
    from selectolax.lexbor import LexborNode as Node

    tree = HTMLParser(html)
    title = _first_text(tree, "title") or _first_text(tree, "h1") or _first_text(tree, "h2, h3")
    url = _canonical_url(tree)
    for node in tree.css(_DROP + ", " + _DROP_ATTRS):
        node.decompose()
    blocks: list[str] = []

    def visit(node: Node) -> None:
        tag = node.tag
        if tag in _BLOCKS:
            text = _collapse(node.text(separator=" "))
            if text:
                blocks.append(text)
            return
        loose: list[str] = []
        child = node.child
        while child is not None:
            if (
                child.tag in _BLOCKS
                or child.tag in _CONTAINERS
                or child.tag in ("ul", "ol", "table", "tr", "tbody", "dl")
            ):
                if loose:
                    blocks.append(_collapse(" ".join(loose)))
                    loose = []
                visit(child)
            elif child.tag == "-text":
                loose.append(child.text_content or "")
            elif child.tag == "br":
                loose.append(" ")
            else:
                loose.append(child.text(separator=" "))
            child = child.next
        if loose and _collapse(" ".join(loose)):
            blocks.append(_collapse(" ".join(loose)))

    root = tree.body or tree.root
    if root is not None:
        visit(root)
    blocks = [b for b in blocks if b]
    text = "\n\n".join(blocks)
    return Document(
        doc, title or (blocks[0][:120] if blocks else Path(doc).stem), text, tuple(paragraph_spans(text)), url
    )


def _first_text(tree: LexborHTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    return _collapse(node.text(separator=" ")) if node is not None else ""


def _canonical_url(tree: LexborHTMLParser) -> str | None:
    for selector, attr in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = tree.css_first(selector)
        if node is not None and node.attributes.get(attr):
            return str(node.attributes[attr]).strip()
    return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


# --- JSONL ------------------------------------------------------------------------------------------


def _jsonl_documents(rel: str, text: str) -> tuple[list[Document], list[int]]:
    """The documents of a JSONL file, and the numbers of the lines that are not documents."""
    documents: list[Document] = []
    bad: list[int] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad.append(number)
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            bad.append(number)
            continue
        ident = str(record.get("id", number))
        doc = f"{rel}#{ident}"
        if doc in seen:
            doc = f"{rel}#{ident}-{number}"
        seen.add(doc)
        body = record["text"]
        paragraphs = paragraph_spans(body)
        if not paragraphs:
            continue
        title = record.get("title")
        if not isinstance(title, str) or not title.strip():
            title = body[paragraphs[0].start : paragraphs[0].end].splitlines()[0][:120]
        url = record.get("url") if isinstance(record.get("url"), str) else None
        documents.append(Document(doc, _collapse(title), body, tuple(paragraphs), url))
    if bad and not documents:
        raise FileSkipped(f"no valid JSON lines with a 'text' field (bad lines: {_lines(bad)})")
    return documents, bad


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
