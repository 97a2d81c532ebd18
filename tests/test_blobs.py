"""Compressed blobs: every item comes back byte for byte, whatever its size and place."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index import columns, store
from index.errors import IndexCorrupt


def _write(generation: Path, items: list[bytes]) -> store.Blob:
    (generation / "arrays").mkdir(parents=True, exist_ok=True)
    writer = store.BlobWriter(generation, "items.bin", "items_offsets")
    for item in items:
        writer.add(item)
    writer.close()
    return store.open_blob(generation, "items.bin", "items_offsets")


@pytest.mark.parametrize("total", [0, 1, store.BLOCK - 1, store.BLOCK, store.BLOCK + 1, 5 * store.BLOCK])
def test_items_come_back_verbatim_at_every_block_boundary(tmp_path: Path, total: int) -> None:
    rng = random.Random(total)
    items: list[bytes] = []
    while sum(map(len, items)) < total:
        size = min(rng.choice([0, 1, 7, 300, store.BLOCK, 3 * store.BLOCK]), total - sum(map(len, items)))
        items.append("é€".encode() * (size // 5) + bytes(rng.randrange(256) for _ in range(size % 5)))
    blob = _write(tmp_path, items)
    assert len(blob) == len(items)
    for i in rng.sample(range(len(items)), len(items)):  # any order: blocks come from the cache or not
        assert blob.raw(i) == items[i]
        assert blob.size(i) == len(items[i])


def test_text_compresses(tmp_path: Path) -> None:
    text = "And God said, Let there be light: and there was light. " * 2000
    _write(tmp_path, [text.encode()])
    assert (tmp_path / "items.bin").stat().st_size < len(text) / 5


def test_a_damaged_block_is_index_damage(tmp_path: Path) -> None:
    _write(tmp_path, [b"x" * 40_000])
    data = bytearray((tmp_path / "items.bin").read_bytes())
    data[10] ^= 0xFF
    (tmp_path / "items.bin").write_bytes(bytes(data))
    blob = store.open_blob(tmp_path, "items.bin", "items_offsets")  # no verifier: the block is read
    with pytest.raises(IndexCorrupt):
        blob.raw(0)


def _verses(count: int, seed: int = 1) -> list[bytes]:
    """Short records that share most of their words, as verses and quote records do."""
    rng = random.Random(seed)
    words = "and the lord said unto moses behold I will send thee into egypt with my people".split()
    out = []
    for n in range(count):
        said = " ".join(rng.choices(words, k=rng.randrange(8, 30)))
        out.append(f'{{"doc":"part{n // 500:04d}","line":{n},"text":"{said}"}}'.encode())
    return out


def _dictionary_size(generation: Path) -> int:
    return int(columns.read(generation, "items_blocks")[0])


def test_a_large_blob_of_alike_items_gets_a_dictionary_and_reads_back(tmp_path: Path) -> None:
    items = _verses(12_000)  # about 1.5 MB: past the smallest sample a dictionary is trained on
    blob = _write(tmp_path, items)
    assert _dictionary_size(tmp_path) > 0
    rng = random.Random(3)
    for i in rng.sample(range(len(items)), 2000):
        assert blob.raw(i) == items[i]
    # Each read from any thread: a decompressor holds the dictionary per thread.
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(blob.raw, range(0, len(items), 7))) == items[::7]


def test_a_dictionary_is_kept_only_when_it_pays(tmp_path: Path) -> None:
    rng = random.Random(9)
    noise = [rng.randbytes(1000) for _ in range(400)]  # nothing to learn: no dictionary
    blob = _write(tmp_path, noise)
    assert _dictionary_size(tmp_path) == 0
    assert [blob.raw(i) for i in range(len(noise))] == noise


def test_a_damaged_dictionary_is_index_damage(tmp_path: Path) -> None:
    _write(tmp_path, _verses(12_000))
    size = _dictionary_size(tmp_path)
    data = bytearray((tmp_path / "items.bin").read_bytes())
    for at in range(8, size, 97):  # past the magic number and the dictionary's id
        data[at] ^= 0x5A
    (tmp_path / "items.bin").write_bytes(bytes(data))
    blob = store.open_blob(tmp_path, "items.bin", "items_offsets")
    with pytest.raises(IndexCorrupt):
        for i in range(0, 12_000, 50):
            blob.raw(i)
