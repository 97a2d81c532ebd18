"""The per-quote arrays (``index.quote_table``): speaker listings and a speaker's quotes read them
instead of decoding quote records, so their work is counted in records decoded, not timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Index, build_index, open_index, sample_corpus_dir
from index.speakers import find_speaker, group_speakers, index_speakers, speaker_quotes

PROLIFIC = 3000  # quotes of one speaker in the generated corpus
PER_FILE = 500


@pytest.fixture(scope="module")
def prolific(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus where Smith is quoted PROLIFIC times, and two others a few times."""
    root = tmp_path_factory.mktemp("prolific")
    corpus = root / "corpus"
    corpus.mkdir()
    for f in range(PROLIFIC // PER_FILE):
        said = [f"Smith said the budget for item {f * PER_FILE + i} was fine." for i in range(PER_FILE)]
        others = [f"Maria Lopez said the harbour {f} was closed.", f"Jones said the road {f} was open."]
        (corpus / f"report{f:02d}.txt").write_text("\n\n".join([f"Report {f}", *said, *others]) + "\n")
    build_index(corpus, root / "index").close()
    return root / "index"


def test_listing_speakers_decodes_no_quote_record(prolific: Path) -> None:
    index = open_index(prolific)
    speakers = index_speakers(index)
    assert index.quote_records_read == 0
    smith = find_speaker(speakers, "Smith")
    assert smith.count == PROLIFIC and speakers[0] is smith
    assert len(smith.documents) == PROLIFIC // PER_FILE
    # The arrays group exactly as the records do.
    by_records = group_speakers(index.quotes())
    assert [(s.key, s.name, s.forms, s.quote_ids, s.documents) for s in speakers] == [
        (s.key, s.name, s.forms, s.quote_ids, s.documents) for s in by_records
    ]


def test_a_page_of_a_prolific_speakers_quotes_decodes_no_record(prolific: Path) -> None:
    index = open_index(prolific)
    smith = find_speaker(index_speakers(index), "Smith")
    hits = speaker_quotes(index, smith)
    assert len(hits) == PROLIFIC
    page = hits[:5]
    assert index.quote_records_read == 0
    for hit in page:
        assert index.document(hit.doc).text[hit.start : hit.end] == hit.text
        assert hit.text.startswith("Smith said") and hit.speaker == "Smith"
    about = speaker_quotes(index, smith, "item 1234")
    assert [h.text for h in about] == ["Smith said the budget for item 1234 was fine."]
    assert index.quote_records_read == 0


def test_a_say_question_about_a_prolific_speaker_decodes_few_records(prolific: Path) -> None:
    index = open_index(prolific)
    answer = index.ask("What did Smith say about item 1234?")
    assert answer.answers[0].text == "Smith said the budget for item 1234 was fine."
    assert index.quote_records_read < PROLIFIC // 10  # 201: one per way Smith is named, then 200 narrowed


def _arrays_agree_with_records(index: Index) -> None:
    table = index.quote_table
    quotes = index.quotes()
    assert len(table) == len(quotes) > 0
    for i, quote in enumerate(quotes):
        doc_index = index.doc_index(quote.doc)
        assert int(table.docs[i]) == doc_index
        assert int(table.chunks[i]) == index.chunk_at(doc_index, quote.sentence_start)
        assert (int(table.sentence_starts[i]), int(table.sentence_ends[i])) == (
            quote.sentence_start,
            quote.sentence_end,
        )
        speaker, written = int(table.speakers[i]), int(table.written[i])
        assert (table.names[speaker] if speaker >= 0 else None) == quote.speaker
        assert (table.names[written] if written >= 0 else None) == quote.speaker_as_written
    assert list(index.quote_chunks([len(quotes) - 1, 0])) == [int(table.chunks[-1]), int(table.chunks[0])]
    every = list(range(len(quotes)))
    assert index.quote_speakers(every) == [quote.speaker for quote in quotes]
    assert index.quote_places(every) == [(index.doc_index(q.doc), q.sentence_start) for q in quotes]


def test_the_arrays_hold_what_the_records_say(tmp_path: Path) -> None:
    _arrays_agree_with_records(build_index(sample_corpus_dir(), tmp_path / "index"))


def test_an_unchanged_file_keeps_its_arrays_on_rebuild(prolific: Path, tmp_path: Path) -> None:
    """Reused files come from the previous index's records: their arrays must be the same."""
    corpus = open_index(prolific).corpus_dir
    first = build_index(corpus, tmp_path / "index")
    (corpus / "report00.txt").touch()  # a stamp change only: the file is reused, not re-parsed
    again = build_index(corpus, tmp_path / "index")
    assert again.report is not None and again.report.unchanged == PROLIFIC // PER_FILE
    assert again.quote_table.chunks.tolist() == first.quote_table.chunks.tolist()
    _arrays_agree_with_records(again)


@pytest.mark.parametrize("question", ["What did Smith say?", "What did Smith say about which?"])
def test_a_say_question_without_a_topic_reads_a_bounded_prefix(prolific: Path, question: str) -> None:
    """Without topic terms nothing narrows a prolific speaker's quotes, and every one ranks alike:
    the answer is their first attributions in document order, made from a few of their first
    quotes, not from all PROLIFIC of them."""
    index = open_index(prolific)
    answer = index.ask(question)
    assert [a.text for a in answer.answers] == [
        f"Smith said the budget for item {i} was fine." for i in range(3)
    ]
    assert all(a.speaker == "Smith" for a in answer.answers)
    assert index.quote_records_read <= 2 + 2 * 16  # the ways Smith is named, then the first quotes


def test_a_say_question_without_a_topic_answers_as_reading_every_quote_would(prolific: Path) -> None:
    """The prefix gives exactly the attributions that every quote of the speaker gives first."""
    from index.answering import candidates
    from index.answering.compose import MAX_ANSWERS
    from index.answering.question import read_question
    from index.answering.speakers import quote_ids_by, shown_as

    index = open_index(prolific)
    q = read_question(index, "What did Smith say?")
    found = quote_ids_by(index, "Smith")
    every = candidates.attributions(
        index, [shown_as(index.quote(i), s) for i, s in found.items()], with_context=True
    )
    first = candidates.said_by(index, q, MAX_ANSWERS)
    assert first[:MAX_ANSWERS] == every[:MAX_ANSWERS]
    assert len(first) < len(every) // 10
