"""People as entities within a document: one name per person, whatever the variant.

"Ibrahim Kalin", "Kalin", "Mr. Kalin" and "Kalın" are one person: the index maps every surname
(folded, so accents do not matter) to the fullest name the document gives it. It is built in one
pass over the document's capitalized runs, so looking a name up costs the same in a 4 MB text as in
a short one (resolving a name used to search the whole text for every quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.analysis import STOP_WORDS, fold
from index.attribution.speakers import not_speakers, titles

# A run of capitalized words (with initials: "John F. Kennedy"), on one line.
_RUN = re.compile(r"[A-Z][\w’'-]*\.?(?:[ \t\xa0]+(?:[A-Z][\w’'-]*\.?|[A-Z]\.))*")
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
    _text: str | None = None

    @classmethod
    def of(cls, text: str) -> NameIndex:
        index = cls(_text=text)
        for match in _RUN.finditer(text):
            words = match.group().split()
            while words and _leading_noise(words[0]):
                words = words[1:]
            words = [w.rstrip(".") if len(w) > 2 else w for w in words]
            if len(words) < 2 or fold(words[-1]) in not_speakers():
                continue
            surname = fold(words[-1])
            name = " ".join(words)
            known = index.full.get(surname)
            if known is None or len(name) > len(known[0]):
                index.full[surname] = (name, known[1] if known else match.start())
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
        if self._text is None or not (2 <= len(acronym) <= 6 and acronym.isupper() and acronym.isalpha()):
            return None
        for match in _ORGANISATION.finditer(self._text):
            words = match.group().split()
            if words[0].lower() in _DETERMINERS:
                words = words[1:]
            if "".join(w[0] for w in words if w[:1].isupper()) == acronym:
                return " ".join(words)
        return None

    def expand(self, written: str) -> str:
        """The fullest form of a name as written: 'CPJ' -> 'Committee to Protect Journalists',
        'Perlich' -> 'Kevin Perlich'; the name itself when the document gives nothing fuller."""
        clean = written.strip()
        if clean not in self.acronyms and clean.isupper():
            self.acronyms[clean] = self._spelled(clean) or clean
        return self.acronyms.get(clean) or self.full_name(clean) or clean

    def full_name(self, written: str) -> str | None:
        """'Perlich' -> 'Kevin Perlich'; None for a name the document never gives in full."""
        words = written.split()
        if len(words) != 1 or not written[:1].isupper():
            return None
        found = self.full.get(fold(words[0]))
        return found[0] if found is not None and found[0] != written else None


def _leading_noise(word: str) -> bool:
    low = fold(word).strip(".")
    return low in titles() or low in _DETERMINERS or low in STOP_WORDS
