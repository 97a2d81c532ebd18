"""Who a question asks about, matched against who the corpus quotes (found through the words
``index.answering.naming.speaker_words`` indexed each quote under)."""

from __future__ import annotations

import bisect
import functools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import replace
from itertools import islice, pairwise
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from rapidfuzz import fuzz, process

from index.analysis import STOP_WORDS, fold, terms_of_word, words
from index.answering import lexicon
from index.answering.naming import ARTICLES, speaker_words
from index.models import Quote

if TYPE_CHECKING:
    from index.reader import Reader

_K = TypeVar("_K")
_V = TypeVar("_V")


def quotes_by(reader: Reader, name: str) -> list[Quote]:
    """The quotes whose speaker ``name`` refers to, found through the index of speaker words."""
    return [shown_as(reader.quote(i), speaker) for i, speaker in quote_ids_by(reader, name).items()]


def shown_as(quote: Quote, speaker: str | None) -> Quote:
    """The quote as an answer shows it: under ``speaker`` when one is given."""
    return quote if speaker is None else replace(quote, speaker=speaker)


def quote_ids_by(reader: Reader, name: str) -> dict[int, str | None]:
    """``_quote_ids_by``, kept per open index for the most recently asked names: what a name
    finds does not change while the index is open, and the same people are asked about again."""
    found: _Shown = _remembered(_BY_NAME, reader, name, lambda: _quote_ids_by(reader, name), _size)
    return dict(found)


def _size(found: _Shown) -> int:
    return len(found)


def _quote_ids_by(reader: Reader, name: str) -> dict[int, str | None]:
    """The ids of the quotes whose speaker ``name`` refers to, in index order, each with the speaker
    to show when it is not the one recorded (a spokesperson's words given for an institution, a
    mention the attribution cut short). Whether a name means a quote's speaker depends on how the
    quote names them (``Reader.quote_keys``) and on whom that speaker speaks for in its document,
    so it is decided once for each; a prolific speaker has thousands of quotes but few ways of
    being named, and only one quote of each way is decoded."""
    asked = name_words(name)
    if not asked:
        return {}
    # The last word (the surname) finds them; matching decides.
    surname = asked[-1]
    close = process.extract(surname, reader.speaker_keys, scorer=fuzz.ratio, score_cutoff=80, limit=None)
    keys = {surname} | {key for key, _, _ in close}
    found = _found_under(reader, sorted(key for key in keys if same_word(surname, key)))
    ids = found.ids
    spoken_for = found.spoken_for()
    decided: dict[tuple[int, frozenset[str]], bool] = {}
    served: dict[tuple[int, int], str | None] = {}  # (document, naming) -> the institution served
    kept: dict[int, str | None] = {}
    people: set[tuple[int, str | None]] = set()  # (document, speaker) of the quotes kept
    for i, (doc, naming) in zip(ids, found.keys, strict=True):
        q = found.named[naming]
        not_them = spoken_for.get((doc, q.speaker), frozenset()) if spoken_for else frozenset()
        verdict = decided.get((naming, not_them))
        if verdict is None:
            verdict = decided[(naming, not_them)] = speaker_matches(name, q, spoken_for=not_them)
        if verdict:
            kept[i] = None
            people.add((doc, q.speaker))
        elif q.speaks_for:
            # Only a quote that speaks for someone can answer for an institution (that reads its
            # document, so once a document and naming).
            if (doc, naming) not in served:
                served[(doc, naming)] = _institution_served(reader, name, reader.quote(i))
            if served[(doc, naming)] is not None:
                # The spokesman's words, shown as his, for the institution asked about.
                kept[i] = f"{q.speaker or 'a spokesperson'} (for {name})"
    for i, q in _named_in_full(reader, name):
        kept[i] = None
        people.add((reader.doc_index(q.doc), q.speaker))
    for i, q in _named_after_the_mention(reader, name):
        if i not in kept:
            kept[i] = q.speaker
            people.add((reader.doc_index(q.doc), q.speaker))
    if not kept:
        role = _role_around_the_mention(reader, name) or _role_of_someone(reader, name)
        for i, q in role.items():
            kept[i] = None
            people.add((reader.doc_index(q.doc), q.speaker))
    kept.update(dict.fromkeys(_same_speaker_elsewhere(reader, people)))
    unmatched = {
        (doc, found.surname(naming))
        for i, (doc, naming) in zip(ids, found.keys, strict=True)
        if i not in kept and found.surname(naming) is not None
    }
    kept.update(dict.fromkeys(_described_elsewhere(reader, name, unmatched, found.searched)))
    return dict(sorted(kept.items()))


