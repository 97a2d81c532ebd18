"""The main process's write phase of a build, alone: synthetic one-passage documents (the bench's
Zipf or KJV passages) go through ``GenerationWriter`` in batches of 256, as parsed batches do, then
``finish`` writes the name table, the span arrays and the BM25 files. Prints the peak RSS of this
process, the seconds, and the generation's size against the corpus as the bench writes it (JSONL).

    python -m bench.write_phase zipf 1000000 /tmp/write-phase

No parsing and no quotes: a full pipeline build adds its parsing workers (measured by
``python -m bench``) and the quotes file on top.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.run import kjv_verses, scale, zipf_tokens
from index import store
from index.analysis import analyze
from index.writer import Batch, GenerationWriter

BATCH = 256
_Passages = tuple[list[str], list[list[str]]]


def zipf_batches(n: int) -> Iterator[_Passages]:
    for lo in range(0, n, 20_000):  # generated a block at a time (each block drawn the same way)
        tokens = zipf_tokens(min(20_000, n - lo))
        for i in range(0, len(tokens), BATCH):
            yield [" ".join(t) for t in tokens[i : i + BATCH]], tokens[i : i + BATCH]


def kjv_batches(n: int) -> Iterator[_Passages]:
    verses = kjv_verses()
    if verses is None:
        raise SystemExit("install Debian's bible-kjv")
    texts = scale(verses, n)
    for i in range(0, n, BATCH):
        yield texts[i : i + BATCH], [analyze(t) for t in texts[i : i + BATCH]]


def batch(first: int, texts: list[str], tokens: list[list[str]]) -> Batch:
    """One document a passage, named as the bench's JSONL corpus names them."""
    out = Batch()
    n = len(texts)
    names = [f"part{(first + i) // 10_000:04d}.jsonl" for i in range(n)]
    out.rels = names
    out.metas = [
        (f"{rel}#{(first + i) % 10_000 + 1}", t[:120], None)
        for i, (rel, t) in enumerate(zip(names, texts, strict=True))
    ]
    out.texts = texts
    spans = np.array([[0, len(t)] for t in texts], dtype=np.int64).reshape(-1, 2)
    ones, zeros = np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    out.para, out.para_count, out.sent, out.sent_count, out.chunk, out.chunk_count = (
        spans,
        ones,
        spans,
        ones,
        spans,
        ones,
    )
    out.sent_para, out.chunk_para, out.quote_count = zeros, zeros, zeros
    vocabulary: dict[str, int] = {}
    rows = [
        (c, vocabulary.setdefault(term, len(vocabulary)), tf)
        for c, terms in enumerate(tokens)
        for term, tf in Counter(terms).items()
    ]
    out.vocabulary = list(vocabulary)
    out.postings = np.array(rows, dtype=np.int64).reshape(-1, 3)
    out.chunk_lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    return out


def main(argv: list[str]) -> int:
    corpus, passages, folder = argv[0], int(argv[1]), Path(argv[2])
    shutil.rmtree(folder, ignore_errors=True)
    staged = store.new_generation(folder)
    started = time.perf_counter()
    writer = GenerationWriter(staged)
    corpus_bytes = done = 0
    for texts, tokens in (zipf_batches if corpus == "zipf" else kjv_batches)(passages):
        corpus_bytes += sum(len(json.dumps({"text": t}).encode()) + 1 for t in texts)
        writer.add(batch(done, texts, tokens))
        done += len(texts)
    added = time.perf_counter() - started
    writer.finish()
    size = sum(p.stat().st_size for p in staged.rglob("*") if p.is_file())
    result = {
        "corpus": corpus,
        "passages": passages,
        "seconds": time.perf_counter() - started,
        "finish_s": time.perf_counter() - started - added,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "index_mb": size / 2**20,
        "corpus_mb": corpus_bytes / 2**20,
        "index_over_corpus": size / corpus_bytes,
    }
    print(json.dumps(result))
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
