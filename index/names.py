"""Finding a document by its path, title or file name without decoding every document record.

The build writes every name once with the document it names, ordered by a CRC-32 of the name; a
lookup finds the name's hash in that (memory-mapped) array with one binary search and compares
the few names that share it, so the first question asked of a million-document index does not
decode a million records first, and answers that cite thousands of documents stay fast.

A path always names its document. A title or a file name names one only when no other document
has the same one (an ambiguous alias finds nothing; ask by path).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np

from index import store

_BLOB = "names.bin"
_OFFSETS = "names_offsets"
_DOCS = "names_doc"
_HASHES = "names_hash"


def name_table(documents: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
    """(name, document index) pairs, sorted by name, for documents given as (path, title)."""
    aliases: dict[str, int] = {}
    ambiguous: set[str] = set()
    paths: dict[str, int] = {}
    for i, (path, title) in enumerate(documents):
        paths.setdefault(path, i)
        for alias in (title, PurePosixPath(path).name):
            if aliases.setdefault(alias, i) != i:
                ambiguous.add(alias)
    for alias in ambiguous:
        del aliases[alias]
    aliases.update(paths)  # paths win over aliases
    return sorted(aliases.items(), key=lambda item: _hash(item[0].encode("utf-8")))


def write_names(generation: Path, table: list[tuple[str, int]]) -> None:
    names = store.BlobWriter(generation, _BLOB, _OFFSETS)
    for name, _ in table:
        names.add(name.encode("utf-8"))
    names.close()
    store.write_array(generation, _DOCS, [i for _, i in table], np.int32)
    store.write_array(generation, _HASHES, [_hash(name.encode("utf-8")) for name, _ in table], np.uint32)


class NameTable:
    def __init__(self, generation: Path, verifier: store.Verifier | None = None) -> None:
        self._names = store.open_blob(generation, _BLOB, _OFFSETS, verifier)
        self._docs = store.load_array(generation, _DOCS, verifier)
        self._hashes = store.load_array(generation, _HASHES, verifier)

    def lookup(self, name: str) -> int | None:
        key = name.encode("utf-8")
        wanted = _hash(key)
        at = int(np.searchsorted(self._hashes, np.uint32(wanted)))  # same dtype: no copy of the array
        while at < len(self._hashes) and int(self._hashes[at]) == wanted:
            if self._names.raw(at) == key:
                return int(self._docs[at])
            at += 1
        return None


def _hash(key: bytes) -> int:
    return zlib.crc32(key)
