"""Named checks over a real index: each keeps what answers and says why the rest does not."""

from __future__ import annotations

import pytest

from index import Index, build_index
from index.answering import FACT_CHECKS, SAY_CHECKS, SEARCH_CHECKS, SUPPORT_CHECKS, WHO_SAID_CHECKS

TEXT = (
    "Harbour notes\n\n"
    "The council approved the harbour budget of 12 million on Tuesday.\n\n"
    "The ferry company said the new timetable starts in March.\n\n"
    '"The referendum will be held in spring," Mayor Dana Okafor said.\n\n'
    "Fishermen repaired the nets at the pier.\n"
)


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("harbour")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(TEXT, "utf-8")
    return build_index(root / "corpus", root / "index")


def test_every_check_is_named_and_documented() -> None:
    for check in {*SAY_CHECKS, *WHO_SAID_CHECKS, *SEARCH_CHECKS, *FACT_CHECKS, *SUPPORT_CHECKS}:
        assert check.__name__ and not check.__name__.startswith("<")
        assert check.__doc__, check.__name__


def test_support_keeps_polarity_and_figures(harbour: Index) -> None:
    assert harbour.support("The council approved the harbour budget of 12 million").answered
    assert not harbour.support("The council did not approve the harbour budget of 12 million").answered
    assert not harbour.support("The council approved the harbour budget of 15 million").answered


def test_a_single_word_as_rare_as_the_rest_of_the_topic_is_no_answer(harbour: Index) -> None:
    answer = harbour.ask("What did Okafor say about the cost of the referendum?")
    assert not answer.answered, answer.answers[0].text
    assert answer.reason is not None and "“cost”" in answer.reason
    assert harbour.ask("What did Okafor say about the referendum?").answered


def test_a_fact_question_wants_its_kind_of_answer(harbour: Index) -> None:
    when = harbour.ask("When did the council approve the harbour budget?")
    assert when.answered and "Tuesday" in when.answers[0].text
    answer = harbour.ask("When did the fishermen repair the nets?")
    assert not answer.answered
    assert answer.reason is not None and "date" in answer.reason
