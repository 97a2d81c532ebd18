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

from index.analysis import analyze
from index.answering.question import Question
from index.answering.speakers import quote_ids_by
from index.answering.terms import Terms
from index.models import Quote, Span

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


def said_by(reader: Reader, q: Question) -> list[Candidate]:
    """What the asked speaker is quoted saying, one candidate per attribution."""
    assert q.speaker is not None
    theirs = quote_ids_by(reader, q.speaker)
    if q.terms.weights and len(theirs) > RETRIEVE:
        theirs = _on_topic_first(reader, theirs, q.terms)
    return attributions(reader, [reader.quote(i) for i in theirs])


def quoted_about(reader: Reader, q: Question) -> list[Candidate]:
    """Attributed quotes inside the passages BM25 ranks highest for the topic."""
    quotes: list[Quote] = []
    for chunk_id, _ in reader.top_passages(q.terms.query(), RETRIEVE):
        chunk = reader.chunk(chunk_id)
        quotes.extend(
            quote
            for quote in reader.doc_quotes(chunk.doc_index)
            if quote.speaker and quote.sentence_start < chunk.end and chunk.start < quote.sentence_end
        )
    return attributions(reader, quotes)


def attributions(reader: Reader, quotes: Iterable[Quote]) -> list[Candidate]:
    """One candidate per attribution, in document order: the quotes tied to one speaker mention
    (a quote split by its cue, ``"…," he said. "…"``) are one contiguous span of the text, the
    sentences from the first part to the last."""
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
        for span in _runs(text, group):
            if (doc_index, span.start, span.end) not in made:
                words = text[span.start : span.end]
                counts = Counter(analyze(words))
                made[(doc_index, span.start, span.end)] = Candidate(
                    doc_index, span, words, frozenset(counts), counts, first.speaker, first.cue
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
            one = Candidate(chunk.doc_index, sentence, words, frozenset(counts), counts, retrieval_rank=rank)
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
    more = set(more_counts)
    if not terms.matched(more) - terms.matched(have):
        return None
    if terms.coverage(have | more) < coverage + _PAIR_GAIN:
        return None
    span = Span(one.span.start, following.end)
    words = text[span.start : span.end]
    counts = Counter(one.counts) + more_counts
    return Candidate(
        one.doc_index, span, words, frozenset(counts), counts, retrieval_rank=one.retrieval_rank, pair=True
    )
