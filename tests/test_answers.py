"""Answers over the sample corpus: the public seed questions, no-answer cases, and verbatim answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import Index
from index.analysis import fold
from index.answering import parse_question
from index.errors import BadQuery

SHARED_QA = Path(__file__).resolve().parents[2] / "shared" / "qa" / "seed_questions.jsonl"
SEEDS = (
    [json.loads(line) for line in SHARED_QA.read_text("utf-8").splitlines() if line.strip()]
    if SHARED_QA.exists()
    else []
)


@pytest.mark.skipif(not SEEDS, reason="../shared/qa is not beside the repo")
@pytest.mark.parametrize("case", SEEDS, ids=[c["question"] for c in SEEDS])
def test_seed_question(sample_index: Index, case: dict[str, str]) -> None:
    answer = sample_index.ask(case["question"])
    if case["expect_snippet"] is None:
        assert not answer.answered, answer.answers[0].text
        return
    assert answer.answered, answer.reason
    top = answer.answers[0]
    assert Path(top.doc).name == case["expect_doc"]
    text = sample_index.document(top.doc).text
    start = text.find(case["expect_snippet"])
    end = start + len(case["expect_snippet"])
    assert start >= 0
    assert min(end, top.end) - max(start, top.start) >= 0.5 * (end - start), top.text
    assert top.end - top.start <= 3 * max(end - start, 150)
    if case["kind"].startswith(("say_about", "who_said")) and case.get("expect_answer"):
        want = set(fold(case["expect_answer"]).split()) - {"the", "a"}
        assert want & set(fold(top.speaker or "").split()), top.speaker


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about Kim Jong Un?",
        "What did Angela Merkel say about NATO?",
        "What is the price of an S-400 system?",
        "How many soldiers died in Idlib?",
        "When did Brett McGurk resign?",
        "When did Putin visit Turkey?",  # a date and "visit Turkey" are there, but about Trump
        "zzzz qqqq",
    ],
)
def test_no_answer_when_the_corpus_does_not_say(sample_index: Index, question: str) -> None:
    answer = sample_index.ask(question)
    assert not answer.answered
    assert answer.reason


def test_related_passages_are_labelled_not_answers(sample_index: Index) -> None:
    answer = sample_index.ask("What did Erdogan say about the Patriot missiles?")
    assert not answer.answered and not answer.answers
    assert answer.related  # the corpus talks about Erdogan and Patriots, just not his words


@pytest.mark.parametrize("question", ["", "   ", "?", "the of and"])
def test_empty_questions_are_bad_queries(sample_index: Index, question: str) -> None:
    with pytest.raises(BadQuery):
        sample_index.ask(question)


def test_question_shapes() -> None:
    assert parse_question("What did Kalin say about Patriots?").speaker == "Kalin"
    assert parse_question("What did Kalin say about Patriots?").topic == "Patriots"
    assert parse_question("Who told Bloomberg about the plan?").shape == "who_said"
    assert parse_question("When will Erdogan convene?").wh == "when"
    assert parse_question("Which law could apply?").type_noun == "law"
    assert parse_question("S-400 delivery").shape == "search"
    assert parse_question("What was Kalin's view on the S-400?").speaker == "Kalin"
    assert parse_question("What has Kalin recently said about it?").speaker == "Kalin"
    assert parse_question("According to Kalin, does the sale matter?").speaker == "Kalin"
    according = parse_question("According to the article, when will Erdogan convene?")
    assert according.shape == "fact" and according.wh == "when"


def test_support_finds_a_stated_claim_and_rejects_a_changed_one(sample_index: Index) -> None:
    found = sample_index.support("Turkish media reported the first delivery from Russia will be in 2019")
    assert found.answered and "2019" in found.answers[0].text
    assert not sample_index.support(
        "Turkish media reported the first delivery from Russia will be in 2031"
    ).answered
    assert not sample_index.support("Bananas are the main export of Syria").answered


_words = st.sampled_from(
    """what who when why how did say said about Kalin Erdogan Trump Patriot S-400 missiles Russia Turkey
    summit invitation 2019 the of Ushakov Kim NATO F-35 Syria troops delivery Bolshoi ? , ’ “ ”""".split()
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_words, min_size=1, max_size=10).map(" ".join))
def test_every_answer_is_verbatim(sample_index: Index, question: str) -> None:
    try:
        answer = sample_index.ask(question)
    except BadQuery:
        return
    for hit in answer.answers + answer.related:
        assert sample_index.document(hit.doc).text[hit.start : hit.end] == hit.text
    assert answer.answered == bool(answer.answers)


_pieces = st.sampled_from(
    [
        "Anna Berg said",
        "“We will win,” said Anna Berg.",
        '"No comment," he told Reuters.',
        "according to the ministry",
        "The vote is on Monday.",
        "Prices rose 5% in 2024.",
        "Erdoğan’s party",
        "Kalın",
        "naïve café 🚀",
        "e\u0301clair",
        "U.S. officials",
        "Dec. 14",
        "\r\n",
        "\n\n",
        "\r\n\r\n",
        "\xa0",
        " ",
        ".",
        ",",
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(_pieces, min_size=1, max_size=30).map(" ".join), min_size=1, max_size=3),
    st.lists(_pieces, min_size=1, max_size=6).map(" ".join),
)
def test_offsets_stay_verbatim_on_any_text(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], question: str
) -> None:
    root = tmp_path_factory.mktemp("random")
    corpus = root / "corpus"
    corpus.mkdir()
    for i, text in enumerate(texts):
        (corpus / f"d{i}.txt").write_bytes(("Title\n\n" + text).encode("utf-8"))
    from index import build_index

    index = build_index(corpus, root / "index")
    for attempt in (question, "What did Anna Berg say?", "Who said we will win?", "When is the vote?"):
        try:
            answer = index.ask(attempt)
        except BadQuery:
            continue
        for hit in answer.answers + answer.related:
            with open(corpus / hit.doc, encoding="utf-8", newline="") as handle:
                assert handle.read()[hit.start : hit.end] == hit.text
    for quote in index.quotes():
        text = index.document(quote.doc).text
        assert text[quote.start : quote.end] == quote.text
        if quote.speaker_start is not None and quote.speaker_end is not None:
            assert text[quote.speaker_start : quote.speaker_end] == quote.speaker_as_written


def test_titles_before_names_drop_but_roles_stay_whole(sample_index: Index) -> None:
    from index.answering.speakers import name_words

    assert name_words("President Erdogan") == ["erdogan"]
    assert name_words("the Turkish president") == ["turkish", "president"]
    # "the Turkish president" is not "the Turkish presidential spokesman" nor any Turkish speaker.
    assert not sample_index.ask("What did the Turkish president say?").answered
    assert sample_index.ask("What did the president declare?").answers[0].speaker == "Trump"


def test_an_answer_may_span_two_sentences_of_a_paragraph(tmp_path: Path) -> None:
    from index import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Budget talks\n\nThe council met on Tuesday. It approved the harbour budget of 12 million.\n\n"
        "Elsewhere, the mayor opened a bridge.\n",
        "utf-8",
    )
    index = build_index(corpus, tmp_path / "index")
    answer = index.ask("When did the council approve the harbour budget?")
    assert answer.answered
    assert (
        answer.answers[0].text == "The council met on Tuesday. It approved the harbour budget of 12 million."
    )


def test_what_does_the_article_say_asks_the_corpus_not_a_speaker(sample_index: Index) -> None:
    answer = sample_index.ask("What does the article say about the Bolshoi Theatre?")
    assert answer.answered and "Bolshoi Theatre" in answer.answers[0].text


def test_how_many_wants_a_count_not_a_model_number(sample_index: Index) -> None:
    answer = sample_index.ask("how many patriot missiles")
    assert answer.answered and "80 Patriot missiles" in answer.answers[0].text  # not "S-400"'s 400


def test_a_full_name_finds_the_same_person_quoted_by_surname(tmp_path: Path) -> None:
    from index import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Rates\n\n“The job is not completely done,” Mr. Powell said.\n", "utf-8")
    (corpus / "b.txt").write_text("Budget\n\n“We have more work to do,” Bill Clinton said.\n", "utf-8")
    index = build_index(corpus, tmp_path / "index")
    assert index.ask("What did Jerome Powell say about the job?").answers[0].speaker == "Powell"
    assert not index.ask("What did Hillary Clinton say about work?").answered  # a different first name


@pytest.mark.parametrize(
    ("question", "needle"),
    [
        ("When did Russia intervene in Syria?", "2015 intervention"),  # intervene ~ intervention
        ("When will Russia deliver the first S-400s to Turkey?", "first delivery"),  # deliver ~ delivery
    ],
)
def test_word_forms_meet(sample_index: Index, question: str, needle: str) -> None:
    answer = sample_index.ask(question)
    assert answer.answered and needle in answer.answers[0].text


def test_synonyms_are_few_and_safe() -> None:
    from index.analysis import analyze
    from index.answering.terms import synonyms

    assert analyze("killed")[0] in synonyms()[analyze("die")[0]]
    assert analyze("economy")[0] not in synonyms().get(analyze("economist")[0], frozenset())


def test_one_shared_word_of_a_longer_topic_is_not_an_answer(tmp_path: Path) -> None:
    from index import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = "".join(f"The {n} ferry leaves the pier at dawn.\n\n" for n in ("red", "blue", "green"))
    filler += "The harbour ferry has a new deadline for tickets.\n\n"
    (corpus / "harbour.txt").write_text(
        "Town notes\n\n"
        + filler
        + '"We will rebuild the harbour for the fishing families," Mayor Dana Okafor said on Monday.\n\n'
        + "Okafor said the town council would pay compensation to every shop owner by June.\n",
        "utf-8",
    )
    index = build_index(corpus, tmp_path / "index")
    # "harbour" is in her first quote, but the topic's rarer word (a deadline) is not in anything she said.
    assert not index.ask("What did Okafor say about the harbour deadline?").answered
    answer = index.ask("What did Okafor say about compensation for shop owners?")
    assert answer.answered and "compensation" in answer.answers[0].text
