""" "Speaks for" links, recorded at attribution time and read by the answers: an institution's
spokesperson answers for it, and never for the person they speak for. Over a real index on disk."""

from __future__ import annotations

import pytest

from index import Index, build_index
from index.attribution.entities import speaks_for_around

ARTICLE = (
    "Moscow dismisses report on pipeline talks\n\n"
    "Kremlin spokesman Dmitry Peskov said the report about secret pipeline talks was pure fiction.\n\n"
    "President Vladimir Putin said the economy would grow by three percent next year.\n\n"
    "Putin's press secretary Dmitry Peskov told reporters the president had no plans to tour the "
    "Arctic ports this winter.\n\n"
    "Maria Zakharova, a spokeswoman for the Foreign Ministry, said the new sanctions were illegal.\n\n"
    "A spokesperson for the ministry said the fishing quotas would be reviewed in spring.\n"
)


@pytest.fixture(scope="module")
def moscow(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("speaks_for")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(ARTICLE, "utf-8")
    return build_index(root / "corpus", root / "index")


@pytest.mark.parametrize(
    ("mention", "served"),
    [
        ("Kremlin spokesman Dmitry Peskov", {"Kremlin"}),
        ("Putin's press secretary Dmitry Peskov", {"Putin"}),
        ("Maria Zakharova", {"the Foreign Ministry"}),
        ("A spokesperson", {"the ministry"}),
        ("President Vladimir Putin", set()),
    ],
)
def test_links_are_read_around_a_mention(mention: str, served: set[str]) -> None:
    start = ARTICLE.index(mention)
    assert speaks_for_around(ARTICLE, start, start + len(mention)) == served


def test_every_quote_of_a_person_carries_their_links(moscow: Index) -> None:
    peskov = [q for q in moscow.quotes() if q.speaker == "Dmitry Peskov"]
    assert len(peskov) == 2
    assert all(set((q.speaks_for or "").split("; ")) == {"Kremlin", "Putin"} for q in peskov)
    putin = [q for q in moscow.quotes() if q.speaker == "Vladimir Putin"]
    assert putin and all(q.speaks_for is None for q in putin)


@pytest.mark.parametrize(
    ("question", "speaker", "said"),
    [
        (
            "What did the Kremlin say about the pipeline talks?",
            "Dmitry Peskov (for the Kremlin)",
            "pure fiction",
        ),
        (
            "What did the Kremlin say about the Arctic ports?",
            "Dmitry Peskov (for the Kremlin)",
            "Arctic ports",
        ),
        (
            "What did the Foreign Ministry say about sanctions?",
            "Maria Zakharova (for the Foreign Ministry)",
            "illegal",
        ),
        ("What did the ministry say about fishing quotas?", "A spokesperson (for the ministry)", "reviewed"),
        ("What did Peskov say about the pipeline talks?", "Dmitry Peskov", "pure fiction"),
        ("What did Putin say about the economy?", "Vladimir Putin", "three percent"),
    ],
)
def test_an_institution_is_answered_by_its_spokesperson(
    moscow: Index, question: str, speaker: str, said: str
) -> None:
    answer = moscow.ask(question)
    assert answer.answered, answer.reason
    top = answer.answers[0]
    assert top.speaker == speaker and said in top.text
    assert moscow.document(top.doc).text[top.start : top.end] == top.text


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about the Arctic ports?",
        "What did Vladimir Putin say about the pipeline talks?",
        "What did President Putin say about the Arctic ports?",
    ],
)
def test_a_person_is_never_answered_with_the_words_of_who_speaks_for_them(
    moscow: Index, question: str
) -> None:
    answer = moscow.ask(question)
    assert not answer.answered, answer.answers[0].text
