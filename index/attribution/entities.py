"""People as entities within a document: one name per person, whatever the variant.

"Ibrahim Kalin", "Kalin", "Mr. Kalin" and "Kalın" are one person: the index maps every surname
(folded, so accents do not matter) to the fullest name the document gives it. It is built in one
pass over the document's capitalized runs, so looking a name up costs the same in a 4 MB text as in
a short one (resolving a name used to search the whole text for every quote).

It also records whom a person speaks for ("speaks for" links), from the words around any of their
mentions: "Kremlin spokesman Dmitry Peskov" speaks for the Kremlin, "Putin's press secretary Dmitry
Peskov" for Putin, "Maria Zakharova, a spokeswoman for the Foreign Ministry" for the Foreign
Ministry, and an unnamed "spokesperson for the ministry" for the ministry. Every quote of that person
in the document carries the links (``Quote.speaks_for``, several joined by "; "), so the answer
layer can give an institution its spokesman's words while never giving them to the person he speaks
for as their own.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from importlib import resources

from index.analysis import STOP_WORDS, fold
from index.attribution.cues import surface_forms
from index.attribution.speakers import not_speakers, role_nouns, titles
from index.models import Quote

# A run of capitalized words (with initials: "John F. Kennedy"), on one line.
_RUN = re.compile(
    r"(?:[A-Z][a-z]{0,2}\.|[A-Z][\w’'-]*)(?:[ \t\xa0]+(?:[A-Z][a-z]{0,2}\.|[A-Z][\w’'-]*(?![\w’'-])))*"
)
# "the Committee to Protect Journalists (CPJ)": an organisation's name with its acronym.
_FIRST = r"[A-Z][\w’'-]*"
_NEXT = r"(?:[ \t\xa0]+(?:of|for|to|the|and|on|[A-Z][\w’'-]*))"
_ACRONYM = re.compile(r"\b(" + _FIRST + _NEXT + r"{1,7})[ \t\xa0]*\(([A-Z][A-Za-z]{1,7})\)")
_ORGANISATION = re.compile(r"\b" + _FIRST + _NEXT + r"{1,7}\b")
_DETERMINERS = frozenset("the a an this that these those his her their its our".split())


@dataclass(slots=True)
class NameIndex:
    """Surname (folded) -> the fullest name the document gives that person, with where it is first."""

    full: dict[str, tuple[str, int]] = field(default_factory=dict)
    acronyms: dict[str, str] = field(default_factory=dict)
    # surname -> the words the document describes that person with ("commune", "chief", "coach")
    descriptions: dict[str, set[str]] = field(default_factory=dict)
    # role noun -> (offset, full name) of each person the document gives that role
    roles: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # surname -> whom that person speaks for ("peskov" -> {"Kremlin", "Putin"})
    links: dict[str, set[str]] = field(default_factory=dict)
    _text: str | None = None
    _by_initials: dict[str, str] | None = None

    @classmethod
    def of(cls, text: str) -> NameIndex:
        index = cls(_text=text)
        variants: dict[str, dict[str, tuple[int, int]]] = {}  # surname -> name -> (count, first offset)
        for match in _RUN.finditer(text):
            words = match.group().split()
            while words and (_leading_noise(words[0]) or fold(words[0]) in not_speakers()):
                words = words[1:]
            words = [w.rstrip(".") if len(w) > 2 else w for w in words][-3:]  # names run 3 words at most
            if len(words) < 2 or fold(words[-1]) in not_speakers():
                continue
            surname = fold(words[-1])
            name = " ".join(words)
            described = _described_as(text, match.start(), match.end())
            index.descriptions.setdefault(surname, set()).update(described)
            for role in described & role_nouns():
                index.roles.setdefault(role, []).append((match.start(), name))
            spoken_for = speaks_for_around(text, match.start(), match.end())
            if spoken_for:
                index.links.setdefault(surname, set()).update(spoken_for)
            seen = variants.setdefault(surname, {})
            count, first = seen.get(name, (0, match.start()))
            seen[name] = (count + 1, first)
        # A surname's full name is its most frequent variant, the earliest on a tie: a run such as
        # "Church of Scientology Paris" must not outweigh "Valeska Paris".
        for surname, seen in variants.items():
            name, (_, first) = max(seen.items(), key=lambda item: (item[1][0], -item[1][1]))
            index.full[surname] = (name, first)
        for match in _ACRONYM.finditer(text):
            name, acronym = match.group(1), match.group(2)
            words = [w for w in name.split() if w[:1].isupper()]
            initials = "".join(w[0] for w in words)
            # Keep the words that spell the acronym: "the Committee to Protect Journalists".
            if acronym.upper() in initials.upper():
                first = initials.upper().rfind(acronym.upper()[0], 0, len(initials) - len(acronym) + 1)
                start = name.find(words[max(0, first)])
                index.acronyms.setdefault(acronym, name[start:].strip())
        return index

    def _spelled(self, acronym: str) -> str | None:
        """A name of the document whose initials spell ``acronym`` ('CPJ': 'Committee to Protect
        Journalists'), found lazily: most speakers are not acronyms."""
        if not (2 <= len(acronym) <= 6 and acronym.isupper() and acronym.isalpha()):
            return None
        if self._by_initials is None:  # one pass over the text, on the first acronym asked about
            self._by_initials = {}
            for match in _ORGANISATION.finditer(self._text or ""):
                words = match.group().split()
                if words[0].lower() in _DETERMINERS:
                    words = words[1:]
                initials = "".join(w[0] for w in words if w[:1].isupper())
                self._by_initials.setdefault(initials, " ".join(words))
        return self._by_initials.get(acronym)

    def by_role(self, role_words: frozenset[str], at: int) -> str | None:
        """The person nearest ``at`` whom the document gives one of these roles ("a court
        spokesman" -> the one named "court spokesman Huy Vannak" or "Huy Vannak, a court spokesman")."""
        found: list[tuple[int, str]] = []
        for role in role_words:
            people = self.roles.get(role, [])  # in text order
            k = bisect_left(people, (at, ""))
            found.extend((abs(people[j][0] - at), people[j][1]) for j in (k - 1, k) if 0 <= j < len(people))
        return min(found)[1] if found else None

    def expand(self, written: str) -> str:
        """The fullest form of a name as written: 'CPJ' -> 'Committee to Protect Journalists',
        'Perlich' -> 'Kevin Perlich'; the name itself when the document gives nothing fuller."""
        clean = written.strip()
        if clean not in self.acronyms and clean.isupper():
            self.acronyms[clean] = self._spelled(clean) or clean
        return self.acronyms.get(clean) or self.full_name(clean) or clean

    def described(self, name: str) -> set[str]:
        """The words the document puts around a person's name: titles, roles, employers
        ("Preah Damrey Commune Chief Mith Salang" -> commune, chief, ...), so that "what did the
        commune chief say" finds Mith Salang's words."""
        words = name.split()
        return self.descriptions.get(fold(words[-1]), set()) if words else set()

    def with_links(self, quote: Quote) -> Quote:
        """The quote with whom its speaker speaks for: the links of every mention the document makes
        of that person, and those read around this quote's own mention (an unnamed "spokesperson for
        the ministry")."""
        linked = set(filter(None, (quote.speaks_for or "").split("; ")))
        if quote.speaker and quote.speaker[:1].isupper():
            linked |= self.links.get(fold(quote.speaker.split()[-1]), set())
        if quote.speaker_start is not None and quote.speaker_end is not None and self._text is not None:
            linked |= speaks_for_around(self._text, quote.speaker_start, quote.speaker_end)
        speaker = set(fold(quote.speaker or "").split()) - _DETERMINERS
        linked = {who for who in linked if set(fold(who).split()) - _DETERMINERS != speaker}  # not itself
        return replace(quote, speaks_for="; ".join(sorted(linked)) or None)

    def full_name(self, written: str) -> str | None:
        """'Perlich' -> 'Kevin Perlich'; None for a name the document never gives in full."""
        words = written.split()
        if len(words) != 1 or not written[:1].isupper():
            return None
        found = self.full.get(fold(words[0]))
        return found[0] if found is not None and found[0] != written else None


_WORD = re.compile(r"[A-Za-z][\w’'-]*")


_CLAUSE_END = re.compile(r"[.;:!?\"“”\n]")


def _described_as(text: str, start: int, end: int) -> set[str]:
    """Words describing the person named at text[start:end]: the words just before the name in
    its clause ("court spokesman Huy Vannak", "the Afghan team's coach, Alireza Mehraban") and an
    apposition after it ("Huy Vannak, a court spokesman,"), folded, function words left out."""
    before = _CLAUSE_END.split(text[max(0, start - 60) : start])[-1]
    parts = before.rsplit(",", 2)
    near = parts[-1] if parts[-1].strip() else (parts[-2] if len(parts) > 1 else "")
    # "including Tom Devocht and Mark Rathbun": the words before another name describe that one.
    coordinated = re.split(r"\s+(?:and|or|&)\s+", near)
    if len(coordinated) > 1 and coordinated[-2].split() and coordinated[-2].split()[-1][:1].isupper():
        near = coordinated[-1]
    after = ""
    if text.startswith(", ", end):
        after = re.split(r"[,.;:!?()\"“”\n]", text[end + 2 : end + 90])[0]
    words = _WORD.findall(near)[-5:] + _WORD.findall(after)[:8]
    return {fold(w).removesuffix("'s").removesuffix("’s") for w in words} - STOP_WORDS - _DETERMINERS


@functools.cache
def _spokes_roles() -> str:
    """The roles of people who speak for someone (``index/data/spokes_roles.txt``) as a regex."""
    text = resources.files("index.data").joinpath("spokes_roles.txt").read_text(encoding="utf-8")
    roles = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return "|".join(
        r"\s+".join(map(re.escape, role.split())) for role in sorted(roles, key=len, reverse=True)
    )


_NAME_WORDS = r"[A-Z][\w’'&.-]*(?:[ \t\xa0]+(?:of|for|and|the|[A-Z][\w’'&.-]*))*(?<![ \t])"
# "the Foreign Ministry", "the Indonesian military", "the ministry"
_ORG = rf"(?:the\s+)?(?:{_NAME_WORDS}(?:\s+[a-z][a-z-]+)?|[a-z][a-z-]+)"


@functools.cache
def _link_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What stands before a name ("Putin's press secretary", "Kremlin spokesman", "a spokesman for
    the tribunal") and after it (", a spokeswoman for the Foreign Ministry", ", the Kremlin
    spokesman", ", Putin's press secretary")."""
    role = rf"(?:{_spokes_roles()})"
    owner = rf"(?:(?P<owner>{_NAME_WORDS})[’']s\s+(?:[a-z-]+\s+){{0,2}}|(?P<org>{_NAME_WORDS})\s+)"
    served = rf"(?:\s+(?:for|of|at)\s+(?P<served>{_ORG}))"
    before = re.compile(rf"(?:{owner}{role}|{role}{served})[,\s]*$")
    after = re.compile(rf"^,\s+(?:(?:a|an|the)\s+)?(?:{owner}?{role}{served}?)(?=[\s,.;:)]|$)")
    return before, after


# The capitalized words a mention ends with: its name ("Dmitry Peskov" in "Kremlin spokesman Dmitry Peskov").
_TRAILING_NAME = re.compile(r"(?:[A-Z][\w’'.-]*[ \t\xa0]+)*[A-Z][\w’'.-]*$")


def speaks_for_around(text: str, start: int, end: int) -> set[str]:
    """Whom the person mentioned at text[start:end] speaks for, by the words around the mention."""
    before, after = _link_patterns()
    found: set[str] = set()
    mention = text[start:end]
    # The words before the name in its clause, the mention's own included ("Kremlin spokesman" in
    # the mention "Kremlin spokesman Dmitry Peskov").
    name = _TRAILING_NAME.search(mention)
    name_start = start + name.start() if name is not None else start
    clause = _CLAUSE_END.split(text[max(0, name_start - 80) : name_start])[-1]
    for m in (before.search(clause), after.match(text[end : end + 120])):
        if m is not None:
            found.update(_served(m))
    for m in re.finditer(
        rf"(?:{_spokes_roles()})\s+(?:for|of|at)\s+(?P<served>{_ORG})", mention + text[end : end + 60]
    ):
        if m.start() < len(mention):
            found.update(_served(m))
    unnamed = re.fullmatch(rf"(?:a|an|the)\s+(?P<org>[a-z][a-z-]+)\s+(?:{_spokes_roles()})", mention.strip())
    if unnamed is not None:  # "a ministry spokesman"
        found.update("the " + name for name in _served(unnamed))
    return found


def _served(m: re.Match[str]) -> set[str]:
    """The names a link pattern matched, without a trailing word that is a verb ("the Foreign
    Ministry said": the lower-case word after a name is kept only as a noun, "the Indonesian
    military")."""
    out = set()
    for key in ("owner", "org", "served"):
        name = m.group(key) if key in m.re.groupindex else None
        if not name:
            continue
        words = name.split()
        if (
            len(words) > 1
            and words[-1].islower()
            and (words[-1] in surface_forms() or words[-1] in STOP_WORDS)
        ):
            words = words[:-1]
        if words and fold(" ".join(words)) not in _DETERMINERS | STOP_WORDS:
            out.add(" ".join(words))
    return out


def _leading_noise(word: str) -> bool:
    low = fold(word).strip(".")
    return low in titles() or low in _DETERMINERS or low in STOP_WORDS
