"""Floods through the real discord.py code paths: one user's burst never becomes a burst of public
replies, page buttons share the cooldown, and one server cannot hold every worker."""

from __future__ import annotations

import pytest
import simcord
from conftest import handled_errors, reply_of

from bot.app import Citebot
from bot.cogs.errors import FLOOD_REACTION

QUESTION = "what did Kalin say about Patriots?"
BURST = 50


def bot_messages_in(channel: simcord.ChannelHandle, bot: Citebot) -> list[object]:
    assert bot.user is not None
    return [m for m in channel.history() if m.author.id == bot.user.id]


def flood_reactions(channel: simcord.ChannelHandle) -> int:
    return sum(r.count for m in channel.history() for r in m.reactions if str(r.emoji) == FLOOD_REACTION)


@pytest.mark.bot_settings(cooldown_uses=5, cooldown_seconds=600)
async def test_a_burst_of_prefix_questions_gets_five_answers_and_one_reaction(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    for _ in range(BURST):
        await alice.send(channel, f"!ask {QUESTION}")
    sent = bot_messages_in(channel, bot)
    assert len(sent) == 5 and all(m.embeds for m in sent)  # type: ignore[attr-defined]
    assert flood_reactions(channel) == 1
    assert set(handled_errors(env)) == {"OnCooldown"}


@pytest.mark.bot_settings(cooldown_uses=5, cooldown_seconds=600)
async def test_a_burst_of_mentions_gets_five_answers_and_one_reaction(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    assert bot.user is not None
    for _ in range(BURST):
        await alice.send(channel, f"{bot.user.mention} {QUESTION}")
    assert len(bot_messages_in(channel, bot)) == 5
    assert flood_reactions(channel) == 1
    assert not any("Easy there" in (m.content or "") for m in channel.history())


@pytest.mark.bot_settings(cooldown_uses=5, cooldown_seconds=600)
async def test_slash_floods_are_answered_privately(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    results = [await alice.slash(channel, "ask", question=QUESTION) for _ in range(12)]
    refused = [reply_of(r) for r in results[5:]]
    assert all(r.ephemeral and "Easy there" in (r.content or "") for r in refused)
    assert len(bot_messages_in(channel, bot)) == 5  # public messages: the five answers only
    assert set(handled_errors(env)) == {"OnCooldown"}


@pytest.mark.bot_settings(cooldown_uses=2, cooldown_seconds=600)
async def test_page_buttons_share_the_cooldown(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    first = reply_of(await alice.slash(channel, "search", query="harbor", limit=12))
    assert (first.embeds[0].footer.text or "").startswith("Page 1/3")
    moved = reply_of(await alice.click(first.message, label="Next ▶"))
    assert (moved.embeds[0].footer.text or "").startswith("Page 2/3")
    refused = await alice.click(moved.message, label="Next ▶")
    note = reply_of(refused)
    assert note.ephemeral and "Easy there" in (note.content or "")
    assert (channel.history()[-1].embeds[0].footer.text or "").startswith("Page 2/3")
