"""The ``citebot`` command line, run as a user runs it: a real process over real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def citebot(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def paths(corpus_dir: Path, tmp_path: Path) -> list[str]:
    return ["--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]


def test_ask_json_from_stdin_answers_each_line(paths: list[str], corpus_dir: Path) -> None:
    run = citebot(
        "ask", *paths, "--json", "-", stdin="What did Kalin say about Patriots?\n\nWho is Angela Merkel?\n"
    )
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "What did Kalin say about Patriots?",
        "Who is Angela Merkel?",
    ]
    first = lines[0]
    assert first["answered"] and first["answers"][0]["speaker"] == "Ibrahim Kalin"
    for key in ("text", "speaker", "doc", "title", "paragraph", "start", "end", "score"):
        assert key in first["answers"][0]
    hit = first["answers"][0]
    with open(corpus_dir / hit["doc"], encoding="utf-8", newline="") as handle:
        assert handle.read()[hit["start"] : hit["end"]] == hit["text"]
    assert lines[1]["answered"] is False and isinstance(lines[1]["related"], list)


def test_ask_prints_a_readable_answer(paths: list[str]) -> None:
    run = citebot("ask", *paths, "What did Kalin say about Patriots?")
    assert run.returncode == 0, run.stderr
    assert "The US Patriot sale process does not affect the S-400 process." in run.stdout
    assert "Ibrahim Kalin" in run.stdout and "¶" in run.stdout


def test_default_corpus_is_the_bundled_sample(tmp_path: Path) -> None:
    run = citebot(
        "ask", "What did Kalin say about Patriots?", env={"XDG_CACHE_HOME": str(tmp_path)}, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "sample" in run.stdout or "Ibrahim Kalin" in run.stdout


def test_settings_come_from_dotenv(corpus_dir: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"CITEBOT_CORPUS_DIR={corpus_dir}\nCITEBOT_INDEX_DIR={tmp_path / 'ix'}\n", "utf-8"
    )
    run = citebot(
        "index", "build", "--json", cwd=tmp_path, env={"CITEBOT_CORPUS_DIR": "", "CITEBOT_INDEX_DIR": ""}
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["corpus"] == str(corpus_dir) and report["documents"] == 2
    assert (tmp_path / "ix" / "current").exists()


def test_build_reports_skipped_files(paths: list[str], corpus_dir: Path) -> None:
    (corpus_dir / "bad.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    run = citebot("index", "build", *paths)
    assert run.returncode == 0, run.stderr
    assert "2 documents" in run.stdout and "bad.txt" in run.stdout


def test_build_takes_a_time_budget_per_document(paths: list[str]) -> None:
    tight = citebot("index", "build", *paths, "--json", "--file-budget", "0.000001")
    assert tight.returncode == 0, tight.stderr
    report = json.loads(tight.stdout)
    assert report["quotes"] == 0
    assert all("without quote attribution" in s["reason"] for s in report["skipped"]) and report["skipped"]
    unlimited = citebot("index", "build", *paths, "--json", "--repair", "--file-budget", "0")
    assert json.loads(unlimited.stdout)["quotes"] > 0 and not json.loads(unlimited.stdout)["skipped"]
    bad = citebot("index", "build", *paths, "--file-budget", "soon")
    assert bad.returncode == 2 and "not a number of seconds" in bad.stderr


def test_search_json(paths: list[str]) -> None:
    run = citebot("search", *paths, "--json", "-k", "3", "S-400")
    assert run.returncode == 0, run.stderr
    hits = json.loads(run.stdout)["hits"]
    assert 1 <= len(hits) <= 3 and all("S-400" in h["text"] for h in hits)


def test_quotes_json_needs_no_index(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text('Title\n\n"We are ready," said Jane Roe.\n', "utf-8")
    run = citebot("quotes", "--json", str(article))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["file"] == str(article)
    quote = out["quotes"][0]
    text = article.read_text("utf-8")
    assert text[quote["start"] : quote["end"]] == quote["text"] == "We are ready,"
    assert text[quote["speaker_start"] : quote["speaker_end"]] == "Jane Roe"
    assert quote["speaker"] == "Jane Roe" and quote["cue"] == "said"


def test_chat_answers_until_eof(paths: list[str]) -> None:
    run = citebot("chat", *paths, stdin="Who invited Trump to visit Turkey?\nquit\n")
    assert run.returncode == 0, run.stderr
    assert "Recep Tayyip Erdogan" in run.stdout


def test_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    run = citebot("ask", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "ix"), "anything")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stderr.startswith("citebot: ")
    (tmp_path / "ix2").mkdir()
    (tmp_path / "ix2" / "manifest.json").write_text("{}", "utf-8")
    run = citebot("search", "--index", str(tmp_path / "ix2"), "--corpus", str(tmp_path), "x")
    assert "Traceback" not in run.stderr


def test_run_without_token_explains_what_to_set(tmp_path: Path) -> None:
    run = citebot("run", env={"DISCORD_TOKEN": ""}, cwd=tmp_path)
    assert run.returncode == 2
    assert "DISCORD_TOKEN" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_ask_path_does_not_import_discord_or_pydantic(paths: list[str]) -> None:
    # Building parses with spaCy (which brings pydantic); answering from a built index must not.
    assert citebot("index", "build", *paths).returncode == 0
    code = (
        "import sys, bot.cli; bot.cli.main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('discord', 'pydantic', 'scipy', 'spacy', 'thinc')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "ask", *paths, "--json", "Who invited Trump?"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
