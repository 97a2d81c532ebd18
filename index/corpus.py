"""Reading a corpus directory: the only module that reads corpus files.

``scan_corpus`` walks the directory and decides which files to read (with a reason for each one it
skips); ``load_documents`` turns one file into documents. A document's ``text`` is what offsets
index: for .txt/.md exactly what ``open(path, encoding="utf-8", newline="")`` reads, for HTML and
JSONL the extracted text.

Nothing in a corpus may stop a build: the walk is iterative and depth-limited, HTML is walked with
an explicit stack, a JSON line too deeply nested is a bad line, a file name that is not UTF-8 is
indexed under an escaped name, and an unexpected error while reading one file is logged with its
traceback and reported as that file's skip.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import CorpusError, FileSkipped
from index.formats import BINARY_READERS

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser, LexborNode
from index.models import Document, SkippedFile, Span

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", *BINARY_READERS)
MAX_FILE_BYTES = 50 * 1024 * 1024
# Deeper folders are almost surely a loop or an accident (an unpacked archive bomb); reported, not read.
MAX_DEPTH = 64
# Bad JSONL lines named one by one in a report; the rest are counted.
SHOWN_LINES = 10
# Files nobody means as documents: ignored without a report.
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini"})
# The reason a file gets when our own code failed on it (the traceback goes to the log).
INTERNAL_ERROR = "internal error while reading this file (logged with its traceback; please report it)"

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
    for entry in walk_corpus(corpus_dir):
        if entry.problem is not None:
            skipped.append(SkippedFile(entry.rel, entry.problem))
            continue
        reason = _skip_reason(entry.path, root, max_bytes)
        if reason is not None:
            skipped.append(SkippedFile(entry.rel, reason))
            continue
        try:
            data = entry.path.read_bytes()
        except OSError as err:
            skipped.append(SkippedFile(entry.rel, f"unreadable: {err.strerror or err}"))
            continue
        sources.append(SourceFile(entry.rel, entry.path, hashlib.sha256(data).hexdigest(), len(data)))
    return sources, skipped


def file_stamps(corpus_dir: Path) -> dict[str, list[int]]:
    """Size and mtime of every candidate file: a cheap way to notice that the corpus changed.

    Taken before a build reads anything, so that a file changed while it is being read still looks
    changed to the next check.
    """
    stamps: dict[str, list[int]] = {}
    if not corpus_dir.is_dir():
        return stamps
    for entry in walk_corpus(corpus_dir):
        if entry.problem is not None or not entry.path.name.lower().endswith(SUPPORTED_SUFFIXES):
            continue
        try:
            info = entry.path.stat()
        except OSError:
            continue
        stamps[entry.rel] = [info.st_size, info.st_mtime_ns]
    return stamps


def changed_since(before: dict[str, list[int]], after: dict[str, list[int]]) -> list[str]:
    """Files added, edited or removed between two sets of stamps."""
    return sorted(rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel))


# --- walking ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WalkEntry:
    """A file (or a symlinked folder) found by the walk, or a folder it did not enter (``problem``)."""

    rel: str
    path: Path
    problem: str | None = None


def walk_corpus(corpus_dir: Path) -> list[WalkEntry]:
    """Every file under ``corpus_dir`` in path order, without recursion and at most MAX_DEPTH deep.

    Hidden names and citebot index folders (an index kept inside its own corpus) are left out.
    """
    found: list[WalkEntry] = []
    pending: list[tuple[str, int]] = [(os.fspath(corpus_dir), 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:
            found.append(
                WalkEntry(_rel(corpus_dir, folder), Path(folder), f"unreadable folder: {err.strerror}")
            )
            continue
        if depth > 0 and _is_index_folder({e.name for e in entries}):
            continue
        subfolders: list[str] = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.lower() in _JUNK_NAMES:
                continue
            if _is_real_dir(entry):
                subfolders.append(entry.path)
            else:
                found.append(WalkEntry(_rel(corpus_dir, entry.path), Path(entry.path)))
        for sub in reversed(subfolders):
            if depth + 1 > MAX_DEPTH:
                found.append(
                    WalkEntry(
                        _rel(corpus_dir, sub), Path(sub), f"folder nested deeper than {MAX_DEPTH} levels"
                    )
                )
            else:
                pending.append((sub, depth + 1))
    return sorted(found, key=lambda e: e.rel)


def _is_real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_index_folder(names: set[str]) -> bool:
    """A citebot index directory (or one of its generations): never part of the corpus."""
    return ".build.lock" in names or {"manifest.json", "texts.bin"} <= names


def _rel(corpus_dir: Path, path: str) -> str:
    """``path`` relative to the corpus, as text that is always valid UTF-8.

    A name that is not UTF-8 (say ``caf\\xe9.txt`` from an old zip) keeps its bytes as ``\\xe9``
    escapes, so it can be indexed, reported and stored in JSON like any other.
    """
    rel = Path(path).relative_to(corpus_dir).as_posix()
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _skip_reason(path: Path, root: Path, max_bytes: int) -> str | None:
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                return "symlink pointing outside the corpus directory"
            if target.is_dir():
                return "symlink to a directory (not followed)"
    except (OSError, RuntimeError):  # a symlink loop
        return "broken symlink (it loops)"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        suffix = path.suffix.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return f"unsupported file type {suffix or '(no extension)'}"
    try:
        info = path.stat()
    except OSError as err:
        return f"unreadable: {err.strerror or err}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size == 0:
        return "empty file"
    if info.st_size > max_bytes:
        return f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,})"
    return None


def load_documents(source: SourceFile) -> list[Document]:
    """The documents in one file; FileSkipped with a reason when there are none to be had."""
    return load_file(source)[0]


def load_file(source: SourceFile) -> tuple[list[Document], list[SkippedFile]]:
    """The documents in one file, and the parts of it that were skipped (bad JSONL lines).

    Raises FileSkipped with the reason when the file gives no document; an error of our own is
    logged with its traceback and becomes a FileSkipped too, so it never costs the other files.
    """
    try:
        data = source.path.read_bytes()
    except OSError as err:
        raise FileSkipped(f"unreadable: {err.strerror or err}") from None
    try:
        return _documents_of(source, data)
    except FileSkipped:
        raise
    except Exception:  # our bug, not the file's: say so, and keep going
        log.exception("reading failed file=%s", source.rel)
        raise FileSkipped(INTERNAL_ERROR) from None


def _documents_of(source: SourceFile, data: bytes) -> tuple[list[Document], list[SkippedFile]]:
    binary_reader = BINARY_READERS.get(source.path.suffix.lower())
    if binary_reader is not None:  # PDF, DOCX: index.formats
        return binary_reader(source.rel, data)
    if b"\x00" in data[:8192]:
        raise FileSkipped("binary file (contains NUL bytes)")
    suffix = source.path.suffix.lower()
    text = _decode_html(data) if suffix in (".html", ".htm") else _decode_utf8(data)
    reader = _TEXT_READERS.get(suffix, _read_text)
    documents, problems = reader(source.rel, text)
    documents = [d for d in documents if d.paragraphs]
    if not documents:
        raise FileSkipped("no text in the file")
    return documents, problems


def _decode_utf8(data: bytes) -> str:
    """The text exactly as ``open(path, encoding="utf-8", newline="")`` reads it."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileSkipped(f"not UTF-8 text (undecodable byte at offset {err.start})") from None


