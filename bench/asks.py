"""The ask part of ``python -m bench``'s pipeline, on an index kept between runs.

    python -m bench.asks --passages 1000000 --work /tmp/kjv1m [--json OUT]

At a million KJV passages the build (with quote attribution) takes tens of minutes on a shared
2-core machine, so measuring a change to answering by rerunning the whole bench is costly. This
builds the bench's KJV corpus and its index into ``--work`` once (reused while the corpus is
there and the index opens), then times ``Index.ask`` exactly as ``bench.run.bench_pipeline``
does: the same corpus, the same drawn questions ("What did X say about Y?" and the mix), three
warm-up asks, then each question once; and the first ask in a fresh process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench.run import (
    _FIRST_ASK,
    Result,
    _mixed_questions,
    _say_questions,
    fresh_process,
    kjv_verses,
    machine,
    percentiles,
    scale,
    table,
    timed,
    write_corpus,
)


def index_of(work: Path, passages: Sequence[str]) -> tuple[object, float | None]:
    """The index of the bench's corpus in ``work``, built if it does not open (with its build time)."""
    from index import build_index, open_index
    from index.errors import CitebotError

    corpus, index_dir = work / "corpus", work / "index"
    if not corpus.exists():
        work.mkdir(parents=True, exist_ok=True)
        write_corpus(passages, corpus)
    try:
        return open_index(index_dir), None
    except CitebotError:
        index, took = timed(lambda: build_index(corpus, index_dir))
        return index, took


def measure(index: object, passages: Sequence[str], index_dir: Path, asks: int) -> list[Result]:
    from index.errors import BadQuery

    rng = random.Random(5)  # as bench_pipeline draws them: the mix first, then the say-questions
    mixed = _mixed_questions(passages, rng, asks)
    says = _say_questions(index, rng, asks)
    first = fresh_process(_FIRST_ASK, str(index_dir), says[0] if says else mixed[0])

    def ask(question: str) -> None:
        with contextlib.suppress(BadQuery):
            index.ask(question)  # type: ignore[attr-defined]

    results = []
    for name, questions in (("say-questions", says), ("bench mix", mixed)):
        if not questions:
            continue
        asked = Result(f"citebot Index.ask ({name})", len(passages), corpus="kjv")
        for question in questions[:3]:
            ask(question)
        times = []
        for question in questions:
            _, took = timed(lambda q=question: ask(q))  # type: ignore[misc]
            times.append(took * 1000)
        percentiles(asked, times)
        asked.load_s = first["first_ask_s"]
        asked.notes.append("load = first ask in a fresh process (import, open, answer); p50-p99 warm")
        asked.extra["quote_records_read"] = float(getattr(index, "quote_records_read", -1))
        results.append(asked)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.asks", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, required=True, help="where the corpus and index are kept")
    parser.add_argument("--asks", type=int, default=200, help="questions of each kind")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    info = machine()
    verses = kjv_verses()
    if verses is None:
        raise SystemExit("needs Debian's bible-kjv (apt-get install bible-kjv)")
    passages = scale(verses, args.passages)
    index, build_s = index_of(args.work, passages)
    results = measure(index, passages, args.work / "index", args.asks)
    print(table(results))
    info["load_average_at_end"] = os.getloadavg()
    if args.json:
        payload = {
            "machine": info,
            "command": "python -m bench.asks " + " ".join(argv if argv is not None else sys.argv[1:]),
            "build_s": build_s,
            "results": [asdict(r) for r in results],
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        args.json.write_text(json.dumps(payload, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
