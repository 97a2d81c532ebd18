"""The on-disk index: versioned, written whole into a fresh directory, swapped in atomically.

Layout of an index directory::

    index_dir/
      current -> gen-20261122T130501-4821   (a symlink, replaced atomically with os.replace)
      gen-20261122T130501-4821/
        manifest.json        format name and version, counts, corpus files with their hashes
        arrays/*.col         integer columns (per-document pointers, spans, per-quote numbers,
                             item offsets, the name table), delta-coded and compressed
                             (``index.columns``), each decoded whole the first time it is read
        texts.bin            every document's text, UTF-8, back to back, in zstd blocks of 4 KB
                             after the blocks' dictionary
        docs.jsonl quotes.jsonl   one JSON record a line, in zstd blocks the same way; items are
                             found by their offsets in the uncompressed stream (arrays/*_offsets)
                             and blocks by theirs in the file (arrays/*_blocks)
        quote_names.json     the distinct speaker names that arrays/quote_*.col point into
        bm25/                the scorer's own files (postings in zstd frames, columns, JSON)
        .lease               held (shared flock) by every reader of this generation
      .build.lock            held (flock) while a build runs

Nothing is pickled: columns and the scorer's postings are raw numbers (under a JSON header, in
zstd frames) and the rest is JSON, so opening an index never runs code from it. A build writes a
new generation and only then repoints ``current``; a crash or kill at any moment leaves the
previous generation in place and loadable.

Every file of a generation has a CRC-32 in the manifest, checked the first time a reader reads the
file: damage is an ``IndexCorrupt`` (and a rebuild), never a traceback or a wrong answer. Readers
hold a shared lock on their generation's ``.lease``; a build removes an old generation only when
it can take that lock exclusively, so a reader in another process (the bot, ``citebot chat``) never
has its generation deleted under it. Odd states (``current`` a directory or a symlink loop,
``.build.lock`` a directory, a manifest missing keys) are repaired by the next build.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import mmap
import os
import shutil
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import zstandard

from index import columns
from index.errors import GenerationGone, IndexCorrupt, IndexMissing

FORMAT = "citebot-index"
# 2: BM25 postings hold idf-weighted contributions; 3: per-term maxima; 4: per-quote arrays;
# 5: impact segments, compressed blobs, int32 arrays; 6: titles as spans of the text, a name
# table of hashes only, narrower span arrays; 7: compressed integer columns (counts, not pointers;
# spans as gaps and lengths), zstd blocks of 64 KB, quote records without their text; 8 (two
# branches, one number): BM25 postings as passage gaps and term frequencies in zstd frames, decoded
# per term, or blobs in 4 KB blocks with a dictionary; 9: both
VERSION = 9
CURRENT = "current"
MANIFEST = "manifest.json"
LEASE = ".lease"
BUILD_LOCK = ".build.lock"
REPORT = "report.json"
_REBUILD = "Rebuild it with `citebot index build --repair`."
# Manifest keys a reader relies on, with their types: a manifest without them is damage.
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "corpus_dir": str,
    "pipeline": str,
    "documents": int,
    "chunks": int,
    "quotes": int,
    "files": dict,
    "stamps": dict,
    "checksums": dict,
}
# Files of a generation that carry no checksum: the manifest itself, the lease, the build report.
_UNCHECKED = frozenset({MANIFEST, LEASE, REPORT})


def read_manifest(generation: Path) -> dict[str, Any]:
    """The manifest of one generation, checked for format and version."""
    path = generation / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"The index at {generation} has no {MANIFEST}. {_REBUILD}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IndexCorrupt(f"The index manifest {path} is unreadable ({err}). {_REBUILD}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorrupt(f"{generation} is not a citebot index. {_REBUILD}")
    if manifest.get("version") != VERSION:
        raise IndexCorrupt(
            f"The index at {generation} has format version {manifest.get('version')}, "
            f"this citebot reads version {VERSION}. {_REBUILD}"
        )
    missing = [key for key, kind in _REQUIRED.items() if not isinstance(manifest.get(key), kind)]
    if missing:
        raise IndexCorrupt(f"The index manifest {path} lacks {', '.join(missing)}. {_REBUILD}")
    if not all(_is_file_entry(entry) for entry in manifest["files"].values()):
        raise IndexCorrupt(f"The index manifest {path} has damaged file entries. {_REBUILD}")
    return manifest


def _is_file_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("doc_runs"), list)
        and all(_is_run(run) for run in entry["doc_runs"])
    )


def _is_run(run: object) -> bool:
    return (
        isinstance(run, list)
        and len(run) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in run)
        and run[0] >= 0
        and run[1] > 0
    )


def doc_runs(doc_ids: Sequence[int]) -> list[list[int]]:
    """Document ids as runs of consecutive ids, [first, count] each: a file's documents are
    numbered in a row, so a file of 10,000 records takes one pair in the manifest, not 10,000 ids."""
    runs: list[list[int]] = []
    for doc in doc_ids:
        if runs and runs[-1][0] + runs[-1][1] == doc:
            runs[-1][1] += 1
        else:
            runs.append([doc, 1])
    return runs


def file_docs(entry: dict[str, Any]) -> list[int]:
    """The ids of the documents a manifest's file entry holds (``doc_runs`` expanded)."""
    return [doc for first, count in entry["doc_runs"] for doc in range(first, first + count)]


