"""A rebuild from another process while a reader (the bot, ``citebot chat``) holds the index open."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.service import IndexService
from bot.settings import Settings
from index import build_index, open_index

KALIN = "What did Kalin say about Patriots?"


def _outside_build(corpus: Path, index_dir: Path) -> None:
    code = "import sys; from pathlib import Path; from index import build_index; "
    code += "build_index(Path(sys.argv[1]), Path(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, str(corpus), str(index_dir)], check=True, timeout=120)


def test_a_reader_keeps_its_generation_through_an_outside_rebuild(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir).close()
    reader = open_index(index_dir)  # nothing lazily read yet: speakers, vocabulary, texts
    (corpus_dir / "extra.txt").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")
    _outside_build(corpus_dir, index_dir)
    assert open_index(index_dir).generation != reader.generation
    assert reader.generation.is_dir()  # kept: the reader holds its lease
    answer = reader.ask(KALIN)
    assert answer.answered and answer.answers[0].speaker == "Ibrahim Kalin"
    reader.close()
    _outside_build(corpus_dir, index_dir)
    assert not reader.generation.exists()  # released, so the next build removed it
    assert len([p for p in index_dir.iterdir() if p.name.startswith("gen-")]) == 1


async def test_the_service_reopens_a_generation_removed_under_it(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    service = IndexService(Settings(corpus_dir=corpus_dir, index_dir=index_dir))
    await service.wait_ready()
    old = open_index(index_dir).generation
    (corpus_dir / "extra.txt").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")
    _outside_build(corpus_dir, index_dir)
    shutil.rmtree(old)  # removed regardless of the lease (by hand, or by an old citebot)
    answer = await service.ask(KALIN)
    assert answer.answered and answer.answers[0].speaker == "Ibrahim Kalin"
    assert [h.doc for h in await service.search("puffins")] == ["extra.txt"]  # the new generation
    await service.close()


def test_a_build_in_the_same_process_does_not_remove_what_a_reader_holds(
    corpus_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    reader = build_index(corpus_dir, index_dir)
    (corpus_dir / "extra.txt").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")
    fresh = build_index(corpus_dir, index_dir)
    assert reader.generation.is_dir() and fresh.generation != reader.generation
    assert reader.ask(KALIN).answered
