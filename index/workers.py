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
import gc
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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Literal

from index.analysis import analyze
from index.attribution.parse import ParsedAhead, ParseFn, load_parser
from index.chunking import ParsedDocument, parse_document
from index.models import Document, Span
from index.quotes import AttributionPlan, paragraph_units, plan_attribution
from index.writer import Batch, batch_of

_HEADER = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: parsed (maybe without attribution, with a note), or failed."""

    parsed: ParsedDocument | None
    note: str | None = None  # why the document was skipped, or indexed without attribution


# --- parsing one document (both sides) ---------------------------------------------------------


class _OverBudget(BaseException):
    """The document's time is up. A BaseException, like KeyboardInterrupt, so that code which falls
    back on any Exception (the attribution's parse falls back to its rules) cannot swallow it."""


def parse_one(
    document: Document,
    budget_s: float | None,
    alarm: _Alarm | None = None,
    parser: ParseFn | Literal["shipped"] = "shipped",
    plan: AttributionPlan | None = None,
    units: Sequence[Sequence[Span]] | None = None,
) -> Outcome:
    """Parse a document with its terms; past ``budget_s`` seconds, again without attribution.
    ``parser``, ``plan`` and ``units`` are :func:`parse_document`'s."""
    if alarm is None:
        with _Alarm() as own:
            return parse_one(document, budget_s, own, parser, plan, units)
    try:
        with alarm.after(budget_s):
            parsed = parse_document(document, 0, parser=parser, plan=plan, units=units)
            return Outcome(_with_terms(parsed))
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


class _Alarm:
    """Interrupts a parse that overruns its budget with _OverBudget (SIGALRM). Only the main
    thread of a process can be interrupted, so a build started from another thread (the bot's
    reindex) parses in worker processes instead. The handler is installed once for many documents."""

    def __init__(self) -> None:
        self._usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self._previous: Any = None

    def __enter__(self) -> _Alarm:
        if self._usable:
            self._previous = signal.signal(signal.SIGALRM, _expire)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)

    @contextlib.contextmanager
    def after(self, seconds: float | None) -> Iterator[None]:
        if not self._usable or seconds is None:
            yield
            return
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _expire(signum: int, frame: object) -> None:
    raise _OverBudget


# --- the parent side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """Documents to parse, each with the corpus file it came from."""

    rels: Sequence[str]
    documents: Sequence[Document]


def parse_job(job: Job, budget_s: float | None) -> Batch:
    """Parse a job's documents into one batch (in this process). The sentences the attribution
    will parse are parsed ahead, those of many small documents in one call of the model."""
    parsed, rels, notes = [], [], []
    with _Alarm() as alarm:
        for group, requests in _parse_groups(job, budget_s, alarm):
            parser = _parsed_ahead(requests, budget_s, alarm)
            for rel, document, (plan, units) in group:
                outcome = parse_one(document, budget_s, alarm, parser, plan, units)
                if outcome.note is not None:
                    notes.append((document.doc, outcome.note))
                if outcome.parsed is not None:
                    parsed.append(outcome.parsed)
                    rels.append(rel)
    return batch_of(parsed, rels, notes)


# Sentences parsed ahead in one call, at most this many characters of them (their parses are
# held until their documents are attributed); a document that alone asks for more parses itself.
_AHEAD_CHARS = 100_000

# A document's attribution plan and the sentence units of its paragraphs it was made with (both
# None when planning failed or ran out of time: the document then makes its own).
_Plan = tuple[AttributionPlan | None, list[list[Span]] | None]
_Planned = tuple[str, Document, _Plan]