def _found_under(reader: Reader, speaker_keys: Sequence[str]) -> _Found:
    """The quotes indexed under any of ``speaker_keys`` (sorted), as ``_Found``."""

    def find() -> _Found:
        ids = sorted({i for word in speaker_keys for i in reader.speaker_words.get(word, ())})
        return _Found(reader, ids, frozenset(speaker_keys))

    return _remembered(_FOUND, reader, tuple(speaker_keys), find, lambda found: len(found.ids))


def _people_under(reader: Reader, speaker_key: str) -> _Quoted:
    """The quotes indexed under ``speaker_key``, in document order, with each one's document and
    speaker, looked up without decoding a quote (one speaker a naming), and kept per open index."""

    def find() -> _Quoted:
        ids = sorted(reader.speaker_words.get(speaker_key, ()))
        keys = reader.quote_keys(ids)
        first: dict[int, int] = {}
        for i, (_, naming) in zip(ids, keys, strict=True):
            first.setdefault(naming, i)
        speaker_of = dict(zip(first, reader.quote_speakers(list(first.values())), strict=True))
        rows = list(zip(ids, keys, strict=True))
        if any(a[1][0] > b[1][0] for a, b in pairwise(rows)):
            rows.sort(key=lambda row: row[1][0])  # a backend numbering quotes out of document order
        docs = [doc for _, (doc, _) in rows]
        return _Quoted([i for i, _ in rows], docs, [naming for _, (_, naming) in rows], speaker_of)

    return _remembered(_PEOPLE, reader, speaker_key, find, lambda quoted: len(quoted.ids))


class _Quoted(NamedTuple):
    """Quotes in document order with each one's document and naming, and the speaker of each
    naming."""

    ids: Sequence[int]
    docs: Sequence[int]
    namings: Sequence[int]
    speaker_of: Mapping[int, str | None]

    def of_people(self, people: Sequence[tuple[int, str | None]]) -> Iterator[int]:
        """The ids of the quotes given to these (document, speaker): a document's quotes are a
        range of the sorted documents (a prolific speaker's people are thousands: no dictionary of
        every (document, speaker) is built for them)."""
        docs, namings, speaker_of = self.docs, self.namings, self.speaker_of
        for doc, speaker in people:
            for j in range(bisect.bisect_left(docs, doc), bisect.bisect_right(docs, doc)):
                if speaker_of[namings[j]] == speaker:
                    yield self.ids[j]


def _remembered(
    kept: weakref.WeakKeyDictionary[Reader, tuple[str, _Recent[_K, _V]]],
    reader: Reader,
    key: _K,
    find: Callable[[], _V],
    ids_in: Callable[[_V], int],
) -> _V:
    """``find()``, kept in ``kept`` per open index for the most recently used keys, up to
    ``_FOUND_IDS_KEPT`` quote ids in all: which quotes a speaker word or a name finds does not
    change while the index is open, and the same people are asked about again and again."""
    with _FOUND_LOCK:
        known: _Recent[_K, _V] = _of_build(kept, reader, _Recent)
        found = known.get(key)
        if found is not None:
            return found
    found = find()
    with _FOUND_LOCK:  # the bot answers in threads
        known.put(key, found, ids_in(found), _FOUND_IDS_KEPT)
    return found


class _Recent(Generic[_K, _V]):
    """Values by key, the least recently used dropped once their sizes add up past a limit. The
    total is kept as values come and go: a question about "the LORD" stores dozens of values, and
    adding all sizes up at each store made that quadratic."""

    def __init__(self) -> None:
        self._values: OrderedDict[_K, tuple[_V, int]] = OrderedDict()
        self._total = 0

    def get(self, key: _K) -> _V | None:
        found = self._values.get(key)
        if found is None:
            return None
        self._values.move_to_end(key)
        return found[0]

    def put(self, key: _K, value: _V, size: int, limit: int) -> None:
        old = self._values.pop(key, None)
        if old is not None:
            self._total -= old[1]
        self._values[key] = (value, size)
        self._total += size
        while len(self._values) > 1 and self._total > limit:
            _, (_, dropped) = self._values.popitem(last=False)
            self._total -= dropped


_M = TypeVar("_M")


