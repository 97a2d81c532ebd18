"""One analyzer for documents and queries: fold, tokenize, drop stop words, stem.

The same function turns a chunk and a question into terms, so whatever matches in one matches in
the other. Folding goes through anyascii, which maps "Erdoğan" to "Erdogan" and the dotless "ı" of
"Kalın" to "i" (plain NFKD leaves the dotless i alone). Hyphenated codes such as "S-400" and "F-35"
index whole ("s400") and by parts ("s", "400"), so either spelling finds them. A short map folds
British spellings onto American ones ("defence" -> "defense") and irregular verb forms onto their
base ("went" -> "go") before Snowball stemming.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from anyascii import anyascii

# A word: a dotted acronym (U.S., e.g.), or letters/digits joined by hyphens or apostrophes.
# Zero-width characters and soft hyphens inside a word ("Pat\u200briot") are invisible: they join.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_WORD = re.compile(rf"(?:[^\W\d_]\.){{2,}}|\w+(?:(?:[-'’‘]|[{_INVISIBLE}]+)\w+)*")
_DROP_INVISIBLE = str.maketrans("", "", _INVISIBLE)
_PART = re.compile(r"[a-z0-9]+")
_DECADE = re.compile(r"^(\d+)s$")

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its
    itself let's me more most mustn't my myself no nor not of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll they're they've
    this those through to too under until up very was wasn't we we'd we'll we're we've were weren't what
    what's when when's where where's which while who who's whom why why's with won't would wouldn't you
    you'd you'll you're you've your yours yourself yourselves will shall may might must also s t
    """.split()
)

# British -> American spellings that Snowball does not unify; news corpora mix both.
_SPELLING = {
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "pretence": "pretense",
    "centre": "center",
    "centres": "centers",
    "theatre": "theater",
    "theatres": "theaters",
    "metre": "meter",
    "metres": "meters",
    "litre": "liter",
    "litres": "liters",
    "programme": "program",
    "programmes": "programs",
    "colour": "color",
    "favour": "favor",
    "honour": "honor",
    "labour": "labor",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "behaviour": "behavior",
    "harbour": "harbor",
    "rumour": "rumor",
    "rumours": "rumors",
    "armour": "armor",
    "endeavour": "endeavor",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analyse": "analyze",
    "analysed": "analyzed",
    "travelled": "traveled",
    "travelling": "traveling",
    "cancelled": "canceled",
    "jewellery": "jewelry",
    "grey": "gray",
    "tyre": "tire",
    "tyres": "tires",
    "cheque": "check",
    "aluminium": "aluminum",
    "sceptical": "skeptical",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
}
# Irregular verb forms that stemming cannot relate to their base ("went" ~ "go", "won" ~ "win").
_IRREGULAR = {
    form: base
    for base, forms in {
        "go": "went gone goes",
        "say": "said says",
        "tell": "told",
        "take": "took taken",
        "give": "gave given",
        "make": "made",
        "come": "came",
        "see": "saw seen",
        "find": "found",
        "leave": "left",
        "begin": "began begun",
        "run": "ran",
        "win": "won",
        "lose": "lost",
        "pay": "paid",
        "sell": "sold",
        "buy": "bought",
        "bring": "brought",
        "hold": "held",
        "meet": "met",
        "send": "sent",
        "spend": "spent",
        "keep": "kept",
        "think": "thought",
        "know": "knew known",
        "grow": "grew grown",
        "fall": "fell fallen",
        "rise": "rose risen",
        "strike": "struck",
        "fight": "fought",
        "build": "built",
        "write": "wrote written",
        "drive": "drove driven",
        "break": "broke broken",
        "choose": "chose chosen",
        "speak": "spoke spoken",
        "steal": "stole stolen",
        "throw": "threw thrown",
        "fly": "flew flown",
        "shoot": "shot",
        "lead": "led",
        "flee": "fled",
        "hide": "hid hidden",
        "seek": "sought",
        "catch": "caught",
        "teach": "taught",
        "feel": "felt",
        "stand": "stood",
        "withdraw": "withdrew withdrawn",
        "forbid": "forbade forbidden",
        "bear": "bore born borne",
        "bite": "bit bitten",
        "blow": "blew blown",
        "draw": "drew drawn",
        "eat": "ate eaten",
        "forget": "forgot forgotten",
        "freeze": "froze frozen",
        "get": "got gotten",
        "hang": "hung",
        "lay": "laid",
        "lend": "lent",
        "ride": "rode ridden",
        "ring": "rang rung",
        "seize": "seized",
        "shake": "shook shaken",
        "sink": "sank sunk",
        "sit": "sat",
        "sleep": "slept",
        "swear": "swore sworn",
        "swim": "swam swum",
        "tear": "tore torn",
        "wake": "woke woken",
        "wear": "wore worn",
        "weep": "wept",
        "mean": "meant",
        "hear": "heard",
        "deal": "dealt",
        "dig": "dug",
        "light": "lit",
        "slide": "slid",
        "spin": "spun",
        "stick": "stuck",
        "sting": "stung",
        "swing": "swung",
        "undertake": "undertook undertaken",
        "overcome": "overcame",
        "die": "died dying",
        "lie": "lain lying",
    }.items()
    for form in forms.split()
}
_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)$")

