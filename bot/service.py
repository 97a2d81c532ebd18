"""The bot's hold on the index: load it at start-up, serve queries from threads, rebuild on request.

The engine is synchronous and CPU-bound, so every call goes through ``asyncio.to_thread`` and the
event loop stays free. A rebuild runs in a worker thread under a lock; a second request while one
runs is refused (``ReindexRunning``), queries keep using the old index meanwhile, and the new index
replaces the reference in one assignment when (and only if) the build succeeded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from bot.settings import Settings
from index.errors import CitebotError, GenerationGone, IndexCorrupt
from index.models import Answer, BuildReport, Document, DocumentInfo, Hit

log = logging.getLogger(__name__)


class Engine(Protocol):
    """What the bot uses of ``index.Index``."""

    @property
    def report(self) -> BuildReport | None: ...
    def search(self, query: str, k: int = 10, *, doc: str | None = None) -> Sequence[Hit]: ...
    def ask(self, question: str) -> Answer: ...
    def support(self, claim: str, k: int = 3) -> Answer: ...
    def documents(self) -> list[DocumentInfo]: ...
    def document(self, doc: str) -> Document: ...
    def passage(self, doc: str, paragraph: int) -> Hit: ...


BuildFn = Callable[[Path, Path], Engine]
_T = TypeVar("_T")


class IndexNotReady(CitebotError):
    """The index is still being loaded, or could not be loaded."""


class ReindexRunning(CitebotError):
    """A rebuild was requested while another one is running."""


@dataclass(frozen=True, slots=True)
class ReindexResult:
    report: BuildReport
    seconds: float
    documents: int


# The engine (numpy, scipy, the analyzers) is imported on first use, so that building the bot, or
# failing early for want of a token, stays quick.


def _build(corpus_dir: Path, index_dir: Path, *, file_budget_s: float | None) -> Engine:
    from index import build_index

    return build_index(corpus_dir, index_dir, file_budget_s=file_budget_s)


def _repair(corpus_dir: Path, index_dir: Path, *, file_budget_s: float | None) -> Engine:
    from index import build_index

    return build_index(corpus_dir, index_dir, repair=True, file_budget_s=file_budget_s)


def _reopen(corpus_dir: Path, index_dir: Path) -> Engine:
    from index import open_index

    return open_index(index_dir)


def _ensure(corpus_dir: Path, index_dir: Path, *, file_budget_s: float | None) -> Engine:
    from index import ensure_index

    return ensure_index(corpus_dir, index_dir, file_budget_s=file_budget_s)


def _default_paths(settings: Settings) -> tuple[Path, Path]:
    if settings.corpus_dir is not None and settings.index_dir is not None:
        return settings.corpus_dir, settings.index_dir
    from index import default_index_dir, sample_corpus_dir

    corpus_dir = settings.corpus_dir or sample_corpus_dir()
    return corpus_dir, settings.index_dir or default_index_dir(corpus_dir)


def _opensearch_functions(settings: Settings) -> tuple[BuildFn, BuildFn]:
    """Build and load on the OpenSearch backend (the index directory is not used there)."""
    config = settings.opensearch_config()

    def build(corpus_dir: Path, _index_dir: Path) -> Engine:
        from index.opensearch.backend import build_index

        return build_index(config, corpus_dir)

    def load(corpus_dir: Path, _index_dir: Path) -> Engine:
        from index.opensearch.backend import ensure_index

        return ensure_index(config, corpus_dir)

    return build, load


class IndexService:
    """Owns the current index. ``build``/``load`` are seams for tests (a slow or failing engine);
    without them, the backend the settings choose is used."""

    def __init__(
        self,
        settings: Settings,
        *,
        build: BuildFn | None = None,
        load: BuildFn | None = None,
        repair: BuildFn | None = None,
        reopen: BuildFn | None = None,
    ) -> None:
        self.corpus_dir, self.index_dir = _default_paths(settings)
        if settings.backend == "opensearch":  # the cluster rebuilds and reopens with its own build/load
            cluster_build, cluster_load = _opensearch_functions(settings)
            chosen = (cluster_build, cluster_load, cluster_build, cluster_load)
        else:
            budget = settings.file_budget  # CITEBOT_FILE_BUDGET_S, for every build the bot starts
            chosen = (
                functools.partial(_build, file_budget_s=budget),
                functools.partial(_ensure, file_budget_s=budget),
                functools.partial(_repair, file_budget_s=budget),
                _reopen,
            )
        self._build = build or chosen[0]
        self._load = load or chosen[1]
        self._repair = repair or chosen[2]
        self._reopen = reopen or chosen[3]
        self._repair_task: asyncio.Task[None] | None = None
        self._engine: Engine | None = None
        self._documents: list[DocumentInfo] = []
        self._load_error: str | None = None
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Begin loading (or first building) the index in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._initial_load(), name="citebot-index-load")

    async def _initial_load(self) -> None:
        async with self._lock:
            started = time.perf_counter()
            try:
                engine = await asyncio.to_thread(self._load, self.corpus_dir, self.index_dir)
            except CitebotError as err:
                self._load_error = str(err)
                log.error(
                    "index load failed corpus=%s index=%s reason=%s", self.corpus_dir, self.index_dir, err
                )
            except Exception:
                self._load_error = "the index could not be loaded (see the bot's log)"
                log.exception("index load crashed corpus=%s index=%s", self.corpus_dir, self.index_dir)
            else:
                await self._swap(engine)
                log.info(
                    "index ready documents=%d seconds=%.2f index=%s",
                    len(self._documents),
                    time.perf_counter() - started,
                    self.index_dir,
                )
            finally:
                self._ready.set()

    async def wait_ready(self) -> None:
        """Wait until the start-up load has finished (successfully or not)."""
        self.start()
        await self._ready.wait()

    async def close(self) -> None:
        for task in (self._task, self._repair_task):
            if task is not None and not task.done():
                task.cancel()

    async def _swap(self, engine: Engine) -> None:
        documents = await asyncio.to_thread(engine.documents)
        # Both references change together, between two awaits: no reader sees a half-swapped state.
        self._engine, self._documents = engine, documents
        self._load_error = None

    # -- state --------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The current index; raises ``IndexNotReady`` with a message fit for users."""
        if self._engine is not None:
            return self._engine
        if not self._ready.is_set():
            raise IndexNotReady("The index is still loading; try again in a moment.")
        raise IndexNotReady(
            f"No index is loaded: {self._load_error or 'unknown reason'}. An admin can /reindex."
        )

    def require_ready(self) -> None:
        """Raise ``IndexNotReady`` (with a message for users) unless an index is loaded."""
        self.engine  # noqa: B018 - the property raises

    @property
    def documents(self) -> list[DocumentInfo]:
        """The documents of the current index, from memory (fast enough for autocomplete)."""
        return self._documents

    @property
    def reindexing(self) -> bool:
        return self._lock.locked()

    # -- queries (in worker threads) -------------------------------------------------------

    async def ask(self, question: str) -> Answer:
        return await self._run(lambda engine: engine.ask(question))

    async def search(self, query: str, k: int = 10, doc: str | None = None) -> Sequence[Hit]:
        return await self._run(lambda engine: engine.search(query, k, doc=doc))

    async def support(self, claim: str, k: int = 3) -> Answer:
        return await self._run(lambda engine: engine.support(claim, k))

    async def document(self, doc: str) -> Document:
        return await self._run(lambda engine: engine.document(doc))

    async def passage(self, doc: str, paragraph: int) -> Hit:
        return await self._run(lambda engine: engine.passage(doc, paragraph))

    async def _run(self, query: Callable[[Engine], _T]) -> _T:
        """``query`` on the current index in a worker thread. A generation removed under us (by a
        rebuild in another process) is reopened and the query run again; damage starts a repair
        build in the background and tells the user to come back shortly."""
        engine = self.engine
        try:
            return await asyncio.to_thread(query, engine)
        except GenerationGone:
            log.warning("index generation gone; reopening index=%s", self.index_dir)
            if self._engine is engine:  # not already replaced by a concurrent query
                await self._swap(await asyncio.to_thread(self._reopen, self.corpus_dir, self.index_dir))
            return await asyncio.to_thread(query, self.engine)
        except IndexCorrupt as err:
            log.error("index damaged; repairing reason=%s", err)
            self._start_repair()
            raise IndexNotReady(
                "The index turned out to be damaged; I'm rebuilding it now. Try again in a minute."
            ) from None

    def _start_repair(self) -> None:
        if self._lock.locked() or (self._repair_task is not None and not self._repair_task.done()):
            return
        self._repair_task = asyncio.create_task(self._repair_now(), name="citebot-index-repair")

    async def _repair_now(self) -> None:
        async with self._lock:
            try:
                engine = await asyncio.to_thread(self._repair, self.corpus_dir, self.index_dir)
            except Exception:
                log.exception("index repair failed index=%s", self.index_dir)
                return
            await self._swap(engine)
            log.info("index repaired documents=%d", len(self._documents))

    def public_text(self, text: str) -> str:
        """``text`` with this server's corpus and index locations taken out (they are nobody's business
        in Discord); other absolute paths are hidden by the error handler."""
        for place in sorted({str(self.corpus_dir), str(self.index_dir)}, key=len, reverse=True):
            for form in {place, str(Path(place).resolve())}:
                text = text.replace(form, "…")
        return text

    # -- rebuild --------------------------------------------------------------------------------

    async def reindex(self) -> ReindexResult:
        """Rebuild from the corpus and swap the new index in; the old one serves until then.

        Raises ``ReindexRunning`` at once if a rebuild (or the start-up load) is under way, and lets
        the engine's ``CitebotError`` through when the build fails, the old index still in place.
        """
        if self._lock.locked():
            raise ReindexRunning("A reindex is already running; I'll keep answering from the current index.")
        async with self._lock:
            started = time.perf_counter()
            log.info("reindex started corpus=%s index=%s", self.corpus_dir, self.index_dir)
            try:
                engine = await asyncio.to_thread(self._build, self.corpus_dir, self.index_dir)
            except CitebotError as err:
                log.warning("reindex failed reason=%s", err)
                raise
            except Exception:
                log.exception("reindex crashed")
                raise
            await self._swap(engine)
            seconds = time.perf_counter() - started
            report = engine.report or BuildReport(documents=len(self._documents), seconds=seconds)
            log.info(
                "reindex done documents=%d added=%d changed=%d removed=%d skipped=%d seconds=%.2f",
                len(self._documents),
                len(report.added),
                len(report.changed),
                len(report.removed),
                len(report.skipped),
                seconds,
            )
            return ReindexResult(report=report, seconds=seconds, documents=len(self._documents))
