"""A per-server cap on concurrent engine work, through the real discord.py code paths."""

from __future__ import annotations

import pytest
import simcord
from conftest import handled_errors, last_bot_message, reply_of

from bot.app import Citebot
from bot.cogs.errors import FLOOD_REACTION

QUESTION = "what did Kalin say about Patriots?"


@pytest.mark.bot_settings(guild_concurrency=1)
async def test_a_server_at_its_cap_is_told_it_is_busy(
    env: simcord.Env,
    bot: Citebot,
    guild: simcord.GuildHandle,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
) -> None:
    assert bot.user is not None
    async with bot.engine_slots.hold(guild.id, alice.id):  # alice's question is still being worked on
        refused = reply_of(await bob.slash(channel, "ask", question=QUESTION))
        assert refused.ephemeral and "busy" in (refused.content or "")
        asked = await bob.send(channel, f"{bot.user.mention} {QUESTION}")
        assert all(m.author.id != bot.user.id for m in channel.history())  # no public reply...
        reacted = next(m for m in channel.history() if m.id == asked.id)
        assert [str(r.emoji) for r in reacted.reactions] == [FLOOD_REACTION]  # ...a reaction
        other = env.create_guild("Elsewhere")  # other servers are not held up
        there = other.create_text_channel("general")
        carol = other.add_member(env.create_user("carol"))
        assert reply_of(await carol.slash(there, "ask", question=QUESTION)).embeds
    answered = reply_of(await bob.slash(channel, "ask", question=QUESTION))
    assert answered.embeds and not answered.ephemeral
    assert bot.engine_slots.running(guild.id) == 0
    assert last_bot_message(channel, bot).embeds
    assert set(handled_errors(env)) == {"Busy"}
