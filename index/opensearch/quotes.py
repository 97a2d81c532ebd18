"""The per-quote table of a build on the cluster: what ``index.speakers`` reads to list speakers
and one speaker's quotes (``index.quote_table`` on the embedded index), made from the build's
quote and document records in one scroll each, reading only the fields it needs (never a
document's text). Positions in the table are its own quote numbers, in quote-id order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

QUOTE_FIELDS = (
    "quote_id",
    "doc_index",
    "data.speaker",
    "data.speaker_as_written",
    "data.sentence_start",
    "data.sentence_end",
)
DOCUMENT_FIELDS = ("doc_index", "doc")


class ClusterQuoteTable:
    """Quote records reduced to arrays, with the names of the documents that hold them."""

    def __init__(self, quotes: Iterable[dict[str, Any]], documents: Iterable[dict[str, Any]]) -> None:
        rows = sorted(quotes, key=lambda record: int(record["quote_id"]))
        name_ids: dict[str, int] = {}

        def name_id(name: str | None) -> int:
            return -1 if name is None else name_ids.setdefault(name, len(name_ids))

        def column(values: Iterable[int], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
            return np.fromiter(values, dtype=dtype, count=len(rows))

        self.docs = column((int(r["doc_index"]) for r in rows), np.int64)
        self.sentence_starts = column((int(r["data"]["sentence_start"]) for r in rows), np.int64)
        self.sentence_ends = column((int(r["data"]["sentence_end"]) for r in rows), np.int64)
        self.speakers = column((name_id(r["data"].get("speaker")) for r in rows), np.int64)
        self.written = column((name_id(r["data"].get("speaker_as_written")) for r in rows), np.int64)
        self.names = list(name_ids)
        self.doc_names = {int(d["doc_index"]): str(d["doc"]) for d in documents}

    def __len__(self) -> int:
        return len(self.docs)
