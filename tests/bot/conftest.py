"""Fixtures for the bot tests: a real corpus and index on disk, and the real bot in simcord's Discord.

Every test here drives discord.py's own code (gateway parsing, command tree, interactions, views)
through simcord's in-memory Discord; nothing of ours is mocked. After each test, the ``env`` fixture
checks every message the bot sent: within Discord's limits, and sent with mentions disabled.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot import Settings, create_bot
from bot.app import Citebot
from index import build_index, sample_corpus_dir

LIBRARY_SIZE = 28  # more documents than an autocomplete list (25) or one /sources page (10) holds
LONG_TITLE = ("An extremely long document title that keeps going " * 8)[:300]
HUGE_SENTENCE = "The lighthouse keeper logged another quiet night on the northern rocks. "
HUGE_PARAGRAPH = HUGE_SENTENCE * (50_000 // len(HUGE_SENTENCE) + 1)
NASTY_TEXT = (
    "Ping @everyone and @here, the role <@&123456789012345678> and the user <@123456789012345678>. "
    "Formatting: **bold**, __underline__, ~~strike~~, `code`, ||spoiler||, [a link](https://evil.example). "
    "The ferryman said the quay would reopen on Monday."
)


def write_corpus(root: Path) -> Path:
    """The test corpus: the sample articles, a library of small documents, and worst cases."""
    root.mkdir(parents=True, exist_ok=True)
    for path in sample_corpus_dir().iterdir():
        if path.is_file():
            shutil.copy(path, root / path.name)
    library = root / "library"
    library.mkdir()
    for i in range(1, LIBRARY_SIZE + 1):
        (library / f"harbor{i:02d}.txt").write_text(
            f"Harbor report number {i}\n\n"
            f"The harbor master said the harbor was busy on day {i}. "
            f"Ships waited outside the harbor for {i} hours.\n\n"
            f"Unique marker word: marker{i:02d}.\n",
            encoding="utf-8",
        )
    worst = root / "worst"
    worst.mkdir()
    (worst / "huge.txt").write_text(f"{LONG_TITLE}\n\n{HUGE_PARAGRAPH}\n", encoding="utf-8")
    (worst / "nasty.md").write_text(
        f"Nasty *title* with @everyone\n\n{NASTY_TEXT}\n\n> Not a quote. # Not a header.\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def own_corpus(tmp_path: Path) -> Path:
    """A small corpus of this test's own, free to change: the two sample articles."""
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    return corpus


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus_dir, index_dir) of the test corpus, built once; tests must not rebuild it."""
    root = tmp_path_factory.mktemp("bot-corpus")
    corpus = write_corpus(root / "corpus")
    build_index(corpus, root / "index")
    return corpus, root / "index"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bot_settings(**fields): Settings fields for this test's bot")


@pytest.fixture
def settings(request: pytest.FixtureRequest, shared_index: tuple[Path, Path], tmp_path: Path) -> Settings:
    """The bot's settings: the shared index, text commands on, cooldowns out of the way, and a
    state file of the test's own."""
    corpus, index = shared_index
    fields: dict[str, Any] = {
        "corpus_dir": corpus,
        "index_dir": index,
        "state_path": tmp_path / "state.sqlite3",
        "message_content_intent": True,
        "cooldown_uses": 1000,
    }
    marker = request.node.get_closest_marker("bot_settings")
    if marker:
        fields.update(marker.kwargs)
    return Settings(**fields)


@pytest.fixture
def simcord_bot(settings: Settings) -> Citebot:
    return create_bot(settings)


@pytest.fixture
async def env(simcord_env: simcord.Env) -> AsyncIterator[simcord.Env]:
    """A running simcord environment whose bot has loaded its index and registered its commands.

    Afterwards, every message the bot sent in the test is audited: within Discord's limits, and
    sent with mentions disabled.
    """
    bot = simcord_env.bot
    assert isinstance(bot, Citebot)
    await bot.service.wait_ready()
    bot.service.require_ready()
    await bot.tree.sync()
    yield simcord_env
    for body in bot_messages(simcord_env):
        check_body(body)


@pytest.fixture
def bot(env: simcord.Env) -> Citebot:
    assert isinstance(env.bot, Citebot)
    return env.bot


@pytest.fixture
def guild(env: simcord.Env) -> simcord.GuildHandle:
    return env.create_guild("Newsroom")


@pytest.fixture
def channel(guild: simcord.GuildHandle) -> simcord.ChannelHandle:
    return guild.create_text_channel("general")


