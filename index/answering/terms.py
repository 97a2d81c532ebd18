"""A question's content terms: weighted by how rare the corpus makes them, each with the
spellings of it the index holds (word forms sharing a stem, and a few safe synonyms)."""

from __future__ import annotations

import functools
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.analysis import analyze, iter_tokens, terms_of_word
from index.answering import kinds, lexicon

if TYPE_CHECKING:
    from index.reader import Reader


@dataclass(frozen=True, slots=True)
class Terms:
    """The question's content terms with IDF weights, and the vocabulary variants each one matches."""

    weights: Mapping[str, float] = field(default_factory=dict)
    variants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    asked: Mapping[str, str] = field(default_factory=dict)  # term -> the word as the question wrote it
    # Terms that name a kind of fact ("deadline", "number"): a candidate holding that kind matches them.
    kind_terms: frozenset[str] = frozenset()

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def matched(self, sentence_terms: set[str]) -> set[str]:
        return {t for t, forms in self.variants.items() if forms & sentence_terms}

    def said(self, sentence_terms: set[str]) -> set[str]:
        """The terms matched by a word, not only by holding a kind of fact (a date for "deadline")."""
        return {
            t
            for t, forms in self.variants.items()
            if any(kinds.is_word(f) and f in sentence_terms for f in forms)
        }

    def coverage(self, sentence_terms: set[str]) -> float:
        total = self.total
        return sum(self.weights[t] for t in self.matched(sentence_terms)) / total if total else 0.0

    def focus(self) -> set[str]:
        """The rarest terms the corpus has: what the question is most specifically about."""
        present = {t: w for t, w in self.weights.items() if self.variants[t]}
        if not present:
            return set()
        top = max(present.values())
        return {t for t, w in present.items() if w >= 0.9 * top}

    def markers(self) -> frozenset[str]:
        """The kind markers its terms may be matched by (``index.answering.kinds``)."""
        return frozenset(f for forms in self.variants.values() for f in forms if kinds.is_marker(f))

    def query(self) -> list[str]:
        return sorted({v for forms in self.variants.values() for v in forms if not kinds.is_marker(v)})


def content_terms(reader: Reader, text: str, drop: Iterable[str] = ()) -> Terms:
    """Weighted terms of ``text`` without frame words; each with the index's spellings of it."""
    dropped = set(drop) | frame_terms()
    n = reader.passage_count
    weights: dict[str, float] = {}
    variants: dict[str, frozenset[str]] = {}
    asked: dict[str, str] = {}
    kind_terms: set[str] = set()
    for word, term in _terms_with_words(text):
        if term in dropped or term in weights:
            continue
        asked[term] = word
        forms = _variants(reader.vocabulary, term)
        df = max((reader.term_doc_freq(f) for f in forms), default=0)
        # A term the corpus lacks weighs like the rarest: missing it costs the most.
        weights[term] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        kind = kinds.term_kinds().get(term)
        if kind is not None:
            forms |= {kinds.marker(kind)}
            kind_terms.add(term)
        variants[term] = forms
    return Terms(weights, variants, asked, frozenset(kind_terms))


def _terms_with_words(text: str) -> list[tuple[str, str]]:
    """(word as written, analyzed term) for each term of ``text``, in order."""
    return [(text[token.start : token.end], token.term) for token in iter_tokens(text)]


@functools.cache
def frame_terms() -> frozenset[str]:
    """The analyzed forms of the words that frame a question ("what", "did", "say")."""
    return frozenset(t for w in lexicon.word_set("frame_words.txt") for t in terms_of_word(w))


def sentence_terms(text: str) -> set[str]:
    return set(analyze(text))


def _variants(vocab: Sequence[str], term: str) -> frozenset[str]:
    """``term``, the vocabulary terms sharing its stem ('deliv' ~ 'deliveri', 'close' ~ 'closur'),
    its other spelling ('iodiz' ~ 'iodis') and its synonyms ('kill' ~ 'die'), as far as the index
    has them."""
    found = {other for other in synonyms().get(term, ()) if _in_vocab(vocab, other)}
    found |= {spelling for spelling in _spellings(term) if _in_vocab(vocab, spelling)}
    if len(term) >= 5 and not term.isdigit():
        endings = lexicon.word_set("stem_endings.txt")
        i = bisect_left(vocab, term[:4])
        while i < len(vocab) and vocab[i].startswith(term[:4]):
            other = vocab[i]
            if _same_stem(term, other, endings):
                found.add(other)
            i += 1
        # A shorter form sorts before the prefix scan: "denial" ~ "deni" (denied).
        for ending in endings:
            base = term.removesuffix(ending)
            if base != term and len(base) >= 4 and _in_vocab(vocab, base):
                found.add(base)
    return frozenset(found)


def _same_stem(term: str, other: str, endings: frozenset[str]) -> bool:
    """Do two stems differ only by an ending ('deliv' ~ 'deliveri'), the shorter one perhaps by
    its final e ('close' ~ 'closur': close, closure)?"""
    shorter, longer = sorted((term, other), key=len)
    bases = (shorter, shorter[:-1]) if shorter.endswith("e") else (shorter,)
    return any(
        len(base) >= 4 and longer.startswith(base) and (longer == base or longer[len(base) :] in endings)
        for base in bases
    )


def _spellings(term: str) -> set[str]:
    """The term, and its British or American spelling: the analyzer knows the common ones, not
    every -ise verb ('iodise' stems to 'iodis', 'iodising' to 'iodiz')."""
    out = {term}
    if "iz" in term:
        out.add(term.replace("iz", "is"))
    if "is" in term[2:]:
        out.add(term[:2] + term[2:].replace("is", "iz"))
    return out


@functools.cache
def synonyms() -> dict[str, frozenset[str]]:
    """Analyzed term -> the analyzed terms of every synonym group it is in (itself included)."""
    table: dict[str, frozenset[str]] = {}
    for group in lexicon.lines("synonyms.txt"):
        stems = frozenset(t for word in group for t in terms_of_word(word))
        for stem in stems:
            table[stem] = table.get(stem, frozenset()) | stems
    return table


def _in_vocab(vocab: Sequence[str], term: str) -> bool:
    i = bisect_left(vocab, term)
    return i < len(vocab) and vocab[i] == term
