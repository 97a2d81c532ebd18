"""Embedded index vs OpenSearch backend in one run: indexing throughput and query latency.

    python -m bench.opensearch --url http://127.0.0.1:9200 [--passages 50000] [--queries 200] [--json OUT]

Both backends build the same generated corpus (``bench.corpus_gen``: real news paragraphs, perturbed)
through the whole pipeline (reading, sentences, quotes, analysis, writing), then answer the same
queries: ``search`` (top-10 verbatim passages) and ``ask`` (a question read as a keyword search).
Latency is measured through each backend's Python API, one query at a time, caches warm after the
first pass over the documents. Run by hand against a cluster you started, never by CI as a timing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.corpus_gen import write_corpus
from index import build_index, sample_corpus_dir
from index.analysis import analyze
from index.engine import Index

NEWS = Path(__file__).resolve().parents[2] / "shared" / "qa" / "news" / "corpus"


def queries_from(index: Index, n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        chunk = index.chunk(rng.randrange(index.passage_count))
        words = index.text(chunk.doc_index)[chunk.start : chunk.end].split()
        query = " ".join(rng.sample(words, min(len(words), rng.randint(2, 6)))) if len(words) >= 2 else ""
        if analyze(query):  # not only stop words
            out.append(query)
    return out


def latencies_ms(call: Callable[[str], object], queries: Sequence[str]) -> dict[str, float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        call(query)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.opensearch", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the OpenSearch cluster")
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--json", metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)

    from index.opensearch import backend
    from index.opensearch.client import connect
    from index.opensearch.config import OpenSearchConfig

    config = OpenSearchConfig(
        url=args.url, prefix=f"bench-{uuid.uuid4().hex[:8]}", shards=args.shards, replicas=args.replicas
    )
    results: dict[str, Any] = {"passages_requested": args.passages, "queries": args.queries}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, args.passages, [NEWS, sample_corpus_dir()])
        started = time.perf_counter()
        embedded = build_index(corpus, Path(tmp) / "index")
        embedded_s = time.perf_counter() - started
        started = time.perf_counter()
        try:
            cluster = backend.build_index(config, corpus)
            cluster_s = time.perf_counter() - started
            queries = queries_from(embedded, args.queries)
            for name, engine, seconds in (
                ("embedded", embedded, embedded_s),
                ("opensearch", cluster, cluster_s),
            ):
                for query in queries:  # a first pass warms both sides' caches of document records
                    engine.search(query, k=10)
                results[name] = {
                    "passages": engine.passage_count,
                    "build_s": round(seconds, 2),
                    "passages_per_s": round(engine.passage_count / seconds),
                    "search_ms": latencies_ms(lambda q, e=engine: e.search(q, k=10), queries),  # type: ignore[misc]
                    "ask_ms": latencies_ms(lambda q, e=engine: e.ask(q), queries),  # type: ignore[misc]
                }
        finally:
            connect(config).indices.delete(index=f"{config.prefix}-*", ignore_unavailable=True)
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
