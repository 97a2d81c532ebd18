"""Candidate answers read from the index: a speaker's attributed quotes, the quotes in the passages
that match a topic, or the sentences of those passages. Each candidate is analyzed once here;
checks and ranking read the result."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index.analysis import analyze, terms_of_word, words
from index.answering import kinds, lexicon
from index.answering.question import Question
from index.answering.speakers import quote_ids_by, shown_as
from index.answering.terms import Terms
from index.models import Quote, Span, paragraph_at

if TYPE_CHECKING:
    from index.reader import Reader

RETRIEVE = 30  # passages read closely for each question
_ON_TOPIC_KEEP = 200  # a prolific speaker's quotes read closely
# One attribution shown whole ("…," he said, "…" over two sentences) up to this length; a longer
# run of the same speaker's quotes is cut into several answers.
MAX_ATTRIBUTION_CHARS = 900
# Two sentences answer together only when the second adds this much of the question's weight.
_PAIR_GAIN = 0.25


@dataclass(frozen=True, slots=True)
class Candidate:
    doc_index: int
    span: Span
    text: str  # the document's text[span.start:span.end]
    terms: frozenset[str]  # its analyzed terms
    counts: Mapping[str, int] = field(default_factory=dict)  # how often each term occurs in it
    speaker: str | None = None
    cue: str | None = None
    retrieval_rank: int | None = None  # rank of its passage, when BM25 found it
    pair: bool = False  # two sentences answering together
    # The terms of the sentence before it in its paragraph, when its words refer back to that
    # sentence ("Protection B documents are … . Hahn said they apply to …"): they may name its topic.
    context: frozenset[str] = frozenset()

    @property
    def matchable(self) -> frozenset[str]:
        """The terms a question's topic may be found in: its own and its context's."""
        return self.terms | self.context


def said_by(reader: Reader, q: Question, shown: int) -> list[Candidate]:
    """What the asked speaker is quoted saying, one candidate per attribution. ``shown``: how many
    answers are shown (a question without a topic needs only its speaker's first attributions)."""
    assert q.speaker is not None
    found = quote_ids_by(reader, q.speaker)
    theirs = list(found)
    if not q.terms.weights and len(theirs) > RETRIEVE:
        return _first_attributions(reader, found, shown, _asked_cue(q))
    if q.terms.weights and len(theirs) > RETRIEVE:
        theirs = _on_topic_first(reader, theirs, q.terms)
    quotes = [shown_as(reader.quote(i), found[i]) for i in theirs]
    return attributions(reader, quotes, with_context=True, marked=q.terms.markers())


def _asked_cue(q: Question) -> tuple[str, ...]:
    """The terms of the question's verb when ranking prefers quotes said with it ("warn"), as
    ``index.answering.ranking`` reads it; none for a plain verb ("say")."""
    if not q.verb or q.verb in lexicon.word_set("plain_speech_verbs.txt"):
        return ()
    return terms_of_word(q.verb)


def _first_attributions(
    reader: Reader, found: Mapping[int, str | None], shown: int, cue: tuple[str, ...]
) -> list[Candidate]:
    """A prolific speaker asked about without a topic ("What did the LORD say about which?"):
    every attribution ranks alike (those said with the asked ``cue`` first), so the first ``shown``
    in document order are the answer. They are made from the speaker's first quotes in document
    order (their places looked up, none decoded): a prefix that doubles until it settles
    them, at most ``_FIRST_READ_MAX`` quotes for a plain verb. With a cue asked ("What did the
    LORD warn?"), until ``shown`` said with it are settled, or every quote is read: the cue is
    only in the records, and a bound would change the answer."""
    # Sorting is nearly linear: ids come in index order, which is document order on the embedded index.
    ordered = sorted(zip(reader.quote_places(list(found)), found, strict=True))
    places = [place for place, _ in ordered]
    read = _FIRST_READ
    while True:
        read = min(read, len(ordered), _FIRST_READ_MAX if not cue else len(ordered))
        last_doc, last_start = places[read - 1]
        # Every quote up to the last one read's place (ties too), in index order as when all are read.
        through = bisect_right(places, (last_doc, last_start))
        prefix = sorted(i for _, i in ordered[:through])
        made = attributions(reader, [shown_as(reader.quote(i), found[i]) for i in prefix], with_context=True)
        if through == len(ordered) or (read >= _FIRST_READ_MAX and not cue):
            return made
        # An attribution's sentences lie within MAX_ATTRIBUTION_CHARS of its start: those that start
        # that far before the last quote read have all their quotes read, and are made exactly.
        settled = [
            c for c in made if (c.doc_index, c.span.start + MAX_ATTRIBUTION_CHARS) <= (last_doc, last_start)
        ]
        preferred = [c for c in settled if terms_of_word(c.cue or "") == cue] if cue else settled
        if len(preferred) >= shown:
            return settled
        read *= 2


_FIRST_READ = 16  # a prolific speaker's first quotes read for a question without a topic, at first
_FIRST_READ_MAX = 256  # and at most


def quoted_about(reader: Reader, q: Question) -> list[Candidate]:
    """Attributed quotes inside the passages BM25 ranks highest for the topic."""
    quotes: dict[tuple[str, int, int, int], Quote] = {}
    passages: dict[int, list[Span]] = {}
    for chunk_id, _ in reader.top_passages(q.terms.query(), RETRIEVE):
        chunk = reader.chunk(chunk_id)
        passages.setdefault(chunk.doc_index, []).append(Span(chunk.start, chunk.end))
        # A quotation left open in an earlier paragraph may run on into this passage.
        reach = chunk.start - _OPEN_QUOTATION_CHARS
        for quote in reader.doc_quotes(chunk.doc_index):
            if quote.speaker and quote.sentence_start < chunk.end and reach < quote.sentence_end:
                quotes[(quote.doc, quote.start, quote.end, quote.sentence_start)] = quote
    return [
        c
        for c in attributions(reader, quotes.values(), marked=q.terms.markers())
        if any(c.span.start < p.end and p.start < c.span.end for p in passages.get(c.doc_index, ()))
    ]


def attributions(
    reader: Reader, quotes: Iterable[Quote], with_context: bool = False, marked: frozenset[str] = frozenset()
) -> list[Candidate]:
    """One candidate per attribution, in document order: the quotes tied to one speaker mention
    (a quote split by its cue, ``"…," he said. "…"``) are one contiguous span of the text, the
    sentences from the first part to the last. ``with_context``: each with the terms of the
    sentence its words refer back to (see ``Candidate.context``); ``marked``: the kind markers the
    question asks for (see ``index.answering.kinds``)."""
    groups: dict[tuple[str, int, int], list[Quote]] = {}
    for quote in quotes:
        if quote.speaker_start is not None and quote.speaker_end is not None:
            key = (quote.doc, quote.speaker_start, quote.speaker_end)
        else:
            key = (quote.doc, -quote.sentence_start - 1, quote.sentence_end)  # no mention: on its own
        groups.setdefault(key, []).append(quote)
    made: dict[tuple[int, int, int], Candidate] = {}
    for group in groups.values():
        doc_index = reader.doc_index(group[0].doc)
        text = reader.text(doc_index)
        first = min(group, key=lambda quote: quote.sentence_start)
        paragraphs = reader.paragraphs_of(doc_index)
        for run in _runs(text, group):
            span = _through_open_quotation(text, paragraphs, run)
            if (doc_index, span.start, span.end) not in made:
                words = text[span.start : span.end]
                counts = Counter(analyze(words))
                context = _referred_to(reader, doc_index, span, first) if with_context else frozenset()
                made[(doc_index, span.start, span.end)] = Candidate(
                    doc_index,
                    span,
                    words,
                    _terms(words, counts, marked),
                    counts,
                    first.speaker,
                    first.cue,
                    context=context,
                )
    return sorted(made.values(), key=lambda c: (c.doc_index, c.span.start))


def _runs(text: str, group: Sequence[Quote]) -> list[Span]:
    """The sentences of one attribution's quotes, joined where nothing but space separates them."""
    spans = sorted({(quote.sentence_start, quote.sentence_end) for quote in group})
    runs: list[Span] = []
    for start, end in spans:
        if runs:
            last = runs[-1]
            joins = start <= last.end or not text[last.end : start].strip()
            if joins and max(end, last.end) - last.start <= MAX_ATTRIBUTION_CHARS:
                runs[-1] = Span(last.start, max(end, last.end))
                continue
            if end <= last.end:
                continue
        runs.append(Span(start, end))
    return runs


def _referred_to(reader: Reader, doc_index: int, span: Span, quote: Quote) -> frozenset[str]:
    """The terms of the sentence before ``span`` in its paragraph, when the quote's first words
    refer back ("they", "them", "this"); none otherwise."""
    first_words = words(quote.text)[:_REFERRING_WITHIN]
    if not set(first_words) & lexicon.word_set("referring_words.txt"):
        return frozenset()
    sentences = reader.sentences_of(doc_index)
    i = bisect_right(sentences, span.start, key=lambda s: s.end) - 1
    if i < 0:
        return frozenset()
    before = sentences[i]
    paragraphs = reader.paragraphs_of(doc_index)
    if paragraph_at(paragraphs, before.start) != paragraph_at(paragraphs, span.start):
        return frozenset()
    return frozenset(analyze(reader.text(doc_index)[before.start : before.end]))


# A quote refers back when one of its first words does ("I smacked them around").
_REFERRING_WITHIN = 6


def _through_open_quotation(text: str, paragraphs: Sequence[Span], run: Span) -> Span:
    """The run, and the paragraphs its quotation goes on into: news leaves a quotation open at the
    end of a paragraph that the next one continues ('…said, "We were playing …' / 'If we were …"'),
    up to the paragraph that closes it, at most ``_OPEN_PARAGRAPHS`` of them."""
    number = paragraph_at(paragraphs, run.end - 1) if paragraphs else 0
    if (
        not number
        or text[run.end : paragraphs[number - 1].end].strip()
        or not _left_open(text[run.start : run.end])
    ):
        return run
    end = run.end
    for para in paragraphs[number : number + _OPEN_PARAGRAPHS]:
        end = para.end
        if _closes(text[para.start : para.end]) or end - run.start > _OPEN_QUOTATION_CHARS:
            break
    return Span(run.start, end)


# A quotation left open runs on over this many more paragraphs at most, and this many characters.
_OPEN_PARAGRAPHS = 3
_OPEN_QUOTATION_CHARS = 2000


def _left_open(said: str) -> bool:
    """Does ``said`` open a quotation it does not close?"""
    return said.count("“") > said.count("”") or said.count('"') % 2 == 1


def _closes(said: str) -> bool:
    """Does this paragraph of a running quotation close it (a closing mark it does not open)?"""
    return said.count("”") > said.count("“") or said.count('"') % 2 == 1


def _on_topic_first(reader: Reader, quote_ids: Sequence[int], terms: Terms) -> list[int]:
    """A prolific speaker's quotes narrowed to those in passages that share the topic's terms, from
    their ids alone (their passages and scores are looked up together, no quote is decoded)."""
    scores = reader.passage_scores(terms.query(), reader.quote_chunks(quote_ids))
    best = heapq.nlargest(_ON_TOPIC_KEEP, ((s, i) for i, s in enumerate(scores) if s > 0))
    return [quote_ids[i] for _, i in sorted(best, key=lambda s: s[1])]


def sentences_about(reader: Reader, terms: Terms) -> list[Candidate]:
    """The sentences of the best BM25 passages for ``terms`` (and a sentence with the next one of
    its paragraph, where together they cover much more of the question), in retrieval order."""
    query = terms.query()
    if not query:
        return []
    found: dict[tuple[int, int, int], Candidate] = {}
    for rank, (chunk_id, _score) in enumerate(reader.top_passages(query, RETRIEVE)):
        chunk = reader.chunk(chunk_id)
        text = reader.text(chunk.doc_index)
        sentences = reader.sentences_of(chunk.doc_index)
        # The sentences overlapping the chunk, found by bisection (a document may hold millions).
        for i in range(bisect_right(sentences, chunk.start, key=lambda s: s.end), len(sentences)):
            sentence = sentences[i]
            if sentence.start >= chunk.end:
                break
            if (chunk.doc_index, sentence.start, sentence.end) in found:
                continue
            words = text[sentence.start : sentence.end]
            counts = Counter(analyze(words))
            one = Candidate(
                chunk.doc_index,
                sentence,
                words,
                _terms(words, counts, terms.markers()),
                counts,
                retrieval_rank=rank,
            )
            found[(chunk.doc_index, sentence.start, sentence.end)] = one
            pair = _with_next_sentence(text, sentences, i, terms, one)
            if pair is not None:
                found[(chunk.doc_index, pair.span.start, pair.span.end)] = pair
    return list(found.values())


def _with_next_sentence(
    text: str, sentences: Sequence[Span], i: int, terms: Terms, one: Candidate
) -> Candidate | None:
    """The sentence with the one after it in the same paragraph, if together they cover much more."""
    have = set(one.terms)
    coverage = terms.coverage(have)
    if i + 1 >= len(sentences) or coverage >= 1.0 or not terms.matched(have):
        return None
    following = sentences[i + 1]
    if "\n\n" in text[one.span.end : following.start].replace("\r", "").replace(" ", ""):
        return None  # another paragraph
    more_counts = Counter(analyze(text[following.start : following.end]))
    more = set(_terms(text[following.start : following.end], more_counts, terms.markers()))
    if not terms.matched(more) - terms.matched(have):
        return None
    if terms.coverage(have | more) < coverage + _PAIR_GAIN:
        return None
    span = Span(one.span.start, following.end)
    words = text[span.start : span.end]
    counts = Counter(one.counts) + more_counts
    return Candidate(
        one.doc_index,
        span,
        words,
        _terms(words, counts, terms.markers()),
        counts,
        retrieval_rank=one.retrieval_rank,
        pair=True,
    )


def _terms(text: str, counts: Mapping[str, int], marked: frozenset[str]) -> frozenset[str]:
    """A candidate's analyzed terms, with the markers of the kinds of fact the question asks for
    that it holds (looked for only when asked: the patterns cost more than the analysis)."""
    return frozenset(counts) | kinds.markers(text, marked) if marked else frozenset(counts)
