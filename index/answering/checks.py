"""Named checks: does a candidate answer the question? Each returns None when it passes, or the
reason it does not, worded to be shown to the user."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from index.analysis import fold, words
from index.answering import kinds
from index.answering.candidates import Candidate
from index.answering.question import Question, negated
from index.answering.speakers import is_person_in_doc
from index.answering.terms import sentence_terms
from index.models import paragraph_at

if TYPE_CHECKING:
    from index.reader import Reader

Check = Callable[["Reader", Question, Candidate], str | None]

SAY_COVERAGE = 0.34  # the speaker filter already narrows hard: half a topic is enough
FACT_COVERAGE = 0.6
SUPPORT_COVERAGE = 0.75


def covers(share: float) -> Check:
    """At least ``share`` of the question's term weight is in the candidate."""

    def covers_enough(_reader: Reader, q: Question, c: Candidate) -> str | None:
        """Enough of the question's term weight is in the candidate."""
        if not q.terms.weights or q.terms.coverage(set(c.matchable)) >= share:
            return None
        missing = set(q.terms.weights) - q.terms.matched(set(c.matchable))
        heaviest = sorted(missing, key=lambda t: -q.terms.weights[t])[:2]
        return f"it does not mention {_shown(q, set(heaviest))}"

    covers_enough.__name__ = f"covers_{round(share * 100)}_percent"
    return covers_enough


def holds_focus(_reader: Reader, q: Question, c: Candidate) -> str | None:
    """The question's rarest term, what it is most specifically about, is in the candidate, and
    some word of the question is said there: a date alone does not answer "the deadline"."""
    focus = q.terms.focus()
    if focus and q.terms.matched(set(c.matchable)) & focus and q.terms.said(set(c.matchable)):
        return None
    return f"it does not mention {_shown(q, focus)}" if focus else "the corpus has none of its words"


def holds_rarest_topic_term(reader: Reader, q: Question, c: Candidate) -> str | None:
    """One shared word of a several-word topic is a coincidence, not an answer: when the topic has
    two terms or more, its rarest one must be among those said."""
    if len(q.terms.weights) < 2:
        return None
    return holds_focus(reader, q, c)


def one_word_is_the_topic(_reader: Reader, q: Question, c: Candidate) -> str | None:
    """A candidate that shares one word of a several-word topic answers only if that word alone is
    the rarest of the topic: "the cost of the referendums" (two words as rare as each other) is not
    answered by a sentence about the referendums alone."""
    matched = q.terms.matched(set(c.matchable))
    if len(q.terms.weights) < 2 or len(matched) != 1:
        return None
    absent = {t for t, forms in q.terms.variants.items() if not forms}  # rarer than any: never said
    others = (q.terms.focus() | absent) - matched
    return f"it does not mention {_shown(q, others)}" if others else None


def holds_wanted_kind(reader: Reader, q: Question, c: Candidate) -> str | None:
    """The fact asked for (a date for "when") stands in a sentence that holds what the question is
    about: in a pair of sentences, a date in one does not date the event in the other."""
    if q.wanted is None:
        return None
    focus = q.terms.focus()
    text = reader.text(c.doc_index)
    sentences = reader.sentences_of(c.doc_index)
    # Only the sentences inside the candidate: a bisection, not a walk over the whole document.
    for i in range(bisect_left(sentences, c.span.start, key=lambda s: s.start), len(sentences)):
        sentence = sentences[i]
        if sentence.start >= c.span.end:
            break
        if sentence.end > c.span.end:
            continue
        said = text[sentence.start : sentence.end]
        if q.terms.matched(sentence_terms(said)) & focus and has_kind(said, q):
            return None
    return f"it does not give the {_KIND_NAMES[q.wanted]} asked for"


_KIND_NAMES = {"date": "date", "money": "amount", "number": "number", "place": "place", "name": "name"}


def names_all_there(reader: Reader, q: Question, c: Candidate) -> str | None:
    """Every person the question names ("Putin") appears in the answer's paragraph: a sentence about
    Trump's visit does not answer when Putin visited. Places and things ("Turkey", "S-400s") are
    often implied by the context, so only people count."""
    names = [name for name in q.names if is_person_in_doc(reader, c.doc_index, name)]
    if not names:
        return None
    paragraphs = reader.paragraphs_of(c.doc_index)  # read by bisection, not built whole
    number = paragraph_at(paragraphs, c.span.start)
    para = paragraphs[number - 1] if paragraphs else c.span
    start, end = min(para.start, c.span.start), max(para.end, c.span.end)
    present = words(reader.text(c.doc_index)[start:end])
    missing = [
        name for name in names if not any(w.startswith(name[:5]) and len(w) - len(name) <= 3 for w in present)
    ]
    return f"it is not about {missing[0].title()}" if missing else None


def states_the_figures(_reader: Reader, q: Question, c: Candidate) -> str | None:
    """A claim's numbers are all in the supporting sentence."""
    missing = q.numbers - set(re.findall(r"\d+(?:[.,]\d+)?", c.text))
    return f"it does not say {sorted(missing)[0]}" if missing else None


def same_polarity(_reader: Reader, q: Question, c: Candidate) -> str | None:
    """A claim and its support are both negated or both not ("X did not resign" is not supported by
    "X resigned")."""
    return None if negated(c.text) == q.negated else "it says the opposite"


def first_failure(reader: Reader, q: Question, c: Candidate, checks: Sequence[Check]) -> str | None:
    """The reason of the first check ``c`` fails, or None when it passes them all."""
    for check in checks:
        reason = check(reader, q, c)
        if reason is not None:
            return reason
    return None


def has_kind(text: str, q: Question) -> bool:
    """Does the text hold the kind of fact asked for, beyond what the question already says?"""
    p = kinds.patterns()
    asked = set(fold(q.text).split())
    if q.wanted == "date":
        return any(fold(m.group()) not in fold(q.text) for m in p.date.finditer(text)) or (
            bool(re.search(r"\b(?:19|20)\d\d\b", text)) and not re.search(r"\b(?:19|20)\d\d\b", q.text)
        )
    if q.wanted == "money":
        return bool(p.money.search(text))
    if q.wanted == "number":
        return any(fold(m.group()) not in asked for m in p.number.finditer(text))
    if q.wanted == "place":
        return any(not set(fold(m.group()).split()[1:]) <= asked for m in p.place.finditer(text))
    if q.wanted == "name":
        return any(not set(fold(m.group()).split()) <= asked for m in p.name.finditer(text))
    return True


def _shown(q: Question, terms: set[str]) -> str:
    """The question's own words for ``terms``, quoted."""
    return " or ".join(f"“{q.terms.asked.get(t, t)}”" for t in sorted(terms))
