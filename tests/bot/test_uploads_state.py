"""The pieces under /corpus and the feedback buttons, on real files: upload checks, storing and
removing files, and the SQLite state."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from docfiles import docx_bytes, pdf_bomb, pdf_bytes

from bot.state import State, StateUnreadable
from bot.uploads import (
    NotRemovable,
    UploadRefused,
    check_upload,
    corpus_file,
    read_isolated,
    remove_file,
    safe_stem,
    sniff_suffix,
    store_upload,
)

LIMIT = 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Bericht über Häfen.pdf", "Bericht_uber_Hafen"),
        ("report.final.v2.docx", "report_final_v2"),
        (".hidden", "hidden"),
        ("***.txt", "document"),
        ("a" * 300 + ".md", "a" * 80),
    ],
)
def test_safe_stem(name: str, stem: str) -> None:
    assert safe_stem(name) == stem


def test_type_comes_from_the_bytes_not_the_name() -> None:
    assert sniff_suffix(pdf_bytes([["Hello there."]]), "notes.txt") == ".pdf"
    assert sniff_suffix(docx_bytes("T", [("para", "x")]), "image.png") == ".docx"
    assert sniff_suffix(b"<html><body><p>Hi</p></body></html>", "page.html") == ".html"
    assert sniff_suffix(b"Just words.\n", "program.exe") == ".txt"
    with pytest.raises(UploadRefused, match="binary data"):
        sniff_suffix(b"\x7fELF\x02\x01\x01\x00" + bytes(100), "notes.txt")
    with pytest.raises(UploadRefused, match="not PDF, DOCX or UTF-8"):
        sniff_suffix("Grüße".encode("latin-1"), "notes.txt")


def test_checked_uploads_are_read_in_full() -> None:
    good = check_upload("memo.docx", docx_bytes("Memo", [("para", "Hello.")]), LIMIT)
    assert (good.stem, good.suffix) == ("memo", ".docx")
    with pytest.raises(UploadRefused, match="damaged DOCX"):
        check_upload("memo.docx", b"PK\x03\x04" + bytes(200), LIMIT)
    with pytest.raises(UploadRefused, match="too large"):
        check_upload("a.txt", b"x" * 11, 10)
    with pytest.raises(UploadRefused, match="empty"):
        check_upload("a.txt", b"  \n", LIMIT)


def test_reading_an_upload_is_held_to_time_and_memory() -> None:
    """The reader runs in a child process: a file that needs more than the limits is refused, and
    the bot's own process never pays for it."""
    pdf = pdf_bytes([["A harmless line of text for the reader."]])
    read_isolated(".pdf", pdf, seconds=30, memory=60 * 1024 * 1024)  # within the limits: no error
    with pytest.raises(UploadRefused, match="took too long"):
        read_isolated(".pdf", pdf, seconds=0.001, memory=100 * 1024 * 1024)
    # A stream that inflates to 30 MB (under the reader's cap) in a child allowed 60 MB in all.
    with pytest.raises(UploadRefused, match="too much memory"):
        read_isolated(".pdf", pdf_bomb(30), seconds=30, memory=60 * 1024 * 1024)


def test_store_never_replaces_and_refuses_duplicates(tmp_path: Path) -> None:
    first = store_upload(tmp_path, check_upload("notes.txt", b"Notes\n\nOne.\n", LIMIT))
    second = store_upload(tmp_path, check_upload("notes.txt", b"Notes\n\nTwo.\n", LIMIT))
    assert (first, second) == ("uploads/notes.txt", "uploads/notes-2.txt")
    assert (tmp_path / first).read_bytes() == b"Notes\n\nOne.\n"
    with pytest.raises(UploadRefused, match=r"already in the corpus as uploads/notes\.txt"):
        store_upload(tmp_path, check_upload("other.txt", b"Notes\n\nOne.\n", LIMIT))
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["notes-2.txt", "notes.txt"]


def test_removal_stays_inside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    (corpus / "a.txt").write_text("A\n\nText.\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", corpus / "link.txt")
    for doc, reason in [
        ("../secret.txt", "not inside"),
        (str(tmp_path / "secret.txt"), "not inside"),
        ("link.txt", "not inside"),
        ("lines.jsonl#3", "one line of a .jsonl"),
        ("gone.txt", "no longer in the corpus"),
    ]:
        with pytest.raises(NotRemovable, match=reason):
            corpus_file(corpus, doc)
    moved = remove_file(corpus, "a.txt")
    assert not (corpus / "a.txt").exists() and moved.parent == corpus / ".removed"
    assert moved.read_text(encoding="utf-8") == "A\n\nText.\n"
    assert (tmp_path / "secret.txt").read_text(encoding="utf-8") == "outside"


def test_a_vote_counts_once_per_person(tmp_path: Path) -> None:
    state = State(tmp_path / "s.sqlite3")
    answer = state.record_answer("Who?", "a.txt", 1, None, "Quote.")
    votes = {state.record_feedback(answer, "wrong", 7) for _ in range(3)}
    assert len(votes) == 1
    state.record_feedback(answer, "wrong", 8)
    assert state.record_feedback(answer + 99, "wrong", 7) is None
    (wrong,) = state.gaps().wrong
    assert wrong.wrong == 2


def test_the_same_quote_for_two_questions_is_one_wrong_answer(tmp_path: Path) -> None:
    state = State(tmp_path / "s.sqlite3")
    for question in ("Who opened the quay?", "Who said the quay opened?"):
        answer = state.record_answer(question, "a.txt", 3, "Maria Lopez", "The quay opened.")
        vote = state.record_feedback(answer, "wrong", None)
        assert vote is not None and state.record_reason(vote, "not_answer")
    (wrong,) = state.gaps().wrong
    assert (wrong.wrong, wrong.question, wrong.reasons) == (2, "Who said the quay opened?", {"not_answer": 2})
    assert not state.record_reason(1, "made up reason")


def test_a_damaged_state_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateUnreadable):
        State(path)
    state = State.open_or_replace(path)
    state.record_unanswered("Why?", None)
    assert [p.name.startswith("state.sqlite3.damaged-") for p in tmp_path.iterdir() if p != path].count(
        True
    ) == 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM unanswered").fetchone() == (1,)
