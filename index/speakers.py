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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from index.analysis import analyze, words
from index.errors import CitebotError
from index.lazy_hits import LazyHits
from index.models import Hit, Quote, Span

if TYPE_CHECKING:
    from collections.abc import Iterable


class QuoteArrays(Protocol):
    """Per-quote columns, one row a quote (``index.quote_table.QuoteTable`` on the embedded index,
    ``index.opensearch.quotes.ClusterQuoteTable`` on the cluster)."""

    @property
    def names(self) -> Sequence[str]: ...
    @property
    def speakers(self) -> npt.NDArray[Any]: ...
    @property
    def written(self) -> npt.NDArray[Any]: ...
    @property
    def docs(self) -> npt.NDArray[Any]: ...
    @property
    def sentence_starts(self) -> npt.NDArray[Any]: ...
    @property
    def sentence_ends(self) -> npt.NDArray[Any]: ...


class QuoteListing(Protocol):
    """What listing speakers and a speaker's quotes read of an index (either backend)."""

    @property
    def quote_table(self) -> QuoteArrays: ...
    @property
    def manifest(self) -> dict[str, Any]: ...
    def doc_name(self, doc_index: int) -> str: ...
    def text(self, doc_index: int) -> str: ...
    def hit(
        self, doc_index: int, span: Span, score: float, terms: Iterable[str] = (), speaker: str | None = None
    ) -> Hit: ...


class UnknownSpeaker(CitebotError):
    """No speaker of that name is quoted in the corpus."""


@dataclass(frozen=True, slots=True)
class Speaker:
    """One person (or organisation) quoted by name, with every quote attributed to them."""

    key: str  # the folded full name: stable, and what a lookup matches
    name: str  # the fullest form, as most often written
    forms: tuple[str, ...]  # every way the corpus names them, most frequent first
    quote_ids: tuple[int, ...]  # rows of the quote table (``Index.quotes()`` positions), in order
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
    name_ids: dict[str, int] = {}
    doc_ids: dict[str, int] = {}

    def name_id(name: str | None) -> int:
        return -1 if name is None else name_ids.setdefault(name, len(name_ids))

    speaker = [name_id(q.speaker) for q in quotes]
    written = [name_id(q.speaker_as_written) for q in quotes]
    docs = [doc_ids.setdefault(q.doc, len(doc_ids)) for q in quotes]
    doc_names = list(doc_ids)
    return group_speaker_ids(list(name_ids), speaker, written, docs, doc_names.__getitem__)


def index_speakers(index: QuoteListing) -> list[Speaker]:
    """The named speakers of an index, read from its per-quote arrays: no quote record is decoded
    (a speaker quoted 900,000 times costs array operations, not 900,000 JSON records)."""
    table = index.quote_table
    return group_speaker_ids(table.names, table.speakers, table.written, table.docs, index.doc_name)


def group_speaker_ids(
    names: Sequence[str],
    speaker: npt.ArrayLike,
    written: npt.ArrayLike,
    docs: npt.ArrayLike,
    doc_name: Callable[[int], str],
) -> list[Speaker]:
    """Named speakers, most quoted first (then by name), from each quote's speaker and speaker as
    written (ids into ``names``, -1 for none) and document (an id ``doc_name`` names). Quote ids are
    positions in these arrays. Each distinct name is read once, however often it is quoted."""
    speaker_of = np.asarray(speaker, dtype=np.int64)
    written_of = np.asarray(written, dtype=np.int64)
    doc_of = np.asarray(docs, dtype=np.int64)
    key_of = {
        int(i): tuple(words(names[i])) for i in np.unique(speaker_of[speaker_of >= 0]) if is_named(names[i])
    }
    # Keys numbered in order of their first quote, as the quotes name them.
    key_number: dict[tuple[str, ...], int] = {}
    numbered = np.full(len(names) + 1, -1, dtype=np.int64)  # the extra last slot: speaker -1 maps to -1
    firsts = _first_positions(speaker_of, list(key_of))
    for name_id in sorted(key_of, key=firsts.__getitem__):
        numbered[name_id] = key_number.setdefault(key_of[name_id], len(key_number))
    keys = list(key_number)
    quote_key = numbered[speaker_of]
    ids = np.flatnonzero(quote_key >= 0)
    order = np.argsort(quote_key[ids], kind="stable")
    per_key = np.split(ids[order], np.cumsum(np.bincount(quote_key[ids], minlength=len(keys)))[:-1])
    by_key = {key: per_key[number] for key, number in key_number.items()}
    written_forms = _written_forms(names, speaker_of[ids], written_of[ids], key_of)
    merged = _fold_surnames(keys)
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in keys:
        groups[merged.get(key, key)].append(key)
    speakers = [
        _speaker(full, members, by_key, written_forms, doc_of, doc_name) for full, members in groups.items()
    ]
    return sorted(speakers, key=lambda s: (-s.count, s.key))


def _first_positions(values: npt.NDArray[np.int64], wanted: Sequence[int]) -> dict[int, int]:
    """The first position of each of ``wanted`` in ``values``."""
    found, first = np.unique(values, return_index=True)
    at = dict(zip(found.tolist(), first.tolist(), strict=True))
    return {value: at[value] for value in wanted}


