"""A question is read once into a frozen value: its shape, speaker, topic and the answer it wants."""

from __future__ import annotations

import dataclasses

import pytest

from index.answering import parse_question
from index.answering.speakers import name_words


@pytest.mark.parametrize(
    ("question", "speaker", "topic"),
    [
        ("What did the report say about the dairy industry?", "the report", "the dairy industry"),
        ("What did the report's authors say about iodisation?", "the report's authors", "iodisation"),
        (
            "What did the State Department spokesperson say about migrants?",
            "the State Department spokesperson",
            "migrants",
        ),
        ("What did Trump report about taxes?", "Trump", "taxes"),
        (
            "What did the director of the National Iodine Nutrition study say about salt?",
            "the director of the National Iodine Nutrition study",
            "salt",
        ),
        ("What did Kalin recently say about Patriots?", "Kalin", "Patriots"),
    ],
)
def test_a_speech_word_used_as_a_noun_is_part_of_the_speaker(question: str, speaker: str, topic: str) -> None:
    parsed = parse_question(question)
    assert (parsed.shape, parsed.speaker, parsed.topic) == ("say", speaker, topic)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("When did Russia intervene in Syria?", "date"),
        ("What year did the war start?", "date"),
        ("How many soldiers died?", "number"),
        ("What is the price of the system?", None),
        ("Which price was agreed?", "money"),
        ("Where did they meet?", "place"),
        ("Who won the vote?", "name"),
    ],
)
def test_the_kind_of_answer_is_read_with_the_question(question: str, wanted: str | None) -> None:
    assert parse_question(question).wanted == wanted


def test_a_parsed_question_is_frozen_and_keeps_the_names_it_asks_about() -> None:
    parsed = parse_question("When did Putin visit Turkey?")
    assert parsed.names == ("putin", "turkey")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.topic = "else"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("the Governor of Washington", ["governor", "washington"]),
        ("Tunisia's coach", ["tunisia", "coach"]),
        ("President Erdogan", ["erdogan"]),
        ("the Turkish president", ["turkish", "president"]),
    ],
)
def test_an_asked_name_keeps_the_words_that_identify(name: str, words: list[str]) -> None:
    assert name_words(name) == words