_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """A term and the span of the word in the original text it came from."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Transliterate to ASCII and lower-case: 'Kalın' -> 'kalin', '’' -> "'"."""
    return anyascii(text).lower()


def _americanize(word: str) -> str:
    word = _IRREGULAR.get(word, word)
    word = _SPELLING.get(word, word)
    # organise/organised/organisation -> organize...; only on words long enough to be verbs.
    return _ISE.sub(r"iz\1", word) if len(word) > 6 else word


def _stem(word: str) -> str:
    stemmed: str = _stemmer.stemWord(_americanize(word))
    return stemmed


@lru_cache(maxsize=500_000)
def terms_of_word(raw: str) -> tuple[str, ...]:
    """The terms one word of text contributes, cached because words repeat a lot."""
    folded = fold(raw.translate(_DROP_INVISIBLE)).replace("’", "'").replace("‘", "'")
    if folded.endswith("'s"):
        folded = folded[:-2]
    folded = folded.strip("'.-")
    if not folded or folded in STOP_WORDS:
        return ()
    # Apostrophes and acronym dots join ("o'brien" -> "obrien", "u.s." -> "us"); hyphens split.
    folded = folded.replace("'", "").replace(".", "")
    parts = [_DECADE.sub(r"\1", p) for p in _PART.findall(folded)]  # "400s" -> "400"
    if not parts:
        return ()
    if len(parts) == 1:
        return () if parts[0] in STOP_WORDS else (_stem(parts[0]),)
    # Hyphenated: the whole ("s400") plus each part ("400"), stop words dropped.
    out = [_stem("".join(parts))]
    out.extend(_stem(p) for p in parts if p not in STOP_WORDS)
    return tuple(out)


def iter_tokens(text: str, offset: int = 0) -> Iterator[Token]:
    """Every term of ``text`` with the span (shifted by ``offset``) of the word it came from."""
    for match in _WORD.finditer(text):
        start, end = match.span()
        for term in terms_of_word(match.group()):
            yield Token(term, start + offset, end + offset)


def matched_words(text: str, start: int, end: int, terms: Iterable[str]) -> list[tuple[int, int]]:
    """The (start, end) of each word in ``text[start:end]`` that yields one of ``terms``, once each
    (a word such as "S-400" yields several terms), in order: what a hit highlights."""
    wanted = set(terms)
    spans: dict[tuple[int, int], None] = {}
    for token in iter_tokens(text[start:end], start):
        if token.term in wanted:
            spans[(token.start, token.end)] = None
    return list(spans)


def analyze(text: str) -> list[str]:
    """The terms of ``text``, in order; the fast path used when indexing."""
    out: list[str] = []
    for raw in _WORD.findall(text):
        out.extend(terms_of_word(raw))
    return out


def words(text: str) -> list[str]:
    """Folded words of ``text`` without stemming or stop-word removal (for name matching)."""
    return [w for raw in _WORD.findall(text) if (w := fold(raw.translate(_DROP_INVISIBLE)).strip("'.-"))]
