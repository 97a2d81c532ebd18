"""Compressed blobs: every item comes back byte for byte, whatever its size and place."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from index import store
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
