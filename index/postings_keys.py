"""A BM25 posting packed in one non-negative int64: term id (24 bits), passage id (27), term
frequency (12), in that order from the top, so that sorting the keys sorts the postings by term,
then passage. The build's common currency: the pipeline's parsing batches, the build from tokens
(``index/bm25_build.py``) and the scorer's segmenting (``index/bm25.py``) all speak it."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

TERM_SHIFT, DOC_SHIFT = 39, 12
TERM_MASK, DOC_MASK, TF_MASK = (1 << 24) - 1, (1 << 27) - 1, (1 << 12) - 1
OUT_OF_RANGE = "too many terms or passages, or a term repeated over 4,095 times in a passage"


def pack_postings(
    terms: npt.NDArray[Any], docs: npt.NDArray[Any], tfs: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """(term, passage, tf) columns as one sortable int64 each. Passages are at most 1,200
    characters, so a term occurs fewer than 4,096 times in one; the other limits are 16.7 million
    distinct terms and 134 million passages."""
    if len(terms) and (
        int(terms.max()) > TERM_MASK or int(docs.max()) > DOC_MASK or int(tfs.max()) > TF_MASK
    ):
        raise ValueError(OUT_OF_RANGE)
    keys = terms.astype(np.int64) << TERM_SHIFT
    keys |= docs.astype(np.int64) << DOC_SHIFT
    keys |= tfs.astype(np.int64)
    return keys