def _parse_groups(
    job: Job, budget_s: float | None, alarm: _Alarm
) -> Iterator[tuple[list[_Planned], list[str]]]:
    """Consecutive documents, each with its attribution plan, and the sentences to parse for
    them all, at most ``_AHEAD_CHARS`` of them a group."""
    group: list[_Planned] = []
    requests: list[str] = []
    size = 0
    plans = _plans(job.documents, budget_s, alarm)
    for rel, document, planned in zip(job.rels, job.documents, plans, strict=True):
        plan = planned[0]
        asked = plan.requests() if plan is not None else []
        asked_size = sum(len(t) for t in asked)
        if asked_size > _AHEAD_CHARS:
            asked, asked_size = [], 0  # a long document parses in windows of its own
        if group and size + asked_size > _AHEAD_CHARS:
            yield group, requests
            group, requests, size = [], [], 0
        group.append((rel, document, planned))
        requests.extend(asked)
        size += asked_size
    if group:
        yield group, requests


def _plans(documents: Sequence[Document], budget_s: float | None, alarm: _Alarm) -> list[_Plan]:
    """Each document's sentence units and attribution plan, within one budget for them all
    (splitting and planning are linear scans); the units are split once, for the plan, the
    sentences and the passages. A document whose plan fails, or is not made in time, gets
    (None, None): it is split and planned again, and fails or is reported, on its own."""
    plans: list[_Plan] = []
    try:
        with alarm.after(budget_s):
            for document in documents:
                try:
                    units = paragraph_units(document.text, document.paragraphs)
                    plans.append((plan_attribution(document.text, document.paragraphs, units), units))
                except Exception:
                    plans.append((None, None))
    except _OverBudget:
        pass
    return plans + [(None, None)] * (len(documents) - len(plans))


