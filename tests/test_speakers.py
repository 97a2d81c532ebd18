"""Speakers: quotes grouped by person on a real index, and the ``citebot`` commands over them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docfiles import pdf_bytes

from bot.state import State
from index import Index, build_index
from index.speakers import UnknownSpeaker, find_speaker, group_speakers, match_speakers, speaker_quotes

OLD_ARTICLE = """Talks on the missile deal

Ibrahim Kalin said the talks with Washington would continue next week.

"We will not give up on the Patriot deal," Kalın said on Monday.

Angela Merkel said Germany supported the talks.

Officials said the budget was tight.
"""

NEW_ARTICLE = """Deal signed

"The Patriot deal is done," KALIN told reporters in Ankara.

Hans Merkel said the harvest was poor.
"""

THIRD_ARTICLE = """Weather

Merkel said the weather was fine.

Recep Tayyip Erdogan said the talks were useful.

Tayyip Erdogan said Ankara would wait.

Erdoğan said nothing more.
"""


def run_citebot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Index]:
    root = tmp_path_factory.mktemp("people")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "old.txt").write_text(OLD_ARTICLE, encoding="utf-8")
    (corpus / "third.txt").write_text(THIRD_ARTICLE, encoding="utf-8")
    (corpus / "new.pdf").write_bytes(pdf_bytes([[*NEW_ARTICLE.splitlines()[2:], "End of the report."]]))
    now = time.time()
    os.utime(corpus / "old.txt", (now - 86_400, now - 86_400))  # the older document
    os.utime(corpus / "third.txt", (now - 86_400, now - 86_400))
    os.utime(corpus / "new.pdf", (now, now))
    return corpus, root / "index", build_index(corpus, root / "index")


def test_one_person_many_name_forms(people: tuple[Path, Path, Index]) -> None:
    _, _, index = people
    speakers = {s.key: s for s in group_speakers(index.quotes())}
    kalin = speakers["ibrahim kalin"]
    assert kalin.name == "Ibrahim Kalin"
    assert kalin.count == 3
    assert set(kalin.forms) == {"Ibrahim Kalin", "Kalın", "KALIN"}
    assert set(kalin.documents) == {"old.txt", "new.pdf"}
    # Two full names end in Merkel: the bare surname is given to neither.
    assert speakers["merkel"].count == 1
    assert speakers["angela merkel"].count == 1 and speakers["hans merkel"].count == 1
    # Every shorter form of one fuller name is that person.
    erdogan = speakers["recep tayyip erdogan"]
    assert erdogan.count == 3 and set(erdogan.forms) == {"Recep Tayyip Erdogan", "Tayyip Erdogan", "Erdoğan"}
    # A role is not a name.
    assert not any("officials" in key for key in speakers)


def test_lookup_and_autocomplete(people: tuple[Path, Path, Index]) -> None:
    _, _, index = people
    speakers = group_speakers(index.quotes())
    assert find_speaker(speakers, "kalin").key == "ibrahim kalin"
    assert find_speaker(speakers, "Angela Merkel").key == "angela merkel"
    assert {s.key for s in match_speakers(speakers, "merk")} == {"merkel", "angela merkel", "hans merkel"}
    assert [s.key for s in match_speakers(speakers, "kal")] == ["ibrahim kalin"]
    with pytest.raises(UnknownSpeaker, match="Nobody called"):
        find_speaker(speakers, "Zelda Nobody")
    with pytest.raises(UnknownSpeaker, match="could be several people"):
        find_speaker(speakers, "Merk")


def test_an_abbreviated_speaker_is_found_by_its_key_and_as_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = 'Talks\n\n"We will halt the parts," the U.S. announced on Monday.\n'
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    speakers = group_speakers(build_index(corpus, tmp_path / "index").quotes())
    us = next(s for s in speakers if "u" in s.key)
    for typed in (us.key, "U.S.", "U.S", "u.s"):
        assert find_speaker(speakers, typed) == us


def test_quotes_newest_document_first_verbatim_and_cited(people: tuple[Path, Path, Index]) -> None:
    _, _, index = people
    kalin = find_speaker(group_speakers(index.quotes()), "Kalin")
    hits = speaker_quotes(index, kalin)
    assert [h.doc for h in hits] == ["new.pdf", "old.txt", "old.txt"]
    assert hits[0].page == 1 and hits[1].page is None
    for hit in hits:
        assert index.document(hit.doc).text[hit.start : hit.end] == hit.text
        assert hit.speaker == "Ibrahim Kalin"
    about = speaker_quotes(index, kalin, "Patriot deal")
    assert [h.doc for h in about] == ["new.pdf", "old.txt"]
    assert len(speaker_quotes(index, kalin, "harvest")) == 0


def test_cli_speakers_and_quotes(people: tuple[Path, Path, Index]) -> None:
    corpus, index_dir, _ = people
    paths = ["--corpus", str(corpus), "--index", str(index_dir)]
    listed = run_citebot("speakers", *paths, "--json")
    assert listed.returncode == 0, listed.stderr
    by_key = {s["key"]: s for s in json.loads(listed.stdout)}
    assert by_key["ibrahim kalin"]["quotes"] == 3
    text = run_citebot("speakers", *paths, "kalın")
    assert "Ibrahim Kalin" in text.stdout and "Merkel" not in text.stdout
    quoted = run_citebot("quotes", *paths, "--speaker", "Kalin", "--topic", "patriot", "--json")
    assert quoted.returncode == 0, quoted.stderr
    result = json.loads(quoted.stdout)
    assert [q["doc"] for q in result["quotes"]] == ["new.pdf", "old.txt"]
    assert result["quotes"][0]["page"] == 1
    plain = run_citebot("quotes", *paths, "--speaker", "Kalin")
    assert "p. 1, ¶" in plain.stdout
    unknown = run_citebot("quotes", *paths, "--speaker", "Zelda Nobody")
    assert unknown.returncode == 2 and "Nobody called" in unknown.stderr and "Traceback" not in unknown.stderr
    bare = run_citebot("quotes")
    assert bare.returncode == 2 and "--speaker" in bare.stderr


def test_cli_gaps_reads_the_bots_state(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = State(path)
    for _ in range(3):
        state.record_unanswered("When does the ferry run?", None)
    state.record_unanswered("when does the ferry run", None)
    state.record_unanswered("Who built the bridge?", None)
    answer = state.record_answer("Who opened the quay?", "a.txt", 2, "Maria Lopez", "The quay opened.")
    vote = state.record_feedback(answer, "wrong", 42)
    assert vote is not None and state.record_reason(vote, "speaker")
    state.record_feedback(answer, "helpful", 43)
    state.close()
    exported = run_citebot("gaps", "--state", str(path), "--json")
    assert exported.returncode == 0, exported.stderr
    gaps = json.loads(exported.stdout)
    assert (
        gaps["unanswered"][0]["question"] == "when does the ferry run" and gaps["unanswered"][0]["count"] == 4
    )
    assert gaps["unanswered"][1]["count"] == 1
    assert gaps["wrong"] == [
        {
            "question": "Who opened the quay?",
            "doc": "a.txt",
            "paragraph": 2,
            "speaker": "Maria Lopez",
            "quote": "The quay opened.",
            "wrong": 1,
            "helpful": 1,
            "reasons": {"wrong speaker": 1},
        }
    ]
    printed = run_citebot("gaps", "--state", str(path))
    assert "    4  when does the ferry run" in printed.stdout and "wrong speaker 1" in printed.stdout
    missing = run_citebot("gaps", "--state", str(tmp_path / "none.sqlite3"))
    assert missing.returncode == 2 and "No feedback recorded yet" in missing.stderr


def test_state_keeps_user_ids_only_when_asked(tmp_path: Path) -> None:
    import sqlite3

    for keep in (False, True):
        path = tmp_path / f"state-{keep}.sqlite3"
        state = State(path, keep_user_ids=keep)
        state.record_unanswered("Why?", 1234)
        state.record_change("add", "uploads/a.pdf", "admin", 99)
        state.close()
        with sqlite3.connect(path) as db:
            ids = [
                row[0]
                for row in db.execute("SELECT user_id FROM unanswered UNION ALL SELECT user_id FROM audit")
            ]
        assert ids == ([1234, 99] if keep else [None, None])
