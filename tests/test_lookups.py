"""Small lookups the query side leans on: searching a narrow column, and the per-index recency
cache of what a name finds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from index import Index, open_index
from index.answering.speakers import _Recent
from index.engine import _last_at_or_before


@given(
    st.lists(st.integers(0, 70_000), max_size=50),
    st.sampled_from([np.uint16, np.uint32, np.int32, np.int64]),
    st.integers(-(2**40), 2**40),
)
def test_a_narrow_column_is_searched_as_a_wide_one(values: list[int], dtype: type, wanted: int) -> None:
    column = np.array(sorted(v for v in values if v <= np.iinfo(dtype).max), dtype=dtype)
    expected = int(np.searchsorted(column.astype(np.int64), wanted, side="right")) - 1
    assert _last_at_or_before(column, wanted) == expected


def test_the_least_recently_used_go_once_the_sizes_pass_the_limit() -> None:
    recent: _Recent[str, str] = _Recent()
    recent.put("a", "A", 4, limit=10)
    recent.put("b", "B", 4, limit=10)
    assert recent.get("a") == "A"  # "a" is now the most recent
    recent.put("c", "C", 4, limit=10)  # 12 > 10: the least recent ("b") goes
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == ("A", None, "C")
    recent.put("c", "C2", 9, limit=10)  # a replaced value's old size is not counted twice
    assert (recent.get("a"), recent.get("c")) == (None, "C2")
    recent.put("d", "D", 50, limit=10)  # one value over the limit alone is still kept
    assert recent.get("d") == "D"


NAMING_FIELDS = ("speaker", "speaker_as_written", "speaker_roles", "relay", "speaks_for")


def test_a_quote_read_for_its_naming_names_its_speaker_as_the_whole_quote_does(sample_index: Index) -> None:
    count = int(sample_index.manifest["quotes"])
    assert count > 0
    for i in range(count):
        whole, naming = sample_index.quote(i), sample_index.quote_naming(i)
        assert [getattr(naming, f) for f in NAMING_FIELDS] == [getattr(whole, f) for f in NAMING_FIELDS]


def test_reading_a_quote_for_its_naming_reads_no_document(
    sample_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = open_index(sample_index.generation.parent)  # a fresh reader: nothing cached
    documents_read: list[int] = []
    full_text = index.text

    def text(doc_index: int) -> str:
        documents_read.append(doc_index)
        return full_text(doc_index)

    monkeypatch.setattr(index, "text", text)
    index.quote_naming(0)
    assert (index.quote_records_read, documents_read) == (1, [])
    index.quote(0)  # the whole quote does read its document: the check above can fail
    assert documents_read