def scan_file(path: Path) -> list[Document]:
    """The documents of one file outside any corpus (the ``citebot quotes`` command)."""
    if path.is_dir():
        raise CorpusError(f"{path} is a folder: name the files in it (for example {path}/*.txt).")
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


# --- plain text and markdown -----------------------------------------------------------------------

# A line made only of images or linked images (CI badges, shields): never a title.
_BADGE_LINE = re.compile(r"(?:\s*\[?!\[[^\]\n]*\]\([^)\n]*\)(?:\]\([^)\n]*\))?)+\s*")
# An HTML comment or a lone tag line at the top of a markdown file (<p align="center">, <!-- ... -->).
_MARKUP_LINE = re.compile(r"\s*(?:<!--.*?-->|</?[A-Za-z][^>\n]*>)+\s*")


def _read_text(doc: str, text: str) -> tuple[list[Document], list[SkippedFile]]:
    return [_text_document(doc, text, markdown=False)], []


def _read_markdown(doc: str, text: str) -> tuple[list[Document], list[SkippedFile]]:
    return [_text_document(doc, text, markdown=True)], []


def _text_document(doc: str, text: str, *, markdown: bool) -> Document:
    paragraphs = paragraph_spans(text)
    if markdown:
        paragraphs = [piece for p in paragraphs for piece in _split_headings(text, p)]
    paragraphs = [p for p in paragraphs if not is_navigation(text[p.start : p.end])]
    title = _text_title(text, paragraphs, markdown=markdown)
    return Document(doc, _collapse(title)[:300] or _stem(doc), text, tuple(paragraphs))