def _of_build(
    kept: weakref.WeakKeyDictionary[Reader, tuple[str, _M]], reader: Reader, new: Callable[[], _M]
) -> _M:
    """What is remembered for ``reader``'s current build, started afresh when the reader has moved
    on to another build (ids of the old one would name other quotes there)."""
    build = reader.build_id
    mine = kept.get(reader)
    if mine is None or mine[0] != build:
        mine = kept[reader] = (build, new())
    return mine[1]


_FOUND: weakref.WeakKeyDictionary[Reader, tuple[str, _Recent[tuple[str, ...], _Found]]] = (
    weakref.WeakKeyDictionary()
)
_Shown = dict[int, str | None]  # quote id -> the speaker to show, when not the one recorded
_PEOPLE: weakref.WeakKeyDictionary[Reader, tuple[str, _Recent[str, _Quoted]]] = weakref.WeakKeyDictionary()
_BY_NAME: weakref.WeakKeyDictionary[Reader, tuple[str, _Recent[str, _Shown]]] = weakref.WeakKeyDictionary()
_FOUND_LOCK = threading.Lock()
# Quote ids kept per open index, by speaker word and by asked name each (tens of MB at most).
_FOUND_IDS_KEPT = 500_000


def _named(reader: Reader, first: Mapping[int, int]) -> dict[int, Quote]:
    """One quote for each naming (the one ``first`` gives for it), read only as far as it names its
    speaker (``Reader.quote_naming``), and kept per open index: every quote of a naming names its
    speaker alike, and a prolific speaker's namings come up again under each of their words
    ("lord", "lords") and in each question about them."""
    with _FOUND_LOCK:
        known: dict[int, Quote] = _of_build(_NAMED, reader, dict)
        named = {naming: known[naming] for naming in first if naming in known}
    missing = {naming: reader.quote_naming(i) for naming, i in first.items() if naming not in named}
    with _FOUND_LOCK:
        if len(known) + len(missing) > _NAMINGS_KEPT:
            known.clear()
        known.update(missing)
    return named | missing


_NAMED: weakref.WeakKeyDictionary[Reader, tuple[str, dict[int, Quote]]] = weakref.WeakKeyDictionary()
_NAMINGS_KEPT = 20_000  # decoded quotes kept per open index for their namings (a few MB)


class _Found:
    """Quote ids with each one's (document, naming), and one decoded quote for each naming."""

    def __init__(self, reader: Reader, ids: Sequence[int], searched: Set[str] = frozenset()) -> None:
        self.ids = ids
        self.searched = searched  # the speaker words the ids were found under
        self.keys = reader.quote_keys(ids)
        first: dict[int, int] = {}
        for i, (_, naming) in zip(ids, self.keys, strict=True):
            first.setdefault(naming, i)
        self.named = _named(reader, first)
        self._surnames: dict[int, str | None] = {}
        self._spoken_for: dict[tuple[int, str | None], frozenset[str]] | None = None

    def surname(self, naming: int) -> str | None:
        if naming not in self._surnames:
            self._surnames[naming] = _surname(self.named[naming].speaker)
        return self._surnames[naming]

    def spoken_for(self) -> dict[tuple[int, str | None], frozenset[str]]:
        """(document, speaker) -> the words of everyone they speak for in that document."""
        if self._spoken_for is None:
            self._spoken_for = self._find_spoken_for()
        return self._spoken_for

    def _find_spoken_for(self) -> dict[tuple[int, str | None], frozenset[str]]:
        speaking_for = {n: set(words(q.speaks_for)) for n, q in self.named.items() if q.speaks_for}
        if not speaking_for:
            return {}
        found: dict[tuple[int, str | None], set[str]] = {}
        for doc, naming in self.keys:
            if naming in speaking_for:
                found.setdefault((doc, self.named[naming].speaker), set()).update(speaking_for[naming])
        return {key: frozenset(said) for key, said in found.items()}


def _named_in_full(reader: Reader, name: str) -> list[tuple[int, Quote]]:
    """ "The Union of Rationalist Atheists" asked, "The Union" quoted: a name of the form "Head of
    ..." finds the quotes whose speaker is its head alone, in documents that spell the name out."""
    m = re.match(r"^(?:the\s+)?(?P<head>[A-Z][\w’'-]*)\s+of\s+\S", name, re.I)
    if m is None:
        return []
    head = fold(m.group("head"))
    spelled = " ".join(words(name.removeprefix("the ").removeprefix("The ")))
    out = []
    spells: dict[str, bool] = {}  # document -> does it spell the name out (read once each)
    for i in reader.speaker_words.get(head, ()):
        quote = reader.quote(i)
        if [w for w in words(quote.speaker or "") if w not in ARTICLES] != [head]:
            continue
        if quote.doc not in spells:
            spells[quote.doc] = spelled in " ".join(words(reader.text(reader.doc_index(quote.doc))))
        if spells[quote.doc]:
            out.append((i, quote))
    return out


