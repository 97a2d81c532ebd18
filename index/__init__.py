"""citebot's engine: a Discord-free library that answers questions with verbatim, cited quotes.

    from index import build_index, open_index
    idx = build_index(corpus_dir, index_dir)
    idx.ask("What did Kalin say about Patriots?")

The names below are imported on first use, so that ``import index.analysis`` (or the quotes
command) does not pay for numpy and the scorer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.engine import Index, build_index, ensure_index, open_index
    from index.paths import default_index_dir, sample_corpus_dir

__all__ = ["Index", "build_index", "default_index_dir", "ensure_index", "open_index", "sample_corpus_dir"]


def __getattr__(name: str) -> Any:
    if name in ("default_index_dir", "sample_corpus_dir"):
        from index import paths

        return getattr(paths, name)
    if name in __all__:
        from index import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")
