"""The scorer's build from token lists against tantivy's, in one process, in turn, from the same
tokens: citebot's ``BM25Scorer.build`` + ``save`` (the bench's citebot build row) and tantivy as
``bench.run.bench_tantivy`` builds it (2 threads, 256 MB heap, whitespace tokenizer, fed
``" ".join(tokens)``). Prints, a line each: wall seconds, CPU seconds of the process, and the
growth of its RSS at the peak (sampled every 20 ms; citebot's includes the scorer it returns).
On a machine others share, compare the two in the same run, and the CPU seconds.

    python -m bench.token_build kjv:100000 kjv:1000000 zipf:100000 zipf:1000000
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.run import Tokens, build_tantivy, corpus_tokens, rss_mb
from index.bm25 import BM25Scorer


def citebot(tokens: Tokens, work: Path) -> None:
    BM25Scorer.build(tokens, kernel=None).save(work / "citebot")


def tantivy(tokens: Tokens, work: Path) -> None:
    path = work / "tantivy"
    path.mkdir()
    build_tantivy(tokens, path)


def measured(build: Callable[[Tokens, Path], None], tokens: Tokens) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS growth (MB) of one build into a fresh folder."""
    base = rss_mb()
    peak, done = [base], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as work:
        wall, cpu = time.perf_counter(), time.process_time()
        build(tokens, Path(work))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done.set()
        sampler.join()
    gc.collect()
    return wall, cpu, max(peak[0], rss_mb()) - base


def main(argv: list[str]) -> int:
    engines = {"citebot": citebot, "tantivy": tantivy}
    for spec in argv or ["kjv:100000", "zipf:100000"]:
        name, _, size = spec.partition(":")
        loaded = corpus_tokens(name, int(size), None)
        if loaded is None:
            continue
        tokens = loaded[1]
        count = sum(map(len, tokens))
        print(f"{name} {int(size):,} passages, {count:,} tokens; load {os.getloadavg()[0]:.2f}", flush=True)
        for engine, build in engines.items():
            try:
                wall, cpu, grew = measured(build, tokens)
            except ImportError as missing:
                print(f"  {engine}: skipped ({missing})", flush=True)
                continue
            print(f"  {engine}: {wall:.2f} s, CPU {cpu:.2f} s, peak RSS growth {grew:.0f} MB", flush=True)
        del tokens, loaded
        gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