def _names_all(reader: Reader, doc_index: int, asked: Sequence[str]) -> bool:
    """Does the document hold every asked word? Asked of the index (a passage of the document with
    the word), not by reading the document's text, which may be megabytes."""
    terms = [terms_of_word(word) for word in asked]
    return all(reader.top_passages(list(t), 1, doc_index=doc_index) for t in terms if t)


def _named_after_the_mention(reader: Reader, name: str) -> list[tuple[int, Quote]]:
    """ "Facebook co-founder Mark Zuckerberg tweeted", "According to Afghan Ambassador to the United
    States Hamdullah Mohib, …", "New Zealand's Prime Minister John Key said": the attribution kept
    the head of the phrase ("Facebook", "Afghan Ambassador", "New Zealand") as the speaker, and the
    phrase goes on, through names, titles and roles only, never a verb, to a person's name. The
    asked name finds those quotes when it is that name, or when the whole phrase holds it ("New
    Zealand's Prime Minister"); they are shown under the person's name."""
    asked = name_words(name)
    if len(asked) < 2 or not name.split()[-1][:1].isupper():
        return []
    terms = sorted({t for word in asked for t in terms_of_word(word)})
    passages = reader.top_passages(terms, _NAME_PASSAGES)
    shown = " ".join(name.split()).removeprefix("the ").removeprefix("The ")
    found: list[tuple[int, Quote]] = []
    for doc_index in dict.fromkeys(reader.chunk(chunk_id).doc_index for chunk_id, _ in passages):
        text = reader.text(doc_index)
        for quote in reader.doc_quotes(doc_index):
            if quote.speaker_start is None or quote.speaker_end is None or not quote.speaker:
                continue
            after = re.split(r"[,.;:!?()\[\]\"“”\n]", text[quote.speaker_end : quote.speaker_end + 120])[0]
            went_on, person = _phrase_goes_on(after.split())
            if not person:
                continue
            if _holds_run(went_on, asked):
                found.extend((i, replace(quote, speaker=shown)) for i in _ids_of(reader, quote))
            elif set(asked) <= set(words(text[quote.speaker_start : quote.speaker_end])) | set(went_on) and (
                set(asked) & set(went_on)
            ):
                found.extend((i, replace(quote, speaker=person)) for i in _ids_of(reader, quote))
    return found


_NAME_PASSAGES = 10
_JOINING_WORDS = frozenset({"of", "the", "to", "for", "at", "and", "'s"})
_MOST_WORDS_AFTER = 9


def _phrase_goes_on(after: Sequence[str]) -> tuple[list[str], str | None]:
    """The folded words by which a mention's phrase goes on (names, titles, roles and the words
    joining them: "co-founder Mark Zuckerberg", "'s Prime Minister John Key"), and the person's
    name it ends with (titles left out), or None when it does not end with one."""
    roles = lexicon.word_set("roles.txt", folder="") | lexicon.word_set("titles.txt", folder="")
    went_on: list[str] = []
    run: list[str] = []  # the capitalized words at the end, as written
    for raw in after[:_MOST_WORDS_AFTER]:
        word = fold(raw).replace("’", "'").strip(".")
        bare = word.removesuffix("'s").strip("'")
        if raw[:1].isupper():
            run = [*run, raw.removesuffix("'s").removesuffix("’s")] if not raw.endswith(("'s", "’s")) else []
        elif word in _JOINING_WORDS or word.replace("-", "") in roles:
            run = []
        else:
            break
        went_on.append(bare)
    while run and fold(run[0]).strip(".") in roles:
        run = run[1:]
    return went_on, " ".join(run) if len(run) >= 2 else None


def _holds_run(said: Sequence[str], asked: Sequence[str]) -> bool:
    """Are the asked words, in order, a run of ``said``?"""
    return any(list(said[k : k + len(asked)]) == list(asked) for k in range(len(said) - len(asked) + 1))


def _ids_of(reader: Reader, quote: Quote) -> list[int]:
    """The id of a quote read from its document, among the quotes its speaker's rarest word indexes."""
    postings = [ids for word in speaker_words(quote) if (ids := reader.speaker_words.get(word, ()))]
    rarest = min(postings, key=len, default=())
    return [i for i in rarest if reader.quote(i) == quote][:1]


