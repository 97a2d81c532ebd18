"""Who said what: direct quotes and reported speech, attributed at index time.

The work happens per paragraph, over *units*: sentences, merged where a quotation runs across a
sentence boundary. In each unit we look for a speech cue outside the quotation marks:

* ``X said`` / ``X has previously said`` / ``X warned`` (speaker before the cue),
* ``said X`` / ``added the spokesman`` (speaker after the cue),
* ``according to X``, ``as reported by X``, ``X told Y``, ``Y quoted X as saying`` (Y is the relay).

The speaker is a noun phrase read off the words around the cue: a name ("Ibrahim Kalin"), a role
with a name ("White House spokesman Hogan Gidley": speaker "Hogan Gidley"), a role or group ("a
senior Turkish official", "Turkish media", "the White House"), or a pronoun. A unit holding a
quotation but no cue continues the previous speaker's quote. Pronouns and role phrases such as "the
president" are resolved to a named person of the document where the text allows it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from index.analysis import STOP_WORDS
from index.analysis import fold as _fold_text
from index.attribution.candidates import REACH, Candidate, NameMentions, gather, gender_of
from index.attribution.chooser import Option, Situation, SpeakerChooser, describe, shipped_chooser
from index.attribution.content import reported_content
from index.attribution.cues import find_cues, may_hold_cue, surface_forms, weak_verbs
from index.attribution.entities import NameIndex
from index.attribution.parse import Parsed, ParseFn, load_parser, parse_spans
from index.attribution.speakers import Mention, agentless_passive, documents, find_speaker, role_nouns
from index.models import Quote, QuoteKind, Span
from index.sentences import ABBREVIATIONS, split_sentences

SPEECH_VERBS = frozenset(
    """
    said says say saying told tells added adds stated states declared declares noted notes warned warns
    announced announces explained explains insisted insists stressed stresses argued argues claimed claims
    reported reports wrote writes asked asks replied replies responded responds acknowledged acknowledges
    admitted admits confirmed confirms denied denies suggested suggests predicted predicts complained
    complains emphasized emphasised emphasizes urged urges cautioned cautions remarked remarks recalled
    recalls concluded concludes tweeted tweets revealed reveals estimated estimates contended contends
    maintained maintains observed observes pointed commented comments disclosed discloses alleged alleges
    vowed vows promised promises countered counters conceded concedes agreed agrees testified testifies
    warning adding noting arguing claiming insisting stressing explaining reiterated reiterates hinted
    hints signaled signalled signals indicated indicates underlined pledged pledges demanded demands
    projected acknowledging""".split()
)
# Verbs after which the speaker may follow ("said Ibrahim Kalin", "added the spokesman").
# Speech verbs that are also plural nouns: a cue only when a clause or quotation follows.
_NOUNISH_CUES = frozenset(
    "claims reports notes comments estimates remarks promises counters states vows alleges".split()
)
_CUE_CONTINUES = re.compile(r"\s*(?:that\b|[:,“\"]|$|[A-Z])")  # ... or the speaker: "reports Study Finds"
_INVERTING = frozenset(
    "said says added adds wrote writes replied replies continued continues explained reported reports "
    "noted notes warned warns declared declares insisted insists concluded recalled".split()
)
# What may follow an inverted speaker ("said Kalin." / "said Kalin on Monday"); "told police his
# daughter ..." names the listener, not the speaker.
_CLAUSE_END = re.compile(r"\s*(?:$|[,.;:!?)\]—–-]|(?:on|in|at|after|before|during|when|while|as|who|from)\b)")
# Words that may stand between a speaker and the cue: "officials have previously said".
_BETWEEN = frozenset(
    """
    has have had was were is are will would could did does do also previously later earlier repeatedly
    recently again reportedly then now publicly privately once long often already separately simply
    flatly further first subsequently
    """.split()
)

ROLE_NOUNS = frozenset(
    """
    spokesman spokeswoman spokesperson spokespeople official officials minister ministers president
    presidents aide aides adviser advisers advisor advisors analyst analysts source sources expert experts
    diplomat diplomats lawyer lawyers attorney attorneys researcher researchers scientist scientists
    economist economists media newspaper newspapers agency agencies ministry ministries department
    government governments police statement report reports secretary chief chiefs director directors
    leader leaders ceo chairman chairwoman chair executive executives professor professors author authors
    senator senators lawmaker lawmakers legislator representative representatives governor governors mayor
    ambassador ambassadors envoy envoys commander commanders general generals officer officers
    spokespersons prosecutor prosecutors judge judges witness witnesses residents resident people group
    groups organization organisation company firm bank military army navy office council committee
    board union observers observer activist activists campaigners campaigner critics critic officials
    authorities authority regulators regulator investigators investigator founder cofounder manager
    managers owner owners editor editors correspondent reporter reporters journalist journalists doctor
    doctors team coach player players member members premier chancellor king queen prince pope
    affidavit complaint indictment lawsuit memo study survey poll filing warrant ruling documents records
    """.split()
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_DETERMINERS = frozenset(
    "the a an another one two three four five several some many other his her their its our most".split()
)
_MODIFIER_WORDS = frozenset(
    """
    senior top former chief deputy acting news press foreign defense defence state military government
    interior finance health trade energy justice security intelligence vice assistant associate junior
    leading prominent local regional federal provincial city county party opposition independent
    anonymous unnamed western eastern northern southern wire outgoing incoming longtime veteran
    """.split()
)
_MODIFIER_SUFFIXES = ("al", "ian", "ish", "ese", "ic", "ive", "ary", "ior", "ern", "ean", "ist", "ial", "an")
_FUNCTION_WORDS = frozenset(
    "of to in on at by for from with and or but as that this which who whom whose than then".split()
)
_TITLES = frozenset(
    """
    president vice prime minister secretary senator sen rep representative gov governor chancellor king
    queen prince princess pope general gen mr mrs ms dr judge justice mayor chairman ceo director
    ambassador spokesman spokeswoman aide adviser advisor sheikh emir sultan ayatollah premier speaker
    commissioner lieutenant colonel col admiral adm sergeant captain capt professor prof chief executive
    officer head editor founder chancellor chair chairwoman chairperson envoy commander coach prosecutor
    manager leader minister deputy attorney inspector superintendent
    """.split()
)

# Words repeat: folding each distinct one once saves most of the attribution time.
fold = lru_cache(maxsize=200_000)(_fold_text)
_MAX_PHRASE_WORDS = 8
_SCARE_QUOTE_WORDS = 3  # a quotation this long or longer is someone's words
_DOCUMENTS = frozenset(
    "statement statements report reports release letter document documents filing data".split()
)
_DOCUMENT_SOURCE = re.compile(r"\s+(?:from|by|of|issued\s+by|released\s+by)\s+")
_QUOTE_PAIRS = (("“", "”"), ("«", "»"), ("„", "“"))
_WORD = re.compile(r"[\w’'.\-]+")
# Case-sensitive: a capitalized "States" or "Reports" is a name, not a cue.
_CUE = re.compile(r"\b(" + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True)) + r")\b")
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.IGNORECASE)
_REPORTED_BY = re.compile(r"\b(?:as\s+)?reported\s+by\s+", re.IGNORECASE)
_QUOTED_AS = re.compile(r"\bquoted\s+", re.IGNORECASE)
_AS_SAYING = re.compile(r"\s+as\s+(?:saying|telling|stating|adding|warning)\b", re.IGNORECASE)
_ANY_CUE = re.compile(_CUE.pattern + r"|\b[Aa]ccording\s+to\b|\breported\s+by\b|\bquoted\b")
_LAST_WORD = re.compile(r"(\w+)\s+$")
# Straight double quotes, and two apostrophes used as one ('\'\'Yes,\'\' he said', a common news style).
_STRAIGHT = re.compile("\"|''")


@dataclass(slots=True)
class _Phrase:
    """A speaker noun phrase: its span, and the span of the name in it, if it has one."""

    start: int
    end: int
    name: Span | None
    roles: frozenset[str]
    pronoun: bool = False
    definite_role: bool = False


@dataclass(slots=True)
class _Attribution:
    speaker: _Phrase
    cue: str
    cue_span: Span
    relay: str | None = None
    content: Span | None = None  # the reported words, when the parse gave them
    speaks_for: str | None = None
    how: str = "rule"  # how the speaker was found (speakers.py's Mention.how; "rule": the rule layer)


@dataclass(slots=True)
class _Person:
    name: str
    roles: set[str] = field(default_factory=set)
    mentions: list[int] = field(default_factory=list)


def find_quotes(
    doc: str,
    text: str,
    paragraphs: Sequence[Span],
    units: Sequence[Sequence[Span]] | None = None,
    *,
    parser: ParseFn | Literal["shipped"] | None = "shipped",
    chooser: SpeakerChooser | Literal["shipped"] = "shipped",
    plan: AttributionPlan | None = None,
) -> list[Quote]:
    """Every attributed quote in one document's text, in text order.

    ``units`` may pass each paragraph's :func:`sentence_units` when the caller has them already,
    and ``plan`` the document's :func:`plan_attribution` (made with the same units).
    ``parser`` reads the syntax of the sentences that may hold an attribution (the shipped model by
    default); without one, or where a sentence cannot be parsed, the rules below attribute it.
    ``chooser`` picks each quote's speaker among its candidates, or none (the shipped model by
    default; ``chooser.RuleChooser()`` keeps the rules' own speaker).
    """
    plan = plan if plan is not None else plan_attribution(text, paragraphs, units)
    if not plan.candidates:
        return []  # no paragraph quotes anyone or holds a cue form: most documents
    parse_fn = load_parser() if parser == "shipped" else parser
    people = _People(text, paragraphs)
    choosing = _Choosing(text, paragraphs, people, shipped_chooser() if chooser == "shipped" else chooser)
    quotes: list[Quote] = []
    last_speaker: tuple[Quote, int] | None = None  # the last attributed quote and its paragraph number
    candidates = plan.candidates
    mark_starts = {number: [m.start for m in marks] for number, marks, _ in candidates}
    wanted = plan.wanted if parse_fn is not None else []
    planned = set(plan.wanted)  # the units with a quotation or a cue form (see _wanted_units)
    shown = plan.shown
    parsed: dict[int, Parsed] = {}
    next_window = 0  # parse in windows of units, so a 4 MB text never holds all its parses at once
    for number, marks, para_units in candidates:
        starts = mark_starts[number]
        if (
            parse_fn is not None
            and next_window < len(wanted)
            and wanted[next_window].start < para_units[-1].end
        ):
            window = wanted[next_window : next_window + _PARSE_WINDOW]
            while next_window + len(window) < len(wanted) and window[-1].end < para_units[-1].end:
                window = wanted[next_window : next_window + len(window) + _PARSE_WINDOW]
            next_window += len(window)
            kept = {start: p for start, p in parsed.items() if start >= para_units[0].start}
            parsed = kept | _parse_units(text, shown, window, parse_fn)
        for unit in para_units:
            inside = _marks_within(marks, starts, unit)
            sentence = parsed.get(unit.start)
            if sentence is not None and sentence.span == unit:
                rules = _attributions(text, unit, inside, people.names)
                attributions = _parsed_attributions(text, sentence, inside, rules)
            elif parse_fn is not None and unit not in planned:
                attributions = []  # no quotation, no cue of the lexicon: nothing was said here
            else:
                attributions = _attributions(text, unit, inside, people.names)  # unparsed: the rules
            unit_first = len(quotes)
            if attributions:
                owned = _marks_by_cue(inside, attributions)
                for attribution, own_marks in zip(attributions, owned, strict=True):
                    made = _make_quotes(doc, text, unit, own_marks, attribution, people, quotes)
                    made = choosing.chosen(made, attribution, unit, number)
                    # Two cues for the same words ("noted that ... and said ...") make one quote.
                    have = {(q.start, q.end, q.speaker) for q in quotes[unit_first:]}
                    new = [q for q in made if (q.start, q.end, q.speaker) not in have]
                    quotes.extend(new)
                    if new:
                        last_speaker = (new[-1], number)
            elif last_speaker is not None and number - last_speaker[1] <= 1:
                spoken = [m for m in inside if _is_speech(text, unit, m)]
                made = _continuation(doc, text, unit, spoken, last_speaker[0]) if spoken else []
                if made:
                    quotes.extend(choosing.chosen(made, None, unit, number))
                    last_speaker = (quotes[-1], number)
    # Quotation marks around nothing ('He said: ""', a stray pair) quote no one's words.
    return [_with_roles(q, people.names) for q in quotes if _has_words(q.text)]


def _has_words(quoted: str) -> bool:
    return any(ch.isalnum() for ch in quoted)


class _Choosing:
    """The speaker chooser's view of one document: the candidates of each quote and what earlier
    quotes were given (the previous speaker, how often each person was quoted)."""

    def __init__(
        self, text: str, paragraphs: Sequence[Span], people: _People, chooser: SpeakerChooser
    ) -> None:
        self._text = text
        self._paragraphs = paragraphs
        self._starts = [p.start for p in paragraphs]
        self._people = people
        self._chooser = chooser
        self._mentions: NameMentions | None = None
        self._previous: Quote | None = None  # the last quote that kept a speaker
        self._counts: dict[str, int] = {}

    @property
    def mentions(self) -> NameMentions:
        """The document's name mentions, found on the first quote (most paragraphs hold none)."""
        if self._mentions is None:
            self._mentions = NameMentions.of(self._text, self._people.names)
        return self._mentions

    def chosen(
        self, made: Sequence[Quote], attribution: _Attribution | None, unit: Span, number: int
    ) -> list[Quote]:
        """``made`` (one cue's quotes, or a quotation without a cue) with the chosen speaker."""
        if not made:
            return []
        first = made[0]
        phrase = attribution.speaker if attribution is not None else None
        anchor = attribution.cue_span.start if attribution is not None else first.start
        situation = Situation(
            anchor=anchor,
            sentence=unit,
            paragraph=number,
            how=attribution.how if attribution is not None else "continuation",
            pronoun=phrase is not None and phrase.pronoun,
            definite_role=phrase is not None and phrase.definite_role,
            quotes=tuple(Span(q.start, q.end) for q in made),
            pronoun_gender=gender_of(self._text[phrase.start : phrase.end])
            if phrase and phrase.pronoun
            else None,
        )
        candidates = [self._with_gender(c) for c in gather(self._proposals(first, phrase, anchor, number))]
        # "he" never refers to a woman, nor "she" to a man: a constraint, not a preference.
        wanted = situation.pronoun_gender
        agreeing = [c for c in candidates if not (wanted and c.gender and c.gender != wanted)]
        options = [describe(c, situation, self._text, self._starts, self._counts) for c in agreeing]
        picked = self._chooser.choose(options, situation)
        out = [self._given(q, picked, phrase) for q in made]
        if out[-1].speaker:
            self._previous = out[-1]
            key = fold(out[-1].speaker)
            self._counts[key] = self._counts.get(key, 0) + len(out)
        return out

    def _with_gender(self, candidate: Candidate) -> Candidate:
        """The candidate with the gender its words ("his sister") or its pronouns tell."""
        gender = gender_of(candidate.name) or self.mentions.gender(candidate.name)
        return replace(candidate, gender=gender) if gender else candidate

    def _proposals(
        self, first: Quote, phrase: _Phrase | None, anchor: int, number: int
    ) -> list[tuple[str, str | None, Span | None]]:
        proposals: list[tuple[str, str | None, Span | None]] = []
        if phrase is not None:
            proposals.append(("own", first.speaker, Span(phrase.start, phrase.end)))
        antecedent = None
        if phrase is None or phrase.pronoun or not first.speaker:
            antecedent = self._people.subject_before(anchor)
        previous = self._previous
        if (
            previous is not None
            and previous.speaker
            and anchor - previous.sentence_end <= REACH
            # A quotation without a cue, after a sentence that brings in someone else ("Senator X
            # issued a statement. 'Like many Texans, ...'"), is not the earlier speaker's going on.
            and not (phrase is None and _introduced_since(antecedent, previous))
        ):
            spoken_at = _mention_span(previous)
            proposals.append(("previous", previous.speaker, spoken_at))
        if antecedent is not None:
            proposals.append(("antecedent", antecedent[1], Span(antecedent[0], antecedent[0])))
        nearest = self.mentions.nearest_before(anchor)
        if nearest is not None:
            proposals.append(("nearest", nearest[1], nearest[0]))
        first_named = self.mentions.first_within(self._paragraphs[number].start, anchor)
        if first_named is not None:
            proposals.append(("para_first", first_named[1], first_named[0]))
        return proposals

    def _given(self, quote: Quote, picked: Option | None, phrase: _Phrase | None) -> Quote:
        """The quote with the picked candidate as its speaker; no speaker at all when none is picked."""
        if picked is None:
            return replace(
                quote,
                speaker=None,
                speaker_as_written=None,
                speaker_start=None,
                speaker_end=None,
                speaks_for=None,
                relay=None,
            )
        name = picked.candidate.name
        if quote.speaker and fold(" ".join(quote.speaker.split())) == fold(name):
            return quote
        if phrase is not None and phrase.pronoun:
            return replace(quote, speaker=name, speaks_for=None)  # "he" stays the mention, now of him
        mention = picked.candidate.mention
        if mention is None or mention.end <= mention.start:
            return replace(
                quote,
                speaker=name,
                speaker_as_written=None,
                speaker_start=None,
                speaker_end=None,
                speaks_for=None,
            )
        return replace(
            quote,
            speaker=name,
            speaker_as_written=self._text[mention.start : mention.end],
            speaker_start=mention.start,
            speaker_end=mention.end,
            speaks_for=None,
        )


