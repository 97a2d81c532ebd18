"""Integer columns on disk: narrowed, delta-coded where they grow, byte-planed and compressed.

A column is one file, ``arrays/<name>.col``: a one-line JSON header (dtype, length, base, delta),
then one zstd frame of the values minus ``base`` in the narrowest dtype that holds them, each
value's bytes split into planes (all low bytes, then all high bytes: the high planes of small
numbers are runs of zeros, which compress to nothing). ``delta`` columns store differences from
the previous value: per-document pointers become per-document counts (a byte each, mostly), sorted
ids become small gaps. A column is decoded whole, once, the first time it is read (checked against
its CRC-32 first), and kept in memory in the narrowest dtype that holds its values.

Spans (a document's paragraphs, sentences or passages, as character offsets into its text) are two
columns: the gap from the end of the previous span of the same document (or from 0), and the
length; starts and ends are summed back from them with the per-document pointers. Spans that are
each a run of consecutive spans of another family (a passage is whole sentences) are one column
instead, ``<name>_runs``: how many of those each covers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import zstandard

from index.errors import IndexCorrupt

SUFFIX = ".col"
_LEVEL = 9
_REBUILD = "Rebuild it with `citebot index build --repair`."

Ints = npt.NDArray[Any]


class Verifies(Protocol):
    """What checks a file against its checksum before it is read (``store.Verifier``)."""

    def verify(self, rel: str) -> Path: ...


def rel_path(name: str) -> str:
    """The column's path in a generation, as its checksum is keyed."""
    return f"arrays/{name}{SUFFIX}"


def narrowest_dtype(values: Ints) -> np.dtype[Any]:
    """The narrowest integer dtype holding ``values``: unsigned when none is negative."""
    if not len(values):
        return np.dtype(np.uint8)
    low, high = int(np.min(values)), int(np.max(values))
    kinds = (np.uint8, np.uint16, np.uint32, np.uint64) if low >= 0 else (np.int8, np.int16, np.int32)
    for kind in kinds:
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return np.dtype(kind)
    return np.dtype(np.int64)


def encode(values: npt.ArrayLike, *, delta: bool = False) -> bytes:
    """A column's file content (see the module's docstring)."""
    ints = np.asarray(values, dtype=np.int64).reshape(-1)
    stored = np.diff(ints, prepend=np.int64(0)) if delta else ints
    base = int(stored.min()) if len(stored) else 0
    shifted = stored - base
    narrow = shifted.astype(narrowest_dtype(shifted))
    header = {"dtype": narrow.dtype.str, "n": len(narrow), "base": base, "delta": delta}
    planes = narrow.view(np.uint8).reshape(len(narrow), narrow.itemsize).T.tobytes()
    body = zstandard.ZstdCompressor(level=_LEVEL).compress(planes)
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def decode(data: bytes, where: str) -> Ints:
    """A column's values from its file content; IndexCorrupt (naming ``where``) if it is damaged."""
    try:
        line, body = data.split(b"\n", 1)
        header = json.loads(line)
        dtype, n, base, delta = np.dtype(header["dtype"]), header["n"], header["base"], header["delta"]
        if dtype.kind not in "iu" or not isinstance(n, int) or not isinstance(base, int) or n < 0:
            raise ValueError("bad header")
        # The frame says how much it inflates to: checked first, so damage never asks for gigabytes.
        if zstandard.frame_content_size(body) != n * dtype.itemsize:
            raise ValueError("wrong length")
        planes = np.frombuffer(zstandard.decompress(body), dtype=np.uint8)
        if planes.size != n * dtype.itemsize:
            raise ValueError("wrong length")
    except (ValueError, KeyError, TypeError, zstandard.ZstdError):
        raise IndexCorrupt(f"The index file {where} is damaged. {_REBUILD}") from None
    values: Ints = planes.reshape(dtype.itemsize, n).T.copy().view(dtype).reshape(n)
    if base == 0 and not delta:
        return values
    wide: Ints = values.astype(np.int64) + base
    if delta:
        wide = np.cumsum(wide)
    narrow: Ints = wide.astype(narrowest_dtype(wide))
    return narrow


