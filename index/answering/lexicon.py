"""The answer path's word lists, read from ``index/data/answering/`` once, on first use."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def lines(name: str, folder: str = "answering") -> tuple[tuple[str, ...], ...]:
    """The words of each line of a data file (in ``index/data/answering/``, or ``folder=""`` for the
    lists attribution shares), without blank lines and ``#`` comments."""
    where = resources.files("index.data")
    text = (where.joinpath(folder, name) if folder else where.joinpath(name)).read_text(encoding="utf-8")
    return tuple(
        tuple(line.split()) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@functools.cache
def word_set(name: str, folder: str = "answering") -> frozenset[str]:
    """Every word of a data file."""
    return frozenset(word.lower() for line in lines(name, folder) for word in line)


def alternatives(name: str) -> str:
    """A data file's words as one regular-expression alternation (longest first, so that 'said'
    is not read as 'sa')."""
    return "|".join(sorted(word_set(name), key=lambda w: (-len(w), w)))