def _introduced_since(subject: tuple[int, str] | None, previous: Quote) -> bool:
    """Is ``subject`` (a sentence's start and who it names) a sentence after ``previous`` that
    names someone other than its speaker?"""
    return (
        subject is not None
        and previous.speaker is not None
        and subject[0] >= previous.end
        and fold(subject[1]) != fold(previous.speaker)
    )


def _mention_span(quote: Quote) -> Span | None:
    if quote.speaker_start is None or quote.speaker_end is None:
        return None
    return Span(quote.speaker_start, quote.speaker_end)


def _with_roles(quote: Quote, names: NameIndex) -> Quote:
    """The quote with the words its document describes the speaker with, and whom they speak for."""
    quote = names.with_links(quote)
    if not quote.speaker:
        return quote
    described = names.described(quote.speaker)
    return replace(quote, speaker_roles=" ".join(sorted(described))) if described else quote


def _marks_within(marks: Sequence[Span], starts: Sequence[int], unit: Span) -> list[Span]:
    """The quotations inside ``unit`` (``starts`` are the marks' sorted starts: a bisection, not a scan)."""
    out = []
    for k in range(bisect_left(starts, unit.start), len(marks)):
        if marks[k].start >= unit.end:
            break
        if marks[k].end <= unit.end:
            out.append(marks[k])
    return out


