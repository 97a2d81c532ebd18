"""Candidate speakers: everyone who might have said a quote, and where each is mentioned.

For each quote the chooser (``chooser.py``) weighs a few candidates rather than trusting one rule:
the cue's own speaker (the parse's subject, or the rules'), the previous quote's speaker, a
pronoun's antecedent, the nearest name before the quote, and the paragraph's first name. Every
lookup here is a bisection into lists built in one pass over the document, so gathering costs the
same per quote in a 4 MB text as in a short one.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from index.analysis import STOP_WORDS, fold
from index.attribution.entities import NameIndex
from index.attribution.speakers import not_speakers, titles
from index.models import Span

# A run of capitalized words on one line ("Ibrahim Kalin", "Mr. Kalin", "K.C. Maurer").
_NAME_RUN = re.compile(r"[A-Z][\w’'.-]*(?:[ \t\xa0]+[A-Z][\w’'.-]*)*")
_LEADING = frozenset("the a an this that these those his her their its our".split())
REACH = 1500  # characters: a candidate mentioned farther back than this before a quote is not one
_PRONOUN_AFTER = re.compile(r"\b(?:he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
_GENDER_WINDOW = 150  # characters after a name read for the pronoun that refers back to it


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person who may have said a quote: the name, the mention nearest the quote, and which
    sources proposed it ("own", "previous", "antecedent", "nearest", "para_first")."""

    name: str
    mention: Span | None
    sources: frozenset[str]
    gender: str | None = None  # "m" or "f" when the text tells


@dataclass(frozen=True, slots=True)
class NameMentions:
    """Where the document names people it gives a full name (any variant: "Kalin", "Mr. Kalin"),
    in text order, each with that person's fullest name."""

    starts: list[int]
    ends: list[int]
    names: list[str]
    # full name -> how often a "he"-pronoun and a "she"-pronoun first follow its mentions
    pronouns: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, text: str, names: NameIndex) -> NameMentions:
        starts: list[int] = []
        ends: list[int] = []
        found: list[str] = []
        pronouns: dict[str, tuple[int, int]] = {}
        for match in _NAME_RUN.finditer(text):
            words = [(m.start(), m.end()) for m in re.finditer(r"\S+", match.group())]
            while words and _noise(match.group()[words[0][0] : words[0][1]]):
                words = words[1:]
            if not words:
                continue
            last = match.group()[words[-1][0] : words[-1][1]]
            surname = fold(last.rstrip(".")).removesuffix("'s").removesuffix("’s")
            full = names.full.get(surname)
            if full is None or surname in not_speakers():
                continue
            # The mention is the words of the name itself ("Later Mr. Kalin": "Kalin").
            own_words = {fold(w).strip(".") for w in full[0].split()}
            while (
                len(words) > 1 and fold(match.group()[words[0][0] : words[0][1]]).strip(".") not in own_words
            ):
                words = words[1:]
            starts.append(match.start() + words[0][0])
            ends.append(match.start() + words[-1][1])
            found.append(full[0])
            after = _PRONOUN_AFTER.search(text, match.end(), match.end() + _GENDER_WINDOW)
            if after is not None:
                male, female = pronouns.get(full[0], (0, 0))
                is_male = gender_of(after.group()) == "m"
                pronouns[full[0]] = (male + is_male, female + (not is_male))
        return cls(starts, ends, found, pronouns)

    def gender(self, name: str) -> str | None:
        """ "m" or "f" when the pronouns after the person's mentions agree (two to one at least)."""
        male, female = self.pronouns.get(name, (0, 0))
        if male >= 2 * female and male:
            return "m"
        if female >= 2 * male and female:
            return "f"
        return None

    def nearest_before(self, at: int) -> tuple[Span, str] | None:
        """The name mentioned last before ``at``, within reach."""
        k = bisect_left(self.starts, at) - 1
        if k < 0 or at - self.starts[k] > REACH:
            return None
        return Span(self.starts[k], self.ends[k]), self.names[k]

    def first_within(self, lo: int, hi: int) -> tuple[Span, str] | None:
        """The first name mentioned in text[lo:hi]."""
        k = bisect_left(self.starts, lo)
        if k >= len(self.starts) or self.starts[k] >= hi:
            return None
        return Span(self.starts[k], self.ends[k]), self.names[k]


@functools.cache
def gendered_words() -> dict[str, str]:
    text = resources.files("index.data").joinpath("gendered_words.txt").read_text(encoding="utf-8")
    return {w: g for w, g in (line.split() for line in text.splitlines() if line.strip() and line[0] != "#")}


def gender_of(phrase: str) -> str | None:
    """ "m" or "f" from the words of a phrase ("his sister": f, the last gendered word), or None."""
    found = [gendered_words().get(fold(w).strip(".,’'")) for w in phrase.split()]
    known = [g for g in found if g is not None]
    return known[-1] if known else None


def _noise(word: str) -> bool:
    low = fold(word).strip(".")
    return low in titles() or low in _LEADING or low in STOP_WORDS


def gather(proposals: Iterable[tuple[str, str | None, Span | None]]) -> list[Candidate]:
    """Candidates from (source, name, mention) proposals: one per person (names compared folded),
    with every source that proposed it and the mention of the first proposal."""
    merged: dict[str, tuple[str, Span | None, set[str]]] = {}
    for source, name, mention in proposals:
        if not name or not name.strip():
            continue
        key = fold(" ".join(name.split()))
        if key in merged:
            merged[key][2].add(source)
        else:
            merged[key] = (" ".join(name.split()), mention, {source})
    return [Candidate(name, mention, frozenset(sources)) for name, mention, sources in merged.values()]


def paragraph_of(paragraph_starts: list[int], at: int) -> int:
    """The index of the paragraph holding offset ``at``."""
    return max(0, bisect_right(paragraph_starts, at) - 1)