def write(generation: Path, name: str, values: npt.ArrayLike, *, delta: bool = False) -> None:
    (generation / rel_path(name)).write_bytes(encode(values, delta=delta))


def read(generation: Path, name: str, verifier: Verifies | None = None, length: int | None = None) -> Ints:
    """Column ``name`` of a generation, once ``verifier`` (if given) has checked its file;
    IndexCorrupt when it is missing, damaged or not ``length`` long."""
    rel = rel_path(name)
    if verifier is not None:
        verifier.verify(rel)
    try:
        data = (generation / rel).read_bytes()
    except FileNotFoundError:
        raise IndexCorrupt(f"The index at {generation} lacks {rel}. {_REBUILD}") from None
    except OSError as err:
        raise IndexCorrupt(f"The index file {rel} is unreadable ({err.strerror}). {_REBUILD}") from None
    values = decode(data, str(generation / rel))
    if length is not None and len(values) != length:
        raise IndexCorrupt(f"The index at {generation} is inconsistent ({rel}). {_REBUILD}")
    return values


# --- spans ---------------------------------------------------------------------------------------


def span_parts(starts: Ints, ends: Ints, ptr: Ints) -> tuple[Ints, Ints]:
    """(gaps, lengths) of spans grouped by document (``ptr``: where each document's spans begin)."""
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    previous_end = np.concatenate(([0], ends[:-1])) if len(ends) else ends
    first = np.asarray(ptr[:-1], dtype=np.int64)
    first = first[first < len(starts)]
    previous_end[first] = 0  # a document's first span counts from the start of its text
    return starts - previous_end, ends - starts


def spans_from(gaps: Ints, lengths: Ints, ptr: Ints) -> tuple[Ints, Ints]:
    """The (starts, ends) that ``span_parts`` took apart."""
    steps = np.asarray(gaps, dtype=np.int64) + np.asarray(lengths, dtype=np.int64)
    running = np.cumsum(steps)
    counts: Ints = np.diff(np.asarray(ptr, dtype=np.int64))
    # Each span's document starts counting from what the spans before that document summed to.
    before_doc = np.concatenate(([0], running))[np.asarray(ptr[:-1], dtype=np.int64)]
    ends = running - np.repeat(before_doc, counts)
    starts = ends - lengths
    return starts.astype(narrowest_dtype(starts)), ends.astype(narrowest_dtype(ends))


def runs_of(spans: tuple[Ints, Ints, Ints], inner: tuple[Ints, Ints, Ints]) -> Ints | None:
    """How many ``inner`` spans each of ``spans`` covers, both given as (starts, ends, per-document
    pointers): when every span is exactly a run of consecutive inner spans of its document and the
    runs cover the inner spans in order, one after the other; None when they do not."""
    starts, ends, ptr = (np.asarray(a, dtype=np.int64) for a in spans)
    inner_starts, inner_ends, inner_ptr = (np.asarray(a, dtype=np.int64) for a in inner)
    if len(ptr) != len(inner_ptr) or not len(starts) or len(starts) > len(inner_starts):
        return None
    docs = np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(ptr))
    inner_docs = np.repeat(np.arange(len(inner_ptr) - 1, dtype=np.int64), np.diff(inner_ptr))
    inner_keys = (inner_docs << 32) | inner_starts  # texts are under 4 GB
    if np.any(np.diff(inner_keys) <= 0):
        return None
    first = np.searchsorted(inner_keys, (docs << 32) | starts)
    runs = np.diff(np.append(first, len(inner_starts)))
    if first[0] != 0 or np.any(runs < 1):
        return None
    rebuilt_starts, rebuilt_ends = spans_from_runs(runs, inner_starts, inner_ends)
    exact = (
        np.array_equal(rebuilt_starts, starts)
        and np.array_equal(rebuilt_ends, ends)
        and np.array_equal(inner_docs[first], docs)
        and np.array_equal(inner_docs[np.cumsum(runs) - 1], docs)
    )
    return runs if exact else None


