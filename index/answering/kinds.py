"""Kinds of fact a text can hold (a date, a number, an amount of money, a place, a name, a deadline,
a time of day), and the topic nouns that a fact of a kind answers ("the deadline" is answered by
"until Tuesday", "the number killed" by "killing 107").

A topic noun of a kind matches a candidate that holds that kind of fact through a marker term: the
candidate's terms get ``#deadline`` when it holds one, and the noun's spellings include ``#deadline``.
Analyzed terms are made of word characters, so a marker never collides with a word of the corpus.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from index.analysis import terms_of_word
from index.answering import lexicon

Kind = Literal["date", "money", "number", "place", "name"]
# The kinds of fact a topic noun can ask for ("deadline"), each marked on the candidates that hold one.
TopicKind = Literal["deadline", "clock", "number", "money"]
_TOPIC_KINDS: dict[str, TopicKind] = {
    "deadline": "deadline",
    "clock": "clock",
    "number": "number",
    "money": "money",
}


def marker(kind: TopicKind) -> str:
    return f"#{kind}"


def is_marker(term: str) -> bool:
    return term.startswith("#")


def is_word(term: str) -> bool:
    return not term.startswith("#")


@functools.cache
def term_kinds() -> dict[str, TopicKind]:
    """Analyzed term of a topic noun -> the kind of fact that answers it ("deadlin" -> deadline),
    from ``topic_kinds.txt`` (first word of a line: the kind)."""
    return {
        term: _TOPIC_KINDS[kind]
        for kind, *nouns in lexicon.lines("topic_kinds.txt")
        for noun in nouns
        for term in terms_of_word(noun)
    }


def markers(text: str, wanted: frozenset[str]) -> frozenset[str]:
    """The markers among ``wanted`` of the kinds of fact ``text`` holds."""
    p = patterns()
    found = (
        (marker("deadline"), p.deadline),
        (marker("clock"), p.clock),
        (marker("number"), p.number),
        (marker("money"), p.money),
    )
    return frozenset(mark for mark, pattern in found if mark in wanted and pattern.search(text))


class Patterns:
    """The expressions of each kind of fact."""

    def __init__(self) -> None:
        months = lexicon.alternatives("months.txt")
        self.date = re.compile(
            rf"\b(?:(?:{months})\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+(?:{months})\b|(?:1[5-9]|20)\d\d\b|"
            rf"\d{{1,2}}/\d{{1,2}}\b|(?:{lexicon.alternatives('time_words.txt')})\b|"
            r"(?:last|next|this|coming)\s+(?:week|month|year|spring|summer|autumn|fall|winter|weekend)|"
            r"\d+\s+(?:days?|weeks?|months?|years?|hours?)\s+(?:ago|later|earlier)|"
            rf"(?:in|since|by|until|from)\s+(?:{months})\b|"
            r"\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)\b)",
            re.I,
        )
        self.number = re.compile(
            rf"(?<![\w-])(?:\d[\d,.]*|{lexicon.alternatives('number_words.txt')})\b", re.I
        )
        currencies = lexicon.alternatives("currencies.txt")
        self.money = re.compile(
            rf"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(?:{currencies})\b|\b(?:usd|eur|gbp)\s?\d", re.I
        )
        self.deadline = re.compile(
            rf"\b(?:until|till|by|before|no\s+later\s+than)\s+(?:{self.date.pattern})", re.I
        )
        self.clock = re.compile(
            r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)\b|\b\d{1,2}:\d\d\b|\b(?:midnight|noon)\b", re.I
        )
        self.name = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
        self.place = re.compile(
            r"\b(?:in|at|to|from|near|inside|outside)\s+(?:the\s+)?(?:\d{4}\s+)?[A-Z][\w’'-]+"
        )


@functools.cache
def patterns() -> Patterns:
    return Patterns()