_PARSE_WINDOW = 256  # sentences parsed (and kept) at a time


@dataclass(frozen=True, slots=True)
class AttributionPlan:
    """Where a document may hold attributions, found once: the paragraphs that may (number,
    quotation marks, units of each), and the units the parser is asked about, in the text as the
    parser sees it. A caller that makes the plan can parse many documents' requests in one batch
    ahead of time, then hand each plan to :func:`find_quotes`."""

    candidates: list[tuple[int, list[Span], list[Span]]]
    wanted: list[Span]
    shown: str

    def requests(self) -> list[str]:
        """The sentence texts :func:`find_quotes` hands its parser for this document."""
        return [self.shown[unit.start : unit.end] for unit in self.wanted]


def plan_attribution(
    text: str, paragraphs: Sequence[Span], units: Sequence[Sequence[Span]] | None = None
) -> AttributionPlan:
    """The document's :class:`AttributionPlan` (``units`` as for :func:`find_quotes`)."""
    candidates = _candidate_paragraphs(text, paragraphs, units)
    wanted = _wanted_units(text, candidates)
    return AttributionPlan(candidates, wanted, _shown_text(text, wanted) if wanted else text)


def _candidate_paragraphs(
    text: str, paragraphs: Sequence[Span], units: Sequence[Sequence[Span]] | None
) -> list[tuple[int, list[Span], list[Span]]]:
    """The paragraphs that may hold an attribution: number, quotation marks and units of each."""
    candidates: list[tuple[int, list[Span], list[Span]]] = []
    for number, para in enumerate(paragraphs):
        marks = _quote_marks(text, para.start, para.end)
        if not marks and not may_hold_cue(text, para.start, para.end):
            continue  # nothing quoted, no speech verb: the common case, skipped cheaply
        para_units = list(units[number]) if units is not None else _units(text, para, marks)
        candidates.append((number, marks, para_units))
    return candidates


def _wanted_units(text: str, candidates: Sequence[tuple[int, list[Span], list[Span]]]) -> list[Span]:
    """The units that may hold an attribution, in text order: a quotation or a cue form."""
    wanted: list[Span] = []
    for _, marks, para_units in candidates:
        starts = [m.start for m in marks]
        wanted.extend(
            unit
            for unit in para_units
            if _marks_within(marks, starts, unit) or may_hold_cue(text, unit.start, unit.end)
        )
    return wanted


def _shown_text(text: str, wanted: Sequence[Span]) -> str:
    """The text as the parser sees it (one copy per document). Title-case headlines ("Villagers Say
    They Lack Food") hide their verbs from the tagger: their cue forms are lower-cased; odd spaces
    become plain ones. Same length, so offsets hold."""
    return _lower_title_cues(text, wanted).translate(_PLAIN_SPACES)


def _parse_units(text: str, shown: str, units: Sequence[Span], parse_fn: ParseFn) -> dict[int, Parsed]:
    """Parse ``units`` in one batch; each Parsed keeps the document's own characters."""
    return {p.span.start: p for p in parse_spans(shown, units, parse_fn, own_text=text) if p is not None}


# The model was trained on text with plain spaces; other spaces become tokens of their own and
# break phrases ("As\xa0Bloomberg\xa0notes"). One character for one keeps the offsets.
_PLAIN_SPACES = str.maketrans({"\xa0": " ", "\t": " ", "\n": " ", "\r": " ", "\u2009": " ", "\u202f": " "})


def _lower_title_cues(text: str, units: Sequence[Span]) -> str:
    chars: list[str] | None = None
    for unit in units:
        words = _TITLE_WORD.findall(text, unit.start, unit.end)
        if len(words) < 4 or sum(w[:1].isupper() for w in words) < 0.7 * len(words):
            continue
        for match in _TITLE_WORD.finditer(text, unit.start, unit.end):
            if match.group().lower() in surface_forms() and match.group()[:1].isupper():
                chars = chars if chars is not None else list(text)
                chars[match.start()] = chars[match.start()].lower()
    return "".join(chars) if chars is not None else text


_TITLE_WORD = re.compile(r"[A-Za-z][\w’'-]*")


