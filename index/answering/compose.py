"""Answers made from ranked candidates: verbatim hits, or an honest "no answer" with related passages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.analysis import analyze
from index.answering.candidates import Candidate
from index.answering.question import Question
from index.answering.ranking import Ranked
from index.answering.terms import frame_terms
from index.models import Answer, Hit

if TYPE_CHECKING:
    from index.reader import Reader

MAX_ANSWERS = 3


def answered(reader: Reader, q: Question, ranked: Sequence[Ranked]) -> Answer:
    chosen = list(ranked[:MAX_ANSWERS])
    marked = analyze(q.topic) + (analyze(q.speaker) if q.speaker else [])
    answers = tuple(
        reader.hit(
            r.candidate.doc_index, r.candidate.span, round(r.score, 6), marked, speaker=r.candidate.speaker
        )
        for r in chosen
    )
    return Answer(
        question=q.text,
        answered=True,
        answers=answers,
        related=related(reader, q, [r.candidate for r in chosen]),
    )


def no_answer(reader: Reader, q: Question, reason: str) -> Answer:
    return Answer(question=q.text, answered=False, related=related(reader, q, ()), reason=reason)


def related(reader: Reader, q: Question, chosen: Sequence[Candidate], k: int = 3) -> tuple[Hit, ...]:
    """Passages that share the question's words: shown as related, never as the answer."""
    terms = [t for t in analyze(q.text) if t not in frame_terms()]
    taken = {(c.doc_index, c.span.start) for c in chosen}
    hits = []
    for hit in reader.search_terms(terms, k=k + len(chosen)):
        doc_index = reader.doc_index(hit.doc)
        if not any(d == doc_index and hit.start <= s < hit.end for d, s in taken):
            hits.append(hit)
    return tuple(hits[:k])
