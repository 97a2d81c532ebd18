"""A question read once into a value that every later step reads.

A question has one of four shapes:

* ``say``: "what did X say (about Y)": only X's attributed words count; Y must be in them;
* ``who_said``: "who said / told / reported Y": attributed sentences about Y, answered with the speaker;
* ``fact``: who / what / when / where / why / how many ...: the sentence that covers the question's
  terms and holds the kind of fact asked for (a date for "when", a number for "how many");
* ``search``: anything else (and a claim to check), answered with the sentences that cover its words.

``parse_question`` reads the words alone (a pure function); ``read_question`` adds what the corpus
says about them: each topic term's weight and the spellings of it the index holds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from index.analysis import STOP_WORDS, analyze, fold, words
from index.answering import lexicon
from index.answering.kinds import Kind
from index.answering.terms import Terms, content_terms
from index.errors import BadQuery

if TYPE_CHECKING:
    from index.reader import Reader

Shape = Literal["say", "who_said", "fact", "search"]


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    shape: Shape
    speaker: str | None = None  # who is asked about, as asked ("the commune chief", "Kalin")
    topic: str = ""  # what about, as asked
    wh: str | None = None  # "who", "how many" ...
    verb: str | None = None  # the speech verb asked with ("warn" in "what did X warn about")
    type_noun: str | None = None  # "year" in "what year ...": wanted only as a kind of answer
    wanted: Kind | None = None  # the kind of fact the answer must hold
    names: tuple[str, ...] = ()  # folded capitalized words after the first: the names asked about
    numbers: frozenset[str] = frozenset()  # digits in the text (a claim's figures must be in support)
    negated: bool = False
    terms: Terms = field(default_factory=Terms)  # the topic's weighted terms (set by read_question)


def read_question(reader: Reader, question: str) -> Question:
    """``question`` parsed, with its topic's terms weighed by the corpus behind ``reader``."""
    parsed = parse_question(question)
    drop: list[str] = []
    if parsed.speaker:
        drop = analyze(parsed.speaker)
    elif parsed.type_noun:
        drop = analyze(parsed.type_noun)
    return replace(parsed, terms=content_terms(reader, parsed.topic, drop=drop))


def read_claim(reader: Reader, claim: str) -> Question:
    """A statement to find support for: its words are the topic, its figures and polarity must hold."""
    text = " ".join(claim.split())
    if not text:
        raise BadQuery("There is no claim to check: the message has no text.")
    parsed = Question(
        text,
        "search",
        topic=claim,
        numbers=frozenset(re.findall(r"\d+(?:[.,]\d+)?", claim)),
        negated=negated(claim),
    )
    return replace(parsed, terms=content_terms(reader, claim))


def negated(text: str) -> bool:
    """Does ``text`` negate what it says ("not", "never", "didn't")?"""
    return bool(_negation().search(text))


