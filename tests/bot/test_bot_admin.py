"""/reindex and !sync: who may, what they are told, and reindexing while people keep asking."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path

import pytest
import simcord
from conftest import handled_errors, last_bot_message, reply_of, text_of, was_deferred

from bot import Settings, create_bot
from bot.app import Citebot
from bot.service import Engine, IndexService, ReindexRunning
from index import build_index

KALIN_QUESTION = "what did Kalin say about Patriots?"


@pytest.fixture
def settings(own_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(
        corpus_dir=own_corpus, index_dir=tmp_path / "index", message_content_intent=True, cooldown_uses=1000
    )


class Gate:
    """The real rebuild, which waits in its worker thread while the test holds the gate closed."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def close(self) -> None:
        self.started.clear()
        self.release.clear()

    def build(self, corpus_dir: Path, index_dir: Path) -> Engine:
        self.started.set()
        if not self.release.wait(timeout=20):
            raise TimeoutError("the test never released the rebuild")
        return build_index(corpus_dir, index_dir)


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def simcord_bot(settings: Settings, gate: Gate) -> Citebot:
    """The bot, rebuilding through the gate (open unless a test closes it)."""
    return Citebot(settings, service=IndexService(settings, build=gate.build))


async def test_admin_reindex_reports_what_changed(
    env: simcord.Env, own_corpus: Path, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    (own_corpus / "new.txt").write_text("A new memo\n\nThe zeppelin fleet sails at noon.\n", encoding="utf-8")
    (own_corpus / "skip.bin").write_bytes(b"\x00\x01\x02binary\xff" * 100)
    result = await admin.slash(channel, "reindex")
    assert was_deferred(env, result) and not result.ephemeral
    embed = reply_of(result).embeds[0]
    assert embed.title == "Index rebuilt"
    description = embed.description or ""
    assert "**Reindexed in" in description and "3 documents now indexed" in description
    assert "Added 1" in description and "`new.txt`" in description
    assert "`skip.bin`" in description  # skipped, with its reason after the colon
    found = reply_of(await admin.slash(channel, "search", query="zeppelin"))
    assert "**zeppelin**" in (found.embeds[0].description or "")


async def test_prefix_reindex_by_an_admin(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    await admin.send(channel, "!reindex")
    assert last_bot_message(channel, bot).embeds[0].title == "Index rebuilt"


async def test_configured_admin_role_may_reindex(
    env: simcord.Env, bot: Citebot, guild: simcord.GuildHandle, channel: simcord.ChannelHandle
) -> None:
    role = guild.create_role("Librarians")
    bot.settings.admin_role_ids = {role.id}
    librarian = guild.add_member(env.create_user("librarian"), roles=[role])
    await librarian.send(channel, "!reindex")
    assert last_bot_message(channel, bot).embeds[0].title == "Index rebuilt"


async def test_non_admin_slash_reindex_is_refused_on_the_server_side(
    env: simcord.Env,
    bot: Citebot,
    guild: simcord.GuildHandle,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
) -> None:
    # A server admin may make the command visible to everyone; the bot must still refuse.
    command = next(c for c in await bot.tree.fetch_commands() if c.name == "reindex")
    guild.set_command_permissions(command.id, {alice: True})
    result = await alice.slash(channel, "reindex")
    assert reply_of(result).ephemeral
    assert "Only server admins" in reply_of(result).content
    assert not bot.service.reindexing
    assert handled_errors(env) == ["NotAdmin"]


async def test_non_admin_prefix_reindex_is_refused(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, "!reindex")
    assert "Only server admins" in last_bot_message(channel, bot).content
    assert handled_errors(env) == ["NotAdmin"]


async def test_reindex_in_a_dm_needs_a_server(env: simcord.Env, bot: Citebot) -> None:
    user = env.create_user("dm-user")
    env.create_guild("Shared").add_member(user)
    await user.send_dm("!reindex")
    reply = user.dm_channel.last_message
    assert reply is not None and "only works in a server" in reply.content
    assert handled_errors(env) == ["NoPrivateMessage"]


async def test_owner_may_reindex_and_sync_from_a_dm(
    env: simcord.Env, bot: Citebot, owner: simcord.MemberActor
) -> None:
    await owner.user.send_dm("!reindex")
    assert owner.user.dm_channel.last_message is not None
    assert owner.user.dm_channel.last_message.embeds[0].title == "Index rebuilt"
    await owner.user.send_dm("!sync")
    assert f"Synced {len(bot.tree.get_commands())} commands" in owner.user.dm_channel.last_message.content


async def test_sync_is_for_owners_only(
    env: simcord.Env,
    bot: Citebot,
    owner: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
) -> None:
    await admin.send(channel, "!sync")
    assert "Only the bot's owner" in last_bot_message(channel, bot).content
    assert handled_errors(env) == ["NotOwner"]


async def test_a_failed_rebuild_keeps_the_old_index_and_says_why(
    env: simcord.Env, own_corpus: Path, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    shutil.rmtree(own_corpus)
    result = await admin.slash(channel, "reindex")
    failure = reply_of(result)  # in place of the "thinking…" placeholder the command showed
    assert str(own_corpus.name) in failure.content or "corpus" in failure.content.lower()
    answer = reply_of(await admin.slash(channel, "ask", question=KALIN_QUESTION))
    assert "sale process does not affect" in (answer.embeds[0].description or "")
    assert handled_errors(env) == ["CorpusError"]


# ---------------------------------------------------------------------------------------------
# Concurrency: the rebuild runs in a worker thread, gated so that the test can act meanwhile.


async def test_second_reindex_is_told_one_is_running_and_questions_are_answered_meanwhile(
    env: simcord.Env,
    bot: Citebot,
    own_corpus: Path,
    gate: Gate,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
) -> None:
    (own_corpus / "new.txt").write_text("A new memo\n\nThe zeppelin fleet sails at noon.\n", encoding="utf-8")
    gate.close()
    # The first rebuild, as if requested in another server a moment ago.
    first = asyncio.create_task(bot.service.reindex())
    assert await asyncio.to_thread(gate.started.wait, 10)
    second = await admin.slash(channel, "reindex")
    assert reply_of(second).ephemeral and "already running" in reply_of(second).content
    answer = reply_of(await admin.slash(channel, "ask", question=KALIN_QUESTION))
    assert "sale process does not affect" in (answer.embeds[0].description or "")
    old = reply_of(await admin.slash(channel, "search", query="zeppelin"))
    assert old.embeds[0].description == "No passage matches that search."  # still the old index
    gate.release.set()
    result = await first
    assert "new.txt" in result.report.added
    new = reply_of(await admin.slash(channel, "search", query="zeppelin"))
    assert "**zeppelin**" in text_of(new)
    assert handled_errors(env) == ["ReindexRunning"]


async def test_service_refuses_overlapping_rebuilds(bot: Citebot, gate: Gate) -> None:
    service = bot.service
    gate.close()
    first = asyncio.create_task(service.reindex())
    assert await asyncio.to_thread(gate.started.wait, 10)
    with pytest.raises(ReindexRunning):
        await service.reindex()
    gate.release.set()
    await first
    await service.reindex()  # free again once the first is done


def test_create_bot_builds_without_a_running_loop(settings: Settings) -> None:
    assert isinstance(create_bot(settings), Citebot)
