"""The benchmark: citebot's BM25 against rank-bm25, bm25s (numpy, numba) and tantivy in one run,
on the same analyzed tokens, on the King James Bible and on a Zipf stress corpus; then citebot's
whole pipeline (build from files, Index.search, Index.ask).

    python -m bench --passages 100000,1000000 --queries 200 --json bench/results/latest.json

Run by hand, never in CI. Every engine gets the passages tokenized once by citebot's analyzer, so
the comparison is of scoring and retrieval alone. The pipeline is measured in fresh processes:
the build (peak RSS of the build and its parsing workers together), the first ask, warm asks.
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
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.oracle import LuceneBM25Okapi, oracle_top_k
from index.analysis import analyze
from index.bm25 import BM25Scorer
from index.kernel_loader import SHARED

Tokens = list[list[str]]
TopK = Callable[[list[str]], list[int]]
RANK_BM25 = "rank-bm25 (Lucene idf, the oracle)"
CITEBOT = "citebot"
PIPELINE = "citebot pipeline"


@dataclass
class Result:
    engine: str
    passages: int
    corpus: str = ""
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
    extra: dict[str, float] = field(default_factory=dict)


# --- corpora and queries ------------------------------------------------------------------------


def kjv_verses() -> list[str] | None:
    """The King James Bible (Debian's bible-kjv, via its ``bible`` command), or None."""
    if not shutil.which("bible"):
        return None
    run = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, timeout=120)
    verses = [line.split(" ", 1)[1] for line in run.stdout.splitlines() if " " in line]
    return verses if len(verses) > 30_000 else None


def directory_passages(corpus: Path) -> list[str]:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file()]
    return [p.strip() for t in texts for p in t.split("\n\n") if len(p.split()) >= 4]


def zipf_tokens(n: int, vocabulary: int = 40_000, length: int = 80, exponent: float = 1.15) -> Tokens:
    """``n`` passages of ``length`` words drawn from a Zipf law over ``vocabulary`` words (no
    stop words: every word counts, the common ones in most passages)."""
    rng = np.random.default_rng(1)
    cdf = np.cumsum(np.arange(1, vocabulary + 1, dtype=np.float64) ** -exponent)
    cdf /= cdf[-1]
    words = np.array([f"w{i}" for i in range(vocabulary)], dtype=object)
    out: Tokens = []
    step = 20_000
    for start in range(0, n, step):
        count = min(step, n - start)
        ranks = np.minimum(np.searchsorted(cdf, rng.random(count * length)), vocabulary - 1)
        drawn = words[ranks].reshape(count, length)
        out.extend(row.tolist() for row in drawn)
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


# --- measuring ------------------------------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (a build and its parsing workers)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += rss_mb(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
    return total


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def percentiles(result: Result, times_ms: Sequence[float]) -> None:
    result.p50_ms, result.p95_ms, result.p99_ms = (float(np.percentile(times_ms, q)) for q in (50, 95, 99))


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
    percentiles(result, times)
    return answers


def throughput(top_k: TopK, queries: list[list[str]], threads: int = 2, budget_s: float = 1.0) -> float:
    sample = queries[: max(1, min(len(queries), 2000))]
    started = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(threads) as pool:
        while time.perf_counter() - started < budget_s:
            list(pool.map(top_k, sample))
            done += len(sample)
    return done / (time.perf_counter() - started)