def _role_around_the_mention(reader: Reader, name: str) -> dict[int, Quote]:
    """A role asked with words the quote's speaker record lacks but its mention stands in: "the
    Afghan team's coach" for "According to the Afghan team's coach, Alireza Mehraban, ...", "the
    secretary general of CEI" for "The secretary general of CEI (...) has called ...". One asked
    word must name the speaker; the others must be the words just before the mention or an "of
    ..." just after it (never words of what was said)."""
    asked = name_words(name)
    if len(asked) < 2:
        return {}
    found: dict[int, Quote] = {}
    # Each asked word's quotes, rarest word first, at most _ROLE_SCAN of them: a common role word
    # ("minister") is quoted thousands of times in a large corpus, and each look reads a document.
    postings = sorted((reader.speaker_words.get(word, ()) for word in dict.fromkeys(asked)), key=len)
    scanned = islice((i for ids in postings for i in ids), _ROLE_SCAN)
    for i in dict.fromkeys(scanned):
        quote = reader.quote(i)
        if quote.speaker_start is None or quote.speaker_end is None:
            continue
        text = reader.text(reader.doc_index(quote.doc))
        around = _mention_context(text, quote.speaker_start, quote.speaker_end)
        if speaker_matches(name, quote, around):
            found[i] = quote
    return found


_ROLE_SCAN = 2000

_POSSESSED_ROLE = re.compile(r"^(?:the\s+)?(?P<owner>.+?)['’]s\s+(?P<role>.+)$", re.I)
_ROLE_OF = re.compile(r"^(?P<role>.+?)\s+(?:of|at|for|from|in)\s+(?P<owner>.+)$", re.I)


def _role_of_someone(reader: Reader, name: str) -> dict[int, Quote]:
    """ "The curator of the USI exhibit", "Ahmed Mohamed's father", "the coauthor of the study": a
    role the document gives the speaker, and who or what it is of, which the speaker's document must
    name (anywhere: "USI's exhibit", "the study was published"). The role alone decides who speaks;
    the rest only keeps documents about something else out."""
    m = _POSSESSED_ROLE.match(name) or _ROLE_OF.match(name)
    if m is None:
        return {}
    role, owner = m.group("role"), name_words(m.group("owner"))
    role_words = name_words(role)
    if not role_words or not owner:
        return {}
    found: dict[int, Quote] = {}
    named: dict[str, bool] = {}  # document -> does it name the owner (each read once)
    for i in islice(reader.speaker_words.get(role_words[-1], ()), _ROLE_SCAN):
        quote = reader.quote(i)
        if not quote.speaker or not speaker_matches(role, quote):
            continue
        if quote.doc not in named:
            named[quote.doc] = _names_all(reader, reader.doc_index(quote.doc), owner)
        if named[quote.doc]:
            found[i] = quote
    return found


def _mention_context(text: str, start: int, end: int) -> set[str]:
    """The words of the noun phrase around a speaker mention: up to four words before it in the
    same clause, and an "of ..." after it up to the next punctuation."""
    before = re.split(r"[.,;:!?()\[\]\"“”\n]", text[max(0, start - 80) : start])[-1]
    after = re.match(r"\s+of\s+([^.,;:!?()\[\]\"“”\n]{1,60})", text[end : end + 80])
    return set(words(before)[-4:]) | (set(words(after.group(1))) if after else set())


def _same_speaker_elsewhere(reader: Reader, people: Set[tuple[int, str | None]]) -> list[int]:
    """The other quotes the document gives to a speaker already found: "KCNA said" finds the
    quotes where "it" was resolved to the Korean Central News Agency."""
    by_surname: dict[str, list[tuple[int, str | None]]] = {}
    for doc, speaker in people:
        if speaker and (surname := _surname(speaker)):
            by_surname.setdefault(surname, []).append((doc, speaker))
    out: list[int] = []
    # Each surname once (a prolific speaker's quotes are read once, not per document), and only its
    # own people looked up: every quote of a speaker is indexed under their surname.
    for surname, theirs in by_surname.items():
        out.extend(_people_under(reader, surname).of_people(theirs))
    return out


