"""Helpers shared by the tests against a real OpenSearch cluster."""

from __future__ import annotations

import uuid
from pathlib import Path

from index.opensearch.client import connect
from index.opensearch.config import OpenSearchConfig

SHARED = Path(__file__).resolve().parents[3] / "shared"
NEWS = SHARED / "qa" / "news"


def fresh_config(url: str, **overrides: object) -> OpenSearchConfig:
    """A config with a prefix no other test uses (tests may share the cluster)."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    return OpenSearchConfig(url=url, prefix=prefix, **overrides)  # type: ignore[arg-type]


def drop(config: OpenSearchConfig) -> None:
    client = connect(config)
    client.indices.delete(index=f"{config.prefix}-*", ignore_unavailable=True, expand_wildcards="all")