def current_generation(index_dir: Path) -> Path:
    """The directory the index currently serves from (``index_dir`` itself for a bare generation)."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexMissing(f"{index_dir} is a file, not an index folder.")
    link = index_dir / CURRENT
    if not link.is_symlink() and (index_dir / MANIFEST).exists():
        return index_dir  # a bare generation directory
    if not link.is_symlink():
        if link.exists():
            raise IndexCorrupt(f"The index at {index_dir} has a '{CURRENT}' that is not a link. {_REBUILD}")
        raise IndexMissing(f"No index at {index_dir}. Build one with `citebot index build`.")
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link, or a link loop
        raise IndexCorrupt(f"The index at {index_dir} points to a missing generation. {_REBUILD}") from None
    if not target.is_dir():
        raise IndexCorrupt(f"The index at {index_dir} points to a missing generation. {_REBUILD}")
    return target


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = index_dir / BUILD_LOCK
    if lock.is_dir() and not lock.is_symlink():
        shutil.rmtree(lock)  # a directory where the lock file belongs: nobody can hold it, so replace it
    elif lock.is_symlink():
        lock.unlink()
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty directory for the next generation (not yet served)."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = index_dir / f"tmp-{stamp}-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    path.mkdir(parents=True)
    (path / "arrays").mkdir()
    return path


def publish(index_dir: Path, staged: Path) -> Path:
    """Make ``staged`` the current generation atomically, then remove the ones it replaced."""
    final = index_dir / ("gen-" + staged.name.removeprefix("tmp-"))
    (staged / LEASE).touch()
    _fsync_tree(staged)
    staged.rename(final)
    link_tmp = index_dir / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(final.name)
    current = index_dir / CURRENT
    if current.is_dir() and not current.is_symlink():
        # A real directory where the link belongs (a copy gone wrong): moved aside, removed below.
        current.rename(index_dir / f"tmp-current-{os.getpid()}-{time.monotonic_ns()}")
    os.replace(link_tmp, current)
    _fsync_dir(index_dir)
    remove_stale(index_dir, keep=final)
    return final


def remove_stale(index_dir: Path, keep: Path | None) -> None:
    """Delete half-written builds and the generations other than ``keep`` that no reader holds.

    Only a build (under the build lock) calls this, so a ``tmp-`` directory is never in use.
    """
    for child in index_dir.iterdir():
        if child == keep or child.is_symlink() or not child.is_dir():
            continue
        if child.name.startswith("tmp-"):
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith("gen-"):
            _remove_unleased(child)


def _remove_unleased(generation: Path) -> None:
    """Remove ``generation`` unless a reader holds its lease (the lock dies with its process)."""
    try:
        handle = open(generation / LEASE, "rb")  # noqa: SIM115 - held across the removal below
    except FileNotFoundError:
        shutil.rmtree(generation, ignore_errors=True)
        return
    except OSError:
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a reader holds it: it goes at a later build, once the reader is done
        shutil.rmtree(generation, ignore_errors=True)


class Lease:
    """A reader's hold on a generation: while it lives, no build removes the generation."""

    def __init__(self, generation: Path) -> None:
        self._handle: IO[bytes] | None = None
        try:
            handle = open(generation / LEASE, "rb")  # noqa: SIM115 - held for the reader's lifetime
        except FileNotFoundError:
            if not (generation / MANIFEST).exists():
                raise GenerationGone(f"The index generation {generation.name} was removed.") from None
            return  # a generation from before leases, or a bare one: nothing to hold
        except OSError:
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise GenerationGone(f"The index generation {generation.name} is being removed.") from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def repair(index_dir: Path) -> list[str]:
    """Put an index directory's layout right before a ``--repair`` build; what was done, in words."""
    done: list[str] = []
    current = index_dir / CURRENT
    if current.is_symlink():
        try:
            read_manifest(current.resolve(strict=True))
        except (OSError, RuntimeError, IndexCorrupt):
            current.unlink()
            done.append(f"removed the broken '{CURRENT}' link")
    elif current.exists():
        if current.is_dir():
            shutil.rmtree(current)
        else:
            current.unlink()
        done.append(f"removed '{CURRENT}', which was not a link")
    lock = index_dir / BUILD_LOCK
    if lock.is_dir() and not lock.is_symlink():
        shutil.rmtree(lock)
        done.append(f"replaced the '{BUILD_LOCK}' directory")
    return done


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- checksums -----------------------------------------------------------------------------------


