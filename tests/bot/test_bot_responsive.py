"""A slow query must never stall the event loop: the bot keeps its heartbeat while the engine works."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import simcord
from conftest import reply_of

from bot import Settings
from bot.app import Citebot
from bot.service import Engine, IndexService
from index import ensure_index
from index.models import Answer, Hit

DELAY = 0.6


class SlowIndex:
    """The real index, each query made slow the way a huge corpus would make it (blocking CPU time)."""

    def __init__(self, index: Engine) -> None:
        self._index = index

    def __getattr__(self, name: str) -> object:
        return getattr(self._index, name)

    def search(self, query: str, k: int = 10, *, doc: str | None = None) -> list[Hit]:
        time.sleep(DELAY)
        return self._index.search(query, k, doc=doc)

    def ask(self, question: str) -> Answer:
        time.sleep(DELAY)
        return self._index.ask(question)


def slow_load(corpus_dir: Path, index_dir: Path) -> Engine:
    return SlowIndex(ensure_index(corpus_dir, index_dir))  # type: ignore[return-value]


@pytest.fixture
def simcord_bot(settings: Settings) -> Citebot:
    return Citebot(settings, service=IndexService(settings, load=slow_load))


class Heartbeat:
    """Ticks every 10 ms on the event loop and records the longest gap between ticks."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.ticks = 0

    async def run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            self.ticks += 1
            last = now


@pytest.mark.parametrize(
    ("command", "options"),
    [("search", {"query": "harbor"}), ("ask", {"question": "who logged the harbor lights?"})],
)
async def test_loop_stays_responsive_during_a_slow_query(
    env: simcord.Env,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    command: str,
    options: dict[str, str],
) -> None:
    heartbeat = Heartbeat()
    beating = asyncio.create_task(heartbeat.run())
    started = time.perf_counter()
    try:
        result = await alice.slash(channel, command, **options)
    finally:
        beating.cancel()
    took = time.perf_counter() - started
    assert took >= DELAY  # the slow query really ran inside the command
    assert reply_of(result).embeds
    assert heartbeat.ticks >= 10
    assert heartbeat.longest < DELAY / 3, f"the event loop stalled for {heartbeat.longest:.3f} s"
