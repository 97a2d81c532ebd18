from __future__ import annotations

import re
from pathlib import Path

import pysbd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.paths import sample_corpus_dir
from index.sentences import split_sentences


def texts(text: str, **kw: int) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, **kw)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "During a call on Dec. 14, Trump agreed. He left.",
            ["During a call on Dec. 14, Trump agreed.", "He left."],
        ),
        ("The U.S. had won. The war ended.", ["The U.S. had won.", "The war ended."]),
        ("It came from the U.S. The next day it left.", ["It came from the U.S.", "The next day it left."]),
        ("Mr. Smith met J. R. Tolkien today. Fine.", ["Mr. Smith met J. R. Tolkien today.", "Fine."]),
        (
            "“The dates will be agreed on. We are awaiting a response.” Then silence.",
            ["“The dates will be agreed on. We are awaiting a response.”", "Then silence."],
        ),
        ('"Go now," he said. "Really?" she asked.', ['"Go now," he said.', '"Really?" she asked.']),
        ("Headline Here\nThe body starts. It ends.", ["Headline Here", "The body starts.", "It ends."]),
    ],
)
def test_splits(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_hard_wrapped_lines_are_joined() -> None:
    line = "This sentence is long enough to be wrapped by an old mail client and"
    text = line + "\ncontinues on the next line. Done."
    assert texts(text) == [line + "\ncontinues on the next line.", "Done."]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S(?:.*?\S)??(?=[ \t\xa0\r]*\n[ \t\xa0\r]*\n|\s*$)", text, re.S)]


@pytest.mark.parametrize("path", sorted(sample_corpus_dir().glob("*.txt")), ids=lambda p: p.name)
def test_agrees_with_pysbd_on_the_sample(path: Path) -> None:
    """The splitter was chosen by this measurement: same sentences as pysbd, much faster."""
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    text = path.read_text(encoding="utf-8")
    for start, end in _paragraphs(text):
        para = text[start:end]
        theirs = [s.sent.strip() for s in segmenter.segment(para) if s.sent.strip()]
        # The one deliberate difference: a dash credit ("-Bloomberg") is always its own sentence.
        theirs = [part for s in theirs for part in re.split(r"(?<=[.!?”\"])\s+(?=-[A-Z])", s)]
        assert texts(text, start=start, end=end) == theirs


@given(st.text(alphabet=st.sampled_from(list('ab. A\n"“”?!,')), max_size=120))
def test_spans_are_ordered_trimmed_and_inside(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        previous_end = span.end
    assert "".join(text[s.start : s.end] for s in spans).replace(" ", "").replace("\n", "") == "".join(
        text.split()
    )
