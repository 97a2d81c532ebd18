"""Who is asked about, matched against who is quoted, over a real index on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Index, build_index
from index.answering.speakers import speaker_matches
from index.models import Quote

ARTICLE = (
    "Shuttles retired\n\n"
    "NASA Administrator Charles Bolden announced on Tuesday where the retired orbiters will go.\n\n"
    '"We want to thank all of the locations that expressed an interest in one of these national '
    'treasures," said Bolden to the gathered crowd. "This was a very difficult decision, but one that '
    'was made with the utmost care."\n\n'
    "Kremlin spokesman Dmitry Peskov said the talks on the pipeline would resume in spring.\n\n"
    "Putin's press secretary Dmitry Peskov said the summit on grain exports was postponed.\n\n"
    "The Union of Rationalist Atheists and Agnostics welcomed the court ruling. The Union said the "
    "sentence on school taxes was long overdue.\n"
)


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("news")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(ARTICLE, "utf-8")
    return build_index(root / "corpus", root / "index")


def test_a_quote_split_by_its_cue_is_one_answer(news: Index) -> None:
    answer = news.ask("What did Bolden say about the difficult decision?")
    assert answer.answered
    top = answer.answers[0]
    text = news.document(top.doc).text
    assert text[top.start : top.end] == top.text
    assert top.text.startswith('"We want to thank') and top.text.endswith('utmost care."')
    assert all(a.start >= top.end or a.end <= top.start for a in answer.answers[1:])


def test_a_role_the_document_gives_elsewhere_finds_the_person(news: Index) -> None:
    answer = news.ask("What did the NASA Administrator say about the difficult decision?")
    assert answer.answered and "difficult decision" in answer.answers[0].text
    assert "Bolden" in (answer.answers[0].speaker or "")


def test_words_said_for_someone_are_not_theirs(news: Index) -> None:
    assert "pipeline" in news.ask("What did the Kremlin say about the pipeline?").answers[0].text
    for question in ("What did Putin say about grain exports?", "What did Putin say about the pipeline?"):
        answer = news.ask(question)
        assert not answer.answered, answer.answers[0].text
    assert news.ask("What did Peskov say about grain exports?").answered


def test_a_name_spelled_out_in_the_document_finds_its_short_form(news: Index) -> None:
    answer = news.ask("What did the Union of Rationalist Atheists and Agnostics say about school taxes?")
    assert answer.answered and "school taxes" in answer.answers[0].text


def _quote(**fields: str | None) -> Quote:
    base: dict[str, object] = {
        "doc": "a.txt",
        "text": "x",
        "start": 0,
        "end": 1,
        "speaker": "Dmitry Peskov",
        "speaker_as_written": "press secretary Dmitry Peskov",
        "speaker_start": 0,
        "speaker_end": 1,
        "cue": "said",
        "kind": "reported",
        "sentence_start": 0,
        "sentence_end": 1,
    }
    base.update(fields)
    return Quote(**base)  # type: ignore[arg-type]


def test_the_one_spoken_for_is_not_the_speaker_but_describes_him() -> None:
    peskov = _quote(speaks_for="Putin", speaker_roles="press putin secretary")
    assert not speaker_matches("Putin", peskov)
    assert not speaker_matches("President Putin", peskov)
    assert speaker_matches("Peskov", peskov)
    assert speaker_matches("Putin's press secretary", peskov)
    # The same man quoted as "Kremlin spokesman": his roles hold "putin" from elsewhere.
    spokesman = _quote(speaker_roles="kremlin press putin secretary spokesman")
    assert not speaker_matches("Putin", spokesman, spoken_for={"putin"})
    assert speaker_matches("the Kremlin", spokesman, spoken_for={"putin"})


def test_a_refusal_says_what_the_closest_quote_lacks(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(
        "Town notes\n\nThe harbour ferry has a new deadline for tickets.\n\n"
        '"We will rebuild the harbour for the fishing families," Mayor Dana Okafor said on Monday.\n',
        "utf-8",
    )
    index = build_index(tmp_path / "corpus", tmp_path / "index")
    answer = index.ask("What did Okafor say about the harbour deadline?")
    assert not answer.answered
    assert answer.reason is not None and "“deadline”" in answer.reason


def test_a_role_asked_with_the_words_around_the_mention(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(
        "Robots\n\n"
        "According to the Afghan team's coach, Alireza Mehraban, in their first matchup, the robot "
        "scored two points for the alliance.\n\n"
        "The team's sponsor said the visas arrived late.\n",
        "utf-8",
    )
    index = build_index(tmp_path / "corpus", tmp_path / "index")
    answer = index.ask("What did the Afghan team's coach say about the first matchup?")
    assert answer.answered and "first matchup" in answer.answers[0].text
    # The words around the mention name whose coach; what was said ("alliance") never does.
    assert not index.ask("What did the Iranian team's coach say about the first matchup?").answered
    assert not index.ask("What did the alliance coach say about the first matchup?").answered
    assert not index.ask("What did the Afghan coach say about the visas?").answered
