"""Integer columns: whatever the numbers, they come back exactly, in the narrowest type."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from index import columns
from index.errors import IndexCorrupt

_INT64 = st.integers(-(2**62), 2**62)


@given(st.lists(_INT64, max_size=300), st.booleans())
def test_any_numbers_come_back_exactly(values: list[int], delta: bool) -> None:
    decoded = columns.decode(columns.encode(values, delta=delta), "test")
    assert decoded.tolist() == values


@given(st.lists(st.integers(0, 2**40), max_size=200))
def test_growing_numbers_stored_as_gaps(steps: list[int]) -> None:
    pointers = np.cumsum([0, *steps])
    assert columns.decode(columns.encode(pointers, delta=True), "test").tolist() == pointers.tolist()


def test_small_counts_take_a_byte_and_pointers_compress() -> None:
    pointers = np.cumsum(np.r_[0, np.ones(100_000, dtype=np.int64)])
    data = columns.encode(pointers, delta=True)
    assert len(data) < 1_000  # 800 KB as int64 pointers, a few hundred bytes as counts of 1
    decoded = columns.decode(data, "test")
    assert decoded.dtype == np.uint32 and np.array_equal(decoded, pointers)


def test_narrowest_dtype_holds_every_value() -> None:
    cases = ((255, np.uint8), (256, np.uint16), (65_535, np.uint16), (65_536, np.uint32), (2**32, np.uint64))
    for top, dtype in cases:
        values = np.array([0, top], dtype=np.int64)
        assert columns.narrowest_dtype(values) == dtype
        assert np.array_equal(values.astype(columns.narrowest_dtype(values)), values)
    assert columns.narrowest_dtype(np.array([-1, 127])) == np.int8
    assert columns.narrowest_dtype(np.array([-1, 2**31])) == np.int64


@st.composite
def _documents_spans(draw: st.DrawFn) -> tuple[list[int], list[int], list[int]]:
    """Spans of several documents: (starts, ends, pointers), each document's in text order."""
    starts: list[int] = []
    ends: list[int] = []
    ptr = [0]
    for _ in range(draw(st.integers(0, 6))):
        at = 0
        for _ in range(draw(st.integers(0, 5))):
            at += draw(st.integers(0, 70_000))
            length = draw(st.integers(0, 70_000))
            starts.append(at)
            ends.append(at + length)
            at += length
        ptr.append(len(starts))
    return starts, ends, ptr


@given(_documents_spans())
def test_spans_come_back_from_gaps_and_lengths(spans: tuple[list[int], list[int], list[int]]) -> None:
    starts, ends, ptr = spans
    gaps, lengths = columns.span_parts(np.array(starts), np.array(ends), np.array(ptr))
    assert (gaps >= 0).all() and (lengths >= 0).all()
    got_starts, got_ends = columns.spans_from(gaps, lengths, np.array(ptr))
    assert got_starts.tolist() == starts and got_ends.tolist() == ends


@given(_documents_spans(), st.randoms(use_true_random=False))
def test_runs_of_whole_spans_are_found_and_come_back(
    spans: tuple[list[int], list[int], list[int]], rng: random.Random
) -> None:
    assume(all(end > start for start, end in zip(spans[0], spans[1], strict=True)))  # as sentences are
    starts, ends, ptr = (np.array(a, dtype=np.int64) for a in spans)
    # Group each document's spans into runs, as passages group sentences.
    runs: list[int] = []
    outer_ptr = [0]
    for doc in range(len(ptr) - 1):
        left = int(ptr[doc + 1] - ptr[doc])
        while left:
            runs.append(rng.randint(1, left))
            left -= runs[-1]
        outer_ptr.append(len(runs))
    outer = columns.spans_from_runs(np.array(runs, dtype=np.int64), starts, ends)
    found = columns.runs_of((*outer, np.array(outer_ptr)), (starts, ends, ptr))
    if not runs:
        assert found is None
        return
    assert found is not None and found.tolist() == runs
    assert [a.tolist() for a in columns.spans_from_runs(found, starts, ends)] == [a.tolist() for a in outer]


def test_spans_that_are_not_runs_are_not_taken_for_runs() -> None:
    sentences = (np.array([0, 10, 0]), np.array([9, 20, 5]), np.array([0, 2, 3]))
    whole = (np.array([0, 0]), np.array([20, 5]), np.array([0, 1, 2]))
    assert columns.runs_of(whole, sentences) is not None
    cut_short = (np.array([0, 0]), np.array([19, 5]), np.array([0, 1, 2]))
    across_documents = (np.array([0]), np.array([5]), np.array([0, 1, 1]))
    skipping = (np.array([10, 0]), np.array([20, 5]), np.array([0, 1, 2]))
    for passages in (cut_short, across_documents, skipping):
        assert columns.runs_of(passages, sentences) is None


def test_overlapping_spans_come_back_too() -> None:
    starts, ends, ptr = np.array([5, 3, 0, 10]), np.array([9, 20, 4, 12]), np.array([0, 2, 4])
    got = columns.spans_from(*columns.span_parts(starts, ends, ptr), ptr)
    assert got[0].tolist() == starts.tolist() and got[1].tolist() == ends.tolist()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"{}\n" + data.split(b"\n", 1)[1],
        lambda data: data.replace(b'"<u2"', b'"|O"'),
        lambda data: data.replace(b'"n":3', b'"n":4'),
        lambda data: b"",
    ],
)
def test_a_damaged_column_is_index_damage(tmp_path: Path, damage: object) -> None:
    (tmp_path / "arrays").mkdir()
    columns.write(tmp_path, "numbers", [1, 300, 7])
    path = tmp_path / columns.rel_path("numbers")
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(IndexCorrupt):
        columns.read(tmp_path, "numbers")


def test_a_column_of_the_wrong_length_is_index_damage(tmp_path: Path) -> None:
    (tmp_path / "arrays").mkdir()
    columns.write(tmp_path, "numbers", [1, 2, 3])
    assert columns.read(tmp_path, "numbers", length=3).tolist() == [1, 2, 3]
    with pytest.raises(IndexCorrupt):
        columns.read(tmp_path, "numbers", length=4)
    with pytest.raises(IndexCorrupt):
        columns.read(tmp_path, "missing")
