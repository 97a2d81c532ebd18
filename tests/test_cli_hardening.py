"""The terminal tool on bad input, damaged or unwritable indexes, and no network: one clear line,
never a traceback, and a non-zero exit whenever the command could not do its job."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index import build_index

KALIN = "What did Kalin say about Patriots?"
KALIN_WORDS = "The US Patriot sale process does not affect the S-400 process."


def citebot(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    prefix: list[str] | None = None,
    **kw,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        **kw,
    )


def one_line_error(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.fixture
def paths(corpus_dir: Path, tmp_path: Path) -> list[str]:
    return ["--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]


def test_version() -> None:
    run = citebot("--version")
    assert run.returncode == 0 and run.stdout.startswith("citebot ") and run.stdout.split()[1][0].isdigit()


@pytest.mark.parametrize("k", ["0", "-3", "many"])
def test_search_k_must_be_a_positive_count(paths: list[str], k: str) -> None:
    run = citebot("search", *paths, "-k", k, "Patriot")
    assert run.returncode == 2 and "-k/--limit" in run.stderr and "Traceback" not in run.stderr


def test_quotes_of_a_folder_reads_the_files_in_it(corpus_dir: Path) -> None:
    run = citebot("quotes", "--json", str(corpus_dir))
    assert run.returncode == 0, run.stderr
    files = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(files) == 2 and all(f["quotes"] for f in files)


def test_a_utf16_dotenv_is_read(corpus_dir: Path, tmp_path: Path) -> None:
    env_text = f"CITEBOT_CORPUS_DIR={corpus_dir}\nCITEBOT_INDEX_DIR={tmp_path / 'index'}\n"
    (tmp_path / ".env").write_bytes(env_text.encode("utf-16"))
    env = {"CITEBOT_CORPUS_DIR": "", "CITEBOT_INDEX_DIR": ""}
    run = citebot("ask", KALIN, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert KALIN_WORDS in run.stdout and (tmp_path / "index" / "current").is_symlink()


def test_an_undecodable_dotenv_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"CITEBOT_CORPUS_DIR=/caf\xe9\n")
    line = one_line_error(citebot("ask", KALIN, cwd=tmp_path, env={"CITEBOT_CORPUS_DIR": ""}))
    assert "not UTF-8 or UTF-16" in line


TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.k3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3y"


def test_a_token_in_the_wrong_setting_is_never_echoed(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN=x\nCITEBOT_COOLDOWN_USES={TOKEN}\n", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "DISCORD_TOKEN": "", "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    line = one_line_error(run)
    assert "CITEBOT_COOLDOWN_USES" in line
    for piece in (TOKEN[i : i + 6] for i in range(0, len(TOKEN) - 6, 3)):
        assert piece not in run.stderr


_OFFLINE_RUN = """
import discord.http
discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"  # nothing listens there: no network
from bot.app import main
raise SystemExit(main([]))
"""


def test_run_without_network_is_one_line_and_no_intent_warning(tmp_path: Path, corpus_dir: Path) -> None:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "fake.token.value",
        "CITEBOT_MESSAGE_CONTENT_INTENT": "false",
        "CITEBOT_CORPUS_DIR": str(corpus_dir),
        "CITEBOT_INDEX_DIR": str(tmp_path / "index"),
    }
    run = subprocess.run(
        [sys.executable, "-c", _OFFLINE_RUN],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    ours = [line for line in run.stderr.splitlines() if line.startswith("citebot:")]
    assert len(ours) == 1 and "cannot reach Discord" in ours[0]
    assert "message content intent" not in run.stderr
    assert len(run.stderr.splitlines()) < 8


def _damage(index_dir: Path, rel: str) -> None:
    path = (index_dir / "current").resolve() / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "rel", ["speakers.json", "quotes.jsonl", "texts.bin", "bm25/bm25.json", "arrays/sent_len.col"]
)
def test_ask_on_a_damaged_index_rebuilds_it_and_answers(paths: list[str], tmp_path: Path, rel: str) -> None:
    assert citebot("index", "build", *paths).returncode == 0
    _damage(tmp_path / "index", rel)
    run = citebot("ask", *paths, KALIN)
    assert run.returncode == 0, run.stderr
    assert KALIN_WORDS in run.stdout and "Traceback" not in run.stderr
    again = citebot("ask", *paths, KALIN)
    assert again.returncode == 0 and again.stderr == ""


def test_build_repair_recovers_a_broken_layout(paths: list[str], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert citebot("index", "build", *paths).returncode == 0
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("current")
    shutil.rmtree(index_dir / ".build.lock", ignore_errors=True)
    (index_dir / ".build.lock").unlink(missing_ok=True)
    (index_dir / ".build.lock").mkdir()
    run = citebot("index", "build", "--repair", "--json", *paths)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["documents"] == 2
    assert KALIN_WORDS in citebot("ask", *paths, KALIN).stdout


def test_index_pointing_at_a_file_is_one_line(corpus_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    line = one_line_error(
        citebot("ask", "--corpus", str(corpus_dir), "--index", str(tmp_path / "file"), KALIN)
    )
    assert "is a file" in line


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000, 2_000))


def test_a_failed_write_is_one_line_and_the_old_index_serves(paths: list[str], corpus_dir: Path) -> None:
    assert citebot("index", "build", *paths).returncode == 0
    (corpus_dir / "extra.txt").write_text("Extra\n\n" + "Puffins nest on cliffs. " * 400, "utf-8")
    line = one_line_error(citebot("index", "build", *paths, preexec_fn=_limit_file_size))
    assert line.startswith("citebot: Cannot write the index") and "unchanged" in line
    asked = citebot("ask", *paths, KALIN, preexec_fn=_limit_file_size)  # stale, and can't be rebuilt
    assert asked.returncode == 0 and KALIN_WORDS in asked.stdout
    assert "Answering from the existing index" in asked.stderr and "Traceback" not in asked.stderr


def _read_only_prefix() -> list[str] | None:
    """How to run a command that must not be able to write a 0o555 folder (root ignores modes)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [
        setpriv,
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
    ]