@functools.cache
def _negation() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{lexicon.alternatives('negations.txt')})\b|n[’']t\b", re.I)


def parse_question(question: str) -> Question:
    """Read the shape of a question: who is asked about, on what topic, and what kind of answer."""
    text = " ".join(question.replace("\u00a0", " ").split()).rstrip("?!. ")
    if not text:
        raise BadQuery("Ask a question, for example: what did the minister say about the budget?")
    parsed = _shape(text)
    return replace(parsed, text=text, wanted=_wanted_kind(parsed), names=question_names(text))


def _shape(text: str) -> Question:
    p = _patterns()
    for pattern in (p.view, p.quotes_by, p.according):
        m = pattern.match(text)
        if m and pattern is p.according and not _looks_like_speaker(m.group("speaker")):
            return _shape(m.group("rest"))  # "According to the article, ..." asks the corpus
        if m:
            return Question(text, "say", _clean_speaker(m.group("speaker")), _topic(m.group("rest") or ""))
    m = p.who_said.match(text)
    if m:
        return Question(
            text, "who_said", topic=_topic(m.group("rest")), wh="who", verb=m.group("verb").lower()
        )
    for pattern in (p.say, p.did_say):
        m = pattern.match(text)
        said = _speaker_and_verb(m.group("body")) if m else None
        if said is not None:
            speaker, verb, rest = said
            return Question(text, "say", _clean_speaker(speaker), _topic(rest), verb=verb.lower())
    m = p.wh.match(text)
    if m:
        wh = " ".join(m.group("wh").lower().split())
        rest = m.group("rest")
        return Question(text, "fact", topic=rest, wh=wh, type_noun=_type_noun(wh, rest))
    return Question(text, "search", topic=text)


@dataclass(frozen=True, slots=True)
class _Patterns:
    say: re.Pattern[str]
    did_say: re.Pattern[str]
    view: re.Pattern[str]
    quotes_by: re.Pattern[str]
    according: re.Pattern[str]
    who_said: re.Pattern[str]
    wh: re.Pattern[str]
    topic_lead: re.Pattern[str]
    speech_verb: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    speech, aux = lexicon.alternatives("speech_verbs.txt"), lexicon.alternatives("aux_verbs.txt")
    return _Patterns(
        say=re.compile(rf"^(?:what|how|when|why)\s+(?:{aux})\s+(?P<body>.+)$", re.I),
        did_say=re.compile(rf"^(?:{aux})\s+(?P<body>.+)$", re.I),
        speech_verb=re.compile(rf"(?<=\s)(?P<verb>{speech})\b(?![’']s\b)", re.I),
        view=re.compile(
            r"^what\s+(?:is|was|are|were)\s+(?P<speaker>.+?)(?:'s|’s)\s+"
            rf"(?:{lexicon.alternatives('opinion_nouns.txt')})\s+(?:on|about|of|regarding)\s+(?P<rest>.+)$",
            re.I,
        ),
        quotes_by=re.compile(
            r"^(?:any\s+)?(?:quotes?|statements?|comments?|remarks?)\s+(?:by|from|of)\s+(?P<speaker>.+?)"
            r"(?:\s+(?:about|on|regarding)\s+(?P<rest>.+))?$",
            re.I,
        ),
        according=re.compile(r"^according\s+to\s+(?!whom\b)(?P<speaker>[^,]+?),\s*(?P<rest>.+)$", re.I),
        who_said=re.compile(
            rf"^(?:who|which\s+[\w\s]{{1,40}}?|according\s+to\s+whom,?)\s+(?:(?:{aux})\s+)?"
            rf"(?P<verb>{speech}|quoted)\b(?P<rest>.*)$",
            re.I,
        ),
        wh=re.compile(
            r"^(?P<wh>how\s+many|how\s+much|how\s+long|how\s+old|how\s+often|how\s+far|what\s+time|"
            r"what\s+year|who|whom|whose|what|when|where|why|which|how)\b(?P<rest>.*)$",
            re.I,
        ),
        topic_lead=re.compile(
            r"^(?:\s*(?:about|on|regarding|concerning|of|that|to|was|is|were|are|,|:)\b)+", re.I
        ),
    )


def _speaker_and_verb(body: str) -> tuple[str, str, str] | None:
    """ "the report's authors say about X" -> ("the report's authors", "say", " about X"): the first
    speech verb that is a verb, not a noun ("the report", "the State Department", "report's")."""
    for m in _patterns().speech_verb.finditer(" " + body):
        speaker = body[: m.start() - 1].strip()
        before = fold(speaker.split()[-1]) if speaker else ""
        if not speaker or before in lexicon.word_set("determiners.txt") or before.endswith(("'s", "’s")):
            continue  # a noun: "the report", "his statement"
        if _looks_like_speaker(speaker):
            return speaker, m.group("verb"), body[m.end() - 1 :]
        return None
    return None


def _looks_like_speaker(phrase: str) -> bool:
    """'the minister' or 'Kalin' can speak; 'it', 'the article' ('what does the article say about
    X' asks the corpus) or a long clause cannot."""
    folded = fold(phrase).split()
    return (
        bool(words(phrase))  # "'" names no one
        and len(folded) <= _LONGEST_SPEAKER
        and folded[-1] not in lexicon.word_set("not_speakers.txt")
    )


# "the director of the National Iodine Nutrition study" is a speaker; a longer phrase is a clause.
_LONGEST_SPEAKER = 10


def _clean_speaker(phrase: str) -> str:
    """The asked name without possessive or trailing adverbs ("Kalin recently" -> "Kalin")."""
    parts = phrase.strip(" ,").removesuffix("'s").removesuffix("’s").split()
    while len(parts) > 1 and parts[-1].lower() in lexicon.word_set("speaker_adverbs.txt"):
        parts.pop()
    return " ".join(parts)


def _topic(rest: str) -> str:
    return _patterns().topic_lead.sub("", rest).strip(" ,")


def _type_noun(wh: str, rest: str) -> str | None:
    if wh in ("which", "what"):
        first = re.match(r"\s*([A-Za-z]+)", rest)
        if first and first.group(1).lower() not in lexicon.word_set("aux_verbs.txt"):
            return first.group(1).lower()
    return None


_NOUN_KINDS: dict[str, Kind] = {"date": "date", "number": "number", "money": "money"}


@functools.cache
def _type_kinds() -> dict[str, Kind]:
    """Noun -> the kind of answer it asks for, from ``type_nouns.txt`` (first word of a line: the kind)."""
    return {noun: _NOUN_KINDS[kind] for kind, *nouns in lexicon.lines("type_nouns.txt") for noun in nouns}


def _wanted_kind(q: Question) -> Kind | None:
    noun_kind = _type_kinds().get(q.type_noun or "")
    if q.wh in ("when", "what time", "what year") or noun_kind == "date":
        return "date"
    if noun_kind == "money" or (
        q.wh == "how much" and re.search(r"\b(?:cost|pay|paid|spend|worth)", q.topic)
    ):
        return "money"
    if (
        q.wh in ("how many", "how much", "how old", "how long", "how far", "how often")
        or noun_kind == "number"
    ):
        return "number"
    if q.wh == "where":
        return "place"
    if q.wh in ("who", "whom", "whose"):
        return "name"
    return None


def question_names(question: str) -> tuple[str, ...]:
    """Capitalized words of a question after its first word, folded: the names it is about."""
    frame = lexicon.word_set("frame_words.txt")
    found = []
    for raw in question.split()[1:]:
        word = raw.strip("?!.,;:\"'“”‘’()")
        folded = fold(word).strip(".'")
        if word[:1].isupper() and folded not in STOP_WORDS and folded not in frame and len(folded) > 1:
            found.append(folded.removesuffix("'s"))
    return tuple(found)