def _described_elsewhere(
    reader: Reader, name: str, unmatched: Set[tuple[int, str | None]], searched: Set[str] = frozenset()
) -> list[int]:
    """Quotes of a person the document describes in full elsewhere: "the NASA Administrator" finds
    the quotes of "Bolden" when one of his mentions is "NASA Administrator Charles Bolden". The
    mentions of one person are those with the same surname and no conflicting given names
    ("Ahmed Mohamed" and "Mohamed El-Hassan Mohamed" are two people). ``unmatched``: the
    (document, surname) of the quotes not found otherwise; ``searched``: the speaker words whose
    quotes were matched against the name already."""
    out: list[int] = []
    decided: dict[tuple[int, frozenset[str], frozenset[str]], bool] = {}
    unmatched = _could_be_described(reader, name, unmatched, searched)
    for surname in {s for _, s in unmatched if s is not None}:
        theirs = _found_under(reader, [surname])
        # Each document's quotes by a speaker of this surname, by speaker: (quote id, naming).
        by_doc: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for i, (doc, naming) in zip(theirs.ids, theirs.keys, strict=True):
            speaker = theirs.named[naming].speaker
            if (doc, surname) in unmatched and speaker and theirs.surname(naming) == surname:
                by_doc.setdefault(doc, {}).setdefault(speaker, []).append((i, naming))
        # A prolific speaker is quoted many times in few ways: the words of each way, once.
        namings = {n for by_speaker in by_doc.values() for quoted in by_speaker.values() for _, n in quoted}
        naming_words = {n: _naming(theirs.named[n]) for n in namings}
        for by_speaker in by_doc.values():
            ways = {sp: {naming_words[n] for _, n in quoted} for sp, quoted in by_speaker.items()}
            for speaker, quoted in by_speaker.items():
                person = [other for other in by_speaker if _one_person(speaker, other)]
                known_as = frozenset().union(*(set().union(*(w for w, _ in ways[other])) for other in person))
                spoken_for = frozenset().union(
                    *(set().union(*(f for _, f in ways[other])) for other in person)
                )
                for i, naming in quoted:
                    key = (naming, known_as, spoken_for)
                    if key not in decided:
                        decided[key] = speaker_matches(name, theirs.named[naming], known_as, spoken_for)
                    if decided[key]:
                        out.append(i)
    return out


def _could_be_described(
    reader: Reader, name: str, unmatched: Set[tuple[int, str | None]], searched: Set[str]
) -> set[tuple[int, str | None]]:
    """The (document, surname) pairs of ``unmatched`` whose quotes ``speaker_matches`` could take
    for ``name`` given how their documents name them, found from the index of speaker words and the
    per-quote speakers alone (no quote read): a prolific name leaves hundreds of surnames unmatched,
    named thousands of ways. A match needs every asked word among the words the document names
    someone of that surname with (all of them speaker words of their quotes: ``_surnames_named``),
    or else a speaker named by a surname alone that is the asked surname ("Mr. Powell" for "Jerome
    Powell"). The latter needs no other mention, so a surname among the ``searched`` words was
    matched that way already."""
    asked = name_words(name)
    if not asked:
        return set()
    like = {word: _keys_like(reader, word) for word in set(asked)}
    named: frozenset[tuple[int, str]] | None = None
    for word in sorted(like, key=lambda w: _quotes_under(reader, like[w])):  # the rarest first
        theirs = _surnames_named(reader, word, like[word])
        named = theirs if named is None else named & theirs
        if not named:
            break
    by_surname_alone = len(asked) > 1
    return {
        (doc, surname)
        for doc, surname in unmatched
        if surname
        and (
            (named and (doc, surname) in named)
            or (by_surname_alone and surname not in searched and same_word(asked[-1], surname))
        )
    }


def _surnames_named(reader: Reader, word: str, like: Sequence[str]) -> frozenset[tuple[int, str]]:
    """(document, surname) of the speakers of the quotes indexed under the speaker words ``like``,
    those ``same_word`` takes for ``word`` (``_keys_like``)."""

    def find() -> frozenset[tuple[int, str]]:
        ids = [i for key in like for i in reader.speaker_words.get(key, ())]
        docs = [doc for doc, _ in reader.quote_keys(ids)]
        speakers = reader.quote_speakers(ids)
        return frozenset(
            (doc, surname)
            for doc, speaker in set(zip(docs, speakers, strict=True))
            if (surname := _surname(speaker))
        )

    return _remembered(_SURNAMES_NAMED, reader, word, find, len)


def _quotes_under(reader: Reader, keys: Sequence[str]) -> int:
    return sum(len(reader.speaker_words.get(key, ())) for key in keys)


