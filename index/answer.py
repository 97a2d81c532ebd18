"""Questions to verbatim answers, or an honest "no answer".

A question is read into one of four shapes (see ``parse_question``):

* ``say``: "what did X say (about Y)": only X's attributed words count; Y must be in them;
* ``who_said``: "who said / told / reported Y": attributed sentences about Y, answered with the speaker;
* ``fact``: who / what / when / where / why / how many ...: the sentence that covers the question's
  terms and holds the kind of fact asked for (a date for "when", a number for "how many");
* ``search``: anything else, answered with the sentences that cover its words.

A BM25 score says a passage shares words with the question, not that it answers it. So an answer
must *cover* the question: the share of the question's term weight (IDF) found in the sentence,
including the rarest term, which is usually what the question is about. Whatever falls short is
shown as related passages, never as the answer.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from rapidfuzz import fuzz, process

from index.analysis import STOP_WORDS, analyze, fold, terms_of_word, words
from index.errors import BadQuery
from index.models import Answer, Hit, Quote, Span, paragraph_at

if TYPE_CHECKING:
    from index.engine import Index

Shape = Literal["say", "who_said", "fact", "search"]

_SPEECH = (
    r"say|said|says|saying|tell|told|tells|report|reported|reports|think|thinks|thought|claim|claimed|"
    r"write|wrote|written|announce|announced|declare|declared|state|stated|note|noted|warn|warned|argue|"
    r"argued|comment|commented|reveal|revealed|mention|mentioned|explain|explained|add|added|predict|"
    r"predicted|suggest|suggested|insist|insisted|stress|stressed|confirm|confirmed|deny|denied|admit|"
    r"admitted|tweet|tweeted|respond|responded|reply|replied|describe|described|characterize|characterized|"
    r"reiterate|reiterated|hint|hinted|signal|signaled|signalled|pledge|pledged|promise|promised|"
    r"acknowledge|acknowledged|demand|demanded|urge|urged|vow|vowed|propose|proposed"
)
_AUX = r"did|does|do|has|have|had|is|was|were|are|will|would|could|can|should|might"
_SAY_Q = re.compile(
    rf"^(?:what|how|when|why)\s+(?:{_AUX})\s+(?P<speaker>.+?)\s+(?P<verb>{_SPEECH})\b(?P<rest>.*)$", re.I
)
_DID_SAY_Q = re.compile(rf"^(?:{_AUX})\s+(?P<speaker>.+?)\s+(?P<verb>{_SPEECH})\b(?P<rest>.*)$", re.I)
_VIEW_Q = re.compile(
    r"^what\s+(?:is|was|are|were)\s+(?P<speaker>.+?)(?:'s|’s)\s+(?:view|views|position|stance|comment|"
    r"comments|response|reaction|statement|statements|opinion|take)\s+(?:on|about|of|regarding)\s+(?P<rest>.+)$",
    re.I,
)
_QUOTES_BY_Q = re.compile(
    r"^(?:any\s+)?(?:quotes?|statements?|comments?|remarks?)\s+(?:by|from|of)\s+(?P<speaker>.+?)"
    r"(?:\s+(?:about|on|regarding)\s+(?P<rest>.+))?$",
    re.I,
)
_ACCORDING_Q = re.compile(r"^according\s+to\s+(?!whom\b)(?P<speaker>[^,]+?),\s*(?P<rest>.+)$", re.I)
_WHO_SAID_Q = re.compile(
    rf"^(?:who|which\s+[\w\s]{{1,40}}?|according\s+to\s+whom,?)\s+(?:(?:{_AUX})\s+)?(?P<verb>{_SPEECH}|quoted)\b(?P<rest>.*)$",
    re.I,
)
_WH = re.compile(
    r"^(?P<wh>how\s+many|how\s+much|how\s+long|how\s+old|how\s+often|how\s+far|what\s+time|what\s+year|"
    r"who|whom|whose|what|when|where|why|which|how)\b(?P<rest>.*)$",
    re.I,
)
_TOPIC_LEAD = re.compile(r"^(?:\s*(?:about|on|regarding|concerning|of|that|to|was|is|were|are|,|:)\b)+", re.I)

# Words that frame a question rather than say what it is about.
FRAME_WORDS = frozenset(
    [
        "what",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "which",
        "did",
        "does",
        "do",
        "say",
        "said",
        "says",
        "tell",
        "told",
        "think",
        "thought",
        "happen",
        "happened",
        "happens",
        "happening",
        "anything",
        "something",
        "thing",
        "things",
        "mention",
        "mentioned",
        "according",
    ]
)
# "which law", "what year": the noun naming the kind of answer, needed in the answer only as a type.
_TIME_NOUNS = frozenset(
    ["year", "date", "day", "month", "time", "week", "decade", "century", "hour", "season"]
)
_NUMBER_NOUNS = frozenset(
    ["number", "many", "much", "amount", "percentage", "percent", "count", "total", "age"]
)
_MONEY_NOUNS = frozenset(
    ["price", "cost", "costs", "fee", "fees", "salary", "value", "worth", "budget", "fine"]
)

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\d{{1,2}}\s+(?:{_MONTHS})\b|(?:1[5-9]|20)\d\d\b|\d{{1,2}}/\d{{1,2}}\b|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|today|yesterday|tomorrow|tonight|"
    r"(?:last|next|this|coming)\s+(?:week|month|year|spring|summer|autumn|fall|winter|weekend)|"
    r"\d+\s+(?:days?|weeks?|months?|years?|hours?)\s+(?:ago|later|earlier)|"
    rf"(?:in|since|by|until|from)\s+(?:{_MONTHS})\b|"
    r"\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)\b|(?:morning|afternoon|evening|night)\b)",
    re.I,
)
_NUMBER = re.compile(
    r"(?<![\w-])(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|double|triple)\b",
    re.I,
)
_MONEY = re.compile(
    r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(?:dollars|euros|pounds|yen|yuan|rubles|roubles|lira|rupees|cents|usd|eur|"
    r"gbp)\b|\b(?:usd|eur|gbp)\s?\d",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_PLACE = re.compile(r"\b(?:in|at|to|from|near|inside|outside)\s+(?:the\s+)?(?:\d{4}\s+)?[A-Z][\w’'-]+")
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without)\b|n[’']t\b", re.I)

_RETRIEVE = 30  # passages read closely for each question
_MAX_ANSWERS = 3
SAY_COVERAGE = 0.34  # the speaker filter already narrows hard: half a topic is enough
FACT_COVERAGE = 0.6
SUPPORT_COVERAGE = 0.75


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    shape: Shape
    speaker: str | None = None
    topic: str = ""
    wh: str | None = None
    verb: str | None = None
    type_noun: str | None = None


def parse_question(question: str) -> Question:
    """Read the shape of a question: who is asked about, on what topic, and what kind of answer."""
    text = " ".join(question.replace("\u00a0", " ").split()).rstrip("?!. ")
    if not text:
        raise BadQuery("Ask a question, for example: what did the minister say about the budget?")
    for pattern in (_VIEW_Q, _QUOTES_BY_Q, _ACCORDING_Q):
        m = pattern.match(text)
        if m and not _looks_like_speaker(m.group("speaker")) and pattern is _ACCORDING_Q:
            return replace(parse_question(m.group("rest")), text=text)  # "According to the article, ..."
        if m:
            return Question(text, "say", _clean_speaker(m.group("speaker")), _topic(m.group("rest") or ""))
    m = _WHO_SAID_Q.match(text)
    if m:
        return Question(
            text, "who_said", topic=_topic(m.group("rest")), wh="who", verb=m.group("verb").lower()
        )
    for pattern in (_SAY_Q, _DID_SAY_Q):
        m = pattern.match(text)
        if m and _looks_like_speaker(m.group("speaker")):
            speaker, topic, verb = (
                _clean_speaker(m.group("speaker")),
                _topic(m.group("rest")),
                m.group("verb"),
            )
            return Question(text, "say", speaker, topic, verb=verb.lower())
    m = _WH.match(text)
    if m:
        wh = " ".join(m.group("wh").lower().split())
        rest = m.group("rest")
        return Question(text, "fact", topic=rest, wh=wh, type_noun=_type_noun(wh, rest))
    return Question(text, "search", topic=text)


def _looks_like_speaker(phrase: str) -> bool:
    """'the minister' or 'Kalin' can speak; 'it', 'the article' ('what does the article say about
    X' asks the corpus) or a long clause cannot."""
    folded = fold(phrase).split()
    return bool(folded) and len(folded) <= 6 and folded[-1] not in _NOT_SPEAKERS


_NOT_SPEAKERS = frozenset(
    """
    it this that there article articles story stories text texts document documents corpus piece
    page pages book books passage passages we you they
    """.split()
)


def _clean_speaker(phrase: str) -> str:
    """The asked name without possessive or trailing adverbs ("Kalin recently" -> "Kalin")."""
    words = phrase.strip(" ,").removesuffix("'s").removesuffix("’s").split()
    while len(words) > 1 and words[-1].lower() in _SPEAKER_ADVERBS:
        words.pop()
    return " ".join(words)


_SPEAKER_ADVERBS = frozenset(
    "recently previously publicly ever actually also really first later earlier just already "
    "specifically exactly reportedly originally once again".split()
)


def _topic(rest: str) -> str:
    return _TOPIC_LEAD.sub("", rest).strip(" ,")


def _type_noun(wh: str, rest: str) -> str | None:
    if wh in ("which", "what"):
        first = re.match(r"\s*([A-Za-z]+)", rest)
        if first and first.group(1).lower() not in _AUX.split("|"):
            return first.group(1).lower()
    return None


# --- term weights and matching ------------------------------------------------------------------


@dataclass(slots=True)
class Terms:
    """The question's content terms with IDF weights, and the vocabulary variants each one matches."""

    weights: dict[str, float]
    variants: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def matched(self, sentence_terms: set[str]) -> set[str]:
        return {t for t, forms in self.variants.items() if forms & sentence_terms}

    def coverage(self, sentence_terms: set[str]) -> float:
        total = self.total
        return sum(self.weights[t] for t in self.matched(sentence_terms)) / total if total else 0.0

    def focus(self) -> set[str]:
        """The rarest terms the corpus has: what the question is most specifically about."""
        present = {t: w for t, w in self.weights.items() if len(self.variants[t]) > 0}
        if not present:
            return set()
        top = max(present.values())
        return {t for t, w in present.items() if w >= 0.9 * top}

    def query(self) -> list[str]:
        return sorted({v for forms in self.variants.values() for v in forms})


def content_terms(index: Index, text: str, drop: Iterable[str] = ()) -> Terms:
    """Weighted terms of ``text`` without frame words; each with the index's spellings of it."""
    dropped = set(drop) | {s for w in FRAME_WORDS for s in terms_of_word(w)}
    n = index.scorer.num_docs
    weights: dict[str, float] = {}
    variants: dict[str, frozenset[str]] = {}
    for term in analyze(text):
        if term in dropped or term in weights:
            continue
        forms = _variants(index, term)
        df = max((index.scorer.term_doc_freq(f) for f in forms), default=0)
        # A term the corpus lacks weighs like the rarest: missing it costs the most.
        weights[term] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        variants[term] = forms
    return Terms(weights, variants)


def _variants(index: Index, term: str) -> frozenset[str]:
    """``term``, the vocabulary terms sharing its stem ('deliv' ~ 'deliveri') and its news-verb
    synonyms ('kill' ~ 'die'), as far as the index has them."""
    vocab = index.vocabulary
    found = {other for other in _SYNONYMS.get(term, ()) if _in_vocab(vocab, other)}
    if _in_vocab(vocab, term):
        found.add(term)
    if len(term) >= 5 and not term.isdigit():
        i = bisect_left(vocab, term[:5])
        while i < len(vocab) and vocab[i].startswith(term[:5]):
            other = vocab[i]
            shorter, longer = sorted((term, other), key=len)
            if longer.startswith(shorter) and longer[len(shorter) :] in _STEM_ENDINGS:
                found.add(other)
            i += 1
    return frozenset(found)


# Words news writing uses interchangeably; a question in one finds a sentence in another. Kept
# small on purpose: each group must be safe to treat as one word when judging an answer.
_SYNONYM_GROUPS = [
    "buy purchase acquire",
    "sell sale",
    "kill die dead death",
    "meet meeting",
    "increase rise raise hike",
    "decrease fall drop decline",
    "stop halt suspend",
    "arrest detain",
    "resign quit",
    "refuse reject",
    "warn caution",
    "ban prohibit",
    "cost price",
    "law act legislation",
    "war conflict",
    "company firm",
    "child kid",
    "invite invitation",
    "elect election",
    "deliver delivery shipment",
    "begin start launch",
]


def _synonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for group in _SYNONYM_GROUPS:
        stems = frozenset(t for word in group.split() for t in terms_of_word(word))
        for stem in stems:
            table[stem] = table.get(stem, frozenset()) | stems
    return table


_SYNONYMS = _synonym_table()


# What one stem may add to another and still be the same word ("deliv" ~ "deliveri"); "economi"
# and "economist" differ by "st", which is another word.
_STEM_ENDINGS = frozenset("i e s y t ed er eri ion ing al ive ment ic ical ity it at ant ent ure".split())


def _in_vocab(vocab: Sequence[str], term: str) -> bool:
    i = bisect_left(vocab, term)
    return i < len(vocab) and vocab[i] == term


def sentence_terms(text: str) -> set[str]:
    return set(analyze(text))


# --- answering ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    doc_index: int
    span: Span
    coverage: float
    score: float
    speaker: str | None = None


def answer_question(index: Index, question: str) -> Answer:
    parsed = parse_question(question)
    if parsed.shape == "say":
        answer = _answer_say(index, parsed)
    elif parsed.shape == "who_said":
        answer = _answer_who_said(index, parsed)
    else:
        answer = _answer_fact(index, parsed)
    return replace(answer, question=question)


def _answer_say(index: Index, q: Question) -> Answer:
    assert q.speaker is not None
    theirs = quotes_by(index, q.speaker)
    topic_terms = content_terms(index, q.topic, drop=analyze(q.speaker))
    if not theirs:
        return _no_answer(index, q, f"{q.speaker} is not quoted anywhere in the corpus.")
    if topic_terms.weights and len(theirs) > _RETRIEVE:
        theirs = _on_topic_first(index, theirs, topic_terms)
    candidates = _rank_quotes(index, theirs, topic_terms, verb=q.verb)
    if topic_terms.weights:
        good = [c for c in candidates if c.coverage >= SAY_COVERAGE]
        if not good:
            return _no_answer(index, q, f"{q.speaker} is quoted, but not on {q.topic}.")
    else:
        good = candidates
    return _answered(index, q, good)


def _answer_who_said(index: Index, q: Question) -> Answer:
    topic_terms = content_terms(index, q.topic)
    if not topic_terms.weights:
        raise BadQuery("Who said what? Add some words of what was said.")
    quotes = _quotes_in_top_passages(index, topic_terms)
    candidates = [c for c in _rank_quotes(index, quotes, topic_terms) if _passes_focus(c, topic_terms, index)]
    good = [c for c in candidates if c.coverage >= FACT_COVERAGE]
    if not good:
        return _no_answer(index, q, "No one in the corpus is quoted saying that.")
    return _answered(index, q, good)


def _answer_fact(index: Index, q: Question) -> Answer:
    drop = analyze(q.type_noun) if q.type_noun else []
    topic_terms = content_terms(index, q.topic, drop=drop)
    if not topic_terms.weights:
        raise BadQuery("There is nothing to look up in that: try some distinctive words.")
    candidates = _rank_sentences(index, topic_terms, wants=_wanted_kind(q))
    good = [c for c in candidates if c.coverage >= FACT_COVERAGE and _passes_focus(c, topic_terms, index)]
    if q.shape == "fact":
        good = [c for c in good if _kind_where_the_focus_is(index, c, q, topic_terms)]
        good = [c for c in good if _names_all_there(index, c, q)]
    if not good:
        return _no_answer(index, q, "The corpus does not answer that.")
    return _answered(index, q, good)


def _names_all_there(index: Index, candidate: _Candidate, q: Question) -> bool:
    """Every name the question uses ("Putin", "Turkey") must appear in the answer's paragraph: a
    sentence about Trump's visit does not answer when Putin visited."""
    document = index.document(candidate.doc_index)
    # Only people: places and things ("Turkey", "S-400s") are often implied by the context.
    names = [name for name in _question_names(q.text) if _is_person_in(document.text, name)]
    if not names:
        return True
    number = paragraph_at(document.paragraphs, candidate.span.start)
    para = document.paragraphs[number - 1] if document.paragraphs else candidate.span
    start, end = min(para.start, candidate.span.start), max(para.end, candidate.span.end)
    present = words(document.text[start:end])
    return all(any(w.startswith(name[:5]) and len(w) - len(name) <= 3 for w in present) for name in names)


def _is_person_in(text: str, name: str) -> bool:
    """Does the text use ``name`` as a person's name: after a first name or a title ("Vladimir
    Putin", "President Putin")?"""
    if not name.isalpha():
        return False  # "S-400s", "F-35": things
    pattern = r"\b([A-Z][a-z’'-]+\.?)[ \t]+" + re.escape(name[:1].upper() + name[1:]) + r"\b"
    for match in re.finditer(pattern, text):
        before = fold(match.group(1)).strip(".")
        if before in _TITLE_WORDS or before in _PERSON_TITLES:
            return True
        looks_like_first_name = not before.endswith(_ADJECTIVE_ENDINGS) and before not in STOP_WORDS
        if looks_like_first_name and before not in _NOT_FIRST_NAMES:
            return True
    return False


_PERSON_TITLES = frozenset("sen rep gov gen dr mrs ms mr chancellor king queen prince pope chief".split())
_ADJECTIVE_ENDINGS = ("ian", "ish", "ese", "an", "ic", "i")
_NOT_FIRST_NAMES = frozenset(
    "while when after before since during despite although though because unlike like under over "
    "north south east west new old great upper lower central".split()
)


def _question_names(question: str) -> list[str]:
    """Capitalized words of a question after its first word, folded: the names it is about."""
    found = []
    for raw in question.split()[1:]:
        word = raw.strip("?!.,;:\"'“”‘’()")
        folded = fold(word).strip(".'")
        if word[:1].isupper() and folded not in STOP_WORDS and folded not in FRAME_WORDS and len(folded) > 1:
            found.append(folded.removesuffix("'s"))
    return found


def _kind_where_the_focus_is(index: Index, candidate: _Candidate, q: Question, terms: Terms) -> bool:
    """The fact asked for (a date for "when") must stand in a sentence that holds what the question
    is about: in a pair of sentences, a date in one does not date the event in the other."""
    if _wanted_kind(q) is None:
        return True
    text = index.text(candidate.doc_index)
    focus = terms.focus()
    for sentence in index.sentences_of(candidate.doc_index):
        if sentence.start < candidate.span.start or sentence.end > candidate.span.end:
            continue
        if terms.matched(sentence_terms(text[sentence.start : sentence.end])) & focus and _has_kind(
            index, _Candidate(candidate.doc_index, sentence, 0.0, 0.0), q
        ):
            return True
    return False


def find_support(index: Index, claim: str, k: int = 3) -> Answer:
    """Sentences of the corpus that state ``claim``: most of its weight, its numbers and its polarity."""
    q = Question(" ".join(claim.split()), "search", topic=claim)
    if not q.text:
        raise BadQuery("There is no claim to check: the message has no text.")
    terms = content_terms(index, claim)
    if not terms.weights:
        raise BadQuery("There is nothing checkable in that message.")
    numbers = set(re.findall(r"\d+(?:[.,]\d+)?", claim))
    negated = bool(_NEGATION.search(claim))
    good = []
    candidates = _rank_sentences(index, terms, wants=None)
    for c in candidates:
        text = index.text(c.doc_index)[c.span.start : c.span.end]
        if c.coverage < SUPPORT_COVERAGE or not _passes_focus(c, terms, index):
            continue
        if not numbers <= set(re.findall(r"\d+(?:[.,]\d+)?", text)):
            continue
        if bool(_NEGATION.search(text)) != negated:
            continue
        good.append(c)
    if not good:
        return _no_answer(index, q, "No passage in the corpus supports that.")
    return _answered(index, q, good[:k])


# --- helpers ---------------------------------------------------------------------------------------


def quotes_by(index: Index, name: str) -> list[Quote]:
    """The quotes whose speaker ``name`` refers to, found through the index of speaker words."""
    asked = _name_words(name)
    if not asked:
        return []
    keys = index.speaker_keys
    found: set[int] | None = None
    for word in asked[-1:] if len(asked) > 1 else asked:  # the surname finds them; matching decides
        matches = {word} | {
            k for k, _, _ in process.extract(word, keys, scorer=fuzz.ratio, score_cutoff=80, limit=None)
        }
        ids = {i for key in matches if _same_word(word, key) for i in index.speaker_words.get(key, ())}
        found = ids if found is None else found & ids
    quotes = [index.quote(i) for i in sorted(found or ())]
    # A prolific speaker has thousands of quotes but few ways of being named: decide each once.
    decided: dict[tuple[str | None, str | None, str | None], bool] = {}
    kept = []
    for q in quotes:
        key = (q.speaker, q.speaker_as_written, q.relay)
        if key not in decided:
            decided[key] = speaker_matches(name, q)
        if decided[key]:
            kept.append(q)
    return kept


def speaker_matches(name: str, quote: Quote) -> bool:
    """Does ``name`` (as asked) refer to the quote's speaker? Partial names, accents, small typos."""
    asked = _name_words(name)
    said = speaker_words(quote)
    if not asked:
        return False
    if all(any(_same_word(a, s) for s in said) for a in asked):
        return True
    # "Jerome Powell" asked, "Mr. Powell" quoted: the surname matches and no first name conflicts.
    resolved = words(quote.speaker or "")
    return (
        len(asked) > 1
        and len(resolved) == 1
        and resolved[0][:1].isalpha()
        and any(_same_word(asked[-1], s) for s in resolved)
        and (quote.speaker or "")[:1].isupper()
    )


def speaker_words(quote: Quote) -> set[str]:
    """Folded words naming who said it: the resolved name, the words as written, and the relay
    (a question about what TASS reported finds the aide TASS quoted)."""
    said = set(words(quote.speaker or "")) | set(words(quote.speaker_as_written or ""))
    return (said | (set(words(quote.relay or "")) - _RELAY_NOISE)) - _ARTICLES


def _name_words(name: str) -> list[str]:
    """Words of an asked name that identify someone. A title before a name drops out ("President
    Erdogan" is "Erdogan", who may be quoted without it); a role without a name stays whole ("the
    Turkish president" must not match any Turkish speaker)."""
    raw = [w for w in name.split() if fold(w).strip(".,'’") not in _ARTICLES]
    kept = []
    for i, word in enumerate(raw):
        folded = fold(word).strip(".,'’")
        before_name = i + 1 < len(raw) and raw[i + 1][:1].isupper()
        if folded in _TITLE_WORDS and before_name:
            continue
        kept.extend(words(word))
    return kept


_ARTICLES = frozenset(["the", "a", "an"])
_RELAY_NOISE = frozenset(["news", "agency", "s"])
_TITLE_WORDS = frozenset(["mr", "mrs", "ms", "dr", "president", "minister", "secretary", "prime"])


def _same_word(asked: str, said: str) -> bool:
    if asked == said:
        return True
    if terms_of_word(asked) and terms_of_word(asked) == terms_of_word(said):
        return True  # official ~ officials
    return min(len(asked), len(said)) >= 5 and fuzz.ratio(asked, said) >= 88


def _rank_quotes(
    index: Index, quotes: Sequence[Quote], terms: Terms, verb: str | None = None
) -> list[_Candidate]:
    """One candidate per attributed sentence, best covered first (then: said with the verb asked)."""
    asked_cue = terms_of_word(verb) if verb and verb not in ("say", "said", "says", "tell", "told") else ()
    seen: dict[tuple[str, int, int], _Candidate] = {}
    for quote in quotes:
        key = (quote.doc, quote.sentence_start, quote.sentence_end)
        if key in seen:
            continue
        doc_index = index.doc_index(quote.doc)
        text = index.text(doc_index)[quote.sentence_start : quote.sentence_end]
        have = sentence_terms(text)
        coverage = terms.coverage(have) if terms.weights else 1.0
        same_cue = bool(asked_cue) and terms_of_word(quote.cue or "") == asked_cue
        score = coverage + (0.1 if same_cue else 0.0)
        span = Span(quote.sentence_start, quote.sentence_end)
        seen[key] = _Candidate(doc_index, span, coverage, score, quote.speaker)
    return sorted(seen.values(), key=lambda c: (-c.score, c.doc_index, c.span.start))


def _quotes_in_top_passages(index: Index, terms: Terms) -> list[Quote]:
    """Attributed quotes inside the passages BM25 ranks highest for ``terms``."""
    quotes: list[Quote] = []
    for chunk_id, _ in index.scorer.top_k(terms.query(), _RETRIEVE):
        chunk = index.chunk(chunk_id)
        quotes.extend(
            q
            for q in index.doc_quotes(chunk.doc_index)
            if q.speaker and q.sentence_start < chunk.end and chunk.start < q.sentence_end
        )
    return quotes


def _on_topic_first(index: Index, quotes: Sequence[Quote], terms: Terms, keep: int = 200) -> list[Quote]:
    """A prolific speaker's quotes narrowed to those in passages that share the topic's terms."""
    scores = index.scorer.get_scores(terms.query())
    chunks = index.chunks_at([index.doc_index(q.doc) for q in quotes], [q.sentence_start for q in quotes])
    quote_scores = scores[chunks]
    scored = [(float(quote_scores[i]), int(i)) for i in np.flatnonzero(quote_scores > 0)]
    best = sorted(scored, reverse=True)[:keep]
    return [quotes[i] for _, i in sorted(best, key=lambda s: s[1])]


def _rank_sentences(index: Index, terms: Terms, wants: str | None) -> list[_Candidate]:
    """Sentences of the best BM25 passages, scored by how much of the question they cover."""
    query = terms.query()
    if not query:
        return []
    candidates: dict[tuple[int, int, int], _Candidate] = {}
    for rank, (chunk_id, _score) in enumerate(index.scorer.top_k(query, _RETRIEVE)):
        chunk = index.chunk(chunk_id)
        text = index.text(chunk.doc_index)
        sentences = index.sentences_of(chunk.doc_index)
        rank_bonus = 0.05 / (1 + rank)
        for i, sentence in enumerate(sentences):
            if sentence.end <= chunk.start or sentence.start >= chunk.end:
                continue
            if (chunk.doc_index, sentence.start, sentence.end) in candidates:
                continue
            have = sentence_terms(text[sentence.start : sentence.end])
            coverage = terms.coverage(have)
            candidates[(chunk.doc_index, sentence.start, sentence.end)] = _Candidate(
                chunk.doc_index, sentence, coverage, coverage + rank_bonus
            )
            pair = _with_next_sentence(text, sentences, i, terms, have, coverage)
            if pair is not None:
                span, pair_coverage = pair
                candidates[(chunk.doc_index, span.start, span.end)] = _Candidate(
                    chunk.doc_index, span, pair_coverage, pair_coverage - _PAIR_PENALTY + rank_bonus
                )
    return sorted(candidates.values(), key=lambda c: -c.score)


# Two sentences answer together only when the second adds this much of the question's weight,
# and they rank below one sentence that covers as much.
_PAIR_GAIN = 0.25
_PAIR_PENALTY = 0.1


def _with_next_sentence(
    text: str, sentences: Sequence[Span], i: int, terms: Terms, have: set[str], coverage: float
) -> tuple[Span, float] | None:
    """The sentence with the one after it in the same paragraph, if together they cover much more."""
    if i + 1 >= len(sentences) or coverage >= 1.0 or not terms.matched(have):
        return None
    following = sentences[i + 1]
    if "\n\n" in text[sentences[i].end : following.start].replace("\r", "").replace(" ", ""):
        return None  # another paragraph
    more = sentence_terms(text[following.start : following.end])
    if not terms.matched(more) - terms.matched(have):
        return None
    together = terms.coverage(have | more)
    if together < coverage + _PAIR_GAIN:
        return None
    return Span(sentences[i].start, following.end), together


def _passes_focus(candidate: _Candidate, terms: Terms, index: Index) -> bool:
    focus = terms.focus()
    if not focus:
        return False
    text = index.text(candidate.doc_index)[candidate.span.start : candidate.span.end]
    return bool(terms.matched(sentence_terms(text)) & focus)


def _wanted_kind(q: Question) -> str | None:
    noun = q.type_noun or ""
    if q.wh in ("when", "what time", "what year") or noun in _TIME_NOUNS:
        return "date"
    if noun in _MONEY_NOUNS or (
        q.wh == "how much" and re.search(r"\b(?:cost|pay|paid|spend|worth)", q.topic)
    ):
        return "money"
    if (
        q.wh in ("how many", "how much", "how old", "how long", "how far", "how often")
        or noun in _NUMBER_NOUNS
    ):
        return "number"
    if q.wh == "where":
        return "place"
    if q.wh in ("who", "whom", "whose"):
        return "name"
    return None


def _has_kind(index: Index, candidate: _Candidate, q: Question) -> bool:
    """Does the sentence hold the kind of fact asked for, beyond what the question already says?"""
    wants = _wanted_kind(q)
    if wants is None:
        return True
    text = index.text(candidate.doc_index)[candidate.span.start : candidate.span.end]
    asked = set(fold(q.text).split())
    if wants == "date":
        return any(fold(m.group()) not in fold(q.text) for m in _DATE.finditer(text)) or (
            bool(re.search(r"\b(?:19|20)\d\d\b", text)) and not re.search(r"\b(?:19|20)\d\d\b", q.text)
        )
    if wants == "money":
        return bool(_MONEY.search(text))
    if wants == "number":
        return any(fold(m.group()) not in asked for m in _NUMBER.finditer(text))
    if wants == "place":
        return any(not set(fold(m.group()).split()[1:]) <= asked for m in _PLACE.finditer(text))
    if wants == "name":
        return any(not set(fold(m.group()).split()) <= asked for m in _NAME.finditer(text))
    return True


def _answered(index: Index, q: Question, candidates: Sequence[_Candidate]) -> Answer:
    chosen = list(candidates[:_MAX_ANSWERS])
    answer_terms = analyze(q.topic) + (analyze(q.speaker) if q.speaker else [])
    answers = tuple(_hit(index, c, answer_terms) for c in chosen)
    return Answer(question=q.text, answered=True, answers=answers, related=_related(index, q, chosen))


def _no_answer(index: Index, q: Question, reason: str) -> Answer:
    return Answer(question=q.text, answered=False, related=_related(index, q, ()), reason=reason)


def _related(index: Index, q: Question, chosen: Sequence[_Candidate], k: int = 3) -> tuple[Hit, ...]:
    """Passages that share the question's words: shown as related, never as the answer."""
    frame = {s for w in FRAME_WORDS for s in terms_of_word(w)}
    terms = [t for t in analyze(q.text) if t not in frame]
    taken = {(c.doc_index, c.span.start) for c in chosen}
    hits = []
    for hit in index.search_terms(terms, k=k + len(chosen)):
        doc_index = index.doc_index(hit.doc)
        if not any(d == doc_index and hit.start <= s < hit.end for d, s in taken):
            hits.append(hit)
    return tuple(hits[:k])


def _hit(index: Index, c: _Candidate, terms: Iterable[str]) -> Hit:
    return index.hit(c.doc_index, c.span, round(c.score, 6), terms, speaker=c.speaker)
