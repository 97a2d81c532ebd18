"""Per-quote arrays: what listing, filtering and ranking quotes need, without decoding a record.

A quote's record (``quotes.jsonl``) holds everything about it, as JSON; decoding it costs
microseconds, which a speaker quoted 900,000 times turns into most of a minute. The build also
writes, for every quote in index order, the numbers those paths read, as columns
(``index.columns``: compressed, decoded whole on first read):

    arrays/quote_doc.col             the document it is in (its ``doc_index``; in order, so as gaps)
    arrays/quote_chunk.col           the passage (chunk id) holding the start of its sentence (gaps)
    arrays/quote_sentence_start.col  its cited sentence(s), offsets into the document's text
    arrays/quote_sentence_end.col
    arrays/quote_speaker.col         its resolved speaker, an id into quote_names.json (-1: none)
    arrays/quote_written.col         its speaker as written in the text, the same way (-1: none)
    arrays/quote_naming.col          the same number for quotes that name their speaker alike (speaker,
                                     as written, relay, roles, whom they speak for): answering
                                     decides whether a name asked for means a speaker once for each
    quote_names.json                 every distinct speaker string, once

Like every file of a generation they carry a checksum in the manifest, checked on first read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index import columns, store
from index.errors import IndexCorrupt

if TYPE_CHECKING:
    from index.writer import Batch

NAMES = "quote_names.json"
# Each array, and whether it is stored as gaps (the numbers that grow with the quote's place).
_ARRAYS = {
    "doc": True,
    "chunk": True,
    "sentence_start": False,
    "sentence_end": False,
    "speaker": False,
    "written": False,
    "naming": False,
}
_NONE = -1


@dataclass
class QuoteTableWriter:
    """Collects the per-quote arrays as batches are written, in index order."""

    _parts: dict[str, list[npt.NDArray[Any]]] = field(default_factory=dict)
    _name_ids: dict[str, int] = field(default_factory=dict)
    _naming_ids: dict[tuple[str | None, ...], int] = field(default_factory=dict)

    def add(self, batch: Batch, first_doc: int, first_chunk: int) -> None:
        """The quotes of ``batch``, whose first document and chunk get the ids given."""
        local_doc = np.repeat(np.arange(len(batch.quote_count), dtype=np.int64), batch.quote_count)
        sentences = batch.quote_sentences.reshape(-1, 2)
        self._append("doc", first_doc + local_doc)
        self._append("chunk", first_chunk + _chunks_holding(batch, local_doc, sentences[:, 0]))
        self._append("sentence_start", sentences[:, 0])
        self._append("sentence_end", sentences[:, 1])
        names = batch.quote_names
        self._append("speaker", np.asarray([self._name_id(n[0]) for n in names], dtype=np.int64))
        self._append("written", np.asarray([self._name_id(n[1]) for n in names], dtype=np.int64))
        namings = self._naming_ids
        self._append(
            "naming", np.asarray([namings.setdefault(n, len(namings)) for n in names], dtype=np.int64)
        )

    def _name_id(self, name: str | None) -> int:
        return _NONE if name is None else self._name_ids.setdefault(name, len(self._name_ids))

    def _append(self, name: str, values: npt.NDArray[Any]) -> None:
        self._parts.setdefault(name, []).append(values)

    def write(self, generation: Path) -> None:
        for name, delta in _ARRAYS.items():
            parts = self._parts.pop(name, [])
            values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            columns.write(generation, f"quote_{name}", values, delta=delta)
        store.write_json(generation / NAMES, list(self._name_ids))
        self._name_ids, self._naming_ids = {}, {}


def _chunks_holding(
    batch: Batch, local_doc: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The chunk (within the batch) of each (document in the batch, offset): the one that holds
    the offset or last starts before it, as ``Index.chunk_at`` finds it."""
    chunk_counts = batch.chunk_count.astype(np.int64)
    chunk_ptr = np.concatenate(([0], np.cumsum(chunk_counts)))
    # Chunks in document order, then by start: one sorted key each (texts are under 4 GB).
    keys = (np.repeat(np.arange(len(chunk_counts), dtype=np.int64), chunk_counts) << 32) | batch.chunk[:, 0]
    at: npt.NDArray[np.int64] = np.searchsorted(keys, (local_doc << 32) | offsets, side="right") - 1
    return np.maximum(at, chunk_ptr[local_doc])


class QuoteTable:
    """The per-quote arrays of an opened generation, each loaded (and checked) when first read."""

    def __init__(self, generation: Path, verifier: store.Verifier, quotes: int) -> None:
        self._generation, self._verifier, self._quotes = generation, verifier, quotes
        self._loaded: dict[str, npt.NDArray[Any]] = {}
        self._names: list[str] | None = None

    def __len__(self) -> int:
        return self._quotes

    def _array(self, name: str) -> npt.NDArray[Any]:
        found = self._loaded.get(name)
        if found is None:
            found = columns.read(self._generation, f"quote_{name}", self._verifier, self._quotes)
            if name in ("speaker", "written") and len(found) and int(found.max()) >= len(self.names):
                raise IndexCorrupt(
                    f"The index at {self._generation} is inconsistent (quote_{name}). Rebuild it."
                )
            self._loaded[name] = found  # a dict store is atomic: two threads at worst load it twice
        return found

    @property
    def docs(self) -> npt.NDArray[Any]:
        return self._array("doc")

    @property
    def chunks(self) -> npt.NDArray[Any]:
        return self._array("chunk")

    @property
    def sentence_starts(self) -> npt.NDArray[Any]:
        return self._array("sentence_start")

    @property
    def sentence_ends(self) -> npt.NDArray[Any]:
        return self._array("sentence_end")

    @property
    def speakers(self) -> npt.NDArray[Any]:
        """Each quote's resolved speaker as an id into ``names`` (-1: no speaker)."""
        return self._array("speaker")

    @property
    def written(self) -> npt.NDArray[Any]:
        """Each quote's speaker as written, as an id into ``names`` (-1: none)."""
        return self._array("written")

    @property
    def namings(self) -> npt.NDArray[Any]:
        """A number per quote, the same for quotes that name their speaker alike."""
        return self._array("naming")

    @property
    def names(self) -> list[str]:
        if self._names is None:
            names = store.load_json(self._generation, NAMES, self._verifier)
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise IndexCorrupt(f"The index file {NAMES} is damaged. Rebuild it.")
            self._names = names
        return self._names
