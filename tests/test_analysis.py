from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.analysis import analyze, fold, iter_tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kalın", "Kalin"),  # dotless i: NFKD alone would not fold it
        ("Erdoğan", "Erdogan"),
        ("Patriots", "Patriot"),
        ("defence", "defense"),
        ("Theatre", "theater"),
        ("organisation", "organization"),
        ("S-400s", "S-400"),
        ("Erdogan’s", "Erdogan's"),
        ("U.S.", "US"),
    ],
)
def test_variants_analyze_alike(a: str, b: str) -> None:
    assert analyze(a) == analyze(b)
    assert analyze(a)


@pytest.mark.parametrize("code", ["S-400", "F-35", "PAC-3", "G-20"])
def test_codes_match_whole_and_by_parts(code: str) -> None:
    terms = analyze(f"the {code} program")
    whole = analyze(code.replace("-", ""))
    number = analyze(code.split("-")[1])
    assert whole[0] in terms
    assert number[0] in terms


def test_stop_words_and_question_noise_are_dropped() -> None:
    assert analyze("what is the of and") == []
    assert analyze("don’t") == []


def test_fold_transliterates() -> None:
    assert fold("Kalın “Our” — Ushako") == 'kalin "our" - ushako'


@given(st.text(max_size=200))
def test_token_spans_point_into_the_text(text: str) -> None:
    for token in iter_tokens(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.term
        assert text[token.start : token.end].strip() == text[token.start : token.end]


@given(st.text(max_size=200))
def test_analyze_equals_iter_tokens(text: str) -> None:
    assert analyze(text) == [t.term for t in iter_tokens(text)]
