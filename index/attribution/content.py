"""Content: what a cue reports, as a span of the sentence (for reported speech; quotations are
handled by their marks).

* say: the cue's clausal complement without "that" ('said that the plan failed'), or, when the cue
  hangs off a fronted report ('The plan failed, he said.'), the sentence before the cue;
* request: the addressee and the requested action ('urged the authorities to act'), or 'call for X';
* naming: what follows the cue ('described the law as unfair', 'called it "a disgrace"');
* according to: the clause the phrase attaches to, without the phrase.
"""

from __future__ import annotations

from index.attribution.cues import Cue, addressee_verbs
from index.attribution.parse import Parsed
from index.models import Span

_EDGE = " \t\n\r\xa0,;:—–-\"“”'‘’"
_LEADING = frozenset({"that"})
_SEPARATORS = frozenset({",", ";", ":", "—", "–", "-", "(", "."})


def reported_content(sentence: Parsed, cue: Cue, speaker: Span | None) -> Span | None:
    tokens = sentence.tokens
    i = cue.token
    if cue.kind == "according":
        phrase = _according_phrase(sentence, i)
        if speaker is not None and speaker.end > phrase.end:
            phrase = Span(phrase.start, speaker.end)  # the parse ended the phrase inside the name
        return _around(sentence, phrase)
    children = sentence.children(i)
    if cue.kind == "request":
        parts = [j for j in children if tokens[j].dep in ("obj", "iobj", "xcomp", "ccomp")]
        if not parts:
            parts = [j for j in children if tokens[j].dep.startswith("obl") and _has_case(sentence, j, "for")]
        return _span_of(sentence, parts, skip_case=True)
    if cue.kind == "naming":
        after = [j for j in children if j > i and tokens[j].dep not in ("punct", "nsubj", "advmod", "aux")]
        return _span_of(sentence, after)
    clause = [j for j in children if tokens[j].dep in ("ccomp", "parataxis") and j > i]
    if clause:
        found = _span_of(sentence, clause[:1])
        addressed = cue.lemma in addressee_verbs()
        return _from_cue(sentence, i, found, addressed) if found is not None else None
    inverted = speaker is not None and speaker.start > tokens[i].start
    if (
        inverted
        and i > 0
        and tokens[i - 1].text == ","
        and cue.kind == "say"
        and tokens[i - 1].start > sentence.span.start
    ):
        # 'People suffer most, said X, an official': the report is what stands before the cue.
        return _trim(sentence, Span(sentence.span.start, tokens[i - 1].start))
    fronted = [j for j in children if tokens[j].dep in ("ccomp", "parataxis") and j < i]
    if fronted:
        return _span_of(sentence, fronted[-1:])
    asyndetic = tokens[i].dep == "conj" and not any(tokens[j].dep == "cc" for j in children)
    if (tokens[i].dep == "parataxis" or asyndetic) and tokens[i].head < i:
        # 'The plan failed, he said.': the report is everything before the cue's own words (also
        # where the parse made the cue a conjunct of the report without an "and").
        own = sentence.subtree(i)
        first = min(own)
        said_by = [
            j for j, t in enumerate(tokens) if speaker is not None and t.start >= speaker.start and j <= i
        ]
        if said_by and first > 0 and tokens[first - 1].text not in _SEPARATORS and first < said_by[0]:
            # the parse hung words of the report on the cue ('… was "very important" for the
            # tribunal, a court spokesman said'): the report runs up to the speaker
            first = said_by[0]
        elif said_by:
            first = min(first, said_by[0])
        return _trim(sentence, Span(sentence.span.start, tokens[first].start))
    return None


def _from_cue(sentence: Parsed, cue: int, clause: Span, addressed: bool) -> Span:
    """The clause, reaching back to the cue over the words a parse left out of it ('said it
    "needs" ...' parsed with "needs" as the clause's head and "it" elsewhere)."""
    tokens = sentence.tokens
    first = next(k for k, t in enumerate(tokens) if t.start >= clause.start)
    listener = {
        j
        for child in (sentence.children(cue) if addressed else [])
        if tokens[child].dep in ("obj", "iobj")
        for j in sentence.subtree(child)
    }  # "told Montalvo he would …": the listener is not what was said
    k = first
    while (
        k - 1 > cue
        and k - 1 not in listener
        and tokens[k - 1].pos in ("PRON", "DET", "NOUN", "PROPN", "ADJ", "NUM", "PUNCT")
    ):
        if tokens[k - 1].text in (",", ";", ":") or tokens[k - 1].text.lower() in _LEADING:
            break
        k -= 1
    while k < first and tokens[k].pos == "PUNCT":
        k += 1
    return Span(tokens[k].start, clause.end) if k < first else clause


def _has_case(sentence: Parsed, j: int, word: str) -> bool:
    return any(
        sentence.tokens[k].text.lower() == word and sentence.tokens[k].dep == "case"
        for k in sentence.children(j)
    )


def _span_of(sentence: Parsed, heads: list[int], *, skip_case: bool = False) -> Span | None:
    if not heads:
        return None
    tokens = sentence.tokens
    words = sorted({k for h in heads for k in sentence.subtree(h)})
    while words and (
        tokens[words[0]].text.lower() in _LEADING
        or tokens[words[0]].pos == "PUNCT"
        or (skip_case and tokens[words[0]].dep == "case")
    ):
        words.pop(0)
    if not words:
        return None
    return _trim(sentence, Span(tokens[words[0]].start, tokens[words[-1]].end))


def _according_phrase(sentence: Parsed, according: int) -> Span:
    tokens = sentence.tokens
    head = tokens[according].head
    words = sentence.subtree(head) if head > according else [according, according + 1]
    words = [w for w in words if w >= according]
    return Span(tokens[according].start, tokens[max(words)].end)


def _around(sentence: Parsed, phrase: Span) -> Span | None:
    """The sentence without the 'according to X' phrase: the longer side of it."""
    before = _trim(sentence, Span(sentence.span.start, phrase.start))
    after = _trim(sentence, Span(phrase.end, sentence.span.end))
    spans = [s for s in (before, after) if s is not None]
    return max(spans, key=lambda s: s.end - s.start) if spans else None


def _trim(sentence: Parsed, span: Span) -> Span | None:
    """``span`` without edge punctuation and a final period; offsets stay in the document text."""
    base = sentence.span.start
    lo, hi = span.start, span.end
    while lo < hi and sentence.text[lo - base] in _EDGE:
        lo += 1
    while hi > lo and sentence.text[hi - 1 - base] in _EDGE + ".":
        hi -= 1
    return Span(lo, hi) if hi > lo else None
