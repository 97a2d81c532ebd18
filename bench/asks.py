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
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bench.run import (
    Result,
    kjv_verses,
    machine,
    scale,
    table,
    time_asks,
    timed,
    write_corpus,
)

if TYPE_CHECKING:
    from index.engine import Index


def index_of(work: Path, passages: Sequence[str]) -> tuple[Index, float | None]:
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
    def records_read(asked: Result) -> None:  # counted over the run so far
        asked.extra["quote_records_read"] = float(getattr(index, "quote_records_read", -1))

    return time_asks(index, passages, index_dir, asks, corpus="kjv", then=records_read)


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
