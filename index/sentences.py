"""Sentence splitting for news text: a rule-based splitter that knows abbreviations and quotes.

pysbd (the usual choice) splits the sample articles correctly but costs ~13 µs per character,
about half an hour for a million passages; these rules split the sample identically (a test
compares the two) at well over 50x the speed. What the rules handle:

* abbreviations ("Dec. 14", "Mr. Smith", "Gen.") and initials ("J. R. R. Tolkien") never end a sentence;
* a dotted acronym ("U.S.") ends one only when a typical sentence opener follows ("... the U.S. The");
* a quotation that spans sentences (“The dates will be agreed on. We are awaiting...”) stays whole
  unless it is long;
* a dash credit after a sentence ("... in 2019. -France24") is a sentence of its own (pysbd does
  this only sometimes: the one way the two differ on the sample);
* a line break ends a sentence when the line is short (a headline, a caption, a byline) or ends
  with terminal punctuation; hard-wrapped prose lines are joined.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from index.models import Span

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm maj cpl pvt gov sen rep rev hon pres
    supt insp det atty amb inc co corp ltd llc bros dept univ assn est approx vs etc al fig figs no nos
    vol vols pp ed eds jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri
    sat sun ave blvd rd hwy ste apt
    """.split()
)
# Words that commonly open a sentence: after "U.S." they signal a boundary.
_OPENERS = frozenset(
    "the a an he she it they we i this that these those but and in on at for his her their its our "
    "there after before when while if as however meanwhile still yet so".split()
)
_TERMINAL = re.compile(r"[.!?…]+[\"'”’)\]]*")
_DOUBLE_QUOTE = re.compile('[“”"]')
_OPENING_QUOTES = "\"“‘'(["
_LONG_QUOTE = 400
_WRAP_WIDTH = 60


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans (offsets into ``text``) within ``text[start:end]``, each trimmed of whitespace."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    line_start = start
    for line_end in _line_ends(text, start, end):
        spans.extend(_split_line(text, line_start, line_end))
        line_start = line_end
    return _merge_wrapped_lines(text, spans)


def _line_ends(text: str, start: int, end: int) -> list[int]:
    ends = []
    i = text.find("\n", start, end)
    while i != -1:
        ends.append(i + 1)
        i = text.find("\n", i + 1, end)
    if not ends or ends[-1] != end:
        ends.append(end)
    return ends


def _split_line(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    quote_closes = _quote_regions(text, start, end)
    opens = [open_ for open_, _ in quote_closes]  # regions are in order and disjoint: bisect, not scan
    sentence_start = start
    for match in _TERMINAL.finditer(text, start, end):
        cut = match.end()
        if cut >= end or not text[cut].isspace():
            continue
        k = bisect_left(opens, match.start())  # the last region opening before the match may hold it
        if k and match.end() <= quote_closes[k - 1][1]:
            continue
        nxt = _next_word_start(text, cut, end)
        if nxt is None or not _starts_sentence(text[nxt]):
            continue
        if match.group().startswith(".") and _is_abbreviation(text, sentence_start, match.start(), nxt, end):
            continue
        spans.append(Span(sentence_start, cut))
        sentence_start = nxt
    spans.append(Span(sentence_start, end))
    return [s for s in (_trim(text, s) for s in spans) if s.end > s.start]


def _quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Short double-quoted stretches of the line, inside which no sentence ends."""
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    for match in _DOUBLE_QUOTE.finditer(text, start, end):
        i, ch = match.start(), match.group()
        if ch == "“" or (ch == '"' and open_at is None):
            open_at = i
        elif open_at is not None:
            if i - open_at <= _LONG_QUOTE:
                regions.append((open_at, i))
            open_at = None
    return regions


def _next_word_start(text: str, i: int, end: int) -> int | None:
    while i < end and text[i].isspace():
        i += 1
    return i if i < end else None


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in _OPENING_QUOTES or ch in "-–—•"


def _is_abbreviation(text: str, sentence_start: int, dot: int, nxt: int, end: int) -> bool:
    word_start = dot
    while word_start > sentence_start and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot]
    if not word:
        return False
    if "." in word:  # a dotted acronym such as U.S: a boundary only before a typical opener
        following = re.match(r"\w+", text[nxt:end])
        return not (following and following.group().lower() in _OPENERS)
    if len(word) == 1 and word.isupper():
        return True  # an initial
    return word.lower() in ABBREVIATIONS


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _merge_wrapped_lines(text: str, spans: list[Span]) -> list[Span]:
    """Join a sentence cut only by a hard line wrap: a long line ending mid-sentence."""
    merged: list[Span] = []
    for span in spans:
        if merged and _is_wrap(text, merged[-1], span):
            merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def _is_wrap(text: str, previous: Span, current: Span) -> bool:
    if "\n" not in text[previous.end : current.start]:
        return False
    line = text[text.rfind("\n", 0, previous.end) + 1 : previous.end]
    ends_open = not _TERMINAL.search(line[-3:]) and not line.endswith(":")
    return ends_open and len(line) >= _WRAP_WIDTH
