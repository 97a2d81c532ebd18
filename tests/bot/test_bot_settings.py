"""Settings: keyword construction reads no .env, the environment and .env do; lists parse; secrets stay
secret; no token means a one-line explanation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot import Settings
from bot.app import main

ENV_KEYS = [
    "DISCORD_TOKEN",
    "CITEBOT_CORPUS_DIR",
    "CITEBOT_INDEX_DIR",
    "CITEBOT_COMMAND_PREFIX",
    "CITEBOT_DEV_GUILD_ID",
    "CITEBOT_OWNER_IDS",
    "CITEBOT_ADMIN_ROLE_IDS",
    "CITEBOT_ALLOWED_GUILD_IDS",
    "CITEBOT_ALLOWED_CHANNEL_IDS",
    "CITEBOT_MESSAGE_CONTENT_INTENT",
    "CITEBOT_LOG_LEVEL",
    "CITEBOT_COOLDOWN_USES",
    "CITEBOT_COOLDOWN_SECONDS",
    "CITEBOT_GUILD_CONCURRENCY",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No citebot variables in the environment, and a fresh working directory."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_keyword_construction_ignores_dotenv(clean_env: Path) -> None:
    (clean_env / ".env").write_text("DISCORD_TOKEN=from-file\nCITEBOT_COMMAND_PREFIX=?\n", encoding="utf-8")
    settings = Settings(discord_token=SecretStr("t"), corpus_dir=clean_env, index_dir=clean_env / "i")
    assert settings.command_prefix == "!"
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == "t"
    assert settings.owner_ids == set() and settings.dev_guild_id is None


def test_from_env_reads_dotenv_and_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(
        "DISCORD_TOKEN=from-file\nCITEBOT_COMMAND_PREFIX=?\nCITEBOT_OWNER_IDS=1, 2\nCITEBOT_DEV_GUILD_ID=\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CITEBOT_ADMIN_ROLE_IDS", "[3, 4]")
    monkeypatch.setenv("CITEBOT_ALLOWED_CHANNEL_IDS", "5")
    settings = Settings.from_env()
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == "from-file"
    assert settings.command_prefix == "?"
    assert settings.owner_ids == {1, 2}
    assert settings.admin_role_ids == {3, 4}
    assert settings.allowed_channel_ids == {5}
    assert settings.dev_guild_id is None


def test_token_never_shows_in_repr(clean_env: Path) -> None:
    settings = Settings(discord_token=SecretStr("super-secret-token"))
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(settings.model_dump())


@pytest.mark.parametrize("bad", [{"log_level": "LOUD"}, {"owner_ids": "1,x"}, {"command_prefix": ""}])
def test_bad_values_are_refused(clean_env: Path, bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Settings(**bad)  # type: ignore[arg-type]


def test_main_without_token_explains_in_one_line(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DISCORD_TOKEN" in err and "Traceback" not in err


def test_python_m_bot_without_token(clean_env: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=clean_env, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "DISCORD_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_importing_bot_settings_does_not_import_discord() -> None:
    code = (
        "import sys, bot, bot.render, bot.settings; s = bot.Settings(); "
        "assert 'discord' not in sys.modules, 'discord imported'; "
        "bot.create_bot; assert 'discord' in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
