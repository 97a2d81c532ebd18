"""The benchmark: citebot's BM25 against rank-bm25 and bm25s in one run, on the same tokens.

    python -m bench --passages 10000,100000 --queries 200 --json bench/results/latest.json

Run by hand, never in CI. Every engine gets the passages tokenized once by citebot's analyzer, so
the comparison is of scoring and retrieval alone; citebot's whole pipeline (files to verbatim
answers) is measured separately (``Index.ask``, cold ``citebot ask``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.oracle import LuceneBM25Okapi
from index.analysis import analyze
from index.bm25 import BM25Scorer

Tokens = list[list[str]]
RANK_BM25 = "rank-bm25 (Lucene idf, the oracle)"
TopK = Callable[[list[str]], list[int]]


@dataclass
class Result:
    engine: str
    passages: int
    build_s: float | None = None
    load_s: float | None = None
    rss_mb: float | None = None
    disk_mb: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    qps_2_threads: float | None = None
    agree_at_10: float | None = None
    notes: list[str] = field(default_factory=list)


# --- corpus and queries -----------------------------------------------------------------------


def load_passages(corpus: Path | None) -> tuple[list[str], str]:
    """Real text: the given directory's paragraphs, else the King James Bible (Debian's
    bible-kjv-text, via its ``bible`` command), else a synthetic Zipf text."""
    if corpus is not None:
        texts = [p.read_text("utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file()]
        paragraphs = [p.strip() for t in texts for p in t.split("\n\n") if len(p.split()) >= 4]
        return paragraphs, f"paragraphs of {corpus}"
    if shutil.which("bible"):
        run = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, timeout=120)
        verses = [line.split(" ", 1)[1] for line in run.stdout.splitlines() if " " in line]
        if len(verses) > 30_000:
            return verses, "King James Bible verses (Debian bible-kjv-text)"
    return zipf_passages(50_000), "synthetic Zipf text (install Debian's bible-kjv-text for real text)"


def zipf_passages(n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(50_000)]
    ranks = rng.zipf(1.2, size=n * 30) % len(vocabulary)
    lengths = rng.integers(8, 50, size=n)
    out, at = [], 0
    for length in lengths:
        out.append(" ".join(vocabulary[r] for r in ranks[at : at + length]))
        at += length
    return out


def scale(passages: Sequence[str], n: int, seed: int = 2) -> list[str]:
    """``n`` passages: the originals, then copies with a tenth of their words swapped at random."""
    rng = random.Random(seed)
    words = [w for p in passages[:5000] for w in p.split()]
    out = list(passages[:n])
    while len(out) < n:
        base = passages[len(out) % len(passages)].split()
        for _ in range(max(1, len(base) // 10)):
            base[rng.randrange(len(base))] = rng.choice(words)
        out.append(" ".join(base))
    return out


def make_queries(tokens: Tokens, n: int, seed: int = 3) -> list[list[str]]:
    """2-6 word queries drawn from random passages (analyzed terms, as every engine sees them)."""
    rng = random.Random(seed)
    queries: list[list[str]] = []
    while len(queries) < n:
        source = tokens[rng.randrange(len(tokens))]
        if len(source) >= 2:
            queries.append(rng.sample(source, min(len(source), rng.randint(2, 6))))
    return queries


# --- measuring --------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def latency(result: Result, top_k: TopK, queries: list[list[str]], budget_s: float = 60.0) -> list[list[int]]:
    """p50/p95/p99 of one-thread top-10 queries, within a time budget; returns each query's ids."""
    answers, times = [], []
    spent = 0.0
    for query in queries:
        ids, took = timed(lambda q=query: top_k(q))  # type: ignore[misc]
        answers.append(ids)
        times.append(took * 1000)
        spent += took
        if spent > budget_s and len(times) >= 5:
            result.notes.append(f"latency over the first {len(times)} queries (time cap)")
            break
    result.p50_ms, result.p95_ms, result.p99_ms = (float(np.percentile(times, q)) for q in (50, 95, 99))
    return answers


def throughput(top_k: TopK, queries: list[list[str]], threads: int = 2, budget_s: float = 20.0) -> float:
    sample = queries[: max(1, min(len(queries), 2000))]
    started = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(threads) as pool:
        while time.perf_counter() - started < budget_s and done < 4 * len(sample):
            list(pool.map(top_k, sample))
            done += len(sample)
            if time.perf_counter() - started > 1.0:
                break
    return done / (time.perf_counter() - started)


def agreement(ours: list[list[int]], reference: list[list[int]], scores: list[np.ndarray] | None) -> float:
    """Share of queries whose top 10 equals the reference's, ties at the 10th score allowed."""
    same = 0
    for i, (a, b) in enumerate(zip(ours, reference, strict=False)):
        if a == b:
            same += 1
        elif scores is not None:
            s = scores[i]
            same += sorted(np.round(s[a], 9)) == sorted(np.round(s[b], 9))
    return same / max(1, min(len(ours), len(reference)))


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def fresh_process(code: str) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