def _parsed_attributions(
    text: str, sentence: Parsed, marks: Sequence[Span], rules: Sequence[_Attribution]
) -> list[_Attribution]:
    """Attributions read off the parse: each cue with its speaker and, for reported speech, content.
    Where the parse finds a cue but no speaker (news layouts such as '…, Ang Ky, chief of the town,
    said.' parse badly), the rules' speaker for the same cue is taken."""
    found: list[_Attribution] = []
    judged: list[Span] = []  # cues the parse read as naming nobody ("she was told to …")
    parsed_reports: list[Span] = []  # reported clauses the parse delimited (not guessed beside a cue)
    cues = find_cues(sentence, marks)
    nested = _inside_that_clauses(sentence, [c.token for c in cues])
    for cue in cues:
        token = sentence.tokens[cue.token]
        if cue.token in nested:
            judged.append(Span(token.start, token.end))  # part of another's report, for the rules too
            continue
        if agentless_passive(sentence, cue):
            judged.append(Span(token.start, token.end))
        end = sentence.tokens[cue.token + 1].end if cue.kind == "according" else token.end
        cue_span = Span(token.start, end)
        mention = find_speaker(sentence, cue, marks)
        if cue.kind == "according" and mention is not None and not _can_be_a_source(mention):
            continue  # "act according to the law": a law is not a source of words
        phrase = _phrase_of(mention) if mention is not None else None
        if phrase is None and not agentless_passive(sentence, cue):
            same = [r for r in rules if r.cue_span.start < cue_span.end and cue_span.start < r.cue_span.end]
            phrase = next((r.speaker for r in same if _names_someone(text, r.speaker)), None)
        if phrase is None:
            continue
        content = reported_content(sentence, cue, Span(phrase.start, phrase.end))
        if content is None and not marks and not _has_clause(sentence, cue.token, phrase.start):
            continue  # a verb of saying with nothing said ("to observe the trial") is no cue
        if content is None and not marks and _takes_a_thing(sentence, cue.token):
            continue  # "conceded a penalty", "denied visas": an object, not a message
        label = cue.lemma if cue.kind == "according" else token.text.lower()
        if mention is not None and mention.how == "agent":
            label += " by"  # "as reported by City News"
        elif mention is not None and mention.how == "quoted":
            label = "quoted as " + label
        how = mention.how if mention is not None else "rule"
        attribution = _Attribution(phrase, label, cue_span, how=how)
        if content is not None:
            parsed_reports.append(content)
        if content is None and not marks:
            content = _reported_content(text, sentence.span, attribution)  # the words beside the cue
            if content.end <= cue_span.start and _ends_sentence(sentence, cue.token):
                parsed_reports.append(content)  # "…, officials said.": all before is the report
        if not marks and cue.kind == "say" and not _holds_a_verb(sentence, content):
            continue  # "denied, in a statement to the ABC": a phrase, not a report
        found.append(
            _Attribution(
                phrase,
                label,
                cue_span,
                content=content,
                relay=mention.relay if mention is not None else None,
                speaks_for=mention.speaks_for if mention is not None else None,
                how=how,
            )
        )
    # A cue inside another cue's reported words is part of that report, not an attribution of its
    # own ("X said the referee awarded a penalty after confirming ...").
    # ... unless it opens a clause of its own after ", but" / ", and" with a subject of its own
    # ("X said in his order the residents have until Tuesday, but the residents said …"): then the
    # report before it ends at that comma.
    cuts = [cut for a in found if (cut := _coordinated_clause(sentence, a.cue_span.start)) is not None]
    for cut in cuts:
        parsed_reports = [_cut_at(text, r, cut) for r in parsed_reports]
        for a in found:
            if a.content is not None and a.cue_span.start < cut:
                a.content = _cut_at(text, a.content, cut)
    found = [
        a
        for a in found
        if not any(report.start <= a.cue_span.start < report.end for report in parsed_reports)
    ]
    # Cues the parse does not see as verbs ("as reported by", "quoted ... as saying") keep the rules'.
    seen = judged + [
        Span(min(a.cue_span.start, a.speaker.start), max(a.cue_span.end, a.speaker.end)) for a in found
    ]
    for rule in rules:
        lemma = surface_forms().get(rule.cue)
        if rule.cue not in _PHRASE_CUES and (lemma is None or lemma in weak_verbs()):
            continue  # not a verb of the lexicon ("revealed"), or one that needs a quotation
        if any(s.start < rule.cue_span.end and rule.cue_span.start < s.end for s in seen):
            continue
        if not _names_someone(text, rule.speaker):
            continue
        found.append(rule)
    found.sort(key=lambda a: a.cue_span.start)
    return found


_CLAUSE_LINKS = frozenset({"ccomp", "advcl", "parataxis", "xcomp", "dep"})
_COORDINATORS = frozenset({"but", "and", "while", "whereas"})


def _coordinated_clause(sentence: Parsed, cue_start: int) -> int | None:
    """Where a cue's own coordinated clause begins (the comma of ", but the residents said"), when
    the cue has a subject of its own and a coordinator after a comma; else None."""
    tokens = sentence.tokens
    k = next((j for j, t in enumerate(tokens) if t.start == cue_start), None)
    if k is None:
        return None
    children = sentence.children(k)
    if not any(tokens[j].dep.startswith("nsubj") for j in children):
        return None
    for j in children:
        if (
            tokens[j].dep == "cc"
            and tokens[j].text.lower() in _COORDINATORS
            and j > 0
            and tokens[j - 1].text == ","
        ):
            return tokens[j - 1].start if j < k else None
    return None


def _cut_at(text: str, span: Span, cut: int) -> Span:
    """``span`` ended before ``cut`` when it runs across it."""
    if not span.start < cut < span.end:
        return span
    return _trim_span(text, Span(span.start, cut))


def _inside_that_clauses(sentence: Parsed, cue_tokens: Sequence[int]) -> set[int]:
    """Cues inside another cue's that-clause ('Whitmore told LA Weekly that … Montalvo "…" and told
    the police, "…"'): the inner cue, borrowing its subject from the report, is part of the outer
    report, even where the parse did not make the clause the outer cue's complement. A cue with a
    subject of its own ("…, and Tom Hale said that …") or coordinated with the outer one is not."""
    tokens = sentence.tokens
    nested: set[int] = set()
    for outer in cue_tokens:
        that = next(
            (k for k in range(outer + 1, min(len(tokens), outer + 5)) if tokens[k].text.lower() == "that"),
            None,
        )
        if that is None:
            continue
        for inner in cue_tokens:
            if inner <= that:
                continue
            below, k = inner, inner
            for _ in range(len(tokens)):  # climb to the outer cue (a parse is a tree: bounded)
                if tokens[k].head == k or k == outer:
                    break
                below, k = k, tokens[k].head
            own_subject = any(tokens[j].dep.startswith("nsubj") for j in sentence.children(inner))
            if k == outer and below > that and tokens[below].dep in _CLAUSE_LINKS and not own_subject:
                nested.add(inner)
    return nested


def _holds_a_verb(sentence: Parsed, content: Span | None) -> bool:
    """Reported speech is a clause: some verb stands in it."""
    if content is None:
        return False
    return any(t.pos in ("VERB", "AUX") and content.start <= t.start < content.end for t in sentence.tokens)


def _takes_a_thing(sentence: Parsed, cue: int) -> bool:
    """The cue has a noun object and no clause follows it: a thing conceded or denied, not words."""
    tokens = sentence.tokens
    objects = [
        j for j in sentence.children(cue) if tokens[j].dep == "obj" and tokens[j].pos in ("NOUN", "PROPN")
    ]
    if not objects:
        return False
    after = max(sentence.subtree(objects[0]))
    return not any(t.pos in ("VERB", "AUX") for t in tokens[after + 1 :])


def _ends_sentence(sentence: Parsed, cue: int) -> bool:
    """Only the speaker and punctuation follow the cue ('…, officials said.', '…, said Ang Ky.')."""
    rest = sentence.tokens[cue + 1 :]
    return len([t for t in rest if t.pos != "PUNCT"]) <= 4 and not any(t.pos in ("VERB", "AUX") for t in rest)


def _can_be_a_source(mention: Mention) -> bool:
    """A name, a pronoun, or a noun for people, groups or documents ("police", "the report")."""
    return mention.name is not None or mention.pronoun or bool(mention.roles & (ROLE_NOUNS | documents()))


def _names_someone(text: str, phrase: _Phrase) -> bool:
    """A speaker the rules read where the parse found none must name someone: a pronoun, a
    capitalized name or a noun for people ("a part", "service attack" do not; nor a lone -ing word,
    as in 'Discussing his concern, X said')."""
    written = text[phrase.start : phrase.end].split()
    if not written or (len(written) == 1 and written[0].lower().endswith("ing")):
        return False
    folded = {fold(w).removesuffix("'s").removesuffix("’s").strip(".,") for w in written}
    return phrase.pronoun or any(w[:1].isupper() for w in written) or bool(folded & ROLE_NOUNS)


