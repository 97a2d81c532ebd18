"""Several processes and machines on one cluster: a reader follows the alias when another process
publishes a newer build, and N builders (``citebot index build --part I/N``) feed one index that
``citebot index publish`` serves, with the same passages as one builder makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opensearch_helpers import NEWS, SHARED

from index import build_index, sample_corpus_dir
from index.analysis import analyze
from index.opensearch import backend
from index.opensearch.build import serving_indexes
from index.opensearch.client import connect
from index.opensearch.config import OpenSearchConfig


def test_a_reader_follows_a_build_published_by_another_process(config: OpenSearchConfig) -> None:
    first = backend.build_index(config, sample_corpus_dir())
    reader = backend.open_index(config)  # as another bot process would hold it
    assert reader.name == first.name
    second = backend.build_index(config, sample_corpus_dir())  # deletes the index the reader pinned
    assert not connect(config).indices.exists(index=first.name)
    answer = reader.ask("What did Kalin say about Patriots?")
    assert answer.answered and reader.name == second.name
    hit = answer.answers[0]
    assert reader.document(hit.doc).text[hit.start : hit.end] == hit.text


def _citebot(config: OpenSearchConfig, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env |= {
        "CITEBOT_BACKEND": "opensearch",
        "CITEBOT_OPENSEARCH_URL": config.url,
        "CITEBOT_OPENSEARCH_PREFIX": config.prefix,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "citebot"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_parallel_parts_then_publish_serve_the_same_passages(
    config: OpenSearchConfig, tmp_path: Path
) -> None:
    corpus = str(NEWS / "corpus")
    part_1 = _citebot(config, tmp_path, "index", "build", "--corpus", corpus, "--part", "1/2", "--json")
    assert part_1.returncode == 0, part_1.stderr
    early = _citebot(config, tmp_path, "index", "publish", "--corpus", corpus, "--parts", "2")
    assert early.returncode == 2 and "2/2 not built yet" in early.stderr and "Traceback" not in early.stderr
    assert serving_indexes(connect(config), config) == []  # nothing half-built is ever served
    part_2 = _citebot(config, tmp_path, "index", "build", "--corpus", corpus, "--part", "2/2", "--json")
    assert part_2.returncode == 0, part_2.stderr
    published = _citebot(config, tmp_path, "index", "publish", "--corpus", corpus, "--parts", "2", "--json")
    assert published.returncode == 0, published.stderr

    status = _citebot(config, tmp_path, "index", "status", "--json")
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    assert state["index"] == json.loads(part_1.stdout)["index"] == json.loads(part_2.stdout)["index"]
    assert state["nodes"] >= 1 and state["health"] in ("green", "yellow")

    embedded = build_index(NEWS / "corpus", tmp_path / "embedded")
    cluster = backend.open_index(config)
    assert state["records"]["passage"] == cluster.passage_count == embedded.passage_count
    assert state["records"]["document"] == len(embedded)
    overlaps = []
    for line in (SHARED / "qa" / "news" / "questions.jsonl").read_text("utf-8").splitlines()[:60]:
        terms = analyze(json.loads(line)["q"])
        ours = {(h.doc, h.start) for h in cluster.search_terms(terms, 10)}
        theirs = {(h.doc, h.start) for h in embedded.search_terms(terms, 10)}
        overlaps.append(len(ours & theirs) / max(len(ours), len(theirs), 1))
    assert sum(overlaps) / len(overlaps) >= 0.9