def agreement(ours: list[list[int]], scores: list[npt.NDArray[np.float64]]) -> float:
    """Share of queries whose top 10 equals the reference's, ties at the 10th score allowed."""
    same = 0
    for ids, s in zip(ours, scores, strict=False):
        best = oracle_top_k(s, 10)
        same += ids == best or sorted(np.round(s[ids], 5)) == sorted(np.round(s[best], 5))
    return same / max(1, min(len(ours), len(scores)))


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def fresh_process(code: str, *args: str, sample_rss: bool = False) -> dict[str, Any]:
    """Run ``code`` in a new interpreter; its last output line is JSON. With ``sample_rss``, also
    the peak RSS of the process and its children (sampled every 20 ms)."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(child.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_rss:
        sampler.start()
    out, err = child.communicate(timeout=3600)
    done.set()
    if child.returncode != 0:
        raise RuntimeError(err[-3000:])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if sample_rss:
        sampler.join()
        result["peak_rss_mb"] = peak[0]
    return result


# --- engines ------------------------------------------------------------------------------------


def bench_rank_bm25(tokens: Tokens) -> tuple[Result, Any]:
    result = Result(RANK_BM25, len(tokens))
    before = rss_mb()
    model, result.build_s = timed(lambda: LuceneBM25Okapi(tokens, k1=1.5, b=0.75))
    result.rss_mb = rss_mb() - before

    def top_k(query: list[str]) -> list[int]:
        return oracle_top_k(model.get_scores(query), 10)

    result.notes.append("rss is the growth of the benchmark process while building")
    return result, (model, top_k)


def bench_citebot(tokens: Tokens, queries: list[list[str]], work: Path) -> tuple[Result, TopK, BM25Scorer]:
    result = Result(CITEBOT, len(tokens))

    def build() -> BM25Scorer:
        scorer = BM25Scorer.build(tokens)
        scorer.save(work / "citebot")
        return scorer

    _, result.build_s = timed(build)
    result.disk_mb = dir_mb(work / "citebot")
    probe = fresh_process(
        "import json, sys, time; t = time.perf_counter()\n"
        "from pathlib import Path; from index.bm25 import BM25Scorer\n"
        "s = BM25Scorer.load(Path(sys.argv[1])); s.top_k(json.loads(sys.argv[2]), 10)\n"
        "took = time.perf_counter() - t\n"
        "rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        "print(json.dumps({'load_s': took, 'rss_mb': rss}))",
        str(work / "citebot"),
        json.dumps(queries[0]),
    )
    result.load_s, result.rss_mb = probe["load_s"], probe["rss_mb"]
    # The compiled kernel loads in the background while numpy's path answers: the time until it
    # serves (a fresh process: import, open, first query, then numba and the kernel from its cache).
    ready = fresh_process(
        "import json, sys, time; t = time.perf_counter()\n"
        "from pathlib import Path; from index.bm25 import BM25Scorer\n"
        "from index.kernel_loader import SHARED\n"
        "s = BM25Scorer.load(Path(sys.argv[1])); s.top_k(json.loads(sys.argv[2]), 10)\n"
        "first = time.perf_counter() - t\n"
        "ok = SHARED.wait(timeout=600) is not None\n"
        "ready = time.perf_counter() - t\n"
        "filled = s.fill_postings(timeout=600)\n"
        "print(json.dumps({'first_s': first, 'ready_s': ready, 'ok': ok,\n"
        "                  'filled_s': time.perf_counter() - t, 'filled': filled}))",
        str(work / "citebot"),
        json.dumps(queries[0]),
    )
    result.extra["kernel_ready_s"] = ready["ready_s"]
    result.extra["postings_filled_s"] = ready["filled_s"]
    result.notes.append(
        "build = from analyzed tokens to saved files; load = fresh process: import, open, first query "
        "(numpy's path, its terms' postings decoded); kernel_ready_s = the same, then waiting for the "
        f"compiled kernel ({'loaded' if ready['ok'] else 'NOT loaded: numpy path timed'}); "
        "postings_filled_s = then every term's postings decoded (a long-lived process does both in "
        "the background after its first big query)"
    )
    loaded = BM25Scorer.load(work / "citebot")
    # The latency rows are a long-lived process's: the kernel ready and the postings filled in.
    SHARED.wait(timeout=600)
    loaded.fill_postings(timeout=600)

    def top_k(query: list[str]) -> list[int]:
        return [i for i, _ in loaded.top_k(query, 10)]

    return result, top_k, loaded


def bench_bm25s(
    tokens: Tokens, queries: list[list[str]], work: Path, backend: str
) -> tuple[Result, TopK | None]:
    result = Result(f"bm25s ({backend}, lucene)", len(tokens))
    try:
        import bm25s
    except ImportError:
        result.notes.append("skipped: bm25s is not installed (pip install '.[bench]')")
        return result, None
    if backend == "numba" and not _installed("numba"):
        result.notes.append("skipped: numba is not installed (pip install '.[bench]')")
        return result, None
    before = rss_mb()
    # bm25s's "lucene" leaves out the constant factor k1 + 1: the same ranking as citebot's scores.
    model = bm25s.BM25(method="lucene", k1=1.5, b=0.75, backend=backend)
    _, result.build_s = timed(lambda: model.index(tokens, show_progress=False))
    result.rss_mb = rss_mb() - before
    model.save(str(work / f"bm25s-{backend}"))
    result.disk_mb = dir_mb(work / f"bm25s-{backend}")
    probe = fresh_process(
        "import json, sys, time; t = time.perf_counter()\nimport bm25s\n"
        "m = bm25s.BM25.load(sys.argv[1], mmap=True)\n"
        f"m.backend = {backend!r}\n"
        "m.retrieve([json.loads(sys.argv[2])], k=10, show_progress=False, n_threads=1)\n"
        "took = time.perf_counter() - t\n"
        "rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        "print(json.dumps({'load_s': took, 'rss_mb': rss}))",
        str(work / f"bm25s-{backend}"),
        json.dumps([t for t in queries[0] if t in model.vocab_dict]),
    )
    result.load_s = probe["load_s"]
    result.notes.append(
        f"fresh-process rss after load {probe['rss_mb']:.0f} MB; rss column: growth while building"
        + ("; load includes numba's JIT compilation" if backend == "numba" else "")
    )
    vocab = model.vocab_dict

    def top_k(query: list[str]) -> list[int]:
        known = [t for t in query if t in vocab]
        if not known:
            return []
        docs, scores = model.retrieve([known], k=10, show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    top_k(queries[0])  # numba compiles on the first call: that is load, not query time
    return result, top_k


def build_tantivy(tokens: Tokens, path: Path) -> Any:
    """tantivy's index of the tokens in ``path`` (an empty folder): 2 threads, 256 MB heap, a
    whitespace tokenizer fed each passage's tokens joined, term frequencies indexed."""
    import tantivy  # the bench's extra: pip install -e '.[bench]'

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    builder.add_integer_field("id", stored=True, indexed=False, fast=True)
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for i, passage in enumerate(tokens):
        writer.add_document(tantivy.Document(body=" ".join(passage), id=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def bench_tantivy(
    tokens: Tokens, queries: list[list[str]], work: Path, backend: str = ""
) -> tuple[Result, TopK | None]:
    result = Result("tantivy", len(tokens))
    if not _installed("tantivy"):
        result.notes.append("skipped: tantivy is not installed (pip install '.[bench]')")
        return result, None
    import tantivy

    path = work / "tantivy"
    path.mkdir()
    index, result.build_s = timed(lambda: build_tantivy(tokens, path))
    result.disk_mb = dir_mb(path)
    probe = fresh_process(
        "import json, sys, time; t = time.perf_counter()\nimport tantivy\n"
        "index = tantivy.Index.open(sys.argv[1]); schema = index.schema; searcher = index.searcher()\n"
        "q = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, 'body', w))"
        " for w in json.loads(sys.argv[2])])\n"
        "searcher.search(q, 10)\n"
        "took = time.perf_counter() - t\n"
        "rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
        "print(json.dumps({'load_s': took, 'rss_mb': rss}))",
        str(path),
        json.dumps(queries[0]),
    )
    result.load_s, result.rss_mb = probe["load_s"], probe["rss_mb"]
    result.notes.append(
        "tantivy's own BM25 (k1=1.2, b=0.75, lengths quantized to a byte): a different ranking"
    )
    schema, searcher = index.schema, index.searcher()
    occur = tantivy.Occur.Should

    def search(query: list[str]) -> Any:
        terms = [(occur, tantivy.Query.term_query(schema, "body", w)) for w in query]
        return searcher.search(tantivy.Query.boolean_query(terms), 10).hits

    def top_k(query: list[str]) -> list[int]:
        return [int(searcher.doc(address)["id"][0]) for _, address in search(query)]

    return result, _TantivyTopK(search, top_k)


class _TantivyTopK:
    """Timed: the search alone (hits as addresses); the passage ids are read afterwards."""

    def __init__(self, search: Callable[[list[str]], Any], ids: Callable[[list[str]], list[int]]) -> None:
        self.search, self.ids = search, ids

    def __call__(self, query: list[str]) -> list[int]:
        self.search(query)
        return []


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


# --- the pipeline ---------------------------------------------------------------------------------

_BUILD = """
import json, sys, time
t = time.perf_counter()
import index.bm25 as bm25
from index import build_index
spent = []
original = bm25.BM25Scorer.write_packed
def timed(*args, **kwargs):
    started = time.perf_counter()
    try:
        return original(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - started)
bm25.BM25Scorer.write_packed = staticmethod(timed)
index = build_index(sys.argv[1], sys.argv[2])
print(json.dumps({"build_s": time.perf_counter() - t, "bm25_s": sum(spent), "documents": len(index)}))
"""

_FIRST_ASK = """
import json, sys, time
t = time.perf_counter()
from index import open_index
index = open_index(sys.argv[1])
opened = time.perf_counter() - t
answer = index.ask(sys.argv[2])
print(json.dumps({"first_ask_s": time.perf_counter() - t, "open_s": opened}))
"""


def write_corpus(passages: Sequence[str], corpus: Path, per_file: int = 10_000) -> None:
    corpus.mkdir()
    for start in range(0, len(passages), per_file):
        lines = (json.dumps({"text": p}) for p in passages[start : start + per_file])
        (corpus / f"part{start // per_file:04d}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")


def fresh_corpus_dir(corpus: str, passages: int, work: Path) -> Path | None:
    """The bench's ``corpus`` at ``passages`` written as JSONL into an emptied ``work``/corpus (None
    when the corpus is not on this machine); the tokens are dropped before the build."""
    loaded = corpus_tokens(corpus, passages, None)
    if loaded is None:
        return None
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    write_corpus(loaded[0], work / "corpus")
    return work / "corpus"


def bench_pipeline(
    passages: Sequence[str], queries: list[list[str]], scorer_p50: float | None, work: Path, asks: int
) -> list[Result]:
    """citebot end to end: files -> index -> Index.search and Index.ask, built in a fresh process."""
    from index import open_index

    corpus = work / "corpus"
    write_corpus(passages, corpus)
    build = fresh_process(_BUILD, str(corpus), str(work / "index"), sample_rss=True)
    built = Result(PIPELINE + " build", len(passages), build_s=build["build_s"], rss_mb=build["peak_rss_mb"])
    built.disk_mb = dir_mb(work / "index")
    corpus_mb = dir_mb(corpus)
    built.extra = {"bm25_s": build["bm25_s"], "corpus_mb": corpus_mb, "disk_ratio": built.disk_mb / corpus_mb}
    built.notes.append("rss = peak of the build process and its parsing workers together (sampled)")
    index = open_index(work / "index")
    for query in queries[:3]:
        index.search_terms(query, 10)  # the first big query starts the kernel's and postings' loading
    _settled(index)  # then timed as the scorer rows are: a long-lived process's steady state

    search = Result("citebot Index.search", len(passages))
    times = []
    for query in queries:
        _, took = timed(lambda q=query: index.search_terms(q, 10))  # type: ignore[misc]
        times.append(took * 1000)
    percentiles(search, times)
    if scorer_p50:
        search.extra["ratio_to_scorer_p50"] = (search.p50_ms or 0) / scorer_p50
    page = []
    for query in queries:
        _, took = timed(lambda q=query: index.search_terms(q, 10)[:5])  # type: ignore[misc]
        page.append(took * 1000)
    search.extra["p50_ms_with_5_hits_built"] = float(np.percentile(page, 50))

    return [built, search, *time_asks(index, passages, work / "index", asks)]


def time_asks(
    index: Any,
    passages: Sequence[str],
    index_dir: Path,
    asks: int,
    corpus: str = "",
    then: Callable[[Result], None] = lambda _: None,
) -> list[Result]:
    """The first ask in a fresh process, then warm say-questions (for real speakers) and the bench
    mix, each timed (``then`` notes more on each right after its run): the questions drawn the
    same way every run (the mix first)."""
    from index.errors import BadQuery

    rng = random.Random(5)
    mixed = _mixed_questions(passages, rng, asks)
    says = _say_questions(index, rng, asks)
    first = fresh_process(_FIRST_ASK, str(index_dir), says[0] if says else mixed[0])

    def ask(question: str) -> None:
        with contextlib.suppress(BadQuery):  # a drawn question of stop words only: still timed
            index.ask(question)

    results = []
    for name, questions in (("say-questions", says), ("bench mix", mixed)):
        if not questions:
            continue
        asked = Result(f"citebot Index.ask ({name})", len(passages), corpus=corpus)
        for question in questions[:3]:
            ask(question)  # warm: the index's lazy loads are done once per process
        _settled(index)
        times = []
        for question in questions:
            _, took = timed(lambda q=question: ask(q))  # type: ignore[misc]
            times.append(took * 1000)
        percentiles(asked, times)
        asked.load_s = first["first_ask_s"]
        asked.notes.append(
            "load = first ask in a fresh process (import, open, answer); p50-p99 warm (after three asks, "
            "the kernel loaded and the postings filled in)"
        )
        then(asked)
        results.append(asked)
    return results


def _settled(index: Any) -> None:
    """What a long-lived process has a second after its first big query: the compiled kernel
    loaded and every term's postings filled in (both in the background; here, waited for)."""
    from index.kernel_loader import SHARED

    SHARED.wait(timeout=600)
    index.scorer.fill_postings(timeout=600)


def _mixed_questions(passages: Sequence[str], rng: random.Random, n: int) -> list[str]:
    asked: list[str] = []
    while len(asked) < n:
        words = [w.strip(".,;:") for w in rng.choice(passages).split() if len(w) > 3][:12]
        if len(words) >= 3:
            picked = rng.sample(words, 3)
            asked.append(
                rng.choice(["What did {} say about {} {}?", "When did {} {} {}?", "{} {} {}"]).format(*picked)
            )
    return asked


def _say_questions(index: Any, rng: random.Random, n: int) -> list[str]:
    """'What did X say about Y?' for speakers the index has, about a word of one of their quotes."""
    total = int(index.manifest["quotes"])
    asked: list[str] = []
    tries = 0
    while total and len(asked) < n and tries < 20 * n:
        tries += 1
        quote = index.quote(rng.randrange(total))
        words = [w.strip(".,;:!?'\"") for w in quote.text.split() if len(w) > 4]
        if quote.speaker and words:
            asked.append(f"What did {quote.speaker} say about {rng.choice(words)}?")
    return asked


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
        "| corpus | passages | engine | build s | load s | RSS MB | disk MB | p50 ms | p95 ms | p99 ms "
        "| QPS (2 thr) | top-10 = oracle |"
    )
    rows = [head, "|" + "---|" * 12]
    for r in results:
        rows.append(
            f"| {r.corpus} | {r.passages:,} | {r.engine} | {fmt(r.build_s)} | {fmt(r.load_s, 3)} | "
            f"{fmt(r.rss_mb, 0)} | {fmt(r.disk_mb, 1)} | {fmt(r.p50_ms, 3)} | {fmt(r.p95_ms, 3)} | "
            f"{fmt(r.p99_ms, 3)} | {fmt(r.qps_2_threads, 0)} | "
            f"{'—' if r.agree_at_10 is None else f'{r.agree_at_10:.0%}'} |"
        )
    return "\n".join(rows)


def ratios(results: list[Result]) -> list[str]:
    """citebot's scorer against the faster of bm25s-numba and tantivy, per corpus and size."""
    lines = []
    for corpus, size in sorted({(r.corpus, r.passages) for r in results}):
        here = [r for r in results if r.corpus == corpus and r.passages == size]
        ours = next((r for r in here if r.engine == CITEBOT), None)
        peers = [r for r in here if r.engine in ("bm25s (numba, lucene)", "tantivy") and r.p50_ms]
        if ours is None or not ours.p50_ms or not peers:
            continue
        for key in ("p50_ms", "p95_ms"):
            best = min(peers, key=lambda r: getattr(r, key))
            ratio = getattr(ours, key) / getattr(best, key)
            lines.append(f"- {corpus} {size:,}: citebot {key[:3]} / {best.engine} {key[:3]} = {ratio:.2f}x")
        for r in here:
            for name, value in r.extra.items():
                lines.append(f"- {corpus} {size:,}: {r.engine} {name} = {value:.3f}")
    return lines


def machine() -> dict[str, Any]:
    versions = {}
    for name in ("numpy", "rank-bm25", "bm25s", "numba", "tantivy", "spacy", "thinc"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "processor": cpu_model() or platform.processor() or platform.uname().machine,
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
        # The parse's matrix products run on numpy's OpenBLAS: its kernels (which an environment
        # may force, e.g. OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU) move the build's time.
        "blas": blas_kernels(),
    }


def cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return None


def blas_kernels() -> dict[str, Any]:
    from threadpoolctl import threadpool_info

    found = [
        {key: info.get(key) for key in ("internal_api", "version", "architecture")}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    settings = {key: value for key, value in os.environ.items() if key.startswith("OPENBLAS_")}
    return {"libraries": found, "environment": settings}


def corpus_tokens(name: str, size: int, directory: Path | None) -> tuple[list[str], Tokens, str] | None:
    if name == "zipf":
        tokens = zipf_tokens(size)
        return [" ".join(t) for t in tokens], tokens, "Zipf: 40k words, 80 a passage, exponent 1.15"
    base = directory_passages(directory) if directory is not None else kjv_verses()
    if base is None:
        print("skipped kjv: install Debian's bible-kjv (apt-get install bible-kjv)", flush=True)
        return None
    passages = scale(base, size)
    source = f"paragraphs of {directory}" if directory else "King James Bible verses (Debian bible-kjv)"
    return passages, [analyze(p) for p in passages], source


def run_size(name: str, size: int, args: argparse.Namespace) -> list[Result]:
    loaded = corpus_tokens(name, size, args.corpus)
    if loaded is None:
        return []
    passages, tokens, source = loaded
    print(f"\n{name}, {size:,} passages ({source})", flush=True)
    queries = make_queries(tokens, args.queries)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        citebot, top_k, scorer = bench_citebot(tokens, queries, work)
        citebot_ids = latency(citebot, top_k, queries)
        citebot.qps_2_threads = throughput(top_k, queries)
        if size <= args.rank_bm25_max:
            rank, (model, oracle_top) = bench_rank_bm25(tokens)
            reference = [model.get_scores(q) for q in queries]
            latency(rank, oracle_top, queries[:20], budget_s=20)
            rank.agree_at_10 = 1.0
            results.append(rank)
            del model, oracle_top
        else:
            # Past rank-bm25's reach: citebot's exhaustive scores, which the tests hold equal to it.
            reference = [scorer.get_scores(q) for q in queries]
            citebot.notes.append("top-10 checked against exhaustive get_scores (tested equal to rank-bm25)")
        citebot.agree_at_10 = agreement(citebot_ids, reference)
        results.append(citebot)
        del scorer
        gc.collect()
        for runner, backend in ((bench_bm25s, "numpy"), (bench_bm25s, "numba"), (bench_tantivy, "")):
            result, peer = runner(tokens, queries, work, backend)
            if peer is not None:
                ids = latency(result, peer, queries)
                result.qps_2_threads = throughput(peer, queries)
                if isinstance(peer, _TantivyTopK):
                    ids = [peer.ids(q) for q in queries]
                result.agree_at_10 = agreement(ids, reference)
            results.append(result)
            del peer
            gc.collect()
        del tokens, reference
        gc.collect()
        if not args.no_pipeline and size <= args.pipeline_max:
            results.extend(bench_pipeline(passages, queries, citebot.p50_ms, work, args.asks))
    for r in results:
        r.corpus = name
    print(table(results), flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--corpora", default="kjv,zipf", help="kjv and/or zipf (kjv: Debian's bible-kjv)")
    parser.add_argument("--corpus", type=Path, help="a directory of text to use instead of the KJV")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--asks", type=int, default=200, help="questions for Index.ask, of each kind")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--rank-bm25-max", type=int, default=100_000, help="no rank-bm25 above this size")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end build and ask")
    parser.add_argument(
        "--pipeline-max", type=int, default=10**9, help="the end-to-end build and ask only up to this size"
    )
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    info = machine()
    corpora = ["kjv"] if args.corpus else [c.strip() for c in args.corpora.split(",")]
    results: list[Result] = []
    for name in corpora:
        for size in [int(s) for s in args.passages.split(",")]:
            results.extend(run_size(name, size, args))
    cold = cold_cli_ask()
    print("\n" + table(results))
    print("\n" + "\n".join(ratios(results)))
    print(f"\ncold `citebot ask` on the sample corpus (process start to printed answer): {cold:.3f} s")
    info["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": info,
            "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
            "queries": args.queries,
            "cold_cli_ask_s": cold,
            "results": [asdict(r) for r in results],
            "started": started,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        args.json.write_text(json.dumps(payload, indent=2), "utf-8")
        print(f"wrote {args.json}")
    return 0
