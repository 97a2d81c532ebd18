"""Finding a document by its path, title or file name without decoding every document record.

The build writes, for every name, only the top bits of its hash and what it names: the document
and which of its names it is (path, title or file name), ordered by a CRC-32 of the name. The names
themselves are not stored again: each is already in its document's record (the path) or text (the
title). A lookup finds the name's hash in the hash column (sorted, so stored as gaps: about a byte
and a half a name, decoded once, in milliseconds) with one binary search and compares the name with
that one name of the few documents sharing the hash, so the first question asked of a
million-document index decodes the record of the document it finds and no other.

A comparison with the very name an entry stands for is exact: two names that share a hash are told
apart, and an ambiguous alias (left out of the table) is never found through another entry.

A path always names its document. A title or a file name names one only when no other document
has the same one (an ambiguous alias finds nothing; ask by path).

Most paths are not in the table at all: the corpus names a document after its file (``memo.md``) or
its file and line (``records.jsonl#12``), and the manifest lists each file's documents, so such a
path is found from the manifest (``doc_by_path``) and only the paths that rule misses (a JSONL
record with its own ``id``, a line after a skipped one) are stored.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index import columns, store
from index.errors import IndexCorrupt

_HASHES = "names_hash"
_ENTRIES = "names_entry"  # document << 2 | kind of name


class Kind(IntEnum):
    """Which of its document's names an entry is."""

    PATH = 0
    TITLE = 1
    FILE_NAME = 2


_KINDS = frozenset(int(kind) for kind in Kind)
_DAMAGED = "The index's name table is damaged. Rebuild it with `citebot index build --repair`."
# A document's (path, title), read back from the index when a lookup needs to compare them.
DocumentNames = Callable[[int], tuple[str, str]]
# Each corpus file's documents as runs of ids, [first, count] each (the manifest's ``doc_runs``).
FileRuns = Mapping[str, Sequence[Sequence[int]]]


def doc_by_path(path: str, file_runs: FileRuns) -> int | None:
    """The document the corpus's own naming gives ``path``: a file's first document for the file's
    path, its n-th for ``<file>#<n>``. A guess, which the caller checks against the document."""
    runs = file_runs.get(path)
    if runs is not None:
        return _nth(runs, 0)
    file, _, number = path.rpartition("#")
    runs = file_runs.get(file) if file else None
    if runs is None or not (number.isascii() and number.isdigit()):
        return None
    return _nth(runs, int(number) - 1)


def _nth(runs: Sequence[Sequence[int]], n: int) -> int | None:
    for first, count in runs:
        if 0 <= n < count:
            return first + n
        n -= count
    return None


class Entry(NamedTuple):
    name: str
    doc: int
    kind: Kind
    hash: int  # of the name (``_hash``): worked out once, to sort by and to store


def name_table(documents: Iterable[tuple[str, str]], file_runs: FileRuns) -> list[Entry]:
    """The entries, sorted by the name's hash, for documents given as (path, title): every
    unambiguous alias, and the paths ``doc_by_path`` does not find."""
    aliases: dict[str, tuple[int, Kind]] = {}
    ambiguous: set[str] = set()
    paths: dict[str, tuple[int, Kind]] = {}
    for i, (path, title) in enumerate(documents):
        paths.setdefault(path, (i, Kind.PATH))
        for alias, kind in ((title, Kind.TITLE), (_file_name(path), Kind.FILE_NAME)):
            if aliases.setdefault(alias, (i, kind))[0] != i:
                ambiguous.add(alias)
    for alias in ambiguous:
        del aliases[alias]
    aliases.update(paths)  # paths win over aliases
    entries = [
        Entry(name, doc, kind, _hash(name))
        for name, (doc, kind) in aliases.items()
        if kind is not Kind.PATH or doc_by_path(name, file_runs) != doc
    ]
    return sorted(entries, key=lambda entry: entry.hash)


def write_names(generation: Path, table: list[Entry]) -> None:
    columns.write(generation, _ENTRIES, np.array([e.doc << 2 | e.kind for e in table], dtype=np.int64))
    bits = _hash_bits(len(table))
    hashes = np.array([e.hash for e in table], dtype=np.int64) >> (32 - bits)
    columns.write(generation, _HASHES, hashes, delta=True)


def _file_name(path: str) -> str:
    """The last part of a document's path (a million of them are named at each build: no Path)."""
    return path.rpartition("/")[2]


class NameTable:
    def __init__(
        self,
        generation: Path,
        document_names: DocumentNames,
        documents: int,
        file_runs: FileRuns,
        verifier: store.Verifier | None = None,
    ) -> None:
        self._entries = columns.read(generation, _ENTRIES, verifier)
        self._hashes = columns.read(generation, _HASHES, verifier, len(self._entries)).astype(np.uint32)
        self._shift = 32 - _hash_bits(len(self._entries))
        self._document_names = document_names
        self._documents, self._file_runs = documents, file_runs

    def lookup(self, name: str) -> int | None:
        guess = doc_by_path(name, self._file_runs)
        if guess is not None and guess < self._documents and self._document_names(guess)[0] == name:
            return guess
        wanted = _hash(name) >> self._shift
        at = int(np.searchsorted(self._hashes, np.uint32(wanted)))  # same dtype: no copy of the array
        while at < len(self._hashes) and int(self._hashes[at]) == wanted:
            doc, kind = divmod(int(self._entries[at]), 4)
            if kind not in _KINDS:
                raise IndexCorrupt(_DAMAGED)
            if self._name_of(doc, Kind(kind)) == name:
                return doc
            at += 1
        return None

    def _name_of(self, doc: int, kind: Kind) -> str:
        path, title = self._document_names(doc)
        if kind is Kind.PATH:
            return path
        return title if kind is Kind.TITLE else _file_name(path)


def _hash_bits(entries: int) -> int:
    """How many top bits of a name's hash the table keeps: about ten more than it takes to number
    the entries, so one lookup in about a thousand meets another name's hash (the names are
    compared anyway), and the sorted hashes' gaps, which are what is stored, stay near 2**10."""
    return min(32, entries.bit_length() + 10)


def _hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))
