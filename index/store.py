"""The on-disk index: versioned, written whole into a fresh directory, swapped in atomically.

Layout of an index directory::

    index_dir/
      current -> gen-20261122T130501-4821   (a symlink, replaced atomically with os.replace)
      gen-20261122T130501-4821/
        manifest.json        format name and version, counts, corpus files with their hashes
        arrays/*.npy         numbers (chunk and sentence spans...), memory-mapped on load
        texts.bin            every document's text, UTF-8, back to back
        docs.jsonl quotes.jsonl   one JSON record a line, found by byte offsets kept in arrays/
        bm25/                the scorer's own files
      .build.lock            held (flock) while a build runs

Nothing is pickled: numpy arrays are loaded with ``allow_pickle=False`` and the rest is JSON, so
opening an index never runs code from it. A build writes a new generation and only then repoints
``current``; a crash or kill at any moment leaves the previous generation in place and loadable.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.errors import IndexCorrupt, IndexMissing

FORMAT = "citebot-index"
VERSION = 3  # 2: BM25 postings hold idf-weighted contributions; 3: per-term maxima
CURRENT = "current"
MANIFEST = "manifest.json"
_REBUILD = "Rebuild it with `citebot index build` (or delete the directory)."


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
    return manifest


def current_generation(index_dir: Path) -> Path:
    """The directory the index currently serves from (``index_dir`` itself for a bare generation)."""
    link = index_dir / CURRENT
    if not link.is_symlink() and (index_dir / MANIFEST).exists():
        return index_dir  # a bare generation directory
    if not link.is_symlink() and not link.exists():
        raise IndexMissing(f"No index at {index_dir}. Build one with `citebot index build`.")
    target = link.resolve()
    if not target.is_dir():
        raise IndexCorrupt(f"The index at {index_dir} points to a missing generation. {_REBUILD}")
    return target


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
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
    _fsync_tree(staged)
    staged.rename(final)
    link_tmp = index_dir / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(final.name)
    os.replace(link_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    remove_stale(index_dir, keep=final)
    return final


def remove_stale(index_dir: Path, keep: Path | None) -> None:
    """Delete generations and half-written builds other than ``keep`` (readers keep open mmaps)."""
    for child in index_dir.iterdir():
        if child.name.startswith(("gen-", "tmp-")) and child != keep and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


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


# --- writing -------------------------------------------------------------------------------------


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_array(generation: Path, name: str, values: npt.ArrayLike, dtype: npt.DTypeLike) -> None:
    np.save(generation / "arrays" / f"{name}.npy", np.asarray(values, dtype=dtype), allow_pickle=False)


def write_records(generation: Path, name: str, records: Iterable[object]) -> int:
    """One JSON record a line, with the byte offset of each line in ``arrays/<name>_offsets``."""
    offsets = [0]
    with open(generation / f"{name}.jsonl", "wb") as handle:
        for record in records:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    write_array(generation, f"{name}_offsets", offsets, np.int64)
    return len(offsets) - 1


def write_texts(generation: Path, texts: Iterable[str]) -> None:
    """Document texts back to back, with the byte offset of each in ``arrays/text_offsets``."""
    offsets = [0]
    with open(generation / "texts.bin", "wb") as handle:
        for text in texts:
            data = text.encode("utf-8")
            handle.write(data)
            offsets.append(offsets[-1] + len(data))
    write_array(generation, "text_offsets", offsets, np.int64)


# --- reading -------------------------------------------------------------------------------------


def load_array(generation: Path, name: str) -> npt.NDArray[Any]:
    path = generation / "arrays" / f"{name}.npy"
    try:
        array: npt.NDArray[Any] = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise IndexCorrupt(f"The index at {generation} lacks {path.name}. {_REBUILD}") from None
    except (OSError, ValueError) as err:
        raise IndexCorrupt(f"The index file {path} is damaged ({err}). {_REBUILD}") from None
    # A plain ndarray view of the map: np.memmap's own indexing is several times slower.
    return array.view(np.ndarray)


class Blob:
    """A file of back-to-back items, read by byte offsets through a memory map."""

    def __init__(self, path: Path, offsets: npt.NDArray[Any]) -> None:
        self._path = path
        self._offsets = offsets
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexCorrupt(f"The index lacks {path.name}. {_REBUILD}") from None
        if len(offsets) == 0 or int(offsets[-1]) != size:
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
        return self._map[int(self._offsets[i]) : int(self._offsets[i + 1])]

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


def open_blob(generation: Path, filename: str, offsets_name: str) -> Blob:
    return Blob(generation / filename, load_array(generation, offsets_name))
