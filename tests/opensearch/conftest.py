"""Fixtures for the tests against a real OpenSearch cluster, which ``.ci/run`` starts (two nodes on
127.0.0.1, see node.sh) and announces in CITEBOT_TEST_OPENSEARCH_URL. Without that variable every
test here is skipped; with it, a cluster that does not answer is a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

URL_KEY = "CITEBOT_TEST_OPENSEARCH_URL"
HOME_KEY = "CITEBOT_TEST_OPENSEARCH_HOME"

if not os.environ.get(URL_KEY):
    pytest.skip(f"{URL_KEY} is not set: no OpenSearch cluster to test against", allow_module_level=True)

from opensearch_helpers import drop, fresh_config  # noqa: E402 - only with a cluster to test

from index.opensearch.config import OpenSearchConfig  # noqa: E402


@pytest.fixture(scope="session")
def cluster_url() -> str:
    return os.environ[URL_KEY]


@pytest.fixture(scope="session")
def cluster_home() -> Path:
    return Path(os.environ[HOME_KEY])


@pytest.fixture
def config(cluster_url: str) -> Iterator[OpenSearchConfig]:
    cfg = fresh_config(cluster_url, replicas=1)
    yield cfg
    drop(cfg)
