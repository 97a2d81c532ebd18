"""Where things live by default: the bundled sample corpus and the per-corpus index directory."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sample_corpus_dir() -> Path:
    """The two sample articles shipped with the package, the default corpus."""
    return Path(__file__).resolve().parent / "sample"


def default_index_dir(corpus_dir: str | os.PathLike[str]) -> Path:
    """Where an index of ``corpus_dir`` lives unless told otherwise: the user's cache directory."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    resolved = Path(corpus_dir).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return cache / "citebot" / f"{resolved.name or 'corpus'}-{digest}"
