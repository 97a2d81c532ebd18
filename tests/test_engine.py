"""Building, opening, updating and damaging a real index on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index import Index, build_index, ensure_index, open_index
from index.errors import IndexCorrupt, IndexMissing, UnknownDocument


def test_build_reports_counts_and_open_gives_the_same_index(corpus_dir: Path, tmp_path: Path) -> None:
    built = build_index(corpus_dir, tmp_path / "index")
    assert built.report is not None
    assert built.report.documents == 2
    assert built.report.chunks > 10 and built.report.quotes > 5
    assert sorted(built.report.added) == sorted(p.name for p in corpus_dir.glob("*.txt"))
    reopened = open_index(tmp_path / "index")
    assert [d.doc for d in reopened.documents()] == [d.doc for d in built.documents()]
    assert reopened.search("Patriot S-400")[0].text == built.search("Patriot S-400")[0].text


def test_every_hit_is_verbatim(sample_index: Index, corpus_dir: Path) -> None:
    for query in ["Patriot missiles", "Erdogan Putin", "summit invitation", "S-400"]:
        for hit in sample_index.search(query, k=20):
            text = (corpus_dir / hit.doc).read_text(encoding="utf-8")
            assert text[hit.start : hit.end] == hit.text
            for m in hit.matches:
                assert hit.start <= m.start < m.end <= hit.end


def test_search_within_one_document(sample_index: Index) -> None:
    doc = sample_index.documents()[1].doc
    hits = sample_index.search("Erdogan", k=50, doc=doc)
    assert hits and {h.doc for h in hits} == {doc}
    with pytest.raises(UnknownDocument):
        sample_index.search("Erdogan", doc="no-such-doc.txt")


def test_passage_and_documents(sample_index: Index) -> None:
    info = sample_index.documents()[0]
    assert info.title.startswith("Erdogan Invites Trump")
    first = sample_index.passage(info.doc, 1)
    assert " ".join(first.text.split()) == info.title and first.paragraph == 1
    with pytest.raises(UnknownDocument):
        sample_index.passage(info.doc, info.paragraphs + 1)


def test_incremental_rebuild_reuses_unchanged_files(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    (corpus_dir / "new.md").write_text("# Fresh\n\nThe harbour reopened, the port authority said.\n", "utf-8")
    first = sorted(corpus_dir.glob("*.txt"))[0]
    first.write_text(first.read_text("utf-8") + "\n\nAn added paragraph about zebras.\n", "utf-8")
    second = build_index(corpus_dir, index_dir)
    assert second.report is not None
    assert second.report.added == ["new.md"]
    assert second.report.changed == [first.name]
    assert second.report.unchanged == 1
    assert second.search("zebras")[0].doc == first.name
    assert second.ask("What did the port authority say?").answered
    (corpus_dir / "new.md").unlink()
    third = build_index(corpus_dir, index_dir)
    assert third.report is not None and third.report.removed == ["new.md"]


def test_ensure_index_rebuilds_when_the_corpus_changes(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    ensure_index(corpus_dir, index_dir)
    assert not open_index(index_dir).is_stale(corpus_dir)
    (corpus_dir / "more.txt").write_text("More\n\nQuokkas are small marsupials.\n", "utf-8")
    assert open_index(index_dir).is_stale(corpus_dir)
    assert ensure_index(corpus_dir, index_dir).search("quokkas")


def test_bad_files_are_skipped_with_reasons(corpus_dir: Path, tmp_path: Path) -> None:
    (corpus_dir / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me\n".encode("latin-1"))
    (corpus_dir / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus_dir / "empty.txt").write_text("", "utf-8")
    (corpus_dir / "mixed.jsonl").write_text('{"text": "Kept line about walruses."}\n{broken\n', "utf-8")
    built = build_index(corpus_dir, tmp_path / "index")
    assert built.report is not None
    reasons = {s.path: s.reason for s in built.report.skipped}
    assert {"latin1.txt", "binary.txt", "empty.txt", "mixed.jsonl"} <= set(reasons)
    assert "1 bad line skipped" in reasons["mixed.jsonl"] and "line 2" in reasons["mixed.jsonl"]
    assert all(reasons.values())
    assert built.report.documents == 3
    assert built.search("walruses")[0].doc == "mixed.jsonl#1"


def test_missing_and_corrupt_index_errors_say_how_to_rebuild(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="citebot index build"):
        open_index(tmp_path / "nothing")
    index_dir = tmp_path / "index"
    built = build_index(corpus_dir, index_dir)
    manifest = built.generation / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    manifest.write_text(json.dumps({**data, "version": 999}), "utf-8")
    with pytest.raises(IndexCorrupt, match=r"[Rr]ebuild"):
        open_index(index_dir)
    manifest.write_text("{not json", "utf-8")
    with pytest.raises(IndexCorrupt, match=r"[Rr]ebuild"):
        open_index(index_dir)
    manifest.write_text(json.dumps(data), "utf-8")
    (built.generation / "texts.bin").write_bytes(b"truncated")
    with pytest.raises(IndexCorrupt):
        open_index(index_dir)
    # And a rebuild over the damaged one works.
    assert build_index(corpus_dir, index_dir).search("Patriot")


def test_foreign_directory_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"format": "something-else"}', "utf-8")
    with pytest.raises(IndexCorrupt, match="not a citebot index"):
        open_index(tmp_path)


def test_no_pickle_in_the_index(sample_index: Index) -> None:
    for path in sample_index.generation.rglob("*.npy"):
        with open(path, "rb") as handle:
            header = handle.read(128)
        assert b"'descr': '|O'" not in header and b"'descr': 'O'" not in header, path


_SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import index.engine as engine
    original = engine._write_manifest
    def slow(*args, **kwargs):
        original(*args, **kwargs)
        print("written", flush=True)
        time.sleep(60)
    engine._write_manifest = slow
    engine.build_index(Path(sys.argv[1]), Path(sys.argv[2]))
    """
)


def test_killed_build_leaves_the_old_index_serving(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    before = open_index(index_dir).search("Patriot")[0].text
    (corpus_dir / "extra.txt").write_text("Extra\n\nPatriot batteries were sold to Poland.\n", "utf-8")
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(corpus_dir), str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "written"  # the new generation is fully staged...
    os.kill(child.pid, signal.SIGKILL)  # ...and the builder dies before publishing it
    child.wait(timeout=10)
    survivor = open_index(index_dir)
    assert survivor.search("Patriot")[0].text == before
    assert survivor.report is None and len(survivor) == 2
    # The next build cleans up the half-written generation and publishes a good one.
    time.sleep(0.01)
    rebuilt = build_index(corpus_dir, index_dir)
    assert len(rebuilt) == 3
    assert not [p for p in index_dir.iterdir() if p.name.startswith("tmp-")]


def test_parallel_parsing_builds_the_same_index(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.engine as engine

    serial = build_index(corpus_dir, tmp_path / "serial")
    monkeypatch.setattr(engine, "_PARALLEL_CHARS", 0)  # worker processes even for two small files
    monkeypatch.setattr(engine, "_BATCH", 1)
    parallel = build_index(corpus_dir, tmp_path / "parallel")
    assert [q.text for q in parallel.quotes()] == [q.text for q in serial.quotes()]
    for question in ("What did Kalin say about Patriots?", "Who invited Trump to visit Turkey?"):
        assert parallel.ask(question).to_json() == serial.ask(question).to_json()
    assert parallel.search("S-400")[0].text == serial.search("S-400")[0].text
