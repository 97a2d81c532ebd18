"""Finding a document by its path, title or file name without decoding every document record.

The build writes, for every name, only its hash and what it names: the document and which of its
names it is (path, title or file name), ordered by a CRC-32 of the name. The names themselves are
not stored again: each is already in its document's record (the path) or text (the title). A
lookup finds the name's hash in the (memory-mapped) hash array with one binary search and compares
the name with that one name of the few documents sharing the hash, so the first question asked of
a million-document index decodes the record of the document it finds and no other.

A comparison with the very name an entry stands for is exact: two names that share a hash are told
apart, and an ambiguous alias (left out of the table) is never found through another entry.

A path always names its document. A title or a file name names one only when no other document
has the same one (an ambiguous alias finds nothing; ask by path).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from enum import IntEnum
from pathlib import Path, PurePosixPath

import numpy as np

from index import store
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


def name_table(documents: Iterable[tuple[str, str]]) -> list[tuple[str, int, Kind]]:
    """(name, document index, kind) entries, sorted by the name's hash, for documents given as
    (path, title)."""
    aliases: dict[str, tuple[int, Kind]] = {}
    ambiguous: set[str] = set()
    paths: dict[str, tuple[int, Kind]] = {}
    for i, (path, title) in enumerate(documents):
        paths.setdefault(path, (i, Kind.PATH))
        for alias, kind in ((title, Kind.TITLE), (PurePosixPath(path).name, Kind.FILE_NAME)):
            if aliases.setdefault(alias, (i, kind))[0] != i:
                ambiguous.add(alias)
    for alias in ambiguous:
        del aliases[alias]
    aliases.update(paths)  # paths win over aliases
    entries = [(name, doc, kind) for name, (doc, kind) in aliases.items()]
    return sorted(entries, key=lambda entry: _hash(entry[0]))


def write_names(generation: Path, table: list[tuple[str, int, Kind]]) -> None:
    entries = np.array([doc << 2 | kind for _, doc, kind in table], dtype=np.int64)
    store.write_array(generation, _ENTRIES, entries, store.compact_dtype(entries))
    store.write_array(generation, _HASHES, [_hash(name) for name, _, _ in table], np.uint32)


class NameTable:
    def __init__(
        self, generation: Path, document_names: DocumentNames, verifier: store.Verifier | None = None
    ) -> None:
        self._entries = store.load_array(generation, _ENTRIES, verifier)
        self._hashes = store.load_array(generation, _HASHES, verifier)
        self._document_names = document_names

    def lookup(self, name: str) -> int | None:
        wanted = _hash(name)
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
        return title if kind is Kind.TITLE else PurePosixPath(path).name


def _hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))
