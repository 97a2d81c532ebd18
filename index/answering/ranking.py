"""The order answers are shown in: most of the question covered first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.analysis import terms_of_word
from index.answering import lexicon
from index.answering.candidates import Candidate
from index.answering.question import Question

# A quote said with the verb asked ("what did X warn") ranks above one merely said.
_SAME_CUE_BONUS = 0.1
# A topic term found only in the sentence a quote refers back to counts this much of its weight.
_CONTEXT_SHARE = 0.5
# Passages BM25 ranks higher break near-ties, never more.
_RETRIEVAL_BONUS = 0.05
# Two sentences rank below one sentence that covers as much.
_PAIR_PENALTY = 0.1
# Between candidates that cover as much, the one that keeps coming back to the topic's words
# ("Commanders ... to command") ranks first; never enough to outweigh a covered term.
_REPEAT_BONUS = 0.005
_REPEATS_COUNTED = 4


@dataclass(frozen=True, slots=True)
class Ranked:
    candidate: Candidate
    score: float


def rank(q: Question, candidates: Sequence[Candidate]) -> list[Ranked]:
    """``candidates`` best first; ties keep the order they came in (document or retrieval order)."""
    asked_cue = _asked_cue(q)
    scored = [Ranked(c, _score(q, c, asked_cue)) for c in candidates]
    return sorted(scored, key=lambda r: -r.score)


def _score(q: Question, c: Candidate, asked_cue: tuple[str, ...]) -> float:
    score = q.terms.coverage(set(c.terms)) if q.terms.weights else 1.0
    if c.context and q.terms.weights:
        score += _CONTEXT_SHARE * (q.terms.coverage(set(c.matchable)) - score)
    if asked_cue and terms_of_word(c.cue or "") == asked_cue:
        score += _SAME_CUE_BONUS
    if c.retrieval_rank is not None:
        score += _RETRIEVAL_BONUS / (1 + c.retrieval_rank)
    if c.pair:
        score -= _PAIR_PENALTY
    repeats = sum(max(0, c.counts.get(form, 0) - 1) for forms in q.terms.variants.values() for form in forms)
    return score + _REPEAT_BONUS * min(repeats, _REPEATS_COUNTED)


def _asked_cue(q: Question) -> tuple[str, ...]:
    if not q.verb or q.verb in lexicon.word_set("plain_speech_verbs.txt"):
        return ()
    return terms_of_word(q.verb)