def checksum(path: Path) -> str:
    """The file's size and CRC-32 (damage detection, not security: 6 GB/s, three times SHA-256)."""
    crc, size = 0, 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return f"{size}:{crc:08x}"


def checksums(generation: Path) -> dict[str, str]:
    """The checksum of every file a reader reads in ``generation``, by relative path."""
    return {
        path.relative_to(generation).as_posix(): checksum(path)
        for path in sorted(generation.rglob("*"))
        if path.is_file() and path.name not in _UNCHECKED
    }


class Verifier:
    """Checks each file of a generation against the manifest the first time it is read."""

    def __init__(self, generation: Path, expected: dict[str, Any]) -> None:
        self.generation = generation
        self._expected = expected
        self._verified: set[str] = set()
        self._lock = threading.Lock()

    def verify(self, rel: str) -> Path:
        """The path of ``rel``, once its content matches its checksum; IndexCorrupt otherwise."""
        path = self.generation / rel
        if rel in self._verified:
            return path
        with self._lock:
            if rel not in self._verified:
                self._check(rel, path)
                self._verified.add(rel)
        return path

    def verify_all(self) -> None:
        for rel in self._expected:
            self.verify(rel)

    def _check(self, rel: str, path: Path) -> None:
        expected = self._expected.get(rel)
        if not isinstance(expected, str):
            raise IndexCorrupt(f"The index at {self.generation} has no checksum for {rel}. {_REBUILD}")
        try:
            actual = checksum(path)
        except FileNotFoundError:
            if not (self.generation / MANIFEST).exists():
                raise GenerationGone(f"The index generation {self.generation.name} was removed.") from None
            raise IndexCorrupt(f"The index at {self.generation} lacks {rel}. {_REBUILD}") from None
        except OSError as err:
            raise IndexCorrupt(f"The index file {path} is unreadable ({err.strerror}). {_REBUILD}") from None
        if actual != expected:
            raise IndexCorrupt(f"The index file {path} is damaged (checksum mismatch). {_REBUILD}")


# --- writing -------------------------------------------------------------------------------------


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


# Bytes of a blob's items compressed together: one block is inflated per item read, and answers
# read items at random (a quote's record, its document's text), so blocks are small, and a zstd
# dictionary trained on the blob's first bytes gives them back the ratio of large ones. Measured on
# KJV 1M's texts: 64 KB blocks 0.329 of the text, 40 us a block; 4 KB blocks 0.418 alone, 0.321 with
# a 64 KB dictionary, 6 us a block (bench/results/2026-11-30-blocks.md).
BLOCK = 4096
_LEVEL = 9
_CACHED_BLOCKS = 1024  # inflated blocks kept per open blob (4 MB)
_SAMPLE = 4 << 20  # bytes a dictionary is trained on: the blob's first
_SMALLEST_SAMPLE = 256 << 10  # below this, no dictionary: too little to learn from, or to gain
_DICTIONARY = 65_536  # bytes at most
_DICTIONARY_GAIN = 0.98  # kept only when it shrinks the sample, itself counted, by this much