def test_a_read_only_index_is_served_as_is(corpus_dir: Path, tmp_path: Path) -> None:
    prefix = _read_only_prefix()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir).close()
    (corpus_dir / "extra.txt").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")  # now stale
    for folder in [index_dir, *[p for p in index_dir.rglob("*") if p.is_dir() and not p.is_symlink()]]:
        folder.chmod(0o555)
    try:
        paths = ["--corpus", str(corpus_dir), "--index", str(index_dir)]
        run = citebot("ask", *paths, KALIN, prefix=prefix)
        assert run.returncode == 0, run.stderr
        assert KALIN_WORDS in run.stdout and "Traceback" not in run.stderr
        assert "existing index" in run.stderr
        line = one_line_error(citebot("index", "build", *paths, prefix=prefix))
        assert "Cannot write the index" in line
    finally:
        for folder in [index_dir, *index_dir.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)


def test_disk_full_message(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import index.columns as columns
    from index.errors import IndexWriteError

    build_index(corpus_dir, tmp_path / "index").close()
    (corpus_dir / "extra.txt").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(columns, "write", full)
    with pytest.raises(IndexWriteError, match="the disk is full"):
        build_index(corpus_dir, tmp_path / "index")
    monkeypatch.undo()
    from index import open_index

    assert not open_index(tmp_path / "index").search("puffins")  # the old generation still serves
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith("tmp-")]


def test_errors_never_echo_direction_overrides(paths: list[str]) -> None:
    run = citebot("search", *paths, "--doc", "inv\u202eoice.txt", "Patriot")
    line = one_line_error(run)
    assert "\u202e" not in line and "No document called" in line


def test_build_summary_counts_files_lost_to_our_bugs(
    paths: list[str], corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from index import corpus

    def broken(doc: str, text: str) -> object:
        raise KeyError("our bug")

    monkeypatch.setitem(corpus._TEXT_READERS, ".txt", broken)
    (corpus_dir / "extra.md").write_text("Extra\n\nPuffins nest on cliffs.\n", "utf-8")
    assert main(["index", "build", *paths]) == 0
    out = capsys.readouterr().out
    assert "2 files skipped" in out and "2 files failed on a bug of citebot's" in out