def _keys_like(reader: Reader, word: str) -> list[str]:
    """The speaker words ``same_word`` takes for ``word``: itself, the same terms ("official",
    "officials"), or a close spelling of five letters or more."""
    like = {word} & reader.speaker_words.keys()
    terms = terms_of_word(word)
    if terms:
        like.update(_keys_by_terms(reader).get(terms, ()))
    if len(word) >= 5:
        close = process.extract(word, reader.speaker_keys, scorer=fuzz.ratio, score_cutoff=88, limit=None)
        like.update(key for key, _, _ in close if len(key) >= 5)
    return sorted(like)


def _keys_by_terms(reader: Reader) -> dict[tuple[str, ...], list[str]]:
    """The speaker words by their terms, per open index."""

    def by_terms() -> dict[tuple[str, ...], list[str]]:
        found: dict[tuple[str, ...], list[str]] = {}
        for key in reader.speaker_keys:
            if terms := terms_of_word(key):
                found.setdefault(terms, []).append(key)
        return found

    with _FOUND_LOCK:
        return _of_build(_BY_TERMS, reader, by_terms)


_SURNAMES_NAMED: weakref.WeakKeyDictionary[Reader, tuple[str, _Recent[str, frozenset[tuple[int, str]]]]] = (
    weakref.WeakKeyDictionary()
)
_BY_TERMS: weakref.WeakKeyDictionary[Reader, tuple[str, dict[tuple[str, ...], list[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _naming(quote: Quote) -> tuple[frozenset[str], frozenset[str]]:
    """The words naming a quote's speaker, and the words of whom they speak for."""
    said = _naming_words(quote)
    return said.words, said.speaks_for


@functools.lru_cache(maxsize=65_536)  # a speaker's name is asked for again and again
def _surname(speaker: str | None) -> str | None:
    said = words(speaker or "")
    return said[-1] if said and (speaker or "")[:1].isupper() else None


@functools.lru_cache(maxsize=65_536)
def _given_names(speaker: str) -> frozenset[str]:
    return frozenset(words(speaker)[:-1]) - lexicon.word_set("titles.txt", folder="")


def _one_person(a: str, b: str) -> bool:
    """Two names of one document name one person: same surname, given names that do not conflict."""
    if _surname(a) != _surname(b):
        return False
    given_a, given_b = _given_names(a), _given_names(b)
    return given_a <= given_b or given_b <= given_a


def speaker_matches(
    name: str, quote: Quote, known_as: Set[str] = frozenset(), spoken_for: Set[str] = frozenset()
) -> bool:
    """Does ``name`` (as asked) refer to the quote's speaker? Partial names, accents, small typos.
    ``known_as``: more words the document names the same person with; ``spoken_for``: the words of
    whom they speak for elsewhere in the document (their roles may hold "putin" from "Putin's press
    secretary", which must not make them Putin)."""
    asked = name_words(name)
    named = _naming_words(quote)
    if not asked or _names_whom_they_speak_for(asked, named.speaks_for | spoken_for):
        return False  # Peskov's words are not Putin's (see _institution_served)
    said = named.words | known_as
    if all(any(same_word(a, s) for s in said) for a in asked):
        return True
    # "Jerome Powell" asked, "Mr. Powell" quoted: the surname matches and no first name conflicts.
    resolved = named.resolved
    return (
        len(asked) > 1
        and len(resolved) == 1
        and resolved[0][:1].isalpha()
        and any(same_word(asked[-1], s) for s in resolved)
        and (quote.speaker or "")[:1].isupper()
    )


class _NamingWords(NamedTuple):
    words: frozenset[str]  # naming.speaker_words
    speaks_for: frozenset[str]  # the words of whom they speak for
    resolved: tuple[str, ...]  # the words of the resolved speaker


def _naming_words(quote: Quote) -> _NamingWords:
    """The words a quote names its speaker with, worked out once for each way of naming: a
    prolific speaker's hundreds of namings are matched against every name asked about them."""
    key = (quote.speaker, quote.speaker_as_written, quote.speaker_roles, quote.relay, quote.speaks_for)
    found = _NAMING_WORDS.get(key)
    if found is None:
        found = _NamingWords(
            frozenset(speaker_words(quote)),
            frozenset(words(quote.speaks_for or "")),
            tuple(words(quote.speaker or "")),
        )
        if len(_NAMING_WORDS) >= _NAMING_WORDS_KEPT:
            _NAMING_WORDS.clear()  # a few MB at most; the bot answers in threads, so no eviction order
        _NAMING_WORDS[key] = found
    return found


_NAMING_WORDS: dict[tuple[str | None, ...], _NamingWords] = {}
_NAMING_WORDS_KEPT = 100_000


def _names_whom_they_speak_for(asked: Sequence[str], said_for: Set[str]) -> bool:
    """The asked name is the one the speaker speaks for ("Putin"), not the speaker, who may be
    described through them ("Putin's press secretary", "Tunisia's coach")."""
    return bool(said_for) and all(any(same_word(a, s) for s in said_for) for a in asked)


def _institution_served(reader: Reader, name: str, quote: Quote) -> str | None:
    """The institution, of those the quote's speaker speaks for (``Quote.speaks_for``, recorded at
    attribution time by ``index.attribution.entities``), that ``name`` asks about: a spokesman's
    words answer for the institution he speaks for ("what did the Kremlin say"), never for a person
    ("what did Putin say" is not answered with Peskov's words). Only a name asked with "the" ("the
    Kremlin", "the ministry") that the document does not use for a person can be an institution."""
    if not re.match(r"the\s", name, re.I) or not quote.speaks_for:
        return None
    asked = name_words(name)
    if not asked:
        return None
    for served in quote.speaks_for.split("; "):
        said_for = words(served)
        if said_for and all(any(same_word(a, s) for s in said_for) for a in asked):
            if asked[-1] in lexicon.word_set("institution_nouns.txt"):
                return served  # "the Foreign Ministry"
            doc_index = reader.doc_index(quote.doc)
            if not any(is_person_in_doc(reader, doc_index, word) for word in asked):
                return served
    return None


def name_words(name: str) -> list[str]:
    """Words of an asked name that identify someone (see ``_name_words``)."""
    return list(_name_words(name))


@functools.lru_cache(maxsize=4096)  # asked once a question, matched against every way of naming
def _name_words(name: str) -> tuple[str, ...]:
    """Words of an asked name that identify someone. A title before a name drops out ("President
    Erdogan" is "Erdogan", who may be quoted without it); a role without a name stays whole ("the
    Turkish president" must not match any Turkish speaker)."""
    raw = [w for w in name.split() if fold(w).strip(".,'’") not in ARTICLES]
    titles = lexicon.word_set("name_titles.txt")
    kept: list[str] = []
    for i, word in enumerate(raw):
        folded = fold(word).strip(".,'’")
        before_name = i + 1 < len(raw) and raw[i + 1][:1].isupper()
        if folded in titles and before_name:
            continue
        kept.extend(w.removesuffix("'s").removesuffix("’s") for w in words(word))
    # "the Governor of Washington": "of" names no one (but "The Who" is all stop words, and stays).
    return tuple([w for w in kept if w not in STOP_WORDS] or kept)


@functools.lru_cache(maxsize=262_144)  # the same asked words meet the same speakers' words again
def same_word(asked: str, said: str) -> bool:
    if asked == said:
        return True
    if terms_of_word(asked) and terms_of_word(asked) == terms_of_word(said):
        return True  # official ~ officials
    return min(len(asked), len(said)) >= 5 and fuzz.ratio(asked, said) >= 88


# (document, name) -> whether the document uses the name for a person, per open index: the answer
# does not change, and the search reads the whole document (20 MB for some).
_PERSON_IN_DOC: weakref.WeakKeyDictionary[Reader, tuple[str, dict[tuple[int, str], bool]]] = (
    weakref.WeakKeyDictionary()
)


def is_person_in_doc(reader: Reader, doc_index: int, name: str) -> bool:
    known: dict[tuple[int, str], bool] = _of_build(_PERSON_IN_DOC, reader, dict)
    key = (doc_index, name)
    if key not in known:
        known[key] = is_person_in(reader.text(doc_index), name)
    return known[key]


def is_person_in(text: str, name: str) -> bool:
    """Does the text use ``name`` as a person's name: after a first name or a title ("Vladimir
    Putin", "President Putin")?"""
    if not name.isalpha():
        return False  # "S-400s", "F-35": things
    titles = lexicon.word_set("person_titles.txt")
    not_first = lexicon.word_set("not_first_names.txt")
    adjective_endings = tuple(lexicon.word_set("adjective_endings.txt"))
    pattern = r"\b([A-Z][a-z’'-]+\.?)[ \t]+" + re.escape(name[:1].upper() + name[1:]) + r"\b"
    for match in re.finditer(pattern, text):
        before = fold(match.group(1)).strip(".")
        if before in titles:
            return True
        looks_like_first_name = not before.endswith(adjective_endings) and before not in STOP_WORDS
        if looks_like_first_name and before not in not_first:
            return True
    return False
