"""People asked about by name or by role, over a real index on disk: a role and whom it is of, a
name that closes the mention's phrase, and words around one name that describe another."""

from __future__ import annotations

import pytest

from index import Index, build_index
from index.answering.speakers import _phrase_goes_on

ARTICLE = (
    "Museum opens print show\n\n"
    "The prints were all lent by the Harbour Trust, according to Nadia Kovac, assistant professor "
    "of design and curator of the exhibit.\n\n"
    "The museum's exhibit opens on Friday.\n\n"
    "Glassworks co-founder Pieter Lang tweeted to the museum and said the glass prints were fragile.\n\n"
    "According to Chilean Ambassador to the United Kingdom Rosa Ibarra, the show will travel to Lisbon.\n\n"
    "Critics including Omar Haddad and Ines Duarte praised the catalogue. Duarte said the catalogue "
    "was the best of the decade.\n"
)


@pytest.fixture(scope="module")
def museum(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("people")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(ARTICLE, "utf-8")
    return build_index(root / "corpus", root / "index")


def _top(index: Index, question: str) -> tuple[str | None, str]:
    answer = index.ask(question)
    assert answer.answered, answer.reason
    top = answer.answers[0]
    assert index.document(top.doc).text[top.start : top.end] == top.text
    return top.speaker, top.text


def test_a_role_of_something_the_document_names_finds_the_person(museum: Index) -> None:
    speaker, text = _top(museum, "What did the curator of the museum exhibit say about the prints?")
    assert speaker == "Nadia Kovac" and "Harbour Trust" in text
    # A role of something the document never names is not that person.
    assert not museum.ask("What did the curator of the zoo say about the prints?").answered


def test_a_name_closing_the_mention_phrase_is_the_speaker(museum: Index) -> None:
    speaker, text = _top(museum, "What did Pieter Lang say about the glass prints?")
    assert speaker == "Pieter Lang" and "fragile" in text
    speaker, text = _top(museum, "What did Rosa Ibarra say about the show?")
    assert speaker == "Rosa Ibarra" and "Lisbon" in text


def test_words_before_another_name_do_not_describe_this_one(museum: Index) -> None:
    duarte = [q for q in museum.quotes() if q.speaker == "Ines Duarte"]
    assert duarte and all("haddad" not in (q.speaker_roles or "") for q in duarte)
    assert not museum.ask("What did Omar Haddad say about the catalogue?").answered


@pytest.mark.parametrize(
    ("after", "person"),
    [
        ("'s Prime Minister John Key said he believes", "John Key"),
        (" co-founder Mark Zuckerberg tweeted to Mohamed", "Mark Zuckerberg"),
        (" said Mark Zuckerberg", None),  # a verb ends the phrase
        (" spokesman Peskov", None),  # a surname alone is no full name
    ],
)
def test_a_mention_phrase_goes_on_to_a_name(after: str, person: str | None) -> None:
    assert _phrase_goes_on(after.split())[1] == person
