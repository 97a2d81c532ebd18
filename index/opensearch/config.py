"""How to reach the cluster and how to lay out citebot's indexes on it (no I/O, no opensearch-py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class OpenSearchConfig:
    url: str = "http://127.0.0.1:9200"
    user: str | None = None
    # Kept out of repr() so that logging or printing a config never shows it.
    password: str | None = field(default=None, repr=False)
    verify_tls: bool = True
    prefix: str = "citebot"
    shards: int = 3
    replicas: int = 1
    # Every request is bounded: a dead node costs at most timeout x (retries + 1) seconds.
    timeout: float = 10.0
    retries: int = 2

    @property
    def safe_url(self) -> str:
        """The URL without any user:password part, fit for messages and logs."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