def _text_title(text: str, paragraphs: list[Span], *, markdown: bool) -> str:
    """The first line of the text that has words of its own (not a badge or markup line)."""
    for para in paragraphs[:20]:
        for line in text[para.start : para.end].lstrip("\ufeff").split("\n", 20)[:20]:
            if markdown and (_BADGE_LINE.fullmatch(line) or _MARKUP_LINE.fullmatch(line)):
                continue
            title = line.lstrip("#").strip() if markdown else line.strip()
            if title:
                return title
    return ""


def _stem(doc: str) -> str:
    return Path(doc).stem or doc


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


# --- site navigation -------------------------------------------------------------------------------

_NAVIGATION_MAX_CHARS = 400


@cache
def _navigation_label() -> re.Pattern[str]:
    words = _word_list("navigation_labels.txt")
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")\s*:", re.IGNORECASE)


def is_navigation(paragraph: str) -> bool:
    """A short paragraph of site navigation ("Next: ..., Previous: ..., Up: ..."), never an answer."""
    if len(paragraph) > _NAVIGATION_MAX_CHARS:
        return False
    labels = {m.group(1).lower() for m in _navigation_label().finditer(paragraph)}
    return len(labels) >= 2


def _word_list(name: str) -> list[str]:
    lines = resources.files("index").joinpath("data", name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- HTML -------------------------------------------------------------------------------------------

_DROP = "script, style, noscript, template, nav, header, footer, aside, form, svg, iframe, button, select"
_DROP_ATTRS = '[role="navigation"], [role="banner"], [role="contentinfo"], [aria-hidden="true"], [hidden]'
_BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li blockquote pre td th dd dt figcaption caption address summary".split()
)
_CONTAINERS = frozenset("div section article main body ul ol table tr tbody dl".split())
# <meta charset="..."> or <meta http-equiv="Content-Type" content="text/html; charset=...">
_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# What browsers decode these labels as (the WHATWG Encoding standard).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def _decode_html(data: bytes) -> str:
    """HTML text: UTF-8 when it is (a BOM or valid bytes), else the charset the page declares."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_utf8(data[len(codecs.BOM_UTF8) :])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad_offset = err.start
    declared = _CHARSET.search(data[:4096])
    if declared is None:
        raise FileSkipped(f"not UTF-8 text (undecodable byte at offset {bad_offset}) and no charset declared")
    label = declared.group(1).decode("ascii").lower()
    try:
        encoding = codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
    except LookupError:
        raise FileSkipped(f"unknown charset {label!r} declared") from None
    return data.decode(encoding, errors="replace")


def _read_html(doc: str, html: str) -> tuple[list[Document], list[SkippedFile]]:
    return [_html_document(doc, html)], []


def _html_document(doc: str, html: str) -> Document:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    title = _first_text(tree, "title") or _first_text(tree, "h1") or _first_text(tree, "h2, h3")
    url = _canonical_url(tree)
    for node in tree.css(_DROP + ", " + _DROP_ATTRS):
        node.decompose()
    root = tree.body or tree.root
    blocks = [b for b in _html_blocks(root) if not is_navigation(b)] if root is not None else []
    text = "\n\n".join(blocks)
    return Document(
        doc,
        title[:300] or (blocks[0][:120] if blocks else _stem(doc)),
        text,
        tuple(paragraph_spans(text)),
        url,
    )


@dataclass(slots=True)
class _Open:
    """A container being walked: its next child, and the inline text gathered since the last block."""

    child: LexborNode | None
    loose: list[str]


def _html_blocks(root: LexborNode) -> list[str]:
    """Block-level texts of ``root`` in document order, walked with a stack (any nesting depth)."""
    blocks: list[str] = []

    def flush(loose: list[str]) -> None:
        text = _collapse(" ".join(loose))
        if text:
            blocks.append(text)
        loose.clear()

    if root.tag in _BLOCKS:
        return [t for t in [_collapse(root.text(separator=" "))] if t]
    stack = [_Open(root.child, [])]
    while stack:
        top = stack[-1]
        child = top.child
        if child is None:
            flush(top.loose)
            stack.pop()
            continue
        top.child = child.next
        tag = child.tag
        if tag in _BLOCKS:
            flush(top.loose)
            flush([child.text(separator=" ")])
        elif tag in _CONTAINERS:
            flush(top.loose)
            stack.append(_Open(child.child, []))
        elif tag == "-text":
            top.loose.append(child.text_content or "")
        elif tag == "br":
            top.loose.append(" ")
        else:
            top.loose.append(child.text(separator=" "))
    return blocks


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


def _read_jsonl(rel: str, text: str) -> tuple[list[Document], list[SkippedFile]]:
    documents, bad = _jsonl_documents(rel, text)
    if not bad:
        return documents, []
    count = f"{len(bad):,} bad line" + ("s" if len(bad) > 1 else "")
    reason = f"{count} skipped (not a JSON object with a 'text' string): {_lines(bad)}"
    return documents, [SkippedFile(rel, reason)]


def _jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines split on ``\\n`` only: U+2028, U+0085 and the like belong inside a record."""
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        yield number, text[start:end]
        start, number = end + 1, number + 1


