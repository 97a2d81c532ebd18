"""Who is quoted: attributed quotes grouped by speaker, one entry per person.

A person is written many ways: "Ibrahim Kalin", "Kalın", "KALIN". Names are folded (case and
accents) and a shorter name is folded onto the only fuller name that ends with the same word and
holds all its words ("Kalin" onto "Ibrahim Kalin", "Tayyip Erdogan" onto "Recep Tayyip
Erdogan"); when two fuller names fit (a surname shared by two people) it stays an entry of its own
rather than be given to the wrong person. Only speakers named as such are listed (a first word in capitals):
"a senior official" or "the ministry" are attributions, not names. The grouping is a pure function
of the quotes, so that an entity layer (ids that know one person's name forms) can replace
:func:`group_speakers` without changing its callers.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.analysis import analyze, words
from index.errors import CitebotError
from index.models import Hit, Quote, Span

if TYPE_CHECKING:
    from index.engine import Index


class UnknownSpeaker(CitebotError):
    """No speaker of that name is quoted in the corpus."""


@dataclass(frozen=True, slots=True)
class Speaker:
    """One person (or organisation) quoted by name, with every quote attributed to them."""

    key: str  # the folded full name: stable, and what a lookup matches
    name: str  # the fullest form, as most often written
    forms: tuple[str, ...]  # every way the corpus names them, most frequent first
    quote_ids: tuple[int, ...]  # positions in ``Index.quotes()``, in corpus order
    documents: tuple[str, ...]  # the documents quoting them, in corpus order

    @property
    def count(self) -> int:
        return len(self.quote_ids)


@functools.cache
def _role_words() -> frozenset[str]:
    text = (Path(__file__).parent / "data" / "role_words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_named(name: str) -> bool:
    """Whether an attribution names someone ("Maria Lopez", "TASS"), not a role ("an aide",
    "Turkish officials", "Officials" at the start of a sentence): a name starts and ends with a
    capitalized word, and is not made of role words only."""
    parts = name.split()
    folded = words(name)
    if not parts or not folded or not (parts[0][:1].isupper() and parts[-1][:1].isupper()):
        return False
    return not set(folded) <= _role_words()


def group_speakers(quotes: Sequence[Quote]) -> list[Speaker]:
    """Named speakers with their quotes, most quoted first (then by name)."""
    by_key: dict[tuple[str, ...], list[int]] = defaultdict(list)
    written: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for i, quote in enumerate(quotes):
        if quote.speaker is None or not is_named(quote.speaker):
            continue
        key = tuple(words(quote.speaker))
        by_key[key].append(i)
        written[key][" ".join(quote.speaker.split())] += 1
        # The attribution resolves "Kalın" to "Ibrahim Kalin"; the form the text used is a name form too.
        as_written = quote.speaker_as_written
        if as_written and as_written != quote.speaker and is_named(as_written):
            written[key][" ".join(as_written.split())] += 1
    merged = _fold_surnames(list(by_key))
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in by_key:
        groups[merged.get(key, key)].append(key)
    speakers = [_speaker(full, members, by_key, written, quotes) for full, members in groups.items()]
    return sorted(speakers, key=lambda s: (-s.count, s.key))


def _fold_surnames(keys: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Shorter names mapped onto the one fuller name they are part of ("Kalin" and "Tayyip Erdogan"
    onto "Ibrahim Kalin" and "Recep Tayyip Erdogan"): same last word, and every word found in the
    fuller name. When two fuller names fit ("Merkel": "Angela Merkel", "Hans Merkel"), none is
    chosen."""
    by_last: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in keys:
        by_last[key[-1]].append(key)
    merged = {}
    for key in keys:
        fuller = [other for other in by_last[key[-1]] if len(other) > len(key) and set(key) <= set(other)]
        widest = [f for f in fuller if not any(len(g) > len(f) and set(f) <= set(g) for g in fuller)]
        if len(widest) == 1:
            merged[key] = widest[0]
    return merged


def _speaker(
    full: tuple[str, ...],
    members: Sequence[tuple[str, ...]],
    by_key: dict[tuple[str, ...], list[int]],
    written: dict[tuple[str, ...], Counter[str]],
    quotes: Sequence[Quote],
) -> Speaker:
    ids = sorted(i for key in members for i in by_key[key])
    forms: Counter[str] = Counter()
    for key in members:
        forms.update(written[key])
    name = written[full].most_common(1)[0][0]
    documents = tuple(dict.fromkeys(quotes[i].doc for i in ids))
    return Speaker(" ".join(full), name, tuple(f for f, _ in forms.most_common()), tuple(ids), documents)


def match_speakers(speakers: Sequence[Speaker], typed: str, limit: int = 25) -> list[Speaker]:
    """Speakers whose name (any form) contains what was typed, folded; best matches first."""
    wanted = " ".join(words(typed))
    if not wanted:
        return list(speakers[:limit])
    scored = []
    for rank, speaker in enumerate(speakers):
        names = [speaker.key, *(" ".join(words(form)) for form in speaker.forms)]
        if any(n == wanted for n in names):
            scored.append((0, rank, speaker))
        elif any(n.startswith(wanted) or f" {wanted}" in f" {n}" for n in names):
            scored.append((1, rank, speaker))
        elif any(wanted in n for n in names):
            scored.append((2, rank, speaker))
    return [speaker for _, _, speaker in sorted(scored, key=lambda t: (t[0], t[1]))][:limit]


def find_speaker(speakers: Sequence[Speaker], name: str) -> Speaker:
    """The one speaker ``name`` means (full name, surname, any written form), or UnknownSpeaker."""
    found = match_speakers(speakers, name, limit=len(speakers))
    exact = [s for s in found if s.key == " ".join(words(name))]
    if exact:
        return exact[0]
    if len(found) == 1 or (found and _is_word_match(found[0], name) and not _is_word_match(found[1], name)):
        return found[0]
    if not found:
        raise UnknownSpeaker(f"Nobody called {name.strip()[:80]!r} is quoted in the documents.")
    names = ", ".join(s.name for s in found[:5])
    raise UnknownSpeaker(f"{name.strip()[:80]!r} could be several people: {names}. Pick one.")


def _is_word_match(speaker: Speaker, name: str) -> bool:
    wanted = set(words(name))
    return any(wanted <= set(words(form)) for form in (speaker.name, *speaker.forms))


def speaker_quotes(index: Index, speaker: Speaker, topic: str | None = None) -> list[Hit]:
    """Everything ``speaker`` said, newest document first (then in text order), each quote's
    sentence verbatim and cited; with a ``topic``, only the quotes whose sentence holds all its
    words (as the index analyzes them)."""
    terms = set(analyze(topic)) if topic else set()
    quotes = index.quotes()
    stamps: dict[str, list[int]] = index.manifest.get("stamps", {})
    hits: list[tuple[int, int, Hit]] = []
    for i in speaker.quote_ids:
        quote = quotes[i]
        doc_index = index.doc_index(quote.doc)
        sentence = Span(quote.sentence_start, quote.sentence_end)
        text = index.text(doc_index)[sentence.start : sentence.end]
        if terms and not terms <= set(analyze(text)):
            continue
        hit = index.hit(doc_index, sentence, 0.0, terms, speaker=speaker.name)
        modified = stamps.get(quote.doc.split("#", 1)[0], [0, 0])[1]
        hits.append((-modified, i, hit))
    return [hit for _, _, hit in sorted(hits, key=lambda t: (t[0], t[1]))]
