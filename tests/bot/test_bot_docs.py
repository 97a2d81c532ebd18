"""The docs stay honest: every command has a description and a row in the README, every setting a
line in .env.example and a row in the docs, and the invite permissions match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from discord import app_commands
from discord.ext import commands

from bot import Settings, create_bot
from bot.app import INVITE_PERMISSIONS, Citebot
from bot.cogs import add_cogs

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"


@pytest.fixture
async def loaded_bot(tmp_path: Path) -> Citebot:
    bot = create_bot(Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index"))
    await add_cogs(bot)
    return bot


def command_rows() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| Command |") :].split("\n\n")[0]
    return [line for line in table.splitlines() if line.startswith("| ")][1:]  # rows below the header


async def test_every_command_has_a_description(loaded_bot: Citebot) -> None:
    for command in loaded_bot.commands:
        assert command.help and command.short_doc, f"!{command.name} has no help text"
    for app_command in loaded_bot.tree.get_commands():
        if isinstance(app_command, app_commands.Command):
            assert app_command.description and app_command.description != "…", app_command.name
            for parameter in app_command.parameters:
                assert parameter.description and parameter.description != "…", (
                    f"/{app_command.name} {parameter.name} has no description"
                )


async def test_every_command_has_a_row_in_the_docs(loaded_bot: Citebot) -> None:
    rows = command_rows()
    names = {c.name for c in loaded_bot.commands if not c.hidden} - {"help"}
    names |= {c.name for c in loaded_bot.tree.get_commands()}
    for name in names:
        pattern = re.compile(rf"[`*](?:/|!)?{re.escape(name)}\b")
        assert any(pattern.search(row) for row in rows), f"no row in the README for {name}"


async def test_slash_and_prefix_forms_are_both_documented(loaded_bot: Citebot) -> None:
    rows = "\n".join(command_rows())
    for command in loaded_bot.commands:
        if isinstance(command, commands.HybridCommand):
            assert f"`/{command.name}" in rows and f"`!{command.name}" in rows, command.name


def test_every_setting_is_in_env_example_and_docs() -> None:
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    docs = DOCS.read_text(encoding="utf-8")
    keys = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    expected = {"DISCORD_TOKEN"} | {f"CITEBOT_{name.upper()}" for name in Settings.model_fields} - {
        "CITEBOT_DISCORD_TOKEN"
    }
    assert keys == expected
    for key in expected:
        assert f"| `{key}` |" in docs, f"{key} has no row in the README"


def test_env_example_parses(tmp_path: Path) -> None:
    settings = Settings.from_env(ENV_EXAMPLE)
    assert settings.command_prefix == "!" and settings.corpus_dir is None


def test_invite_permissions_in_docs_match_the_code() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert f"permissions={INVITE_PERMISSIONS.value}" in docs
    assert "scope=bot+applications.commands" in docs