def _has_clause(sentence: Parsed, cue: int, speaker_start: int) -> bool:
    """A clause stands beside the cue (after it, or before its speaker): a verb the parse did not
    attach as the cue's complement ("said officials were being sent")."""
    tokens = sentence.tokens
    return any(
        t.pos in ("VERB", "AUX") and (j > cue or t.end <= speaker_start)
        for j, t in enumerate(tokens)
        if j != cue
    )


# Cues made of several words, which the rules read on the surface and the parse may miss.
_PHRASE_CUES = frozenset({"according to", "reported by", "quoted as saying"})


def _phrase_of(mention: Mention) -> _Phrase:
    return _Phrase(
        mention.start, mention.end, mention.name, mention.roles, mention.pronoun, mention.definite_role
    )


def _marks_by_cue(marks: Sequence[Span], attributions: Sequence[_Attribution]) -> list[list[Span]]:
    """Each quotation goes with the nearest cue of its sentence (two cues, two speakers' words)."""
    if len(attributions) == 1:
        return [list(marks)]
    owned: list[list[Span]] = [[] for _ in attributions]
    for mark in marks:

        def distance(a: _Attribution, mark: Span = mark) -> int:
            if a.cue_span.start >= mark.end:
                return a.cue_span.start - mark.end
            return max(0, mark.start - a.cue_span.end)

        nearest = min(range(len(attributions)), key=lambda k: distance(attributions[k]))
        owned[nearest].append(mark)
    return owned


# --- quotation marks and units -----------------------------------------------------------------


def _quote_marks(text: str, start: int, end: int) -> list[Span]:
    """Spans of quoted text, marks included, in one paragraph."""
    spans: list[Span] = []
    for open_, close in _QUOTE_PAIRS:
        i = text.find(open_, start, end)
        while i != -1:
            j = text.find(close, i + 1, end)
            if j == -1:
                break
            spans.append(Span(i, j + 1))
            i = text.find(open_, j + 1, end)
    straight = [(m.start(), m.end()) for m in _STRAIGHT.finditer(text, start, end)]
    for (a, _), (_, b) in zip(straight[0::2], straight[1::2], strict=False):
        spans.append(Span(a, b))
    if len(straight) % 2:
        # A straight mark closed by a curly one ('added, "There is … decision.“'): sources mix them.
        a, after = straight[-1]
        closing = min((k for k in (text.find(c, after, end) for c in "”“") if k != -1), default=-1)
        if closing != -1 and not any(s.start <= closing < s.end for s in spans):
            spans.append(Span(a, closing + 1))
    spans.sort(key=lambda s: s.start)
    # Drop marks nested in another quotation (a quote within a quote belongs to the outer speaker).
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def _inner(text: str, mark: Span) -> Span:
    """The quoted words of a quotation span, without its marks (one character, or two for '')."""
    opening = 2 if text.startswith("''", mark.start) else 1
    closing = 2 if mark.end - mark.start >= 4 and text.startswith("''", mark.end - 2) else 1
    return Span(mark.start + opening, max(mark.start + opening, mark.end - closing))


def sentence_units(text: str, para: Span) -> list[Span]:
    """The answerable sentences of a paragraph: sentences, with multi-sentence quotations kept whole."""
    return _units(text, para, _quote_marks(text, para.start, para.end))


def paragraph_units(text: str, paragraphs: Sequence[Span]) -> list[list[Span]]:
    """Each paragraph's :func:`sentence_units`: made once, then read by the sentences, the
    passages and the attribution of a document."""
    return [sentence_units(text, para) for para in paragraphs]


def _units(text: str, para: Span, marks: Sequence[Span]) -> list[Span]:
    """Sentences of the paragraph, merged where a quotation spans more than one."""
    sentences = split_sentences(text, para.start, para.end)
    # One pass over sentences and marks together (both in text order): a paragraph of 100k
    # characters with thousands of quotations stays linear.
    units: list[Span] = []
    k = 0
    for sentence in sentences:
        while k < len(marks) and marks[k].end <= sentence.start:
            k += 1
        if units and k < len(marks) and marks[k].start < units[-1].end and marks[k].end > sentence.start:
            units[-1] = Span(units[-1].start, sentence.end)  # a quotation runs on into this sentence
        else:
            units.append(sentence)
    return units


def _masked(text: str, unit: Span, marks: Sequence[Span]) -> str:
    """The unit's text with quoted words blanked out, so cues inside quotes are not read as cues."""
    chars = list(text[unit.start : unit.end])
    for mark in marks:
        inner = _inner(text, mark)
        for i in range(inner.start, inner.end):
            chars[i - unit.start] = "_"
    return "".join(chars)


# --- cues and speakers ---------------------------------------------------------------------------


def _attributions(text: str, unit: Span, marks: Sequence[Span], names: NameIndex) -> list[_Attribution]:
    masked = _masked(text, unit, marks)
    base = unit.start
    found: list[_Attribution] = []
    taken: list[Span] = []

    def add(attribution: _Attribution) -> None:
        if any(s.start < attribution.cue_span.end and attribution.cue_span.start < s.end for s in taken):
            return
        taken.append(attribution.cue_span)
        found.append(attribution)

    for match in _QUOTED_AS.finditer(masked) if "quoted" in masked else ():
        relay = _phrase_before(text, base + match.start(), base)
        speaker = _phrase_after(text, base + match.end(), unit.end)
        rest = masked[speaker.end - base :] if speaker else ""
        if speaker and _AS_SAYING.match(rest):
            relay_text = text[relay.start : relay.end] if relay else None
            add(
                _Attribution(speaker, "quoted as saying", Span(base + match.start(), speaker.end), relay_text)
            )
    for pattern, cue, needle in (
        (_ACCORDING, "according to", "ccording"),
        (_REPORTED_BY, "reported by", "by"),
    ):
        for match in pattern.finditer(masked) if needle in masked else ():
            speaker = _phrase_after(text, base + match.end(), unit.end)
            source = _DOCUMENT_SOURCE.match(text, speaker.end, unit.end) if speaker else None
            if speaker and source and fold(text[speaker.start : speaker.end]).split()[-1] in _DOCUMENTS:
                speaker = _phrase_after(text, source.end(), unit.end) or speaker  # "a statement from X"
            if speaker and not speaker.pronoun:
                add(_Attribution(speaker, cue, Span(base + match.start(), speaker.end)))
    for match in _CUE.finditer(masked):
        verb = match.group(1).lower()
        cue_span = Span(base + match.start(), base + match.end())
        if verb.endswith("ing"):
            # "with the United States warning that ..." names a speaker; ", saying ..." continues
            # the main clause, whose own cue names it.
            adjacent = _phrase_before(text, cue_span.start, base)
            if (
                adjacent is not None
                and not adjacent.pronoun
                and re.match(r"\s+that\b", masked[match.end() :])
            ):
                add(_Attribution(adjacent, verb, cue_span))
            continue
        before = _phrase_before_cue(text, masked, match.start(), base, names)
        if before is not None and _is_date_word(text[before.start : before.end]):
            before = None  # "... on Wednesday alleged": a day, not a speaker
        if before is None and re.search(r"(?:,\s*|\s)and\s+$", masked[: match.start()]):
            before = _sentence_subject(text, unit)  # "The minister arrived and said ..."
        if before is None and re.match(r"[^,]{1,60},\s+who\b", masked[: match.start()]):
            before = _sentence_subject(text, unit, named=True)  # "El-Rufai, who was on TV, alleged ..."
        if verb in _NOUNISH_CUES and not _CUE_CONTINUES.match(masked, match.end()):
            # "Initial claims for benefits remain muted" is a noun; "one witness claims ..." is not.
            written = text[before.start : before.end].split() if before else []
            if before is None or not (before.roles or before.name or before.pronoun or len(written) >= 2):
                continue
        if before is not None:
            told: str | None = None
            if verb in ("told", "tells"):
                recipient = _phrase_after(text, cue_span.end, unit.end)
                told = text[recipient.start : recipient.end] if recipient else None
            add(_Attribution(before, verb, cue_span, told))
            continue
        if verb in _INVERTING:
            after = _phrase_after(text, cue_span.end, unit.end)
            # "said Kalin" always; "said he" only right after a quotation ('"...," said he').
            closes = after is not None and _CLAUSE_END.match(text, after.end, unit.end) is not None
            if after is not None and closes and (not after.pronoun or _quote_adjacent(masked, match.start())):
                add(_Attribution(after, verb, cue_span))
    return found