def _parsed_ahead(
    requests: Sequence[str], budget_s: float | None, alarm: _Alarm
) -> ParseFn | Literal["shipped"]:
    """The group's sentences parsed in one call, or the shipped parser as it is when there is
    nothing to parse, no model, or the call fails or overruns the budget (then each document
    parses its own sentences, within its own budget, as if no group had been tried)."""
    parse = load_parser() if requests else None
    if parse is None:
        return "shipped"
    try:
        with alarm.after(budget_s):
            return ParsedAhead(parse, requests)
    except (_OverBudget, Exception):
        return "shipped"


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
        self.task: _Task | None = None

    def send(self, task: _Task, budget_s: float | None) -> bool:
        self.task = task
        documents = [_plain(d) for d in task.job.documents]
        try:
            _write_frame(self.stdin, (list(task.job.rels), documents, budget_s))
        except (BrokenPipeError, OSError):
            return False
        return True

    def receive(self) -> Batch | None:
        """The batch of the current task, or None when the worker died."""
        try:
            batch = _read_frame(self.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        return batch if isinstance(batch, Batch) else None

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


@dataclass(slots=True)
class _Task:
    number: int  # the job's place in the input
    job: Job
    part: int = 0  # for a retried document: its place in the job
    retry: bool = False  # one document of a job whose worker died


@dataclass(slots=True)
class _Pending:
    parts: list[Batch | None]
    left: int


def parse_in_workers(
    jobs: Iterable[Job | Batch], workers: int, budget_s: float | None
) -> Iterator[list[Batch]]:
    """Each job's batches, in the order of ``jobs``, parsed by ``workers`` processes (a Batch
    in the input is already parsed and passes through in its place). Jobs are read from ``jobs``
    only as workers free up, so a lazy input is never held whole."""
    source = iter(jobs)
    queue: deque[_Task] = deque()
    pending: dict[int, _Pending] = {}
    pool: list[_Worker] = []
    selector = selectors.DefaultSelector()
    next_out = taken = 0
    exhausted = False
    try:
        while True:
            while len(selector.get_map()) < workers:
                if not queue and not exhausted and len(pending) < 2 * workers:
                    job = next(source, None)
                    if job is None:
                        exhausted = True
                    elif isinstance(job, Batch):
                        pending[taken] = _Pending([job], 0)
                        taken += 1
                        continue
                    else:
                        pending[taken] = _Pending([None], 1)
                        queue.append(_Task(taken, job))
                        taken += 1
                if not queue:
                    break
                task = queue.popleft()
                worker = next((w for w in pool if w.task is None), None) or _start(pool)
                if worker.send(task, budget_s):
                    selector.register(worker.stdout, selectors.EVENT_READ, worker)
                else:
                    _retire(pool, worker)
                    _retry_or_fail(task, queue, pending, "the parsing process died")
            while next_out in pending and pending[next_out].left == 0:
                parts = pending.pop(next_out).parts
                yield [p for p in parts if p is not None]
                next_out += 1
            if not selector.get_map():
                if exhausted and not queue and not pending:
                    return
                continue
            for key, _ in selector.select():
                worker = key.data
                selector.unregister(worker.stdout)
                task, batch = worker.task, worker.receive()
                assert task is not None
                worker.task = None
                if batch is None:
                    _retire(pool, worker)
                    _retry_or_fail(task, queue, pending, "the parsing process died on it")
                    continue
                slot = pending[task.number]
                slot.parts[task.part] = batch
                slot.left -= 1
    finally:
        selector.close()
        for worker in pool:
            worker.close()


def _start(pool: list[_Worker]) -> _Worker:
    worker = _Worker()
    pool.append(worker)
    return worker


def _retire(pool: list[_Worker], worker: _Worker) -> None:
    pool.remove(worker)
    worker.close()


def _retry_or_fail(task: _Task, queue: deque[_Task], pending: dict[int, _Pending], reason: str) -> None:
    """A job whose worker died is tried again one document at a time; a document that kills a
    worker on its own is reported and skipped."""
    slot = pending[task.number]
    if task.retry:
        (document,) = task.job.documents
        slot.parts[task.part] = Batch(notes=[(document.doc, reason)])
        slot.left -= 1
        return
    documents = task.job.documents
    slot.parts, slot.left = [None] * len(documents), len(documents)
    if not documents:
        return
    queue.extend(
        _Task(task.number, Job([rel], [document]), part=j, retry=True)
        for j, (rel, document) in enumerate(zip(task.job.rels, documents, strict=True))
    )


# --- the worker side ---------------------------------------------------------------------------


def serve() -> None:
    """A worker's main loop: batches in on stdin, outcomes out on the original stdout."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    # Anything the parsing code prints must not corrupt the channel.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _exit_with_parent(os.getppid())
    frozen = False
    while True:
        try:
            rels, documents, budget_s = _read_frame(channel_in)
        except EOFError:
            return
        job = Job(rels, [_document(plain) for plain in documents])
        try:
            _write_frame(channel_out, parse_job(job, budget_s))
        except BrokenPipeError:
            return
        frozen = frozen or _freeze_once_loaded()


def _freeze_once_loaded() -> bool:
    """Once the parser is loaded, its objects (and the imports') are moved out of the cyclic
    collector's reach: every full collection walked them again, about 4% of a worker's time on
    KJV verses (1.6% after). Garbage is collected first, so no cycle is kept for good. True when
    done; a worker whose jobs never parse (no speech in its documents) never needs it."""
    if not load_parser.cache_info().currsize:
        return False
    gc.collect()
    gc.freeze()
    return True


# A Document as plain values for the pipe: every field, pages included (a PDF cites its pages).
_Plain = tuple[str, str, str, list[tuple[int, int]], str | None, list[tuple[int, int]]]


def _plain(d: Document) -> _Plain:
    spans = [(p.start, p.end) for p in d.paragraphs]
    return d.doc, d.title, d.text, spans, d.url, [(p.start, p.end) for p in d.pages]


def _document(plain: _Plain) -> Document:
    doc, title, text, paragraphs, url, pages = plain
    return Document(
        doc, title, text, tuple(Span(s, e) for s, e in paragraphs), url, tuple(Span(s, e) for s, e in pages)
    )


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