class BlobWriter:
    """Items appended back to back to one file, compressed in blocks of ``BLOCK`` bytes (zstd),
    with each item's offsets in the uncompressed stream and each block's offset in the file. The
    file starts with the blocks' dictionary (``blocks[0]`` bytes; none when 0)."""

    def __init__(self, generation: Path, filename: str, offsets_name: str) -> None:
        self._generation, self._offsets_name = generation, offsets_name
        self._handle: IO[bytes] = open(generation / filename, "wb")  # noqa: SIM115 (closed in close)
        self._offsets = array("q", [0])
        self._blocks: array[int] | None = None  # set once the dictionary is chosen
        self._pending = bytearray()
        self._compressor = zstandard.ZstdCompressor(level=_LEVEL)

    def add(self, data: bytes) -> None:
        self._pending += data
        self._offsets.append(self._offsets[-1] + len(data))
        if self._blocks is None:
            if len(self._pending) < _SAMPLE:
                return
            self._start()
        self._flush_whole_blocks()

    def _start(self) -> None:
        """Choose the dictionary from what is pending (the blob's first bytes) and write it."""
        dictionary = _trained_dictionary(bytes(self._pending))
        if dictionary is not None:
            self._compressor = zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary)
            self._handle.write(dictionary.as_bytes())
        self._blocks = array("q", [self._handle.tell()])

    def _flush_whole_blocks(self) -> None:
        whole = len(self._pending) - len(self._pending) % BLOCK
        for start in range(0, whole, BLOCK):
            self._flush(bytes(self._pending[start : start + BLOCK]))
        del self._pending[:whole]

    def _flush(self, block: bytes) -> None:
        assert self._blocks is not None
        packed = self._compressor.compress(block)
        self._handle.write(packed)
        self._blocks.append(self._blocks[-1] + len(packed))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def close(self) -> None:
        if self._blocks is None:
            self._start()
        self._flush_whole_blocks()
        if self._pending:
            self._flush(bytes(self._pending))
        self._handle.close()
        assert self._blocks is not None
        # Both grow item by item: stored as sizes (delta-coded), a byte or two each.
        columns.write(
            self._generation, self._offsets_name, np.frombuffer(self._offsets, np.int64), delta=True
        )
        blocks = np.frombuffer(self._blocks, np.int64)
        columns.write(self._generation, _blocks_name(self._offsets_name), blocks, delta=True)