_DATE_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december today yesterday tomorrow
    """.split()
)


def _is_date_word(written: str) -> bool:
    return fold(written.strip()) in _DATE_WORDS


def _sentence_subject(text: str, unit: Span, *, named: bool = False) -> _Phrase | None:
    """The phrase that opens a sentence, when it names someone (a name, a role or a pronoun).
    ``named``: the sentence says so itself ("X, who ..."), so one capitalized word will do."""
    phrase = _phrase_after(text, unit.start, unit.end)
    if phrase is None:
        return None
    written = text[phrase.start : phrase.end].split()
    if phrase.pronoun or phrase.roles or phrase.name is not None or len(written) >= 2:
        return phrase
    return phrase if named and written[0][:1].isupper() else None


def _quote_adjacent(masked: str, cue_at: int) -> bool:
    """True when the cue follows a closing quote and a comma: '"...," he said'."""
    head = masked[:cue_at].rstrip()
    return head.endswith((',"', ",”", '"', "”", ",’"))


def _phrase_before_cue(text: str, masked: str, cue_at: int, base: int, names: NameIndex) -> _Phrase | None:
    """The speaker right before a cue, allowing 'has previously' style words between them."""
    head = masked[:cue_at]
    stop = cue_at
    for _ in range(3):  # skip up to three auxiliaries/adverbs: "have previously said"
        last = _LAST_WORD.search(head, max(0, stop - 20), stop)
        if last is None or last.group(1).lower() not in _BETWEEN:
            break
        stop = last.start()
    end = base + stop
    phrase = _phrase_before(text, end, base)
    if _bare_role(text, phrase) and phrase is not None and text[base : phrase.start].rstrip().endswith(","):
        return _with_preceding_name(text, phrase, base, names)  # "Bryan Reyes, Police Chief told ..."
    if phrase is not None and phrase.name is None and re.search(r"\bof\s*$", text[base : phrase.start]):
        return _with_owner(text, phrase, base)  # "Sergeant Kevin Perlich of the Police Department said"
    if phrase is None and head[: end - base].rstrip().endswith(","):
        # An appositive: '..." the mayor, Jane Doe, said' -> Jane Doe (commas on both sides).
        comma = base + len(head[: end - base].rstrip()) - 1
        phrase = _phrase_before(text, comma, base)
        if phrase is not None and not text[base : phrase.start].rstrip().endswith(","):
            phrase = None
        elif phrase is not None:
            phrase = _with_preceding_name(text, phrase, base, names)
    return phrase


def _bare_role(text: str, phrase: _Phrase | None) -> bool:
    """A role without a name or an article ("Police Chief"), which an apposition may name."""
    if phrase is None or phrase.name is not None or phrase.pronoun or not phrase.roles:
        return False
    first = fold(text[phrase.start : phrase.end].split()[0])
    return first not in _DETERMINERS


def _with_owner(text: str, organisation: _Phrase, base: int) -> _Phrase:
    """'Kevin Perlich of the Richardson Police Department': the person before 'of' speaks."""
    of_at = base + len(text[base : organisation.start].rstrip()) - 2
    person = _phrase_before(text, of_at, base)
    if person is None or person.pronoun:
        return organisation
    name = person.name or Span(person.start, person.end)
    return _Phrase(person.start, organisation.end, name, person.roles)


def _with_preceding_name(text: str, role: _Phrase, base: int, names: NameIndex) -> _Phrase:
    """'John Smith, the family's lawyer, said': the name before the apposition is the speaker."""
    comma = base + len(text[base : role.start].rstrip()) - 1
    named = _phrase_before(text, comma, base)
    if named is None or named.pronoun or named.roles or not _is_capitalized(text[named.start : named.end]):
        return role
    written = text[named.start : named.end]
    if " " not in written.strip() and names.full_name(written.strip()) is None:
        return role  # "on Wednesday, officials said": one capitalized word is not a name to trust
    return _Phrase(named.start, role.end, Span(named.start, named.end), role.roles)


def _words_before(text: str, end: int, lo: int) -> list[tuple[int, int]]:
    """Word spans going left from ``end`` up to punctuation (apostrophes and hyphens stay inside)."""
    spans: list[tuple[int, int]] = []
    i = end
    while True:
        j = i
        while j > lo and text[j - 1] in " \t\xa0":
            j -= 1
        k = j
        while k > lo and (text[k - 1].isalnum() or text[k - 1] in "’'.-"):
            k -= 1
        if k == j:
            return spans
        word = text[k:j]
        if word.endswith(".") and len(word) > 1 and not _keeps_period(word):
            return spans  # a sentence-ending period, not an initial, acronym or "Mr."
        spans.append((k, j))
        i = k
        if k == lo or text[k - 1] not in " \t\xa0":
            return spans


def _keeps_period(word: str) -> bool:
    """'U.S.', 'J.' and 'Mr.' keep their period inside a name; 'Kalin.' ends a sentence."""
    return bool(re.fullmatch(r"(?:\w\.)+", word)) or word[:-1].lower() in ABBREVIATIONS


