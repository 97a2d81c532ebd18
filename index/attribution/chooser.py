"""The speaker chooser: which candidate said a quote, or nobody when no candidate is likely enough.

Each candidate (``candidates.py``) is described by features of the parse and the layout: which
rules proposed it (the cue's subject, the previous speaker, a pronoun's antecedent, the nearest
name, the paragraph's first name), how the cue's own speaker was found, the candidate's shape (a
full name, a role phrase, an organisation), its distance from the cue, whether a quotation stands
between them. A logistic model trained by ``python -m index.attribution.chooser_train`` scores
them; its coefficients ship as JSON (``chooser.json``), so answering needs no scikit-learn and
nothing is unpickled. The best candidate is kept only above the threshold chosen on held-out
folds: below it the quote keeps no speaker rather than a wrong one.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from index.analysis import STOP_WORDS, fold
from index.attribution.candidates import REACH, Candidate, paragraph_of
from index.attribution.speakers import not_speakers, organisation_words
from index.models import Span

SOURCES = ("own", "previous", "antecedent", "nearest", "para_first")
# How the cue's own speaker was found (speakers.py's Mention.how, "rule" for the rule layer).
HOWS = (
    "subject",
    "inverted",
    "according",
    "agent",
    "participle",
    "coordination",
    "clause",
    "layout",
    "adjacent",
    "relative",
    "quoted",
    "rule",
)
FEATURES: tuple[str, ...] = (
    *(f"src_{s}" for s in SOURCES),
    "n_sources",
    *(f"own_how_{h}" for h in HOWS),
    "has_cue",
    "own_pronoun",
    "own_definite_role",
    "previous_on_continuation",
    "previous_on_pronoun",
    "antecedent_on_pronoun",
    "nearest_on_pronoun",
    "nearest_on_continuation",
    "full_name",
    "one_capitalized",
    "lowercase_words",
    "organisation",
    "pronoun",
    "not_person",
    "distance",
    "no_mention",
    "same_sentence",
    "after_cue",
    "paragraphs_back",
    "marks_between",
    "earlier_quotes",
    "headline",
    "gender_agrees",
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you"})
_MARKS = frozenset('"“”«»„')
CHOOSER_FILE = "chooser.json"


@dataclass(frozen=True, slots=True)
class Situation:
    """What the chooser knows about the quote itself."""

    anchor: int  # the cue's offset, or the quotation's start when it has no cue
    sentence: Span
    paragraph: int  # index of the quote's paragraph
    how: str  # how the cue's own speaker was found; "continuation" for a quotation without a cue
    pronoun: bool  # the cue's own speaker is a pronoun ("he said")
    definite_role: bool  # ... or a definite role ("the president said")
    quotes: tuple[Span, ...] = ()  # the quoted words being attributed
    pronoun_gender: str | None = None  # "m" for "he said", "f" for "she said"


@dataclass(frozen=True, slots=True)
class Option:
    """A candidate with its feature vector (in ``FEATURES`` order)."""

    candidate: Candidate
    features: tuple[float, ...]


class SpeakerChooser(Protocol):
    def choose(self, options: Sequence[Option], situation: Situation) -> Option | None:
        """The option that said the quote, or None to leave it without a speaker."""


def describe(
    candidate: Candidate,
    situation: Situation,
    text: str,
    paragraph_starts: list[int],
    earlier: Mapping[str, int],
) -> Option:
    """The candidate's features; ``earlier`` counts the document's earlier quotes by folded name."""
    src = candidate.sources
    how = situation.how
    own = "own" in src
    on_pronoun = situation.pronoun
    continuation = how == "continuation"
    words = candidate.name.split()
    low = [fold(w).strip(".,’'") for w in words]
    capitalized = all(w[:1].isupper() for w in words)
    wanted = situation.pronoun_gender
    values: dict[str, float] = {f"src_{s}": float(s in src) for s in SOURCES}
    values |= {f"own_how_{h}": float(own and how == h) for h in HOWS}
    values |= {
        "n_sources": len(src) / len(SOURCES),
        "has_cue": float(not continuation),
        "own_pronoun": float(own and on_pronoun),
        "own_definite_role": float(own and situation.definite_role),
        "previous_on_continuation": float("previous" in src and continuation),
        "previous_on_pronoun": float("previous" in src and on_pronoun),
        "antecedent_on_pronoun": float("antecedent" in src and on_pronoun),
        "nearest_on_pronoun": float("nearest" in src and on_pronoun),
        "nearest_on_continuation": float("nearest" in src and continuation),
        "full_name": float(len(words) >= 2 and capitalized),
        "one_capitalized": float(len(words) == 1 and capitalized),
        "lowercase_words": float(
            any(w[:1].islower() and f not in STOP_WORDS for w, f in zip(words, low, strict=True))
        ),
        "organisation": float(any(f in organisation_words() for f in low)),
        "pronoun": float(len(low) == 1 and low[0] in _PRONOUNS),
        "not_person": float(bool(low) and low[-1] in not_speakers()),
        "earlier_quotes": math.log1p(earlier.get(fold(candidate.name), 0)) / 3,
        "headline": float(situation.paragraph == 0),
        "gender_agrees": float(bool(wanted) and candidate.gender == wanted),
    }
    values |= _layout(candidate.mention, situation, text, paragraph_starts)
    return Option(candidate, tuple(values[name] for name in FEATURES))


def _layout(
    mention: Span | None, situation: Situation, text: str, paragraph_starts: list[int]
) -> dict[str, float]:
    """Where the mention stands from the cue: distance, sentence, paragraphs, quotations between."""
    if mention is None:
        return {
            "distance": 1.0,
            "no_mention": 1.0,
            "same_sentence": 0.0,
            "after_cue": 0.0,
            "paragraphs_back": 1.0,
            "marks_between": 0.0,
        }
    anchor = situation.anchor
    lo, hi = (mention.end, anchor) if mention.end <= anchor else (anchor, mention.start)
    gap = max(0, hi - lo)
    between = text[lo : min(hi, lo + REACH)]
    back = situation.paragraph - paragraph_of(paragraph_starts, mention.start)
    return {
        "distance": min(1.0, math.log1p(gap) / math.log1p(REACH)),
        "no_mention": 0.0,
        "same_sentence": float(situation.sentence.start <= mention.start < situation.sentence.end),
        "after_cue": float(mention.start > anchor),
        "paragraphs_back": min(3, max(0, back)) / 3,
        "marks_between": float(any(c in _MARKS for c in between)),
    }


@dataclass(frozen=True, slots=True)
class LearnedChooser:
    """The shipped logistic model: weights over ``FEATURES``, an intercept and the keep threshold."""

    weights: tuple[float, ...]
    intercept: float
    threshold: float
    version: str

    def probability(self, features: Sequence[float]) -> float:
        """How likely a candidate with these features is the speaker."""
        z = self.intercept + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def choose(self, options: Sequence[Option], situation: Situation) -> Option | None:
        del situation  # everything the model weighs is in the options' features
        if not options:
            return None
        best = max(options, key=lambda option: self.probability(option.features))
        return best if self.probability(best.features) >= self.threshold else None

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> LearnedChooser:
        features = data.get("features")
        if features != list(FEATURES):
            raise ValueError("chooser.json was trained on other features: retrain it")
        weights = data["coefficients"]
        if not isinstance(weights, list):
            raise ValueError("chooser.json: coefficients must be a list")
        return cls(
            tuple(float(w) for w in weights),
            float(data["intercept"]),  # type: ignore[arg-type]
            float(data["threshold"]),  # type: ignore[arg-type]
            str(data.get("version", "?")),
        )


class RuleChooser:
    """The rules before the chooser: the cue's own speaker, else (a quotation without a cue) the
    previous speaker. The reference the learned chooser is measured against."""

    def choose(self, options: Sequence[Option], situation: Situation) -> Option | None:
        del situation
        wanted = "previous" if not any("own" in o.candidate.sources for o in options) else "own"
        return next((o for o in options if wanted in o.candidate.sources), None)


@functools.cache
def shipped_chooser() -> LearnedChooser:
    """The chooser trained by ``chooser_train`` (package data)."""
    raw = resources.files("index.attribution").joinpath(CHOOSER_FILE).read_text(encoding="utf-8")
    return LearnedChooser.from_json(json.loads(raw))
