"""Parsing documents in worker processes that are safe to start from any program.

``multiprocessing``'s "spawn" re-imports the caller's ``__main__`` in every worker, so a plain
script that calls ``build_index`` without an ``if __name__ == "__main__":`` guard builds again in
each worker and waits forever on the build lock its parent holds. These workers are fresh
interpreters that run only ``index.workers`` (``python -P -c``: the caller's directory is not on
their path, so an index folder named ``index`` cannot shadow the package), talk to the parent over
their stdin/stdout with length-prefixed pickles (our own processes, never data from disk), and
exit when the parent dies (end of stdin, or a watchdog that sees the parent gone).

A document that fails to parse is reported with the reason and costs nothing else; one that takes
longer than the time budget is indexed without quote attribution and reported; a worker that dies
(a crash, the kernel's OOM killer) has its batch retried one document at a time in a new worker.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from index.analysis import analyze
from index.chunking import ParsedDocument, parse_document
from index.models import Document

_HEADER = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: parsed (maybe without attribution, with a note), or failed."""

    parsed: ParsedDocument | None
    note: str | None = None  # why the document was skipped, or indexed without attribution


# --- parsing one document (both sides) ---------------------------------------------------------


class _OverBudget(Exception):
    pass


def parse_one(document: Document, budget_s: float | None) -> Outcome:
    """Parse a document with its terms; past ``budget_s`` seconds, again without attribution."""
    try:
        with _time_limit(budget_s):
            return Outcome(_with_terms(parse_document(document, 0)))
    except _OverBudget:
        pass
    except Exception as err:  # a bug or a pathological text in one document must not stop the build
        return Outcome(None, f"could not be parsed ({type(err).__name__}: {err})")
    try:
        parsed = _with_terms(parse_document(document, 0, attribute=False))
    except Exception as err:
        return Outcome(None, f"could not be parsed ({type(err).__name__}: {err})")
    return Outcome(parsed, f"indexed without quote attribution: it took over {budget_s:g} s")


def _with_terms(parsed: ParsedDocument) -> ParsedDocument:
    text = parsed.document.text
    return replace(parsed, chunk_terms=tuple(analyze(text[c.start : c.end]) for c in parsed.chunks))


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise _OverBudget after ``seconds``; only the main thread of a process can be interrupted,
    so elsewhere (a build in the bot's worker thread) the budget is not enforced."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- the parent side ---------------------------------------------------------------------------


class _Worker:
    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-c", "from index.workers import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=package_root,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.job: _Job | None = None

    def send(self, job: _Job, budget_s: float | None) -> bool:
        self.job = job
        try:
            _write_frame(self.stdin, (job.documents, budget_s))
        except (BrokenPipeError, OSError):
            return False
        return True

    def receive(self) -> list[Outcome] | None:
        """The outcomes of the current job, or None when the worker died."""
        assert self.job is not None
        try:
            wire = _read_frame(self.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        if not isinstance(wire, list) or len(wire) != len(self.job.documents):
            return None
        return [
            Outcome(None if parts is None else ParsedDocument(document, *parts), note)
            for document, (parts, note) in zip(self.job.documents, wire, strict=True)
        ]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            self.stdout.close()


@dataclass(frozen=True, slots=True)
class _Job:
    first: int  # position of documents[0] in the whole list
    documents: Sequence[Document]
    retry: bool = False  # a single document whose earlier batch killed its worker


def parse_in_workers(
    documents: Sequence[Document],
    workers: int,
    budget_s: float | None,
    on_done: Callable[[int], None],
    batch: int = 256,
) -> list[Outcome]:
    """Every document's outcome, in order, parsed by ``workers`` processes."""
    outcomes: list[Outcome | None] = [None] * len(documents)
    queue = deque(_Job(i, documents[i : i + batch]) for i in range(0, len(documents), batch))
    pool: list[_Worker] = []
    selector = selectors.DefaultSelector()
    done = 0
    try:
        while queue or selector.get_map():
            while queue and len(selector.get_map()) < workers:
                worker = next((w for w in pool if w.job is None), None) or _start(pool)
                job = queue.popleft()
                if worker.send(job, budget_s):
                    selector.register(worker.stdout, selectors.EVENT_READ, worker)
                else:
                    _retire(pool, worker)
                    _requeue_or_fail(job, queue, outcomes, "the parsing process died")
            for key, _ in selector.select():
                worker = key.data
                selector.unregister(worker.stdout)
                job, results = worker.job, worker.receive()
                assert job is not None
                worker.job = None
                if results is None:
                    _retire(pool, worker)
                    _requeue_or_fail(job, queue, outcomes, "the parsing process died on it")
                    continue
                outcomes[job.first : job.first + len(results)] = results
                done += len(results)
                on_done(done)
    finally:
        selector.close()
        for worker in pool:
            worker.close()
    return [o if o is not None else Outcome(None, "was not parsed") for o in outcomes]


def _start(pool: list[_Worker]) -> _Worker:
    worker = _Worker()
    pool.append(worker)
    return worker


def _retire(pool: list[_Worker], worker: _Worker) -> None:
    pool.remove(worker)
    worker.close()


def _requeue_or_fail(job: _Job, queue: deque[_Job], outcomes: list[Outcome | None], reason: str) -> None:
    """A batch whose worker died is tried again one document at a time; a document that kills a
    worker on its own is reported and skipped."""
    if job.retry:
        outcomes[job.first] = Outcome(None, reason)
        return
    queue.extend(_Job(job.first + j, [d], retry=True) for j, d in enumerate(job.documents))


# --- the worker side ---------------------------------------------------------------------------


def serve() -> None:
    """A worker's main loop: batches in on stdin, outcomes out on the original stdout."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    # Anything the parsing code prints must not corrupt the channel.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _exit_with_parent(os.getppid())
    while True:
        try:
            documents, budget_s = _read_frame(channel_in)
        except EOFError:
            return
        outcomes = [parse_one(document, budget_s) for document in documents]
        try:
            _write_frame(channel_out, [_derived(outcome) for outcome in outcomes])
        except BrokenPipeError:
            return


def _derived(outcome: Outcome) -> tuple[tuple[Any, ...] | None, str | None]:
    """An outcome without the document itself: the parent has the text already."""
    p = outcome.parsed
    if p is None:
        return None, outcome.note
    return (p.sentences, p.sentence_paragraphs, p.chunks, p.quotes, p.chunk_terms), outcome.note


def _exit_with_parent(parent: int) -> None:
    """End this process when the parent is gone, even in the middle of a long document."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _write_frame(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    header = _read_exactly(stream, _HEADER.size)
    return pickle.loads(_read_exactly(stream, _HEADER.unpack(header)[0]))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
