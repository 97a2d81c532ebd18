"""The same questions on both backends, over a real OpenSearch cluster: the top-10 passages agree,
every answer is verbatim, and score.py's figures on the news set match the embedded backend's."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from opensearch_helpers import NEWS, SHARED, drop, fresh_config

from bench.corpus_gen import write_corpus
from index import build_index, sample_corpus_dir
from index.analysis import analyze
from index.engine import Index
from index.errors import BadQuery
from index.models import Hit
from index.opensearch import backend
from index.opensearch.reader import OpenSearchIndex

GENERATED_PASSAGES = 50_000


class Pair:
    def __init__(self, embedded: Index, cluster: OpenSearchIndex, questions: list[str]) -> None:
        self.embedded, self.cluster, self.questions = embedded, cluster, questions


def _questions(path: Path, key: str) -> list[str]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line)[key] for line in lines if line.strip()]


def _generated_queries(index: Index, n: int, seed: int = 3) -> list[str]:
    """2-6 words drawn from random passages, as a person would type them."""
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < n:
        chunk = index.chunk(rng.randrange(index.passage_count))
        words = index.text(chunk.doc_index)[chunk.start : chunk.end].split()
        if len(words) >= 2:
            queries.append(" ".join(rng.sample(words, min(len(words), rng.randint(2, 6)))))
    return queries


def _pair(corpus: Path, work: Path, url: str, questions: list[str] | None) -> Iterator[Pair]:
    config = fresh_config(url, replicas=1)
    embedded = build_index(corpus, work / "embedded")
    cluster = backend.build_index(config, corpus)
    try:
        yield Pair(embedded, cluster, questions or _generated_queries(embedded, 200))
    finally:
        drop(config)


@pytest.fixture(scope="module", params=["sample", "news", "generated"])
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, cluster_url: str
) -> Iterator[Pair]:
    work = tmp_path_factory.mktemp(request.param)
    if request.param == "sample":
        yield from _pair(
            sample_corpus_dir(),
            work,
            cluster_url,
            _questions(SHARED / "qa" / "seed_questions.jsonl", "question"),
        )
    elif request.param == "news":
        yield from _pair(NEWS / "corpus", work, cluster_url, _questions(NEWS / "questions.jsonl", "q"))
    else:
        write_corpus(work / "corpus", GENERATED_PASSAGES, [NEWS / "corpus", sample_corpus_dir()])
        yield from _pair(work / "corpus", work, cluster_url, None)


def _top10(hits: Sequence[Hit]) -> set[tuple[str, int]]:
    return {(h.doc, h.start) for h in hits}


def test_both_backends_index_the_same_passages(pair: Pair) -> None:
    assert pair.cluster.passage_count == pair.embedded.passage_count > 0
    assert pair.cluster.report is not None and pair.embedded.report is not None
    assert pair.cluster.report.quotes == pair.embedded.report.quotes


def test_top10_passages_overlap(pair: Pair) -> None:
    overlaps = []
    for question in pair.questions:
        terms = analyze(question)
        if not terms:
            continue
        ours, theirs = (
            _top10(pair.cluster.search_terms(terms, 10)),
            _top10(pair.embedded.search_terms(terms, 10)),
        )
        overlaps.append(len(ours & theirs) / max(len(ours), len(theirs), 1))
    assert len(overlaps) >= min(20, len(pair.questions))
    assert sum(overlaps) / len(overlaps) >= 0.9


def test_every_answer_is_verbatim(pair: Pair) -> None:
    checked = 0
    for question in pair.questions[:80]:
        try:
            answer = pair.cluster.ask(question)
        except BadQuery:
            continue
        for hit in answer.answers + answer.related:
            text = pair.cluster.document(hit.doc).text
            assert text[hit.start : hit.end] == hit.text
            checked += 1
    assert checked > 0


def _score(citebot: str, env: dict[str, str], out: Path) -> dict[str, object]:
    subprocess.run(
        [sys.executable, str(NEWS / "score.py"), citebot, "--json", str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    figures: dict[str, object] = json.loads(out.read_text("utf-8"))
    return figures


def test_score_py_figures_match_the_embedded_backend(tmp_path: Path, cluster_url: str) -> None:
    citebot = str(Path(sys.executable).parent / "citebot")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    embedded = _score(citebot, base | {"CITEBOT_BACKEND": "embedded"}, tmp_path / "embedded.json")
    config = fresh_config(cluster_url)
    try:
        cluster = _score(
            citebot,
            base
            | {
                "CITEBOT_BACKEND": "opensearch",
                "CITEBOT_OPENSEARCH_URL": cluster_url,
                "CITEBOT_OPENSEARCH_PREFIX": config.prefix,
            },
            tmp_path / "cluster.json",
        )
    finally:
        drop(config)
    fractions = [k for k, v in embedded.items() if isinstance(v, float)]
    assert {"hit1", "hit3", "refusals", "recall"} <= set(fractions), embedded
    for key in fractions:
        assert abs(float(cluster[key]) - float(embedded[key])) <= 0.02, (key, embedded[key], cluster[key])  # type: ignore[arg-type]
    for key in ("gold", "predicted", "answerable", "unanswerable"):
        assert cluster[key] == embedded[key], key
    assert cluster["not_verbatim"] == 0
