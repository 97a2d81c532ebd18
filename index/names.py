"""Finding a document by its path, title or file name without decoding every document record.

The build writes every name once, sorted (UTF-8 byte order, which is code point order), with the
document it names; a lookup is a binary search through a memory map, so the first question asked
of a million-document index does not decode a million records first.

A path always names its document. A title or a file name names one only when no other document
has the same one (an ambiguous alias finds nothing; ask by path).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import numpy as np

from index import store

_BLOB = "names.bin"
_OFFSETS = "names_offsets"
_DOCS = "names_doc"


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
    return sorted(aliases.items(), key=lambda item: item[0].encode("utf-8"))


def write_names(generation: Path, table: list[tuple[str, int]]) -> None:
    offsets = [0]
    with open(generation / _BLOB, "wb") as handle:
        for name, _ in table:
            data = name.encode("utf-8")
            handle.write(data)
            offsets.append(offsets[-1] + len(data))
    store.write_array(generation, _OFFSETS, offsets, np.int64)
    store.write_array(generation, _DOCS, [i for _, i in table], np.int32)


class NameTable:
    def __init__(self, generation: Path, verifier: store.Verifier | None = None) -> None:
        self._names = store.open_blob(generation, _BLOB, _OFFSETS, verifier)
        self._docs = store.load_array(generation, _DOCS, verifier)

    def lookup(self, name: str) -> int | None:
        key = name.encode("utf-8")
        lo, hi = 0, len(self._names)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._names.raw(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self._names) and self._names.raw(lo) == key:
            return int(self._docs[lo])
        return None
