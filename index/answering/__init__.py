"""Questions to verbatim answers, or an honest "no answer".

The path is one way: the question is read once (``question``), candidates come from the index
(``candidates``), named checks keep those that answer it and say why the others do not
(``checks``), and the rest are ranked (``ranking``) and cited (``compose``). Answering reads an
index only through the ``Reader`` protocol, so either backend serves it.

A BM25 score says a passage shares words with the question, not that it answers it. So an answer
must *cover* the question: the share of the question's term weight (IDF) found in it, including
the rarest term, which is usually what the question is about. Whatever falls short is shown as
related passages, never as the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from index.answering import candidates as find
from index.answering import checks
from index.answering.candidates import Candidate
from index.answering.compose import MAX_ANSWERS, answered, no_answer
from index.answering.naming import speaker_words
from index.answering.question import Question, parse_question, read_claim, read_question
from index.answering.ranking import rank
from index.answering.speakers import quotes_by, speaker_matches
from index.errors import BadQuery
from index.models import Answer

if TYPE_CHECKING:
    from index.reader import Reader

__all__ = [
    "Question",
    "answer_question",
    "find_support",
    "parse_question",
    "quotes_by",
    "speaker_matches",
    "speaker_words",
]

SAY_CHECKS: tuple[checks.Check, ...] = (
    checks.holds_rarest_topic_term,
    checks.one_word_is_the_topic,
    checks.covers(checks.SAY_COVERAGE),
)
WHO_SAID_CHECKS: tuple[checks.Check, ...] = (checks.holds_focus, checks.covers(checks.FACT_COVERAGE))
SEARCH_CHECKS: tuple[checks.Check, ...] = (checks.covers(checks.FACT_COVERAGE), checks.holds_focus)
FACT_CHECKS: tuple[checks.Check, ...] = (*SEARCH_CHECKS, checks.holds_wanted_kind, checks.names_all_there)
SUPPORT_CHECKS: tuple[checks.Check, ...] = (
    checks.covers(checks.SUPPORT_COVERAGE),
    checks.holds_focus,
    checks.states_the_figures,
    checks.same_polarity,
)


def answer_question(reader: Reader, question: str) -> Answer:
    q = read_question(reader, question)
    if q.shape == "say":
        answer = _answer_say(reader, q)
    elif q.shape == "who_said":
        answer = _answer_who_said(reader, q)
    else:
        answer = _answer_fact(reader, q)
    return replace(answer, question=question)


def find_support(reader: Reader, claim: str, k: int = 3) -> Answer:
    """Sentences of the corpus that state ``claim``: most of its weight, its numbers and its polarity."""
    q = read_claim(reader, claim)
    if not q.terms.weights:
        raise BadQuery("There is nothing checkable in that message.")
    found = find.sentences_about(reader, q.terms)
    return _checked(reader, q, found, SUPPORT_CHECKS, "No passage in the corpus supports that.", k)


def _answer_say(reader: Reader, q: Question) -> Answer:
    assert q.speaker is not None
    found = find.said_by(reader, q, MAX_ANSWERS)
    if not found:
        return no_answer(reader, q, f"{q.speaker} is not quoted anywhere in the corpus.")
    return _checked(reader, q, found, SAY_CHECKS, f"{q.speaker} is quoted, but not on {q.topic}.")


def _answer_who_said(reader: Reader, q: Question) -> Answer:
    if not q.terms.weights:
        raise BadQuery("Who said what? Add some words of what was said.")
    found = find.quoted_about(reader, q)
    return _checked(reader, q, found, WHO_SAID_CHECKS, "No one in the corpus is quoted saying that.")


def _answer_fact(reader: Reader, q: Question) -> Answer:
    if not q.terms.weights:
        raise BadQuery("There is nothing to look up in that: try some distinctive words.")
    found = find.sentences_about(reader, q.terms)
    wanted = FACT_CHECKS if q.shape == "fact" else SEARCH_CHECKS
    return _checked(reader, q, found, wanted, "The corpus does not answer that.")


def _checked(
    reader: Reader,
    q: Question,
    found: Sequence[Candidate],
    named_checks: Sequence[checks.Check],
    refusal: str,
    limit: int = MAX_ANSWERS,
) -> Answer:
    """The ranked candidates that pass every check, or a refusal that says why the best one failed."""
    ranked = rank(q, found)
    good = []
    why_not: str | None = None
    for r in ranked:
        reason = checks.first_failure(reader, q, r.candidate, named_checks)
        if reason is None:
            good.append(r)
            if len(good) >= limit:
                break
        elif why_not is None:
            why_not = reason
    if not good:
        detail = f" (the closest passage: {why_not})" if why_not else ""
        return no_answer(reader, q, refusal.removesuffix(".") + detail + ".")
    return answered(reader, q, good)