# --- engines ------------------------------------------------------------------------------------


def bench_rank_bm25(tokens: Tokens, queries: list[list[str]], max_passages: int) -> tuple[Result, Any]:
    result = Result(RANK_BM25, len(tokens))
    if len(tokens) > max_passages:
        result.notes.append(f"skipped: more than {max_passages:,} passages (time cap)")
        return result, None
    before = rss_mb()
    model, result.build_s = timed(lambda: LuceneBM25Okapi(tokens, k1=1.5, b=0.75))
    result.rss_mb = rss_mb() - before

    def top_k(query: list[str]) -> list[int]:
        scores = model.get_scores(query)
        best = np.argpartition(-scores, 9)[:10]
        return [int(i) for i in sorted(best, key=lambda i: (-scores[i], i)) if scores[i] > 0]

    result.notes.append("rss is the growth of the benchmark process while building")
    return result, (model, top_k)


def bench_citebot(tokens: Tokens, queries: list[list[str]], work: Path) -> tuple[Result, TopK]:
    result = Result("citebot", len(tokens))
    scorer, result.build_s = timed(lambda: BM25Scorer.build(tokens))
    scorer.save(work / "citebot")
    result.disk_mb = dir_mb(work / "citebot")
    probe = fresh_process(
        "import json, time, resource; t = time.perf_counter()\n"
        "from pathlib import Path; from index.bm25 import BM25Scorer\n"
        f"s = BM25Scorer.load(Path({str(work / 'citebot')!r})); s.top_k({queries[0]!r}, 10)\n"
        "took = time.perf_counter() - t\n"
        "rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        "print(json.dumps({'load_s': took, 'rss_mb': rss}))"
    )
    result.load_s, result.rss_mb = probe["load_s"], probe["rss_mb"]
    result.notes.append(
        "load = fresh process: import, open the index, answer a first query; rss of that process"
    )
    loaded = BM25Scorer.load(work / "citebot")

    def top_k(query: list[str]) -> list[int]:
        return [i for i, _ in loaded.top_k(query, 10)]

    return result, top_k


