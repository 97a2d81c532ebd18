"""The words a quote is found by: its speaker's names, roles, relay and whom they speak for.

The build indexes each quote under these words and questions look speakers up by them, so this
module is part of the index's pipeline fingerprint (``index.engine.pipeline_fingerprint``): a
change here makes existing indexes stale. Question-time matching is ``index.answering.speakers``.
"""

from __future__ import annotations

from index.analysis import words
from index.answering import lexicon
from index.models import Quote

ARTICLES = frozenset(["the", "a", "an"])


def speaker_words(quote: Quote) -> set[str]:
    """Folded words naming who said it: the resolved name, the words as written, the roles the
    document gives them ("the commune chief" finds Mith Salang), the relay (a question about what
    TASS reported finds the aide TASS quoted) and whom they speak for ("the Kremlin" finds its
    spokesman; see ``index.answering.speakers.speaker_matches`` for why "Putin" does not find his)."""
    said = set(words(quote.speaker or "")) | set(words(quote.speaker_as_written or ""))
    said |= set(words(quote.speaker_roles or ""))
    said |= set(words(quote.relay or "")) - lexicon.word_set("relay_noise.txt")
    said |= set(words(quote.speaks_for or ""))
    return said - ARTICLES
