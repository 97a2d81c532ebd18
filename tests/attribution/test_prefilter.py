"""The cue pre-filter decides which sentences are parsed: it must pick exactly the spans that hold a
cue-verb form as a whole word (or "according to"), whatever the text."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from index.attribution.cues import may_hold_cue, surface_forms


def _by_regex(text: str, start: int, end: int) -> bool:
    """The definition, spelled as one regex (how the pre-filter used to run)."""
    forms = sorted(surface_forms(), key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(forms) + r"|according\s+to)\b", re.IGNORECASE)
    return pattern.search(text, start, end) is not None


_PIECES = st.sampled_from(
    [
        "said",
        "SAID",
        "Said",
        "resaid",
        "saidx",
        "told",
        "according",
        "to",
        "according  to",
        "accordingto",
        "x",
        "the",
        " ",
        "  ",
        ",",
        ".",
        "\n",
        "é",
        "_",
        "'",
        "-",
        "warned",
        "warn",
        "declared",
        "1",
        "\u00a0",
        "«",
        "“",
        "claims",
        "claimant",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=14), st.data())
def test_the_prefilter_agrees_with_its_regex_definition(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert may_hold_cue(text, start, end) == _by_regex(text, start, end)


def test_a_span_sees_only_its_own_words() -> None:
    text = "He said so. The sky is blue."
    assert may_hold_cue(text, 0, 11)
    assert not may_hold_cue(text, 12, len(text))
    assert not may_hold_cue(text, 4, 6)  # "ai" of "said"; a half word is not the word


def test_a_span_starting_inside_a_word_does_not_see_its_tail_as_a_word() -> None:
    assert not may_hold_cue("resaid", 2, 6)
    assert may_hold_cue("re said", 2, 7)