@pytest.fixture
def alice(env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with no special permissions."""
    return guild.add_member(env.create_user("alice"))


@pytest.fixture
def bob(env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """Another ordinary member."""
    return guild.add_member(env.create_user("bob"))


@pytest.fixture
def admin(env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member whose role has the Manage Server permission."""
    role = guild.create_role("Moderators", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("admin"), roles=[role])


@pytest.fixture
def owner(env: simcord.Env, guild: simcord.GuildHandle, bot: Citebot) -> simcord.MemberActor:
    """A member who is one of the bot's owners (CITEBOT_OWNER_IDS)."""
    member = guild.add_member(env.create_user("owner"))
    bot.settings.owner_ids = {member.id}
    bot.owner_ids = {member.id}
    return member


# ---------------------------------------------------------------------------------------------
# Checking what the bot sent


@dataclass(frozen=True)
class Limits:
    content: int = 2000
    title: int = 256
    description: int = 4096
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    embed_total: int = 6000
    embeds: int = 10


def _message_bodies(entry: simcord.HttpLogEntry) -> Iterator[dict[str, Any]]:
    """Message payloads in a REST call: channel messages, interaction responses, webhook followups."""
    if entry.method not in ("POST", "PATCH") or not isinstance(entry.json, dict):
        return
    path = entry.path
    if path.startswith("/interactions/") and path.endswith("/callback"):
        data = entry.json.get("data")
        if isinstance(data, dict) and entry.json.get("type") in (4, 7):
            yield data
    elif (path.startswith("/webhooks/") or (path.startswith("/channels/") and "/messages" in path)) and (
        "/reactions" not in path
    ):
        yield entry.json


def embed_size(embed: dict[str, Any]) -> int:
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "") + len(
        (embed.get("author") or {}).get("name") or ""
    )
    for field in embed.get("fields") or []:
        size += len(field.get("name") or "") + len(field.get("value") or "")
    return size


def check_body(body: dict[str, Any], limits: Limits = Limits()) -> None:
    content = body.get("content") or ""
    assert len(content) <= limits.content, f"content of {len(content)} chars"
    embeds = body.get("embeds") or []
    assert len(embeds) <= limits.embeds
    for embed in embeds:
        assert len(embed.get("title") or "") <= limits.title
        assert len(embed.get("description") or "") <= limits.description
        assert len((embed.get("footer") or {}).get("text") or "") <= limits.footer
        assert len((embed.get("author") or {}).get("name") or "") <= limits.author
        for field in embed.get("fields") or []:
            assert len(field["name"]) <= limits.field_name and len(field["value"]) <= limits.field_value
        assert embed_size(embed) <= limits.embed_total
    if content or embeds:
        mentions = body.get("allowed_mentions")
        assert mentions is not None, "a message sent without allowed_mentions"
        assert mentions.get("parse") == [], f"allowed_mentions {mentions}"
        assert not mentions.get("users") and not mentions.get("roles")
        assert mentions.get("replied_user", False) is False


def bot_messages(env: simcord.Env) -> list[dict[str, Any]]:
    """Every message payload the bot sent so far, in order."""
    return [body for entry in env.http_requests for body in _message_bodies(entry)]


def was_deferred(env: simcord.Env, result: simcord.InteractionResult) -> bool:
    """Whether the bot first answered the interaction with a defer (callback type 5 or 6).

    simcord reports a completed defer as a message, so the callback request is what tells.
    """
    interaction_id = result._interaction.id
    for request in env.http_requests:
        if request.method == "POST" and request.path.startswith(f"/interactions/{interaction_id}/"):
            return isinstance(request.json, dict) and request.json.get("type") in (5, 6)
    return False


def handled_errors(env: simcord.Env) -> list[str]:
    """Names of the errors the bot raised and its error handler answered (unwrapped from
    discord.py's command wrappers). Reading them tells simcord they were expected."""
    names = []
    for error in env.errors:
        while getattr(error, "original", None) is not None:
            error = error.original  # type: ignore[attr-defined]
        names.append(type(error).__name__)
    return names


def reply_of(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The message an interaction produced: its response, or its only followup."""
    if result.response is not None:
        return result.response
    assert len(result.followups) == 1, result
    return result.followups[0]


def text_of(message: discord.Message | simcord.ResponseMessage) -> str:
    """All the text of a message: content, then each embed's title, author, description and footer."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [
            embed.title or "",
            embed.author.name or "",
            embed.description or "",
            embed.footer.text or "",
        ]
    return "\n".join(p for p in parts if p)


def last_bot_message(channel: simcord.ChannelHandle, bot: Citebot) -> discord.Message:
    assert bot.user is not None
    for message in reversed(channel.history()):
        if message.author.id == bot.user.id:
            return message
    raise AssertionError("the bot sent nothing to this channel")
