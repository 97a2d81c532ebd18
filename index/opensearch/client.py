"""The connection to the cluster, and its failures turned into one-line errors a user can act on."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from index.errors import IndexMissing, SearchUnavailable
from index.opensearch.config import OpenSearchConfig

log = logging.getLogger(__name__)


def connect(config: OpenSearchConfig) -> OpenSearch:
    """A client with bounded timeouts and retries (no request is sent yet)."""
    # citebot reports each failure itself, in one line. The client's own log lines would repeat it
    # with a traceback, and its trace logger writes request bodies (corpus text) at INFO.
    logging.getLogger("opensearch").setLevel(logging.ERROR)
    logging.getLogger("opensearchpy.trace").setLevel(logging.WARNING)
    auth = (config.user, config.password or "") if config.user else None
    return OpenSearch(
        hosts=[config.url],
        http_auth=auth,
        verify_certs=config.verify_tls,
        ssl_show_warn=config.verify_tls,
        timeout=config.timeout,
        max_retries=config.retries,
        retry_on_timeout=True,
        # A node that dies mid-request is retried on another one (the cluster's, not ours).
        retry_on_status=(502, 503, 504),
    )


@contextlib.contextmanager
def failures(config: OpenSearchConfig, doing: str) -> Iterator[None]:
    """Turn opensearch-py's exceptions raised while ``doing`` something into citebot's one-liners."""
    try:
        yield
    except os_errors.NotFoundError as err:
        raise IndexMissing(
            f"No citebot index '{config.prefix}' on the search service at {config.safe_url}: "
            "run `citebot index build`."
        ) from err
    except (os_errors.ConnectionError, os_errors.ConnectionTimeout) as err:
        raise SearchUnavailable(
            f"The search service at {config.safe_url} cannot be reached ({doing}); try again later."
        ) from err
    except (os_errors.AuthenticationException, os_errors.AuthorizationException) as err:
        if "cluster_block" in _error_type(err):  # a read-only block answers 403 too
            raise SearchUnavailable(_describe(config, doing, err)) from err
        raise SearchUnavailable(
            f"The search service at {config.safe_url} refused citebot's credentials ({doing})."
        ) from err
    except os_errors.TransportError as err:
        raise SearchUnavailable(_describe(config, doing, err)) from err


def _describe(config: OpenSearchConfig, doing: str, err: os_errors.TransportError) -> str:
    kind = _error_type(err)
    where = f"The search service at {config.safe_url}"
    if "cluster_block" in kind or "read_only" in str(err.info):
        return f"{where} is read-only (a cluster or index block) and refused {doing}."
    if kind in ("mapper_parsing_exception", "illegal_argument_exception", "settings_exception"):
        return f"{where} rejected citebot's index mapping or settings ({kind}) while {doing}."
    if err.status_code == 429:
        return f"{where} is overloaded (too many requests) and refused {doing}; try again later."
    if kind in _NOT_SERVED:
        return f"{where} is unavailable: part of the index is not being served right now ({doing}, {kind})."
    return f"{where} is unavailable ({doing} failed: {kind or err.status_code})."


# Errors that mean "no copy of (part of) the index can answer now": a node is down, or the index closed.
_NOT_SERVED = frozenset(
    {
        "search_phase_execution_exception",
        "no_shard_available_action_exception",
        "unavailable_shards_exception",
        "index_closed_exception",
        "cluster_block_exception_index_closed",
    }
)


def _error_type(err: os_errors.TransportError) -> str:
    info = err.info
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            return str(error.get("type", ""))
        if isinstance(error, str):
            return error
    return str(err.error or "")


def cluster_health(client: OpenSearch, config: OpenSearchConfig) -> dict[str, object]:
    with failures(config, "reading the cluster health"):
        health: dict[str, object] = client.cluster.health()
    return health