def _jsonl_documents(rel: str, text: str) -> tuple[list[Document], list[int]]:
    """The documents of a JSONL file, and the numbers of the lines that are not documents."""
    documents: list[Document] = []
    bad: list[int] = []
    seen: set[str] = set()
    for number, line in _jsonl_lines(text):
        if not line.strip():
            continue
        record = _json_record(line)
        if record is None:
            bad.append(number)
            continue
        ident = str(record.get("id", number))
        doc = f"{rel}#{ident}"
        if doc in seen:
            doc = f"{rel}#{ident}-{number}"
        seen.add(doc)
        body: str = record["text"]
        paragraphs = [p for p in paragraph_spans(body) if not is_navigation(body[p.start : p.end])]
        if not paragraphs:
            continue
        title = record.get("title")
        if not isinstance(title, str) or not title.strip():
            title = body[paragraphs[0].start : paragraphs[0].end].split("\n", 1)[0][:120]
        url = record.get("url") if isinstance(record.get("url"), str) else None
        documents.append(Document(doc, _collapse(title)[:300] or doc, body, tuple(paragraphs), url))
    if bad and not documents:
        raise FileSkipped(f"no valid JSON lines with a 'text' field (bad lines: {_lines(bad)})")
    return documents, bad


def _json_record(line: str) -> dict[str, Any] | None:
    """A JSON object with a 'text' string, or None for anything else (including nesting too deep to
    parse, which Python's json reports as RecursionError)."""
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    return record


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_LINES])
    more = len(numbers) - SHOWN_LINES
    return ("line " if len(numbers) == 1 else "lines ") + shown + (f" and {more:,} more" if more > 0 else "")


# Suffix -> reader of decoded text. Another text format plugs in here; binary formats (PDF, DOCX)
# are index.formats.BINARY_READERS, which take the bytes.
_TEXT_READERS = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".jsonl": _read_jsonl,
}
