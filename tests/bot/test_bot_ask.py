"""Asking: /ask, !ask, mentions, replies with a bare mention, Find source, cooldowns, mentions never ping."""

from __future__ import annotations

import pytest
import simcord
from conftest import handled_errors, last_bot_message, reply_of, text_of, was_deferred

from bot.app import Citebot

KALIN_QUESTION = "what did Kalin say about Patriots?"
KALIN_WORDS = "Patriot sale process does not affect the S-400 process"


def assert_kalin_answer(text: str) -> None:
    assert "Patriot** sale process" in text or "**Patriot**" in text  # matched term in bold
    assert "sale process does not affect" in text
    assert "Kalin" in text


async def test_slash_ask_quotes_the_answer_with_its_source(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    result = await alice.slash(channel, "ask", question=KALIN_QUESTION)
    assert was_deferred(env, result)  # acknowledged at once, answered from a worker thread
    reply = reply_of(result)
    assert not reply.ephemeral
    embed = reply.embeds[0]
    assert embed.title == KALIN_QUESTION
    assert_kalin_answer(embed.description or "")
    assert "¶" in (embed.description or "")


async def test_prefix_ask_gives_the_same_answer(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, f"!ask {KALIN_QUESTION}")
    reply = last_bot_message(channel, bot)
    assert_kalin_answer(reply.embeds[0].description or "")


@pytest.mark.bot_settings(message_content_intent=False)
async def test_mention_works_without_the_message_content_intent(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    assert bot.user is not None
    asked = await alice.send(channel, f"{bot.user.mention} {KALIN_QUESTION}")
    reply = last_bot_message(channel, bot)
    assert reply.reference is not None and reply.reference.message_id == asked.id
    assert_kalin_answer(reply.embeds[0].description or "")


@pytest.mark.bot_settings(message_content_intent=False)
async def test_without_the_intent_prefix_commands_stay_silent_but_slash_works(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, f"!ask {KALIN_QUESTION}")
    assert bot.user is not None
    assert all(m.author.id != bot.user.id for m in channel.history())
    result = await alice.slash(channel, "ask", question=KALIN_QUESTION)
    assert_kalin_answer(reply_of(result).embeds[0].description or "")


async def test_reply_with_a_bare_mention_asks_the_replied_to_message(
    env: simcord.Env,
    bot: Citebot,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
) -> None:
    assert bot.user is not None
    question = await bob.send(channel, KALIN_QUESTION)
    await alice.send(channel, bot.user.mention, reply_to=question)
    reply = last_bot_message(channel, bot)
    assert reply.embeds[0].title == KALIN_QUESTION
    assert_kalin_answer(reply.embeds[0].description or "")


async def test_bare_mention_without_a_reply_explains_how_to_ask(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    assert bot.user is not None
    await alice.send(channel, bot.user.mention)
    assert "mention me with a question" in last_bot_message(channel, bot).content


async def test_messages_that_do_not_mention_the_bot_are_ignored(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, KALIN_QUESTION)
    assert bot.user is not None
    assert all(m.author.id != bot.user.id for m in channel.history())


async def test_no_answer_is_said_plainly(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    result = await alice.slash(
        channel, "ask", question="What did Zorblax Quimby say about the banana harvest?"
    )
    description = reply_of(result).embeds[0].description or ""
    assert description.startswith("**No answer in the sources.**")
    assert "Kalin" not in description.split("Related passages")[0]


async def test_direct_message_questions_are_answered(env: simcord.Env, bot: Citebot) -> None:
    user = env.create_user("dm-user")
    # The bot must share a server with someone to receive their DMs.
    env.create_guild("Shared").add_member(user)
    await user.send_dm(KALIN_QUESTION)
    reply = user.dm_channel.last_message
    assert reply is not None and bot.user is not None and reply.author.id == bot.user.id
    assert_kalin_answer(reply.embeds[0].description or "")


async def test_find_source_supports_a_quoted_claim_privately(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor, bob: simcord.MemberActor
) -> None:
    claim = await bob.send(
        channel, "Kalin said the US Patriot sale process does not affect the S-400 process."
    )
    result = await alice.context_menu(channel, "Find source", claim)
    reply = reply_of(result)
    assert reply.ephemeral
    description = reply.embeds[0].description or ""
    assert description.startswith("**Supported by")
    assert "sale process does not affect" in description.replace("**", "")  # matched words are bold


async def test_find_source_says_when_nothing_supports_a_claim(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor, bob: simcord.MemberActor
) -> None:
    claim = await bob.send(channel, "Bananas are the main export of Iceland's volcano farms.")
    result = await alice.context_menu(channel, "Find source", claim)
    reply = reply_of(result)
    assert reply.ephemeral
    assert (reply.embeds[0].description or "").startswith("**No source in the corpus supports this.**")


@pytest.mark.bot_settings(cooldown_uses=2, cooldown_seconds=60)
async def test_cooldown_is_per_user_and_shared_by_every_way_of_asking(
    env: simcord.Env,
    bot: Citebot,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
) -> None:
    assert bot.user is not None
    await alice.slash(channel, "ask", question=KALIN_QUESTION)
    await alice.send(channel, f"{bot.user.mention} {KALIN_QUESTION}")
    third = await alice.slash(channel, "search", query="harbor")
    assert reply_of(third).ephemeral and "Easy there" in (reply_of(third).content or "")
    before = last_bot_message(channel, bot).id
    await alice.send(channel, "!ask again")  # already told once in this window: no second notice
    assert last_bot_message(channel, bot).id == before
    other = await bob.slash(channel, "ask", question=KALIN_QUESTION)  # bob has his own allowance
    assert other.response is not None and other.response.embeds
    assert set(handled_errors(env)) == {"OnCooldown"}


async def test_empty_and_oversized_questions_are_user_errors(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    result = await alice.slash(channel, "ask", question="x" * 600)
    assert reply_of(result).ephemeral
    assert "too long" in reply_of(result).content
    assert handled_errors(env) == ["EmptyQuestion"]


async def test_a_question_with_mass_and_role_mentions_pings_no_one(
    env: simcord.Env,
    bot: Citebot,
    guild: simcord.GuildHandle,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
) -> None:
    role = guild.create_role("Everybody", mentionable=True)
    assert bot.user is not None
    question = f"@everyone @here {role.mention} {bob.mention} what did Kalin say about Patriots?"
    await alice.send(channel, f"{bot.user.mention} {question}")
    await alice.send(channel, bot.user.mention, reply_to=await bob.send(channel, question))
    await alice.slash(channel, "ask", question=question)
    sent = [m for m in channel.history() if m.author.id == bot.user.id]
    assert len(sent) == 3
    for message in sent:
        assert not message.mention_everyone
        assert not message.role_mentions
        assert "@everyone" not in text_of(message)  # shown broken with a zero-width space
        assert role.mention not in text_of(message)
