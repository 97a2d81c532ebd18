"""Described-elsewhere pruning over real news: which (document, surname) pairs are worth reading is
decided from the speaker-word index alone, and must never drop a quote the full search finds."""

from __future__ import annotations

from collections.abc import Iterator, Set
from itertools import islice, pairwise
from pathlib import Path

import pytest

from index import Index, build_index
from index.analysis import words
from index.answering import speakers
from index.reader import Reader

NEWS = Path(__file__).resolve().parents[3] / "shared" / "qa" / "news" / "corpus"


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Index:
    if not NEWS.is_dir():
        pytest.skip("../shared/qa/news is not beside the repo")
    return build_index(NEWS, tmp_path_factory.mktemp("news") / "index")


def _asked_names(index: Index) -> Iterator[str]:
    """Names a user could ask about: each speaker in full, by surname, as written, by role, and
    one person's given name with another's surname (a different person, or none)."""
    quotes = index.quotes()
    speakers_ = sorted({q.speaker for q in quotes if q.speaker})
    for q in quotes:
        for said in (q.speaker, q.speaker_as_written, q.speaker_roles):
            if said:
                yield said
                yield said.split()[-1]
                yield f"the {said}"
    for a, b in pairwise(speakers_):
        if len(a.split()) > 1 and len(b.split()) > 1:
            yield f"{a.split()[0]} {b.split()[-1]}"
    yield from ("the minister", "the spokesman", "the president", "officials", "police")


def test_pruning_never_drops_a_quote_the_full_search_finds(
    news: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = list(dict.fromkeys(islice(_asked_names(news), 600)))
    pruned = {name: speakers._quote_ids_by(news, name) for name in names}
    considered: list[tuple[int, int]] = []
    real = speakers._could_be_described

    def everything(
        reader: Reader, name: str, unmatched: Set[tuple[int, str | None]], searched: Set[str]
    ) -> set[tuple[int, str | None]]:
        considered.append((len(real(reader, name, unmatched, searched)), len(unmatched)))
        return set(unmatched)

    monkeypatch.setattr(speakers, "_could_be_described", everything)
    for name in names:
        assert speakers._quote_ids_by(news, name) == pruned[name], name
    # The pruning was put to the test: pairs were left unmatched, and most were never read.
    assert sum(total for _, total in considered) > 50
    assert sum(kept for kept, _ in considered) < sum(total for _, total in considered) / 2


def test_a_surname_alone_is_matched_once(news: Index) -> None:
    """A speaker named by surname alone takes a full name with that surname ("Mr. Powell" for
    "Jerome Powell"): the pairs of a surname already searched are not read again."""
    quotes = [q for q in news.quotes() if q.speaker and len(words(q.speaker)) > 1]
    surname = words(quotes[0].speaker or "")[-1]
    pairs = {(news.doc_index(q.doc), surname) for q in quotes[:5]}
    asked = f"Someone {surname.title()}"
    assert not speakers._keys_like(news, "someone")  # no document names anyone "Someone"
    assert speakers._could_be_described(news, asked, pairs, frozenset()) == pairs
    assert speakers._could_be_described(news, asked, pairs, frozenset([surname])) == set()
