"""Cues: the words that mark speech, found by lemma and syntax in a parsed sentence.

A cue is a verb of the lexicon (``index/data/cue_verbs.txt``: saying, writing, naming, requesting)
used as a verb, outside quotation marks and not negated, or the phrase "according to". The lexicon's
forms also make the cheap pre-filter that decides which sentences are worth parsing at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from index.attribution.parse import Parsed
from index.models import Span

CueKind = Literal["say", "naming", "request", "according"]


@dataclass(frozen=True, slots=True)
class Cue:
    token: int  # index of the cue word in the sentence
    lemma: str
    kind: CueKind


def _data_lines(name: str) -> list[list[str]]:
    text = resources.files("index.data").joinpath(name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def addressee_verbs() -> frozenset[str]:
    """Cue lemmas whose object is the listener ("told Reuters"), so never an inverted speaker."""
    return frozenset(line[0] for line in _data_lines("cue_verbs.txt") if line[2:3] == ["addressee"])


@functools.cache
def weak_verbs() -> frozenset[str]:
    """Cue lemmas that report speech only before a quotation, a colon or "that" ("continued: ...")."""
    return frozenset(line[0] for line in _data_lines("cue_verbs.txt") if line[2:3] == ["weak"])


@functools.cache
def lexicon() -> dict[str, CueKind]:
    """Cue lemma -> kind."""
    kinds: dict[str, CueKind] = {}
    for lemma, kind, *_ in _data_lines("cue_verbs.txt"):
        if kind not in ("say", "naming", "request"):
            raise ValueError(f"cue_verbs.txt: unknown kind {kind!r} for {lemma!r}")
        kinds[lemma] = kind  # type: ignore[assignment]
    return kinds


def _regular_forms(lemma: str) -> set[str]:
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "ing", lemma + "d"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][bdglmnprt]$", lemma):  # admit -> admitted, refer -> referred
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


@functools.cache
def surface_forms() -> dict[str, str]:
    """Every form of a cue verb -> its lemma (regular inflections and the irregular ones listed)."""
    forms = {form: lemma for lemma in lexicon() for form in _regular_forms(lemma)}
    forms.update({form: lemma for form, lemma in _data_lines("cue_forms.txt")})
    return forms


@functools.cache
def _cue_words() -> frozenset[str]:
    return frozenset(surface_forms())


_WORD = re.compile(r"\w+")
_ACCORDING_TO = re.compile(r"\baccording\s+to\b", re.IGNORECASE)


def may_hold_cue(text: str, start: int, end: int) -> bool:
    """The pre-filter: does text[start:end] contain a form of a cue verb (or "according to")?
    Every form is one word, so the words of the span are looked up in a set: one pass over the
    text, where a regex alternation of all 559 forms was tried at every position (most of the
    build's time on text without speech)."""
    found = _WORD.findall(text, start, end)
    if found and start and _WORD.fullmatch(text, start - 1, start + 1):
        found = found[1:]  # the span starts inside a word: its tail is not a word of its own
    cues = _cue_words()
    if any(word.lower() in cues for word in found):
        return True
    return "according" in (w.lower() for w in found) and _ACCORDING_TO.search(text, start, end) is not None


_NEGATIONS = frozenset({"not", "n't", "never"})


def find_cues(sentence: Parsed, quoted: Sequence[Span]) -> list[Cue]:
    """The cues of a sentence, in order; words inside ``quoted`` spans are someone's words, not cues."""
    tokens = sentence.tokens
    kinds = lexicon()
    forms = surface_forms()
    cues: list[Cue] = []
    for i, token in enumerate(tokens):
        if quoted and any(q.start <= token.start < q.end for q in quoted):
            continue
        low = token.text.lower()
        if low == "according" and i + 1 < len(tokens) and tokens[i + 1].text.lower() == "to":
            cues.append(Cue(i, "according to", "according"))
            continue
        lemma = token.lemma.lower()
        lemma = lemma if lemma in kinds else forms.get(low, "")
        if not lemma or not _used_as_verb(sentence, i):
            continue
        if any(tokens[j].text.lower() in _NEGATIONS for j in sentence.children(i)):
            continue  # "officials have not said why"
        if token.tag == "VBN" and token.dep == "acl":
            continue  # "the screen print called …", "a blog written by X": a description, not a report
        if token.tag == "VB" and any(
            tokens[j].text.lower() == "to" and tokens[j].dep == "mark" for j in sentence.children(i)
        ):
            continue  # "founded to encourage interest": a purpose, not a report
        kind = kinds[lemma]
        if kind == "naming" and not _names_something(sentence, i, quoted):
            continue
        if lemma in weak_verbs() and not _introduces_quotation(sentence, i, quoted):
            continue
        if lemma == "call" and _child_word(sentence, i, "for"):
            kind = "request"  # "call for"
        cues.append(Cue(i, lemma, kind))
    return cues


# Relations a verb heads a clause with; "his continued efforts" (amod) is an adjective.
_CLAUSAL = frozenset(
    {"ROOT", "root", "ccomp", "advcl", "conj", "xcomp", "parataxis", "acl", "acl:relcl", "csubj", "dep"}
)


def _introduces_quotation(sentence: Parsed, i: int, quoted: Sequence[Span]) -> bool:
    """A colon, a quotation or a that-clause follows the cue closely ('continued: "…"', 'reads
    "…"', 'observed that …')."""
    base = sentence.span.start
    rest = sentence.text[sentence.tokens[i].end - base :]
    if re.match(r"[\s,]*(?:[:“\"]|''|that\s)", rest):
        return True
    return any(0 <= q.start - sentence.tokens[i].end <= 3 for q in quoted)


def _used_as_verb(sentence: Parsed, i: int) -> bool:
    token = sentence.tokens[i]
    if token.tag in ("VBD", "VBZ", "VBP"):
        return True  # a finite verb ("said", "says") heads a clause whatever the parse attached it to
    if token.pos in ("VERB", "AUX") or token.tag.startswith("VB"):
        return token.dep in _CLAUSAL
    # "Paris claims she was …": a third-person form read as a plural noun, between a name and a clause.
    tokens = sentence.tokens
    if (
        token.pos == "NOUN"
        and token.text.endswith("s")
        and 0 < i < len(tokens) - 1
        and (tokens[i - 1].pos in ("PROPN", "PRON") or tokens[i - 1].tag == "NN")
        and (tokens[i + 1].pos in ("PRON", "DET", "PROPN") or tokens[i + 1].text.lower() == "that")
    ):
        return True
    # Headlines in title case ("Villagers Say They Lack Food") are often tagged as proper nouns;
    # a cue form with a subject of its own is still a verb.
    # The same holds for any cue form the parse made the head of a subject or a reported clause
    # ("The WHO recommends that …" with "recommends" tagged as a plural noun).
    return token.pos in ("PROPN", "NOUN") and any(
        sentence.tokens[j].dep.startswith("nsubj") or sentence.tokens[j].dep == "ccomp"
        for j in sentence.children(i)
    )


def _child_word(sentence: Parsed, i: int, word: str) -> bool:
    toks = sentence.tokens
    if any(toks[j].text.lower() == word for j in sentence.children(i)):
        return True
    return i + 1 < len(toks) and toks[i + 1].text.lower() == word


def _names_something(sentence: Parsed, i: int, quoted: Sequence[Span]) -> bool:
    """Naming verbs report speech only with a quoted or "as" complement: 'called it "a disgrace"',
    'described the law as unfair', 'referred to them as ...'; 'called the police' is not speech."""
    tokens = sentence.tokens
    after = [j for j in sentence.subtree(i) if j > i]
    if any(tokens[j].text.lower() == "as" for j in after):
        return True
    if _child_word(sentence, i, "for"):
        return True
    end = tokens[after[-1]].end if after else tokens[i].end
    return any(tokens[i].end <= q.start < end for q in quoted)
