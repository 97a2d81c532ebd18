"""Speakers and a speaker's quotes on the OpenSearch backend, against the real cluster: the same
people, counts, name forms, documents and verbatim quotes as the embedded index of the same corpus,
and ``citebot speakers`` / ``quotes --speaker`` with CITEBOT_BACKEND=opensearch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearch_helpers import drop, fresh_config

from index import build_index, sample_corpus_dir
from index.opensearch import backend
from index.opensearch.config import OpenSearchConfig
from index.opensearch.reader import OpenSearchIndex
from index.speakers import find_speaker, index_speakers, speaker_quotes

MORE = 'Budget\n\n"We will wait," Kalin said.\n\nMaria Lopez said the harbour was closed.\n'


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, cluster_url: str
) -> Iterator[tuple[Path, OpenSearchConfig, object, OpenSearchIndex]]:
    root = tmp_path_factory.mktemp("speakers-cluster")
    corpus = root / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    (corpus / "more.txt").write_text(MORE, encoding="utf-8")
    config = fresh_config(cluster_url, replicas=1)
    try:
        yield corpus, config, build_index(corpus, root / "embedded"), backend.build_index(config, corpus)
    finally:
        drop(config)


def _listed(index: object) -> list[tuple[object, ...]]:
    return [(s.key, s.name, s.forms, s.count, s.documents) for s in index_speakers(index)]  # type: ignore[arg-type]


def test_the_cluster_lists_the_same_speakers(
    both: tuple[Path, OpenSearchConfig, object, OpenSearchIndex],
) -> None:
    _, _, embedded, cluster = both
    listed = _listed(cluster)
    assert listed == _listed(embedded)
    assert any(key == "ibrahim kalin" and count >= 2 for key, _, _, count, _ in listed)


def test_the_cluster_shows_the_same_verbatim_quotes(
    both: tuple[Path, OpenSearchConfig, object, OpenSearchIndex],
) -> None:
    _, _, embedded, cluster = both
    for person in index_speakers(cluster):
        on_cluster = speaker_quotes(cluster, person)
        mine = find_speaker(index_speakers(embedded), person.key)  # type: ignore[arg-type]
        here = speaker_quotes(embedded, mine)  # type: ignore[arg-type]
        assert [(h.doc, h.start, h.end, h.text, h.paragraph) for h in on_cluster] == [
            (h.doc, h.start, h.end, h.text, h.paragraph) for h in here
        ]
        for hit in on_cluster:
            assert cluster.document(hit.doc).text[hit.start : hit.end] == hit.text


def test_the_commands_work_on_the_cluster(
    both: tuple[Path, OpenSearchConfig, object, OpenSearchIndex], tmp_path: Path
) -> None:
    corpus, config, _, _ = both
    env = {
        **os.environ,
        "CITEBOT_BACKEND": "opensearch",
        "CITEBOT_OPENSEARCH_URL": config.url,
        "CITEBOT_OPENSEARCH_PREFIX": config.prefix,
        "CITEBOT_OPENSEARCH_REPLICAS": "1",
    }

    def citebot(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot.cli", *args, "--corpus", str(corpus)]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)

    listed = citebot("speakers", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "ibrahim kalin" in {s["key"] for s in json.loads(listed.stdout)}
    quoted = citebot("quotes", "--speaker", "Kalin", "--topic", "wait", "--json")
    assert quoted.returncode == 0, quoted.stderr
    assert [q["text"] for q in json.loads(quoted.stdout)["quotes"]] == ['"We will wait," Kalin said.']
