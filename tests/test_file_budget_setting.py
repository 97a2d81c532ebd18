"""CITEBOT_FILE_BUDGET_S: the per-document attribution time budget from configuration, for the bot's
builds, the builds ``citebot ask`` starts, and ``citebot index build`` (whose flag wins)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.service import IndexService
from bot.settings import Settings, SettingsError, load_settings
from index import open_index

KEY = "CITEBOT_FILE_BUDGET_S"
TIGHT = "0.000001"  # no document is attributed within it
NOT_ATTRIBUTED = "without quote attribution"


def citebot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        cwd=cwd,
    )


def test_the_setting_reads_seconds_and_zero_is_no_limit(tmp_path: Path) -> None:
    assert Settings().file_budget == 30.0
    assert Settings(file_budget_s=0).file_budget is None
    env_file = tmp_path / ".env"
    env_file.write_text(f"{KEY}=2.5\n", encoding="utf-8")
    assert load_settings(env_file).file_budget == 2.5


@pytest.mark.parametrize("bad", ["-1", "soon", "nan", "inf"])
def test_a_bad_value_is_a_short_error_naming_the_key_not_the_value(tmp_path: Path, bad: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"{KEY}={bad}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=KEY) as caught:
        load_settings(env_file)
    assert bad not in str(caught.value)


async def test_the_bots_builds_use_it(corpus_dir: Path, tmp_path: Path) -> None:
    settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index", file_budget_s=float(TIGHT))
    service = IndexService(settings)
    service.start()
    await service.wait_ready()
    assert open_index(tmp_path / "index").manifest["quotes"] == 0  # the first build
    (corpus_dir / "new.txt").write_text('New\n\n"We will wait," Smith said.\n', encoding="utf-8")
    result = await service.reindex()  # /reindex: the new file is parsed within the same budget
    assert result.report.quotes == 0 and any(NOT_ATTRIBUTED in s.reason for s in result.report.skipped)
    await service.close()


def test_ask_builds_with_it_and_the_build_flag_wins(corpus_dir: Path, tmp_path: Path) -> None:
    paths = _cli_paths(corpus_dir, tmp_path)
    (tmp_path / ".env").write_text(f"{KEY}={TIGHT}\n", encoding="utf-8")  # read from .env, like the bot
    asked = citebot("ask", *paths, "--json", "What did Kalin say about Patriots?", env={}, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert open_index(tmp_path / "ix").manifest["quotes"] == 0
    flag = citebot("index", "build", *paths, "--json", "--repair", "--file-budget", "0", env={}, cwd=tmp_path)
    assert flag.returncode == 0, flag.stderr
    assert json.loads(flag.stdout)["quotes"] > 0
    setting = citebot("index", "build", *paths, "--json", "--repair", env={KEY: TIGHT}, cwd=tmp_path)
    report = json.loads(setting.stdout)
    assert report["quotes"] == 0 and any(NOT_ATTRIBUTED in s["reason"] for s in report["skipped"])


def test_a_bad_value_stops_the_terminal_tool_with_one_line(corpus_dir: Path, tmp_path: Path) -> None:
    paths = _cli_paths(corpus_dir, tmp_path)
    for command in (["index", "build", *paths], ["ask", *paths, "What did Kalin say?"]):
        run = citebot(*command, env={KEY: "sk-secret-looking"}, cwd=tmp_path)
        assert run.returncode == 2, run.stderr
        assert KEY in run.stderr and "sk-secret" not in run.stderr and "Traceback" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1


def _cli_paths(corpus_dir: Path, tmp_path: Path) -> list[str]:
    """The corpus and an index folder not named "index" (run from ``tmp_path``, a folder of that
    name would shadow the package)."""
    return ["--corpus", str(corpus_dir), "--index", str(tmp_path / "ix")]
