"""Event-loop lag while 20 people ask at once, through the bot's own IndexService.

    python -m bench.loop_lag [--corpus DIR] [--askers 20]

The commands hand every question to ``IndexService.ask`` (which runs the engine in a worker
thread); here 20 of those run at once on the loop, as 20 concurrent ``/ask`` would, while a
heartbeat task sleeps 1 ms at a time and records how late it wakes. The longest delay is the worst
stall any other user of the bot would feel. (simcord, which the bot tests use, runs one simulated
interaction at a time, so it cannot drive concurrent commands.)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

QUESTIONS = [
    "What did Kalin say about Patriots?",
    "Who invited Trump to visit Turkey?",
    "When will Russia deliver the first S-400s to Turkey?",
    "What did Putin say about Kim Jong Un?",
    "How many Patriot missiles are in the proposed package?",
]


class Heartbeat:
    def __init__(self) -> None:
        self.longest = 0.0
        self.ticks = 0

    async def run(self, interval: float = 0.001) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(interval)
            self.longest = max(self.longest, time.perf_counter() - started - interval)
            self.ticks += 1


async def measure(corpus: Path, askers: int) -> dict[str, float]:
    from bot import Settings
    from bot.service import IndexService
    from index import build_index

    with tempfile.TemporaryDirectory() as tmp:
        build_index(corpus, Path(tmp) / "index")
        service = IndexService(Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index"))
        service.start()
        await service.wait_ready()
        try:
            heartbeat = Heartbeat()
            beating = asyncio.create_task(heartbeat.run())
            await asyncio.sleep(0.05)  # let the heartbeat settle
            started = time.perf_counter()
            answers = await asyncio.gather(
                *(service.ask(QUESTIONS[i % len(QUESTIONS)]) for i in range(askers))
            )
            took = time.perf_counter() - started
            beating.cancel()
        finally:
            await service.close()
    return {
        "askers": askers,
        "answered": sum(1 for a in answers if a.answered),
        "seconds": took,
        "longest_stall_ms": heartbeat.longest * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loop_lag", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="documents to answer from (default: the sample)")
    parser.add_argument("--askers", type=int, default=20)
    args = parser.parse_args(argv)
    from index.paths import sample_corpus_dir

    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(shutil.copytree(sample_corpus_dir(), Path(tmp) / "corpus"))
        result = asyncio.run(measure(corpus, args.askers))
    print(
        f"{result['askers']} concurrent asks ({result['answered']} with an answer) done in "
        f"{result['seconds']:.2f} s; "
        f"longest event-loop stall {result['longest_stall_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
