"""The OpenSearch backend's entry points, shaped like the embedded index's (build, open, ensure),
plus ``status`` for operators. The front ends import this module only when it is chosen."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.corpus import scan_corpus
from index.errors import CitebotError, IndexCorrupt, IndexMissing
from index.models import BuildReport
from index.opensearch import build as builder
from index.opensearch.client import cluster_health, connect, failures
from index.opensearch.config import OpenSearchConfig
from index.opensearch.reader import OpenSearchIndex

Progress = builder.Progress
Share = builder.Share


def build_index(
    config: OpenSearchConfig, corpus_dir: Path, *, progress: Progress | None = None
) -> OpenSearchIndex:
    """Build the whole corpus into a new version index, publish it, and return it opened."""
    client = connect(config)
    report = builder.build(client, config, corpus_dir, progress=progress)
    index = OpenSearchIndex(client, config)
    index.report = report
    return index


def build_part(
    config: OpenSearchConfig, corpus_dir: Path, share: builder.Share, *, progress: Progress | None = None
) -> tuple[str, builder.PartCounts]:
    """One builder's share of a parallel build (``citebot index build --part I/N``)."""
    return builder.build_part(connect(config), config, corpus_dir, share, progress=progress)


def publish(config: OpenSearchConfig, corpus_dir: Path, parts: int) -> BuildReport:
    """The last step of a parallel build: check that all ``parts`` are in, then swap the alias."""
    started = time.perf_counter()
    client = connect(config)
    sources, _ = scan_corpus(corpus_dir.resolve())
    name = builder.parts_index_name(config, sources, parts)
    return builder.publish(client, config, corpus_dir, name, parts, started)


def open_index(config: OpenSearchConfig) -> OpenSearchIndex:
    return OpenSearchIndex(connect(config), config)


def ensure_index(
    config: OpenSearchConfig, corpus_dir: Path, *, progress: Progress | None = None
) -> OpenSearchIndex:
    """The served index if it is the up-to-date build of ``corpus_dir``; else build it first."""
    try:
        index = open_index(config)
    except (IndexMissing, IndexCorrupt):
        return build_index(config, corpus_dir, progress=progress)
    if index.is_stale(corpus_dir):
        return build_index(config, corpus_dir, progress=progress)
    return index


@dataclass(frozen=True, slots=True)
class Status:
    cluster: str
    health: str
    nodes: int
    alias: str
    index: str | None
    records: dict[str, int]
    others: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "health": self.health,
            "nodes": self.nodes,
            "alias": self.alias,
            "index": self.index,
            "records": self.records,
            "other_indexes": self.others,
        }


def status(config: OpenSearchConfig) -> Status:
    """The cluster, its health, the alias and the index it serves, with record counts by kind."""
    client = connect(config)
    health = cluster_health(client, config)
    serving = builder.serving_indexes(client, config)
    name = serving[0] if serving else None
    records: dict[str, int] = {}
    others: list[str] = []
    with failures(config, "reading the index status"):
        existing = client.indices.get(index=f"{config.prefix}-*", expand_wildcards="open,closed")
        others = sorted(n for n in existing if n != name)
        if name is not None:
            found = client.search(
                index=name,
                body={"size": 0, "aggs": {"kinds": {"terms": {"field": "kind", "size": 20}}}},
            )
            records = {b["key"]: int(b["doc_count"]) for b in found["aggregations"]["kinds"]["buckets"]}
    return Status(
        cluster=str(health.get("cluster_name", "?")),
        health=str(health.get("status", "?")),
        nodes=int(str(health.get("number_of_nodes", 0))),
        alias=config.prefix,
        index=name,
        records=records,
        others=others,
    )


__all__ = [
    "CitebotError",
    "OpenSearchIndex",
    "Status",
    "build_index",
    "ensure_index",
    "open_index",
    "publish",
    "status",
]
