"""Topics matched beyond the asked words, over a real index on disk: a fact of the kind a topic
noun names, word forms and spellings, and a quotation that runs on over paragraphs."""

from __future__ import annotations

import pytest

from index import Index, build_index

ARTICLE = (
    "Harbour news\n\n"
    "Harbour master Lena Varga said the fishing boats have until Friday, March 3, to leave the old pier.\n\n"
    "Varga said the ferry crews were working from 5:30am to midnight during the storm.\n\n"
    "The storm caused the roof of the fish market to collapse, killing 12 people, according to the "
    "Coast Guard.\n\n"
    'After the meeting, union leader Tomas Berg said, "We have talked about wages for a long time.\n\n'
    'The boatyard owners finally agreed to a pay rise of four percent. Nobody expected that today."\n\n'
    "Berg said that 14 canneries have closed in the past decade.\n\n"
    "The health authority recommends that every port should iodise the salt it stores.\n\n"
    "Mayor Dana Okafor said the city would rebuild the harbour on Monday.\n\n"
    "Grade C permits are the cheapest fishing licences. Harbour clerk Jonas Holm said they cover "
    "rowing boats and small nets.\n\n"
    "Grade D permits are rare. Holm said the office closes early in winter.\n\n"
    "Mooring fees went up last year.\n\n"
    "Holm said they were a burden for the smallest crews.\n"
)


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("topics")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(ARTICLE, "utf-8")
    return build_index(root / "corpus", root / "index")


def _top(index: Index, question: str) -> str:
    answer = index.ask(question)
    assert answer.answered, answer.reason
    top = answer.answers[0]
    assert index.document(top.doc).text[top.start : top.end] == top.text
    return top.text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What did Varga say about the deadline to leave?", "until Friday"),
        ("What did Varga say about the working hours?", "5:30am to midnight"),
        ("What did the Coast Guard say about the number killed?", "killing 12"),
    ],
)
def test_a_topic_noun_is_answered_by_a_fact_of_its_kind(harbour: Index, question: str, said: str) -> None:
    assert said in _top(harbour, question)


def test_a_fact_of_the_kind_alone_is_no_answer(harbour: Index) -> None:
    # "on Monday" dates what Okafor said; it is no deadline, and "harbour" alone is one word of two.
    assert not harbour.ask("What did Okafor say about the harbour deadline?").answered
    assert not harbour.ask("What did Okafor say about the deadline?").answered
    assert "until Friday" in _top(harbour, "What did Varga say about the deadline?")


def test_a_quotation_left_open_runs_on_into_the_next_paragraph(harbour: Index) -> None:
    text = _top(harbour, "What did Berg say about the pay rise?")
    assert text.startswith("After the meeting") and text.endswith('Nobody expected that today."')
    who = harbour.ask("Who said the boatyard owners agreed to a pay rise?")
    assert who.answered and who.answers[0].speaker == "Tomas Berg"
    assert who.answers[0].text.endswith('today."')


def test_word_forms_and_spellings_match(harbour: Index) -> None:
    assert "14 canneries have closed" in _top(harbour, "What did Berg say about cannery closures?")
    assert "iodise" in _top(harbour, "What did the health authority say about iodizing salt?")


def test_a_quote_that_refers_back_is_about_the_sentence_before_it(harbour: Index) -> None:
    assert "rowing boats" in _top(harbour, "What did Holm say about Grade C permits?")
    # Words that do not refer back are not about the sentence before them, and a sentence of
    # another paragraph is not the one referred to.
    assert not harbour.ask("What did Holm say about Grade D permits?").answered
    assert not harbour.ask("What did Holm say about mooring fees?").answered