def _written_forms(
    names: Sequence[str],
    speaker_of: npt.NDArray[np.int64],
    written_of: npt.NDArray[np.int64],
    key_of: dict[int, tuple[str, ...]],
) -> dict[tuple[str, ...], Counter[str]]:
    """How often each key is written each way: its resolved names, and the forms the text used
    ("Kalın" resolved to "Ibrahim Kalin" is a name form too). Counted per distinct (speaker, as
    written) pair, in order of first use, so ties keep the order the corpus first wrote them in."""
    written: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    if not len(speaker_of):
        return written
    pairs, first, counts = np.unique(
        np.stack([speaker_of, written_of], axis=1), axis=0, return_index=True, return_counts=True
    )
    for j in np.argsort(first, kind="stable").tolist():
        said, as_written = int(pairs[j, 0]), int(pairs[j, 1])
        count = int(counts[j])
        key = key_of[said]
        written[key][" ".join(names[said].split())] += count
        if as_written >= 0 and as_written != said and is_named(names[as_written]):
            written[key][" ".join(names[as_written].split())] += count
    return written


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
    by_key: dict[tuple[str, ...], npt.NDArray[np.int64]],
    written: dict[tuple[str, ...], Counter[str]],
    doc_of: npt.NDArray[np.int64],
    doc_name: Callable[[int], str],
) -> Speaker:
    ids = np.sort(np.concatenate([by_key[key] for key in members]))
    forms: Counter[str] = Counter()
    for key in members:
        forms.update(written[key])
    name = written[full].most_common(1)[0][0]
    docs, first = np.unique(doc_of[ids], return_index=True)
    documents = tuple(dict.fromkeys(doc_name(d) for d in docs[np.argsort(first)].tolist()))
    return Speaker(
        " ".join(full), name, tuple(f for f, _ in forms.most_common()), tuple(ids.tolist()), documents
    )


def match_speakers(speakers: Sequence[Speaker], typed: str, limit: int = 25) -> list[Speaker]:
    """Speakers whose name (any form) contains what was typed, folded; best matches first."""
    wanted = _comparable(typed)
    if not wanted:
        return list(speakers[:limit])
    scored = []
    for rank, speaker in enumerate(speakers):
        names = [_comparable(speaker.key), *(_comparable(form) for form in speaker.forms)]
        if any(n == wanted for n in names):
            scored.append((0, rank, speaker))
        elif any(n.startswith(wanted) or f" {wanted}" in f" {n}" for n in names):
            scored.append((1, rank, speaker))
        elif any(wanted in n for n in names):
            scored.append((2, rank, speaker))
    return [speaker for _, _, speaker in sorted(scored, key=lambda t: (t[0], t[1]))][:limit]


def _comparable(name: str) -> str:
    """A name's folded words, an abbreviation's dots as spaces: ``words`` makes "U.S." the one
    word "u.s", but "U.S" (or a key typed back) "u" and "s"; both are "u s" here."""
    return " ".join(" ".join(words(name)).replace(".", " ").split())


def find_speaker(speakers: Sequence[Speaker], name: str) -> Speaker:
    """The one speaker ``name`` means (full name, surname, any written form), or UnknownSpeaker."""
    found = match_speakers(speakers, name, limit=len(speakers))
    wanted = _comparable(name)
    exact = [s for s in found if _comparable(s.key) == wanted]
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


def speaker_quotes(index: QuoteListing, speaker: Speaker, topic: str | None = None) -> SpeakerHits:
    """Everything ``speaker`` said, newest document first (by file modification time; then in text
    order), each quote's sentence verbatim and cited; with a ``topic``, only the quotes whose
    sentence holds all its words (as the index analyzes them). Read from the index's per-quote
    arrays: no quote record is decoded, and a Hit is made only for a quote that is read."""
    terms = set(analyze(topic)) if topic else set()
    table = index.quote_table
    ids = np.asarray(speaker.quote_ids, dtype=np.int64)
    if terms:
        ids = ids[[terms <= set(analyze(_sentence(index, table, i))) for i in ids.tolist()]]
    docs = table.docs[ids].astype(np.int64)
    distinct = np.unique(docs)
    stamps: dict[str, list[int]] = index.manifest.get("stamps", {})
    modified = np.array(
        [stamps.get(index.doc_name(d).split("#", 1)[0], [0, 0])[1] for d in distinct.tolist()],
        dtype=np.int64,
    )
    of_quote = modified[np.searchsorted(distinct, docs)] if len(docs) else np.zeros(0, dtype=np.int64)
    return SpeakerHits(index, table, ids[np.lexsort((ids, -of_quote))], speaker.name, frozenset(terms))


def _sentence(index: QuoteListing, table: QuoteArrays, quote_id: int) -> str:
    text = index.text(int(table.docs[quote_id]))
    return text[int(table.sentence_starts[quote_id]) : int(table.sentence_ends[quote_id])]


class SpeakerHits(LazyHits):
    """One speaker's quotes in the order shown, each made into a verbatim Hit only when read: a
    page of a prolific speaker's quotes costs that page."""

    def __init__(
        self,
        index: QuoteListing,
        table: QuoteArrays,
        quote_ids: npt.NDArray[np.int64],
        speaker: str,
        terms: frozenset[str],
    ) -> None:
        super().__init__()
        self._index, self._ids, self._speaker, self._terms = index, quote_ids, speaker, terms
        self._table = table  # the rows ``quote_ids`` point into

    def __len__(self) -> int:
        return len(self._ids)

    def _make(self, i: int) -> Hit:
        quote_id = int(self._ids[i])
        table = self._table
        if self._index.quote_table is not table:  # a new build on the cluster: other rows
            raise CitebotError("The documents were reindexed meanwhile: run the command again.")
        sentence = Span(int(table.sentence_starts[quote_id]), int(table.sentence_ends[quote_id]))
        return self._index.hit(int(table.docs[quote_id]), sentence, 0.0, self._terms, speaker=self._speaker)
