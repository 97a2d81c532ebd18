"""The library's exceptions. Each message is safe and useful to show a user as it is."""

from __future__ import annotations


class CitebotError(Exception):
    """Base of every error the library raises on purpose; ``str(err)`` is fit for a user."""


class CorpusError(CitebotError):
    """The corpus directory is missing or unreadable as a whole."""


class FileSkipped(CitebotError):
    """One corpus file cannot be indexed; the message is the reason the build reports."""


class IndexMissing(CitebotError):
    """No index at the given place."""


class IndexCorrupt(CitebotError):
    """An index exists but cannot be read: damaged, foreign, or from another format version."""


class GenerationGone(IndexCorrupt):
    """The generation a reader had open was removed (a rebuild elsewhere): reopen the current one."""


class IndexWriteError(CitebotError):
    """The index could not be written (disk full, read-only, not a folder); the old one still serves."""


class UnknownDocument(CitebotError):
    """A document (or paragraph) that the index does not hold was asked for."""


class BadQuery(CitebotError):
    """A question or query that cannot be run (empty, too long, nothing searchable)."""


class SearchUnavailable(CitebotError):
    """The search service (an OpenSearch cluster) is down, unreachable, read-only or refused a request."""
