"""Parsing in worker processes: safe from a plain script, per-document failures, time budget,
workers that end with their parent; and paths given as plain strings."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import index.workers
from index import build_index, ensure_index, open_index, sample_corpus_dir
from index.corpus import paragraph_spans
from index.models import Document, Span
from index.workers import Job, _Task, _Worker, parse_in_workers, parse_job, parse_one
from index.writer import batch_of, documents_of

_README_SCRIPT = textwrap.dedent(
    """
    from pathlib import Path
    import index.engine
    from index import build_index, open_index

    index.engine._PARALLEL_CHARS = 0  # worker processes even for this small corpus
    idx = build_index(Path("my-corpus"), Path("index"))
    answer = idx.ask("What did Kalin say about Patriots?")
    for hit in answer.answers:
        print(hit.text, hit.speaker, hit.doc, hit.paragraph, hit.start, hit.end)
    print("built", len(idx), flush=True)
    """
)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="worker processes need two cores")
def test_readme_example_as_a_plain_script_does_not_hang(tmp_path: Path) -> None:
    """No ``if __name__ == "__main__":`` guard, and the index folder is named ``index``: the
    workers must neither re-run the script (and wait on the parent's build lock) nor import the
    index folder as the package."""
    shutil.copytree(sample_corpus_dir(), tmp_path / "my-corpus")
    (tmp_path / "example.py").write_text(_README_SCRIPT, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    run = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("built 2") == 1  # the script ran once, not again in each worker
    assert "Kalin" in run.stdout


def _documents() -> list[Document]:
    text = "Title\n\nThe minister said the budget would balance. \u201cWe will cut waste,\u201d she said.\n"
    good = Document("a.txt", "Title", text, (Span(0, 5), Span(7, len(text) - 1)))
    broken = Document("broken.txt", "Broken", text, (Span("0", "5"),))  # type: ignore[arg-type]
    return [good, broken, good]


def test_a_document_that_fails_is_reported_and_costs_nothing_else() -> None:
    documents = _documents()
    jobs = [Job(["a.txt"], documents[:1]), Job(["a.txt", "broken.txt", "c.txt"], documents)]
    (first,), (second,) = parse_in_workers(jobs, 2, None)
    assert [m[0] for m in second.metas] == ["a.txt", "a.txt"] and second.rels == ["a.txt", "c.txt"]
    assert [doc for doc, _ in second.notes] == ["broken.txt"] and "could not be parsed" in second.notes[0][1]
    assert len(second.quote_lines) == 2 * len(first.quote_lines) > 0
    assert documents_of(second)[1] == documents[2]  # the texts and paragraphs come back whole


def test_over_budget_documents_are_indexed_without_attribution() -> None:
    outcome = parse_one(_documents()[0], budget_s=1e-9)
    assert outcome.parsed is not None and outcome.parsed.chunks and not outcome.parsed.quotes
    assert outcome.note is not None and "without quote attribution" in outcome.note
    unlimited = parse_one(_documents()[0], budget_s=None)
    assert unlimited.parsed is not None and unlimited.parsed.quotes and unlimited.note is None


def test_the_budget_is_not_swallowed_by_the_parse_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import index.quotes

    def slow_parse(sentences: object) -> list[list[tuple[int, int, str, str, str, str, int]]]:
        time.sleep(5)  # a parse that takes too long: the budget must end it, not the rule fallback
        return []

    monkeypatch.setattr(index.quotes, "load_parser", lambda: slow_parse)
    started = time.perf_counter()
    outcome = parse_one(_documents()[0], budget_s=0.3)
    assert time.perf_counter() - started < 3
    assert outcome.parsed is not None and not outcome.parsed.quotes
    assert outcome.note is not None and "without quote attribution" in outcome.note


def test_a_job_parsed_ahead_attributes_as_each_document_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many documents' sentences go to the model in one call, in groups; each document still gets
    exactly the quotes it gets when parsed on its own."""
    texts = [
        "Budget\n\nThe minister said the budget would balance. \u201cWe will cut waste,\u201d she said.\n",
        "Floods\n\n\u201cThe water rose,\u201d said Anna Berg, a farmer. Officials said help was coming.\n",
        "Weather\n\nThe river rose overnight.\n",
        "Talks\n\nAccording to the Committee to Protect Journalists (CPJ), reporters were held.\n",
    ]
    documents = [Document(f"d{i}.txt", "T", t, tuple(paragraph_spans(t))) for i, t in enumerate(texts)]
    alone = [parse_one(d, None).parsed for d in documents]
    monkeypatch.setattr(index.workers, "_AHEAD_CHARS", 120)  # a few documents a group
    batch = parse_job(Job([d.doc for d in documents], documents), None)
    assert (
        batch.quote_lines
        == batch_of([p for p in alone if p is not None], [d.doc for d in documents], []).quote_lines
    )
    assert len(batch.quote_lines) >= 4


def test_a_document_comes_back_from_a_worker_with_every_field() -> None:
    text = "Report\n\nPage one says little.\n\nPage two: \u201cWe are done,\u201d Lopez said.\n"
    paragraphs = (Span(0, 6), Span(8, 29), Span(31, len(text) - 1))
    paged = Document(
        "r.pdf", "Report", text, paragraphs, "https://example.org/r", (Span(0, 29), Span(31, len(text)))
    )
    ((batch,),) = parse_in_workers([Job(["r.pdf"], [paged])], 2, None)
    assert documents_of(batch) == [paged]


def test_the_budget_holds_for_a_build_started_from_another_thread(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_documents()[0].text, "utf-8")
    built: list[object] = []
    thread = threading.Thread(
        target=lambda: built.append(build_index(corpus, tmp_path / "index", file_budget_s=1e-9).report)
    )
    thread.start()  # as the bot's reindex does: no SIGALRM reaches this thread
    thread.join(120)
    (report,) = built
    assert [s.reason for s in report.skipped] == ["indexed without quote attribution: it took over 1e-09 s"]  # type: ignore[attr-defined]


def test_a_slow_document_in_a_worker_is_indexed_without_attribution() -> None:
    ((batch,),) = parse_in_workers([Job(["a.txt"], _documents()[:1])], 2, 1e-9)
    assert batch.texts and len(batch.chunk_lengths) and not batch.quote_lines
    assert batch.notes and "without quote attribution" in batch.notes[0][1]


_ORPHAN = textwrap.dedent(
    """
    import time
    from index.workers import _Worker
    print(_Worker().process.pid, flush=True)
    time.sleep(120)
    """
)


def test_workers_exit_when_their_parent_dies() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    assert _alive(worker_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker_pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited, only its parent has not reaped it


def test_a_worker_serves_batches_until_its_input_closes() -> None:
    worker = _Worker()
    try:
        for _ in range(2):
            assert worker.send(_Task(0, Job(["a.txt"], _documents()[:1])), None)
            batch = worker.receive()
            assert batch is not None and batch.texts == [_documents()[0].text]
    finally:
        worker.close()
    assert worker.process.returncode == 0


def test_paths_may_be_plain_strings(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    built = build_index(str(corpus), str(tmp_path / "idx"))
    assert len(open_index(str(tmp_path / "idx"))) == len(built) == 2
    assert not ensure_index(str(corpus), str(tmp_path / "idx")).is_stale(str(corpus))


def test_a_small_corpus_can_be_searched(tmp_path: Path) -> None:
    """Words in most (or all) of the passages still match: three files about zeppelins, and a
    corpus of a single paragraph."""
    corpus = tmp_path / "zeppelins"
    corpus.mkdir()
    for name, line in [
        ("hindenburg.txt", "The Hindenburg was a zeppelin that burned at Lakehurst."),
        ("graf.txt", "The Graf Zeppelin flew around the world in 1929."),
        ("navy.txt", "The navy built its own zeppelin, the Akron."),
    ]:
        (corpus / name).write_text(f"{name[:-4].title()}\n\n{line}\n", "utf-8")
    hits = build_index(corpus, tmp_path / "z").search("zeppelin")
    assert {h.doc for h in hits} == {"hindenburg.txt", "graf.txt", "navy.txt"}
    single = tmp_path / "single"
    single.mkdir()
    (single / "note.txt").write_text("Note\n\nZeppelins were rigid airships.\n", "utf-8")
    assert build_index(single, tmp_path / "s").search("airships")


def test_a_worker_killed_mid_batch_costs_no_document() -> None:
    """The batch of a worker that dies (here: killed, as the OOM killer would) is parsed again one
    document at a time by a new worker."""
    long_text = "Long\n\n" + "The minister said the budget would balance. " * 60_000
    long_doc = Document("long.txt", "Long", long_text, (Span(0, 4), Span(6, len(long_text))))
    documents = [_documents()[0], long_doc, _documents()[2]]
    found: list[int] = []
    replacements: set[int] = set()

    def kill_first_worker() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not replacements:
            for pid in _children(os.getpid()):
                if "index.workers" not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                    continue
                if not found:
                    time.sleep(0.5)  # let it start on the batch
                    os.kill(pid, signal.SIGKILL)
                    found.append(pid)
                elif pid != found[0]:
                    replacements.add(pid)  # the batch is being parsed again
            time.sleep(0.01)

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    (batches,) = parse_in_workers([Job(["a.txt", "long.txt", "c.txt"], documents)], 1, None)
    killer.join()
    assert found and replacements
    assert [m[0] for b in batches for m in b.metas] == ["a.txt", "long.txt", "a.txt"]
    assert not [note for b in batches for note in b.notes]


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            out.extend(int(c) for c in handle.read().split())
    return out


def test_a_worker_moves_the_loaded_parser_out_of_the_collectors_reach() -> None:
    import gc

    from index.attribution.parse import load_parser

    gc.unfreeze()  # whatever an earlier test froze (the kernel loader does) counts as not frozen
    load_parser.cache_clear()
    try:
        assert not index.workers._freeze_once_loaded()
        assert gc.get_freeze_count() == 0  # nothing parsed yet: nothing to freeze
        assert load_parser() is not None
        assert index.workers._freeze_once_loaded()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