def bench_bm25s(tokens: Tokens, queries: list[list[str]], work: Path) -> tuple[Result, TopK | None]:
    result = Result("bm25s (numpy, lucene)", len(tokens))
    try:
        import bm25s
    except ImportError:
        result.notes.append("skipped: bm25s is not installed (pip install '.[bench]')")
        return result, None
    before = rss_mb()
    # bm25s's "lucene" leaves out the constant factor k1 + 1: the same ranking as citebot's scores.
    model = bm25s.BM25(method="lucene", k1=1.5, b=0.75, backend="numpy")
    _, result.build_s = timed(lambda: model.index(tokens, show_progress=False))
    result.rss_mb = rss_mb() - before
    model.save(str(work / "bm25s"))
    result.disk_mb = dir_mb(work / "bm25s")
    probe = fresh_process(
        "import json, time; t = time.perf_counter()\nimport bm25s\n"
        f"m = bm25s.BM25.load({str(work / 'bm25s')!r}, mmap=True)\n"
        f"m.retrieve([{queries[0]!r}], k=10, show_progress=False)\n"
        "took = time.perf_counter() - t\n"
        "rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        "print(json.dumps({'load_s': took, 'rss_mb': rss}))"
    )
    result.load_s = probe["load_s"]
    result.notes.append(
        f"fresh-process rss after load {probe['rss_mb']:.0f} MB; rss column: growth while building"
    )
    vocab = model.vocab_dict

    def top_k(query: list[str]) -> list[int]:
        known = [t for t in query if t in vocab]
        if not known:
            return []
        docs, scores = model.retrieve([known], k=10, show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return result, top_k


def bench_pipeline(passages: list[str], work: Path, questions: int, seed: int = 5) -> Result:
    """citebot end to end: files -> index (passages, quotes) -> Index.ask verbatim answers."""
    from index import build_index

    corpus = work / "corpus"
    corpus.mkdir()
    per_file = 10_000
    for start in range(0, len(passages), per_file):
        lines = (json.dumps({"text": p}) for p in passages[start : start + per_file])
        (corpus / f"part{start // per_file:04d}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    result = Result("citebot Index.ask (end to end)", len(passages))
    index, result.build_s = timed(lambda: build_index(corpus, work / "index"))
    result.disk_mb = dir_mb(work / "index")
    rng = random.Random(seed)
    asked = []
    for _ in range(questions):
        words = [w.strip(".,;:") for w in rng.choice(passages).split() if len(w) > 3][:12]
        if len(words) >= 3:
            picked = rng.sample(words, 3)
            asked.append(
                rng.choice(["What did {} say about {} {}?", "When did {} {} {}?", "{} {} {}"]).format(*picked)
            )
    from index.errors import BadQuery

    def ask(question: str) -> None:
        with contextlib.suppress(BadQuery):  # a drawn question of stop words only: still timed
            index.ask(question)

    times = []
    for question in asked:
        _, took = timed(lambda q=question: ask(q))  # type: ignore[misc]
        times.append(took * 1000)
    result.p50_ms, result.p95_ms, result.p99_ms = (float(np.percentile(times, q)) for q in (50, 95, 99))
    result.notes.append("build = the whole pipeline (reading, sentences, quotes, analysis, BM25, writing)")
    return result


def cold_cli_ask(runs: int = 5) -> float:
    """Seconds from process start to printed answer, `citebot ask` on the sample corpus (warm index)."""
    command = [sys.executable, "-m", "bot.cli", "ask", "What did Kalin say about Patriots?"]
    subprocess.run(command, capture_output=True, check=True)  # builds the sample index once
    times = []
    for _ in range(runs):
        _, took = timed(lambda: subprocess.run(command, capture_output=True, check=True))
        times.append(took)
    return statistics.median(times)


# --- report -------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(results: list[Result]) -> str:
    head = (
        "| passages | engine | build s | load s | RSS MB | disk MB | p50 ms | p95 ms | p99 ms | QPS (2 thr) "
        "| top-10 = rank-bm25 |"
    )
    rows = [head, "|" + "---|" * 11]
    for r in results:
        rows.append(
            f"| {r.passages:,} | {r.engine} | {fmt(r.build_s)} | {fmt(r.load_s, 3)} | {fmt(r.rss_mb, 0)} | "
            f"{fmt(r.disk_mb, 1)} | {fmt(r.p50_ms, 3)} | {fmt(r.p95_ms, 3)} | {fmt(r.p99_ms, 3)} | "
            f"{fmt(r.qps_2_threads, 0)} | {'—' if r.agree_at_10 is None else f'{r.agree_at_10:.0%}'} |"
        )
    return "\n".join(rows)


def ratios(results: list[Result]) -> list[str]:
    lines = []
    for size in sorted({r.passages for r in results}):
        ours = next((r for r in results if r.passages == size and r.engine == "citebot"), None)
        for peer in (
            r
            for r in results
            if r.passages == size and r.engine not in ("citebot",) and "end to end" not in r.engine
        ):
            if ours and ours.p50_ms and peer.p50_ms:
                lines.append(
                    f"- {size:,} passages: {peer.engine} p50 / citebot p50 = {peer.p50_ms / ours.p50_ms:.1f}x"
                )
    return lines


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "processor": platform.processor() or platform.uname().machine,
        "numpy": np.__version__,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--corpus", type=Path, help="a directory of text to use instead of the default")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--rank-bm25-max", type=int, default=1_000_000, help="skip rank-bm25 above this size")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end build and ask")
    args = parser.parse_args(argv)
    base, source = load_passages(args.corpus)
    print(f"corpus: {source}, {len(base):,} passages before scaling", flush=True)
    results: list[Result] = []
    for size in [int(s) for s in args.passages.split(",")]:
        passages = scale(base, size)
        tokens, analysis_s = timed(lambda p=passages: [analyze(x) for x in p])  # type: ignore[misc]
        print(f"\n{size:,} passages: analyzed in {analysis_s:.1f} s (shared by every engine)", flush=True)
        queries = make_queries(tokens, args.queries)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            reference_ids = None
            reference_scores = None
            rank, rank_model = bench_rank_bm25(tokens, queries, args.rank_bm25_max)
            if rank_model is not None:
                model, top_k = rank_model
                reference_ids = latency(rank, top_k, queries)
                rank.qps_2_threads = throughput(top_k, queries[:20], budget_s=10)
                reference_scores = [model.get_scores(q) for q in queries[: len(reference_ids)]]
                rank.agree_at_10 = 1.0
                del model, rank_model
                gc.collect()
            results.append(rank)
            for runner in (bench_citebot, bench_bm25s):
                result, top_k_fn = runner(tokens, queries, work)
                if top_k_fn is not None:
                    ids = latency(result, top_k_fn, queries)
                    result.qps_2_threads = throughput(top_k_fn, queries)
                    if reference_ids is not None:
                        result.agree_at_10 = agreement(ids, reference_ids, reference_scores)
                results.append(result)
                gc.collect()
            if not args.no_pipeline:
                results.append(bench_pipeline(passages, work, min(args.queries, 200)))
        print(table([r for r in results if r.passages == size]), flush=True)
    cold = cold_cli_ask()
    print("\n" + table(results))
    print("\n" + "\n".join(ratios(results)))
    print(f"\ncold `citebot ask` on the sample corpus (process start to printed answer): {cold:.3f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": machine(),
            "corpus": source,
            "queries": args.queries,
            "cold_cli_ask_s": cold,
            "results": [asdict(r) for r in results],
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        args.json.write_text(json.dumps(payload, indent=2), "utf-8")
        print(f"wrote {args.json}")
    return 0
