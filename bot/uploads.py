"""Files from Discord into the corpus folder, and out of it, without trusting anything the user sent.

The type of an upload is decided from its bytes (a PDF header, a Word archive, UTF-8 text), never
from its name; the file is then read by the same reader the index uses, in a child process with a
time and memory limit, so an encrypted, damaged, scanned or bomb-like file is refused before it is
stored, and a file made to hang or bloat the parser cannot take the bot with it. The stored name
is built from letters, digits, ``-`` and ``_`` of the uploaded name, under ``uploads/`` in the
corpus folder, and a file is created there only if the name is free (``os.link`` never replaces a
file). Removing a document moves its file to ``.removed/`` in the corpus folder (ignored by the
index), so a mistake can be undone by hand.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import CitebotError, FileSkipped
from index.formats import BINARY_READERS

UPLOAD_DIR = "uploads"
REMOVED_DIR = ".removed"
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
_STEM_LIMIT = 80
# What reading one upload may take (in a child process): time, and address space.
READ_SECONDS = 60.0
READ_MEMORY_BYTES = 1536 * 1024 * 1024


class UploadRefused(CitebotError):
    """An upload that will not go into the corpus; the message says why."""


class NotRemovable(CitebotError):
    """A document whose file cannot be removed from Discord."""


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    stem: str  # safe: [A-Za-z0-9_-], never empty
    suffix: str  # from the bytes: .pdf, .docx or a text suffix
    data: bytes
    sha256: str


def safe_stem(filename: str) -> str:
    """A file name stem anyone can store: the last path part, transliterated to plain letters,
    digits, '-' and '_' ("../../x" -> "x", "Bericht über.pdf" -> "Bericht_uber")."""
    last = re.split(r"[\\/]", filename)[-1]
    stem = last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last
    ascii_only = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_only).strip("_-")[:_STEM_LIMIT]
    return cleaned or "document"


def sniff_suffix(data: bytes, filename: str) -> str:
    """The document type of ``data`` from its first bytes; UploadRefused when it is none we read."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"  # checked as a Word archive by the reader
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UploadRefused("an old-format or encrypted Word file (.doc); save it as an unprotected .docx")
    if b"\x00" in data[:8192]:
        raise UploadRefused("not a document I can read (binary data that is not PDF or DOCX)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadRefused("not a document I can read (not PDF, DOCX or UTF-8 text)") from None
    claimed = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return claimed if claimed in TEXT_SUFFIXES else ".txt"


def check_name(filename: str) -> None:
    """Refuse a name that tries to be a path ("../../x", "C:\\x", "/etc/x") or hides control
    characters: nobody uploads a document under such a name by accident."""
    if re.search(r"[\\/\x00-\x1f\x7f]", filename) or not filename.strip(". "):
        raise UploadRefused("the file name looks like a path; rename the file and upload it again")


def check_upload(
    filename: str,
    data: bytes,
    max_bytes: int,
    *,
    seconds: float = READ_SECONDS,
    memory: int = READ_MEMORY_BYTES,
) -> CheckedUpload:
    """``data`` checked as a document: name, size, type from the bytes, and a full read by the
    index's reader (so that what is stored will index), done in a child process held to
    ``seconds`` of time and ``memory`` bytes. Blocking: call it in a worker thread."""
    check_name(filename)
    if len(data) > max_bytes:
        raise UploadRefused(f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if not data.strip():
        raise UploadRefused("the file is empty")
    suffix = sniff_suffix(data, filename)
    if suffix in BINARY_READERS:
        read_isolated(suffix, data, seconds=seconds, memory=memory)
    return CheckedUpload(safe_stem(filename), suffix, data, hashlib.sha256(data).hexdigest())


def read_isolated(suffix: str, data: bytes, *, seconds: float, memory: int) -> None:
    """Read ``data`` with the index's reader for ``suffix`` in a child process (``python -m
    bot.uploads``) that is killed after ``seconds`` and may not map more than ``memory`` bytes:
    a hostile file can hang or bloat a parser, never the bot. UploadRefused says why it failed."""
    command = [sys.executable, "-m", "bot.uploads", suffix, str(memory), str(math.ceil(seconds) + 1)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise UploadRefused(
            f"took too long to read (over {seconds:g} s; a hostile or very complex file?)"
        ) from None
    verdict = done.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if done.returncode == 0 and verdict[0] == "ok":
        return
    if verdict[0].startswith("refused: "):
        raise UploadRefused(verdict[0].removeprefix("refused: "))
    if verdict[0] == "memory" or done.returncode < 0:
        raise UploadRefused("needs too much memory or time to read (a hostile or very complex file?)")
    raise UploadRefused("could not be read (the reader failed on it)")


def _child(suffix: str, memory: int, cpu_seconds: int) -> int:
    """The child side of :func:`read_isolated`: limits first, then read stdin, print a verdict."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    data = sys.stdin.buffer.read()
    try:
        BINARY_READERS[suffix]("upload" + suffix, data)
    except FileSkipped as err:
        print(f"refused: {' '.join(str(err).split())}")
        return 0
    except MemoryError:
        print("memory")
        return 1
    print("ok")
    return 0


def store_upload(corpus_dir: Path, upload: CheckedUpload) -> str:
    """Write ``upload`` under ``uploads/`` in the corpus folder; its path relative to the corpus.

    Refuses a file whose bytes are already there. Never replaces an existing file: the name gets
    ``-2``, ``-3``... until it is free.
    """
    folder = corpus_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for existing in sorted(folder.iterdir()):
        if existing.is_file() and not existing.name.startswith(".") and _sha256(existing) == upload.sha256:
            raise UploadRefused(f"the same file is already in the corpus as {UPLOAD_DIR}/{existing.name}")
    # Written whole under a hidden name (the index skips dot files), then linked into place.
    temporary = folder / f".upload-{os.getpid()}-{time.monotonic_ns()}"
    with open(temporary, "xb") as handle:
        handle.write(upload.data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        for n in range(1, 1000):
            name = f"{upload.stem}{'' if n == 1 else f'-{n}'}{upload.suffix}"
            try:
                os.link(temporary, folder / name)
            except FileExistsError:
                continue
            return f"{UPLOAD_DIR}/{name}"
        raise UploadRefused("too many files with that name already; rename it")
    finally:
        temporary.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_file(corpus_dir: Path, doc: str) -> Path:
    """The file of an indexed document, checked to be a regular file inside the corpus folder."""
    if "#" in doc:
        raise NotRemovable(
            "That document is one line of a .jsonl file; remove the line from the file (or the whole file)."
        )
    root = corpus_dir.resolve()
    path = root / doc
    if ".." in Path(doc).parts or Path(doc).is_absolute() or not path.resolve().is_relative_to(root):
        raise NotRemovable("That document's file is not inside the corpus folder.")
    if not path.is_file():
        raise NotRemovable("That document's file is no longer in the corpus folder; run /reindex.")
    return path  # a symlink stays a symlink: the link is what leaves the corpus


def remove_file(corpus_dir: Path, doc: str) -> Path:
    """Move a document's file out of the corpus (to ``.removed/``); where it went."""
    path = corpus_file(corpus_dir, doc)
    removed = corpus_dir / REMOVED_DIR
    removed.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = removed / f"{stamp}-{time.monotonic_ns() % 1_000_000:06d}-{path.name}"
    os.replace(path, target)
    return target


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
