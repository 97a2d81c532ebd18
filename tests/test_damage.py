"""The damage matrix: every file of an index, damaged every way, and every odd state of its folder.

Whatever the damage, a reader gets either the right answer or ``IndexCorrupt`` (never another
exception, never a wrong answer), ``ensure_index`` rebuilds, and ``build_index(repair=True)`` (the
``citebot index build --repair`` command) recovers. Checksums in the manifest make a changed byte
anywhere count as damage.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from index import Index, build_index, ensure_index, open_index
from index.errors import CitebotError, IndexCorrupt, IndexMissing, UnknownDocument
from index.speakers import index_speakers, speaker_quotes

QUESTIONS = ("What did Kalin say about Patriots?", "Who invited Trump to visit Turkey?", "S-400 delivery")


def _fingerprint(index: Index) -> list[object]:
    """Everything a reader can get out of an index, touching every file it has."""
    out: list[object] = [index.ask(q).to_json() for q in QUESTIONS]
    out.append([h.to_json() for h in index.search("Patriot missiles", k=20)])
    out.append([(q.text, q.speaker, q.start, q.end) for q in index.quotes()])
    out.append([(d.doc, d.title, d.size, d.paragraphs) for d in index.documents()])
    out.append([index.document(i).text for i in range(len(index))])
    out.append(len(index.vocabulary))
    # The per-quote arrays, as the speaker listings and answers read them.
    speakers = index_speakers(index)
    out.append([(s.key, s.name, s.forms, s.quote_ids, s.documents) for s in speakers])
    out.append([[h.to_json() for h in speaker_quotes(index, s)] for s in speakers])
    out.append(list(index.quote_chunks(range(len(index.quote_table)))))
    # What an incremental build reuses (sentences with their paragraph numbers, passages).
    out.append([index.parsed(i) for i in range(len(index))])
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[object]]:
    """(corpus, a good index folder, what the good index answers)."""
    from index import sample_corpus_dir

    root = tmp_path_factory.mktemp("damage")
    corpus = root / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    index = build_index(corpus, root / "index")
    answers = _fingerprint(index)
    index.close()
    return corpus, root / "index", answers


def _copy(reference: tuple[Path, Path, list[object]], tmp_path: Path) -> tuple[Path, Path]:
    corpus, good, _ = reference
    index_dir = tmp_path / "index"
    shutil.copytree(good, index_dir, symlinks=True)
    return corpus, index_dir


def _files(index_dir: Path) -> list[str]:
    generation = (index_dir / "current").resolve()
    return sorted(p.relative_to(generation).as_posix() for p in generation.rglob("*") if p.is_file())


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    if data:
        data[len(data) // 2] ^= 0x5A
    else:
        data = bytearray(b"x")
    path.write_bytes(bytes(data))


def _garble_same_size(path: Path) -> None:
    size = path.stat().st_size
    path.write_bytes(bytes((i * 131 + 7) % 256 for i in range(max(size, 1))))


def _delete(path: Path) -> None:
    path.unlink()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": _truncate,
    "flipped": _flip,
    "garbled": _garble_same_size,
    "deleted": _delete,
    "emptied": _empty,
}


def _reads_right_or_reports_damage(index_dir: Path, expected: list[object]) -> bool:
    """Open and read everything: True if it all came out right, False if IndexCorrupt was raised;
    any other exception (or a wrong answer) fails the test."""
    try:
        index = open_index(index_dir)
        got = _fingerprint(index)
    except IndexCorrupt:
        return False
    assert got == expected, "a damaged index gave a different answer instead of reporting damage"
    return True


def test_the_matrix_covers_every_file(reference: tuple[Path, Path, list[object]]) -> None:
    files = _files(reference[1])
    expected = {"manifest.json", "texts.bin", "docs.jsonl", "quotes.jsonl", "speakers.json", "bm25/bm25.json"}
    assert expected <= set(files)
    assert any(f.startswith("arrays/") for f in files) and any(f.startswith("bm25/") for f in files)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damage_to_any_file_is_reported_then_rebuilt(
    reference: tuple[Path, Path, list[object]], tmp_path: Path, damage: str
) -> None:
    _, _, expected = reference
    for number, rel in enumerate(_files(reference[1])):
        if rel in (".lease", "report.json"):
            continue  # carry nothing a reader relies on
        corpus, index_dir = _copy(reference, tmp_path / str(number))
        DAMAGE[damage]((index_dir / "current").resolve() / rel)
        assert not _reads_right_or_reports_damage(index_dir, expected), f"{damage} {rel} went unnoticed"
        # The CLI's path: ensure_index at open; a repair build when damage shows up later.
        try:
            repaired = ensure_index(corpus, index_dir)
            got = _fingerprint(repaired)
        except IndexCorrupt:
            repaired = build_index(corpus, index_dir, repair=True)
            got = _fingerprint(repaired)
        assert got == expected, f"{damage} {rel}: not repaired"


def _current_is_a_loop(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("current")


def _current_is_a_directory(index_dir: Path) -> None:
    target = (index_dir / "current").resolve()
    (index_dir / "current").unlink()
    shutil.copytree(target, index_dir / "current")
    (index_dir / "current" / "manifest.json").write_text("{}", "utf-8")


def _current_dangles(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("gen-nowhere")


def _lock_is_a_directory(index_dir: Path) -> None:
    lock = index_dir / ".build.lock"
    lock.unlink(missing_ok=True)
    (lock / "inside").mkdir(parents=True)


def _manifest_without(key: str) -> Callable[[Path], None]:
    def damage(index_dir: Path) -> None:
        manifest = (index_dir / "current").resolve() / "manifest.json"
        data = json.loads(manifest.read_text("utf-8"))
        del data[key]
        manifest.write_text(json.dumps(data), "utf-8")

    return damage


def _manifest_bad_files(index_dir: Path) -> None:
    manifest = (index_dir / "current").resolve() / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["files"] = {"x.txt": {"sha256": 5}}
    manifest.write_text(json.dumps(data), "utf-8")


STATES: dict[str, Callable[[Path], None]] = {
    "current-loop": _current_is_a_loop,
    "current-directory": _current_is_a_directory,
    "current-dangling": _current_dangles,
    "lock-directory": _lock_is_a_directory,
    "manifest-bad-files": _manifest_bad_files,
    **{
        f"manifest-without-{key}": _manifest_without(key)
        for key in ("corpus_dir", "files", "checksums", "stamps", "documents", "pipeline")
    },
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_odd_state_is_reported_and_repaired(
    reference: tuple[Path, Path, list[object]], tmp_path: Path, state: str
) -> None:
    _, _, expected = reference
    corpus, index_dir = _copy(reference, tmp_path)
    STATES[state](index_dir)
    with contextlib.suppress(IndexCorrupt, IndexMissing):
        _fingerprint(open_index(index_dir))
    assert _fingerprint(ensure_index(corpus, index_dir)) == expected
    assert _fingerprint(build_index(corpus, index_dir, repair=True)) == expected
    assert _fingerprint(open_index(index_dir)) == expected


@pytest.mark.parametrize("state", ["current-loop", "current-directory", "lock-directory"])
def test_a_plain_build_repairs_the_layout_too(
    reference: tuple[Path, Path, list[object]], tmp_path: Path, state: str
) -> None:
    corpus, index_dir = _copy(reference, tmp_path)
    STATES[state](index_dir)
    assert _fingerprint(build_index(corpus, index_dir)) == reference[2]
    assert (index_dir / "current").is_symlink()


def test_document_numbers_out_of_range_are_unknown_documents(
    reference: tuple[Path, Path, list[object]],
) -> None:
    index = open_index(reference[1])
    for number in (-1, len(index), 10**9):
        with pytest.raises(UnknownDocument):
            index.document(number)
    index.close()


def test_an_index_path_that_is_a_file(reference: tuple[Path, Path, list[object]], tmp_path: Path) -> None:
    corpus = reference[0]
    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("oops", "utf-8")
    with pytest.raises(IndexMissing, match="is a file"):
        open_index(not_a_folder)
    with pytest.raises(CitebotError, match="is a file, not a folder"):
        ensure_index(corpus, not_a_folder)