def _words_after(text: str, start: int, hi: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = start
    while True:
        j = i
        while j < hi and text[j] in " \t\xa0":
            j += 1
        m = _WORD.match(text, j, hi)
        if m is None:
            return spans
        k = m.end()
        word = m.group()
        if word.endswith(".") and not _keeps_period(word):
            k -= 1  # "Kalin." -> "Kalin"
            if k > j:
                spans.append((j, k))
            return spans
        spans.append((j, k))
        if k >= hi or text[k] not in " \t\xa0":
            return spans
        i = k


def _is_capitalized(word: str) -> bool:
    return word[:1].isupper() or (word[:1].isdigit() and any(c.isupper() for c in word))


def _is_modifier(word: str) -> bool:
    low = fold(word)
    return low in _MODIFIER_WORDS or (
        low.endswith(_MODIFIER_SUFFIXES) and not low.endswith("ed") and low not in _FUNCTION_WORDS
    )


def _phrase_before(text: str, end: int, lo: int) -> _Phrase | None:
    """The noun phrase that ends at ``end``: read right to left, as in 'a senior Turkish official'."""
    words = _words_before(text, end, lo)
    if not words:
        return None
    first = fold(text[words[0][0] : words[0][1]])
    if first in _PRONOUNS:
        return _Phrase(words[0][0], words[0][1], None, frozenset(), pronoun=True)
    kept: list[tuple[int, int]] = []
    has_role = False
    safe = 0  # how many of ``kept`` stand for sure; noun modifiers ("port" authority) are tentative
    closed = len(words) < _MAX_PHRASE_WORDS  # the words ran out at punctuation or the unit start
    for start, stop in words[:_MAX_PHRASE_WORDS]:
        word = text[start:stop]
        low = fold(word).removesuffix("'s")
        if low in _DETERMINERS and kept:
            kept.append((start, stop))
            safe = len(kept)
            closed = True
            break
        if low in ROLE_NOUNS:
            has_role = True
        elif _is_capitalized(word):
            if low in _DETERMINERS or low in _FUNCTION_WORDS:
                closed = low in _DETERMINERS and bool(kept)
                if closed:
                    kept.append((start, stop))
                    safe = len(kept)
                break
        elif has_role and _is_noun_modifier(low):
            kept.append((start, stop))
            continue  # tentative until the phrase is seen to close
        elif not (has_role and _is_modifier(word)):
            closed = False
            break
        kept.append((start, stop))
        safe = len(kept)
    else:
        closed = closed or len(kept) == len(words)
    return _build_phrase(text, list(reversed(kept if closed else kept[:safe])))


def _is_noun_modifier(low: str) -> bool:
    """A lowercase word that may modify a role noun ('port' authority, 'health' officials)."""
    return (
        low.isalpha()
        and low not in _FUNCTION_WORDS
        and low not in STOP_WORDS
        and low not in _PRONOUNS
        and low not in SPEECH_VERBS
        and not low.endswith(("ed", "ing"))
        and (not low.endswith("ly") or low in _LY_NOUNS)  # adverbs end the phrase, 'family' does not
    )


_LY_NOUNS = frozenset("family ally assembly supply rally monopoly daily weekly anomaly".split())


def _phrase_after(text: str, start: int, hi: int) -> _Phrase | None:
    """The noun phrase that starts at ``start``: 'White House spokesman Hogan Gidley'."""
    words = _words_after(text, start, hi)
    if not words:
        return None
    first = fold(text[words[0][0] : words[0][1]])
    if first in _PRONOUNS:
        return _Phrase(words[0][0], words[0][1], None, frozenset(), pronoun=True)
    kept: list[tuple[int, int]] = []
    for i, (begin, stop) in enumerate(words):
        word = text[begin:stop]
        low = fold(word)
        if i == 0 and low in _DETERMINERS:
            kept.append((begin, stop))
            continue
        if (
            low in ROLE_NOUNS
            or (_is_capitalized(word) and low not in _FUNCTION_WORDS)
            or (
                (_is_modifier(word) or _is_noun_modifier(low))
                and any(fold(text[b:s]) in ROLE_NOUNS for b, s in words[i + 1 : i + 4])
            )
        ):  # "study lead author Dr. Stanley Hazen"
            kept.append((begin, stop))
        else:
            break
    while kept and fold(text[kept[-1][0] : kept[-1][1]]) in _DETERMINERS:
        kept.pop()
    return _build_phrase(text, kept)


def _is_role_word(word: str) -> bool:
    """'spokesman', 'President', 'Secretary-General' (by any of its hyphenated parts)."""
    return any(part in ROLE_NOUNS or part.strip(".") in _TITLES for part in word.split("-"))


def _is_title(word: str) -> bool:
    return any(part.strip(".") in _TITLES for part in word.split("-"))


def _build_phrase(text: str, words: list[tuple[int, int]]) -> _Phrase | None:
    if not words:
        return None
    folded = [fold(text[a:b]) for a, b in words]
    if all(w in _DETERMINERS for w in folded):
        return None
    # The name is the run of capitalized words after the last role or title word.
    # A capitalized role noun is part of a name ("Study Finds", "Police Department") unless it is a
    # title ("President", "Chief", "Dr.").
    last_role = max(
        (
            i
            for i, (w, (a, b)) in enumerate(zip(folded, words, strict=True))
            if _is_role_word(w) and (not _is_capitalized(text[a:b]) or _is_title(w))
        ),
        default=-1,
    )
    name_words = [
        (a, b)
        for (a, b), w in zip(words[last_role + 1 :], folded[last_role + 1 :], strict=True)
        if _is_capitalized(text[a:b])
    ]
    roles = frozenset(w for w in folded[: last_role + 1] if w not in _DETERMINERS)
    name = Span(name_words[0][0], name_words[-1][1]) if name_words and last_role >= 0 else None
    has_content = last_role >= 0 or name_words
    if not has_content:
        return None
    definite = folded[0] == "the" and last_role == len(folded) - 1 and not name_words
    return _Phrase(words[0][0], words[-1][1], name, roles, definite_role=definite)


# --- making quotes ---------------------------------------------------------------------------------


def _make_quotes(
    doc: str,
    text: str,
    unit: Span,
    marks: Sequence[Span],
    attribution: _Attribution,
    people: _People,
    earlier: Sequence[Quote],
) -> list[Quote]:
    phrase = attribution.speaker
    as_written = text[phrase.start : phrase.end]
    resolved = _resolve(text, phrase, people, earlier, unit.start)
    speaker = " ".join(resolved.split()) if resolved else None
    template = Quote(
        doc=doc,
        text="",
        start=0,
        end=0,
        speaker=speaker,
        speaker_as_written=as_written,
        speaker_start=phrase.start,
        speaker_end=phrase.end,
        cue=attribution.cue,
        kind="direct",
        sentence_start=unit.start,
        sentence_end=unit.end,
        relay=attribution.relay,
        speaks_for=attribution.speaks_for,
    )
    # Quoted words make a direct quote; one or two scare-quoted words ('some "elements" in Aso Rock')
    # inside reported speech do not: then the reported clause is the quote.
    spoken = [
        m
        for m in marks
        if len(text[m.start : m.end].split()) >= _SCARE_QUOTE_WORDS
        and not _is_title_after_preposition(text, m)
    ]
    if spoken:
        inner = [_inner(text, m) for m in spoken]
        return [_with_span(template, text, span, "direct") for span in inner]
    content = attribution.content or _reported_content(text, unit, attribution)
    return [_with_span(template, text, content, "reported")] if content.end > content.start else []


_TITLE_PREPOSITIONS = frozenset("on in at from of for by to with about titled entitled".split())


def _is_title_after_preposition(text: str, mark: Span) -> bool:
    """'says on "The Internet Explorer 6 Countdown"': a name in quotation marks, not words said."""
    before = text[max(0, mark.start - 12) : mark.start].split()
    return bool(before) and before[-1].lower() in _TITLE_PREPOSITIONS


def _with_span(template: Quote, text: str, span: Span, kind: QuoteKind) -> Quote:
    return replace(template, text=text[span.start : span.end], start=span.start, end=span.end, kind=kind)


# Words that open a relative clause: a cue inside one reports what follows it (_in_relative_clause).
_RELATIVE_WORDS = frozenset({"where", "who", "whom", "which", "when", "whereupon"})
# "said on Tuesday that ...", "told reporters late on Monday that ...": the words before the content.
_AFTER_CUE = re.compile(r"[\s,:]*(?:(?:[\w.’'-]+\s+){0,5}?that\s+)?")


def _reported_content(text: str, unit: Span, attribution: _Attribution) -> Span:
    """The reported words: the unit without the attribution ('X said that', ', according to X')."""
    left = min(attribution.speaker.start, attribution.cue_span.start)
    right = max(attribution.speaker.end, attribution.cue_span.end)
    before = text[unit.start : left].strip(" ,;:—–-\xa0")
    after_start = right
    after = _AFTER_CUE.match(text[right : unit.end])
    if after:
        after_start += after.end()
    after_text = text[after_start : unit.end].strip(" .,;\xa0")
    if len(after_text) >= len(before) or (after_text and _in_relative_clause(text, unit, attribution)):
        return _trim_span(text, Span(after_start, unit.end))
    return _trim_span(text, Span(unit.start, unit.start + len(text[unit.start : left].rstrip(" ,;:—–-\xa0"))))


def _in_relative_clause(text: str, unit: Span, attribution: _Attribution) -> bool:
    """Is the cue in a relative clause ("… went to the station where they claimed Jones left",
    "… the inspectors who say they acted …")? Then the words before it are not its report: the
    report follows the cue."""
    speaker, cue = attribution.speaker, attribution.cue_span
    if speaker.start > cue.start:
        return False
    lead = text[unit.start : speaker.start].split()[-1:]  # the word before the speaker
    between = text[speaker.end : cue.start].split()  # "who" in "authorities who say"
    return any(word.lower() in _RELATIVE_WORDS for word in lead + between)


def _trim_span(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start] in " \t\xa0\n\r,":
        start += 1
    while end > start and text[end - 1] in " \t\xa0\n\r,":
        end -= 1
    return Span(start, end)


def _is_speech(text: str, unit: Span, mark: Span) -> bool:
    """A quotation that opens its sentence goes on with the last speaker; one inside a sentence of
    someone else's (the "bottom billion", or 'Reyes described it as a "..."') does not."""
    return not text[unit.start : mark.start].strip()


def _continuation(doc: str, text: str, unit: Span, marks: Sequence[Span], previous: Quote) -> list[Quote]:
    """A quotation with no cue of its own goes on with the previous speaker's words."""
    inner = [_inner(text, m) for m in marks if m.end - m.start > 2]
    return [
        Quote(
            doc=doc,
            text=text[m.start : m.end],
            start=m.start,
            end=m.end,
            speaker=previous.speaker,
            speaker_as_written=previous.speaker_as_written,
            speaker_start=previous.speaker_start,
            speaker_end=previous.speaker_end,
            cue=None,
            kind="direct",
            sentence_start=unit.start,
            sentence_end=unit.end,
            relay=previous.relay,
        )
        for m in inner
        if m.end > m.start
    ]


# --- naming speakers ---------------------------------------------------------------------------------

# A title right before a capitalized name: "President Trump", "presidential aide Yuri Ushako".
_TITLE_BEFORE_NAME = re.compile(
    r"\b(?P<title>President|Prime\s+Minister|Minister|Secretary|Senator|Sen\.|Rep\.|Gov\.|Governor|"
    r"Chancellor|King|Queen|Prince|Pope|General|Gen\.|Mr\.|Mrs\.|Ms\.|Dr\.|Judge|Mayor|Chairman|Ambassador|"
    r"spokesman|spokeswoman|spokesperson|aide|adviser|advisor|minister|president|secretary|leader|chief|"
    r"official)\s+(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,3})"
)
# Heads of phrases that name groups: "he" or "she" never refers to them.
_GROUPS = frozenset(
    """
    police officials media authorities government people residents officers experts analysts sources
    critics observers investigators lawmakers protesters workers members
    """.split()
)
# "General Assembly" is not General Mr. Assembly.
_INSTITUTIONS = frozenset(
    """
    assembly council committee court department ministry house office nations states party union
    government congress senate parliament commission agency bank fund board authority forces army
    """.split()
)
_NOT_A_PERSON = (
    _GROUPS
    | _INSTITUTIONS
    | _DOCUMENTS
    | frozenset(
        "affidavit complaint indictment lawsuit memo study survey poll filing warrant ruling records".split()
    )
)
_CAPITALIZED = re.compile(r"\b[A-Z][\w’'-]+")


_SUBJECT_WINDOW = 2000  # characters before a pronoun searched for its antecedent


class _People:
    """What pronouns and roles are resolved against: the document's titled people (found on first
    need, as most documents never need them) and the subjects of its sentences."""

    def __init__(self, text: str, paragraphs: Sequence[Span]) -> None:
        self._text = text
        self._paragraphs = paragraphs
        self._found: dict[str, _Person] | None = None
        self._names: NameIndex | None = None
        self._starts = [p.start for p in paragraphs]

    @property
    def names(self) -> NameIndex:
        """Full names by surname, found in one pass on first need."""
        if self._names is None:
            self._names = NameIndex.of(self._text)
        return self._names

    def get(self) -> dict[str, _Person]:
        if self._found is None:
            self._found = _collect_people(self._text)
        return self._found

    def subject_before(self, at: int) -> tuple[int, str] | None:
        """The nearest sentence subject before ``at`` that can be a speaker, within two paragraphs."""
        text = self._text
        current = max(0, bisect_right(self._starts, at) - 1)
        for para in reversed(self._paragraphs[max(0, current - 2) : current + 1]):
            # Only the last few sentences matter: a window keeps a 4 MB paragraph from being re-split
            # for every pronoun.
            lo = max(para.start, at - _SUBJECT_WINDOW)
            for sentence in reversed(split_sentences(text, lo, min(para.end, at))):
                if sentence.start >= at:
                    continue
                phrase = _phrase_after(text, sentence.start, sentence.end)
                if phrase is not None and not phrase.pronoun and self._personlike(phrase):
                    name = phrase.name or phrase
                    written = " ".join(text[name.start : name.end].split())
                    return sentence.start, self.names.full_name(written) or written
        return None

    def _personlike(self, phrase: _Phrase) -> bool:
        words = self._text[phrase.start : phrase.end].split()
        if not words or fold(words[-1]) in _NOT_A_PERSON:
            return False
        if phrase.roles or phrase.name is not None:
            return True
        if len(words) >= 2 and all(w[:1].isupper() for w in words):
            return True
        # One capitalized word ("Mathews, 37, changed ..."): a surname if the text has its full name.
        return self.names.full_name(words[-1]) is not None


def _collect_people(text: str) -> dict[str, _Person]:
    """Named people with their titles ("President Trump": Trump, a president), keyed by surname."""
    people: dict[str, _Person] = {}
    for match in _TITLE_BEFORE_NAME.finditer(text):
        name = match.group("name")
        surname = fold(name.split()[-1])
        if surname in _INSTITUTIONS:
            continue
        person = people.setdefault(surname, _Person(name))
        if len(name) > len(person.name):
            person.name = name
        # The words just before the title qualify it: "Turkish President", "Kremlin presidential aide".
        lead = text[max(0, match.start() - 40) : match.start()].split()[-3:]
        person.roles.update(fold(w) for w in lead if w[:1].isupper() or _is_modifier(w))
        person.roles.update(fold(match.group("title")).split())
    if people:
        by_word = {person.name.split()[-1]: person for person in people.values()} | people
        for match in _CAPITALIZED.finditer(text):
            word = match.group()
            mentioned = by_word.get(word) or (by_word.get(fold(word)) if not word.isascii() else None)
            if mentioned is not None:
                mentioned.mentions.append(match.start())
    return people


def _resolve(text: str, phrase: _Phrase, people: _People, earlier: Sequence[Quote], at: int) -> str | None:
    """The name a speaker phrase stands for: its own name, or the person a pronoun or role points to."""
    as_written = text[phrase.start : phrase.end]
    if phrase.name is not None:
        return people.names.expand(text[phrase.name.start : phrase.name.end])
    if phrase.pronoun:
        return _resolve_pronoun(as_written, people, earlier, at)
    if " " not in as_written.strip():
        return people.names.expand(as_written)  # "Perlich said" -> Kevin Perlich, "CPJ" -> its name
    if phrase.definite_role:
        resolved = _resolve_role(phrase.roles, people.get(), at)
        if resolved:
            return resolved
    singular = frozenset(r for r in phrase.roles if r in role_nouns())
    if singular and fold(as_written.split()[-1]) in singular:
        # "a court spokesman said": the person the document calls so, nearest to here
        return people.names.by_role(singular, at) or as_written
    return as_written


_PRONOUN_REACH = 1500  # characters: a pronoun refers to a speaker named this close before it


def _resolve_pronoun(pronoun: str, people: _People, earlier: Sequence[Quote], at: int) -> str | None:
    """'he said': whoever is nearest before, the last named speaker or the last sentence's subject."""
    candidates: list[tuple[int, str]] = []
    for quote in reversed(earlier):
        if quote.sentence_end < at - _PRONOUN_REACH:
            break  # quotes are in text order: the rest are farther still
        if quote.speaker and quote.speaker_start is not None and at - quote.speaker_start < _PRONOUN_REACH:
            if fold(pronoun) in ("he", "she") and (
                fold(quote.speaker) in _PRONOUNS or fold(quote.speaker.split()[-1]) in _NOT_A_PERSON
            ):
                continue
            candidates.append((quote.speaker_start, quote.speaker))
            break
    if fold(pronoun) in ("he", "she"):
        subject = people.subject_before(at)
        if subject is not None:
            candidates.append(subject)
    return max(candidates)[1] if candidates else None


def _resolve_role(roles: frozenset[str], people: dict[str, _Person], at: int) -> str | None:
    """'the president' -> the most talked-about president so far; modifiers must agree."""
    candidates: list[tuple[float, str]] = []
    for person in people.values():
        if not roles <= person.roles:  # 'the Turkish president' needs a Turkish president
            continue
        count = bisect_left(person.mentions, at)  # mentions are in text order
        if not count:
            continue
        recency = 1.0 / (1.0 + (at - person.mentions[count - 1]) / 2000)
        candidates.append((count + recency, person.name))
    if not candidates:
        return None
    return max(candidates)[1]
