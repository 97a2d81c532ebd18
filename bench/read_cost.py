"""What reading an index costs, on an index already built (to compare store formats on the same
corpus): a fresh process's open and first query (with the first 5 hits made), a fresh process's
first ask, and warm ``Index.search`` and hit making over queries drawn from the index's own
passages; the index's size, its scorer's (``bm25/``) and that per posting. ``--write-phase``
first writes the bench's synthetic write phase (``bench.write_phase``, no parsing) as a published
index, for sizes whose full build is too long.

    python -m bench.read_cost /tmp/kjv100k/index
    python -m bench.read_cost --write-phase zipf 1000000 /tmp/zipf1m
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from pathlib import Path
from statistics import median, quantiles

from bench.run import fresh_process

# Timed from after the import (``import_s`` apart), as the bench's load is.
_FIRST_QUERY = """
import json, sys, time
t = time.perf_counter()
from index import open_index
imported = time.perf_counter()
index = open_index(sys.argv[1])
opened = time.perf_counter()
hits = index.search(sys.argv[2], k=10)
[hits[i] for i in range(min(5, len(hits)))]
done = time.perf_counter()
times = {"import_s": imported - t, "open_s": opened - imported, "open_and_first_query_s": done - imported}
print(json.dumps(times))
"""

_FIRST_ASK = """
import json, sys, time
from index import open_index
t = time.perf_counter()
index = open_index(sys.argv[1])
index.ask(sys.argv[2])
print(json.dumps({"open_and_first_ask_s": time.perf_counter() - t}))
"""


def queries(index: object, n: int = 200) -> list[str]:
    """Three words of each of ``n`` passages drawn (seeded) from the index."""
    from index.analysis import analyze
    from index.engine import Index

    assert isinstance(index, Index)
    rng = random.Random(7)
    drawn = []
    for chunk_id in rng.sample(range(index.passage_count), min(n, index.passage_count)):
        chunk = index.chunk(chunk_id)
        words = [w for w in index.text(chunk.doc_index)[chunk.start : chunk.end].split() if analyze(w)]
        drawn.append(" ".join(rng.sample(words, min(3, len(words)))) or "light")
    return drawn


def warm(index_dir: Path) -> dict[str, float]:
    from index import open_index

    index = open_index(index_dir)
    drawn = queries(index)
    search_ms: list[float] = []
    hits_ms: list[float] = []
    for query in drawn * 2:  # the second pass is the one timed: blocks and columns are read once
        started = time.perf_counter()
        hits = index.search(query, k=10)
        ranked = time.perf_counter()
        [hits[i] for i in range(min(5, len(hits)))]
        search_ms.append((ranked - started) * 1000)
        hits_ms.append((time.perf_counter() - ranked) * 1000)
    search_ms, hits_ms = search_ms[len(drawn) :], hits_ms[len(drawn) :]
    return {
        "search_p50_ms": median(search_ms),
        "search_p95_ms": quantiles(search_ms, n=20)[-1],
        "five_hits_p50_ms": median(hits_ms),
        "five_hits_p95_ms": quantiles(hits_ms, n=20)[-1],
    }


def sizes(generation: Path) -> dict[str, float]:
    """The generation's bytes, its scorer's, and the scorer's per posting (all its files: postings,
    tables, vocabulary)."""
    files = {
        p.relative_to(generation).as_posix(): p.stat().st_size for p in generation.rglob("*") if p.is_file()
    }
    scorer = sum(size for rel, size in files.items() if rel.startswith("bm25/"))
    postings = json.loads((generation / "bm25" / "bm25.json").read_text("utf-8")).get("postings")
    per_posting = scorer / postings if isinstance(postings, int) and postings else float("nan")
    return {"index_bytes": sum(files.values()), "bm25_bytes": scorer, "bm25_bytes_per_posting": per_posting}


def write_phase_index(corpus: str, passages: int, folder: Path) -> dict[str, float]:
    """The bench's write phase for ``corpus`` as a published index in ``folder``/index."""
    import shutil

    from bench.write_phase import batch, kjv_batches, zipf_batches
    from index import store
    from index.engine import pipeline_fingerprint
    from index.writer import GenerationWriter

    shutil.rmtree(folder, ignore_errors=True)
    index_dir = folder / "index"
    staged = store.new_generation(index_dir)
    started = time.perf_counter()
    writer = GenerationWriter(staged)
    done = 0
    for texts, tokens in (zipf_batches if corpus == "zipf" else kjv_batches)(passages):
        writer.add(batch(done, texts, tokens))
        done += len(texts)
    counts = writer.finish()
    files = {
        rel: {"sha256": "", "size": 0, "doc_runs": store.doc_runs(docs)}
        for rel, docs in writer.file_docs.items()
    }
    manifest = {
        "format": store.FORMAT,
        "version": store.VERSION,
        "corpus_dir": str(folder),
        "pipeline": pipeline_fingerprint(),
        "documents": counts.documents,
        "chunks": counts.chunks,
        "quotes": counts.quotes,
        "files": files,
        "stamps": {},
        "checksums": store.checksums(staged),
    }
    store.write_json(staged / store.MANIFEST, manifest)
    store.publish(index_dir, staged)
    return {
        "write_s": time.perf_counter() - started,
        "write_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    result: dict[str, object] = {}
    if argv[0] == "--write-phase":
        corpus, passages, folder = argv[1], int(argv[2]), Path(argv[3])
        result |= write_phase_index(corpus, passages, folder)
        index_dir = folder / "index"
    else:
        index_dir = Path(argv[0])
    from index import open_index

    first = queries(open_index(index_dir), 1)[0]
    result |= fresh_process(_FIRST_QUERY, str(index_dir), first)
    result |= fresh_process(_FIRST_ASK, str(index_dir), "What did the LORD say about the law?")
    result |= warm(index_dir)
    result |= sizes((index_dir / "current").resolve())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