def spans_from_runs(runs: Ints, inner_starts: Ints, inner_ends: Ints) -> tuple[Ints, Ints]:
    """The (starts, ends) of spans that are each a run of ``runs`` consecutive inner spans."""
    last = np.cumsum(np.asarray(runs, dtype=np.int64)) - 1
    return inner_starts[last - runs + 1], inner_ends[last]


def write_spans(generation: Path, name: str, starts: Ints, ends: Ints, ptr: Ints) -> None:
    gaps, lengths = span_parts(starts, ends, ptr)
    write(generation, f"{name}_gap", gaps)
    write(generation, f"{name}_len", lengths)


class Columns(Mapping[str, Ints]):
    """A generation's columns, each decoded (and checked) the first time it is read.

    ``lengths`` gives the plain columns and how long each must be: a number, or the name of a span
    family whose spans it has one value each for. A span family ``X`` in ``families`` adds
    ``X_start`` and ``X_end``, summed from ``X_gap`` and ``X_len`` with the pointers ``X_ptr``;
    ``totals`` says how many spans a family must have in all, where that is known beforehand.
    A family in ``runs`` is stored as runs of the family it maps to (``runs_of``).
    """

    def __init__(
        self,
        generation: Path,
        verifier: Verifies,
        lengths: Mapping[str, int | str],
        families: tuple[str, ...],
        totals: Mapping[str, int] | None = None,
        runs: Mapping[str, str] | None = None,
    ) -> None:
        self._generation, self._verifier = generation, verifier
        self._lengths, self._families, self._totals = dict(lengths), families, dict(totals or {})
        self._runs = dict(runs or {})
        self._names = list(lengths) + [f"{f}_{end}" for f in families for end in ("start", "end")]
        self._decoded: dict[str, Ints] = {}

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __getitem__(self, name: str) -> Ints:
        found = self._decoded.get(name)
        if found is not None:
            return found
        if name not in self._names:
            raise KeyError(name)
        family, _, end = name.rpartition("_")
        if family in self._families and end in ("start", "end"):
            self._decode_spans(family)
        else:
            self._decoded[name] = self._plain(name)
        return self._decoded[name]

    def _plain(self, name: str) -> Ints:
        length = self._lengths[name]
        values = read(
            self._generation,
            name,
            self._verifier,
            self._spans_in(length) if isinstance(length, str) else length,
        )
        if name.endswith("_ptr") and len(values):
            family = name.removesuffix("_ptr")
            if (
                int(values[0]) != 0
                or np.any(np.diff(values) < 0)
                or (family in self._totals and int(values[-1]) != self._totals[family])
            ):
                raise IndexCorrupt(f"The index at {self._generation} is inconsistent ({name}). {_REBUILD}")
        return values

    def _spans_in(self, family: str) -> int:
        return int(self[f"{family}_ptr"][-1])

    def _decode_spans(self, family: str) -> None:
        ptr = self[f"{family}_ptr"]
        spans = int(ptr[-1])
        inner = self._runs.get(family)
        if inner is not None:
            runs = read(self._generation, f"{family}_runs", self._verifier, spans)
            inner_starts, inner_ends = self[f"{inner}_start"], self[f"{inner}_end"]
            if (len(runs) and int(runs.min()) < 1) or int(runs.sum()) != len(inner_starts):
                raise IndexCorrupt(
                    f"The index at {self._generation} is inconsistent ({family}_runs). {_REBUILD}"
                )
            starts, ends = spans_from_runs(runs, inner_starts, inner_ends)
            self._decoded[f"{family}_start"], self._decoded[f"{family}_end"] = starts, ends
            return
        gaps = read(self._generation, f"{family}_gap", self._verifier, spans)
        lengths = read(self._generation, f"{family}_len", self._verifier, spans)
        starts, ends = spans_from(gaps, lengths, ptr)
        # Both at once: a dict store is atomic, so two threads at worst decode twice.
        self._decoded[f"{family}_start"], self._decoded[f"{family}_end"] = starts, ends
