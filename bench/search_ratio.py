"""``Index.search`` against its own scorer, on an index kept by ``bench.asks``.

    python -m bench.search_ratio --passages 1000000 --work /tmp/kjv1m [--json OUT]
    python -m bench.search_ratio --corpus zipf --passages 1000000 --work /tmp/zipf1m

The pipeline rows of ``python -m bench`` give ``Index.search`` p50 over the scorer's p50, but at a
million KJV passages that needs the build with attribution. This reuses the index ``bench.asks``
builds in ``--work`` (for Zipf, builds the bench's Zipf corpus and its index there the same way) and
times, on the bench's queries (the same draw), the index's own scorer, ``Index.search_terms`` and
the search with five hits built, once the compiled kernel serves.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.run import corpus_tokens, machine, make_queries, timed


def percentiles_ms(run: Callable[[list[str]], object], queries: list[list[str]]) -> dict[str, float]:
    import numpy as np

    for query in queries[:5]:
        run(query)  # warm
    times = [timed(lambda q=query: run(q))[1] * 1000 for query in queries]  # type: ignore[misc]
    return {name: float(np.percentile(times, at)) for name, at in (("p50", 50), ("p95", 95), ("p99", 99))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_ratio", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("kjv", "zipf"), default="kjv")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, required=True, help="bench.asks's corpus and index")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    from bench.asks import index_of
    from index.kernel_loader import SHARED

    loaded = corpus_tokens(args.corpus, args.passages, None)
    if loaded is None:
        raise SystemExit("needs Debian's bible-kjv (apt-get install bible-kjv)")
    passages, tokens, _ = loaded
    queries = make_queries(tokens, args.queries)
    del tokens
    index, build_s = index_of(args.work, passages)
    del passages
    index.search_terms(queries[0], 10)
    if SHARED.wait(timeout=600) is None:
        raise SystemExit("the compiled kernel did not load")
    index.scorer.fill_postings(timeout=600)
    found: dict[str, object] = {
        "corpus": args.corpus,
        "passages": args.passages,
        "build_s": build_s,
        "scorer": percentiles_ms(lambda q: index.scorer.top_k(q, 10), queries),
        "search": percentiles_ms(lambda q: index.search_terms(q, 10), queries),
        "search_5_hits_built": percentiles_ms(lambda q: index.search_terms(q, 10)[:5], queries),
    }
    found["search_p50_over_scorer_p50"] = found["search"]["p50"] / found["scorer"]["p50"]  # type: ignore[index]
    print(json.dumps(found, indent=1))
    if args.json:
        found["machine"] = machine()
        given = argv if argv is not None else sys.argv[1:]
        found["command"] = "python -m bench.search_ratio " + " ".join(given)
        args.json.write_text(json.dumps(found, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