def _trained_dictionary(sample: bytes) -> zstandard.ZstdCompressionDict | None:
    """A dictionary for ``sample``'s blocks, or None when one does not pay for itself there."""
    if len(sample) < _SMALLEST_SAMPLE:
        return None
    blocks: list[bytes | bytearray | memoryview] = [
        sample[i : i + BLOCK] for i in range(0, len(sample), BLOCK)
    ]
    try:
        dictionary = zstandard.train_dictionary(min(_DICTIONARY, len(sample) // 64), blocks, level=_LEVEL)
    except zstandard.ZstdError:  # too uniform or too varied to learn from
        return None
    plain = zstandard.ZstdCompressor(level=_LEVEL)
    helped = zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary)
    without = sum(len(plain.compress(block)) for block in blocks)
    with_it = sum(len(helped.compress(block)) for block in blocks) + len(dictionary.as_bytes())
    return dictionary if with_it < without * _DICTIONARY_GAIN else None


def _blocks_name(offsets_name: str) -> str:
    return offsets_name.removesuffix("_offsets") + "_blocks"


class Blob:
    """A file of back-to-back items compressed in blocks, read by offsets: an item is cut from the
    (cached) inflated blocks that hold it.

    ``before_first_read`` (the checksum) runs once, on the first item read: a large file that a
    reader never touches is never hashed.
    """

    def __init__(
        self,
        path: Path,
        offsets: npt.NDArray[Any],
        blocks: npt.NDArray[Any],
        before_first_read: Callable[[], object] | None = None,
    ) -> None:
        self._path = path
        self._offsets, self._blocks = offsets, blocks
        self._before_first_read = before_first_read
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._local = threading.local()  # a decompressor per thread: one is not shared safely
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexCorrupt(f"The index lacks {path.name}. {_REBUILD}") from None
        if (
            len(offsets) == 0
            or len(blocks) == 0
            or int(blocks[-1]) != size
            or len(blocks) - 1 != -(-int(offsets[-1]) // BLOCK)  # whole blocks, and the last one
            or not 0 <= int(blocks[0]) <= _DICTIONARY
        ):
            raise IndexCorrupt(f"The index file {path} does not match its offsets. {_REBUILD}")
        self._map: mmap.mmap | bytes
        if size == 0:
            self._map = b""
        else:
            with open(path, "rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def size(self, i: int) -> int:
        return int(self._offsets[i + 1] - self._offsets[i])

    def raw(self, i: int) -> bytes:
        if self._before_first_read is not None:
            self._before_first_read()
            self._before_first_read = None
        if not 0 <= i < len(self):
            raise IndexError(i)
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        if start == end:
            return b""
        first, last = start // BLOCK, (end - 1) // BLOCK
        data = b"".join(self._block(j) for j in range(first, last + 1))
        return data[start - first * BLOCK : end - first * BLOCK]

    def _block(self, j: int) -> bytes:
        with self._cache_lock:
            cached = self._cache.get(j)
            if cached is not None:
                self._cache.move_to_end(j)
                return cached
        try:
            frame = self._map[int(self._blocks[j]) : int(self._blocks[j + 1])]
            # Checked before inflating: a damaged frame never asks for more than a block's bytes.
            if not 0 < zstandard.frame_content_size(frame) <= BLOCK:
                raise zstandard.ZstdError("not a block")
            block = self._decompressor().decompress(frame)
        except (zstandard.ZstdError, IndexError):
            raise IndexCorrupt(f"The index file {self._path} is damaged. {_REBUILD}") from None
        with self._cache_lock:
            self._cache[j] = block
            if len(self._cache) > _CACHED_BLOCKS:
                self._cache.popitem(last=False)
        return block

    def _decompressor(self) -> zstandard.ZstdDecompressor:
        decompressor: zstandard.ZstdDecompressor | None = getattr(self._local, "decompressor", None)
        if decompressor is None:
            dictionary_size = int(self._blocks[0])
            if dictionary_size:
                dictionary = zstandard.ZstdCompressionDict(bytes(self._map[:dictionary_size]))
                decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
            else:
                decompressor = zstandard.ZstdDecompressor()
            self._local.decompressor = decompressor
        return decompressor

    def text(self, i: int) -> str:
        try:
            return self.raw(i).decode("utf-8")
        except UnicodeDecodeError:
            raise IndexCorrupt(f"The index file {self._path} is damaged. {_REBUILD}") from None

    def record(self, i: int) -> Any:
        try:
            return json.loads(self.raw(i))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise IndexCorrupt(f"The index file {self._path} is damaged. {_REBUILD}") from None


def open_blob(generation: Path, filename: str, offsets_name: str, verifier: Verifier | None = None) -> Blob:
    offsets = columns.read(generation, offsets_name, verifier)
    blocks = columns.read(generation, _blocks_name(offsets_name), verifier)
    if verifier is None:
        return Blob(generation / filename, offsets, blocks)
    return Blob(generation / filename, offsets, blocks, lambda: verifier.verify(filename))


def load_json(generation: Path, rel: str, verifier: Verifier | None = None) -> Any:
    """A JSON file of the generation, checked first."""
    path = verifier.verify(rel) if verifier is not None else generation / rel
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenerationGone(f"The index generation {generation.name} was removed.") from None
    except (OSError, ValueError) as err:
        raise IndexCorrupt(f"The index file {rel} is damaged ({err}). {_REBUILD}") from None


def is_disk_full(err: OSError) -> bool:
    return err.errno in (errno.ENOSPC, errno.EDQUOT)
