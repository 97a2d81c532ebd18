"""Searching: /search and !search, pages that only the asker can turn, private replies, autocomplete."""

from __future__ import annotations

import simcord
from conftest import LIBRARY_SIZE, LONG_TITLE, handled_errors, last_bot_message, reply_of

from bot import create_bot
from bot.app import Citebot


def footer(message: simcord.ResponseMessage) -> str:
    return message.embeds[0].footer.text or ""


def buttons(message: simcord.ResponseMessage) -> dict[str, dict[str, object]]:
    return {c["label"]: c for row in message.components for c in row["components"] if c.get("type") == 2}


async def test_slash_search_ranks_passages_with_matches_in_bold(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "search", query="harbor master"))
    description = reply.embeds[0].description or ""
    assert description.startswith("**1.**")
    assert "**harbor**" in description or "**master**" in description
    assert reply.embeds[0].author.name == "Search: harbor master"
    assert footer(reply).startswith("Page 1/2 · 10 results")


async def test_prefix_search(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, "!search marker07")
    reply = last_bot_message(channel, bot)
    assert "**marker07**" in (reply.embeds[0].description or "")
    assert "Harbor report number 7" in (reply.embeds[0].description or "")


async def test_pages_turn_for_the_asker_only(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor, bob: simcord.MemberActor
) -> None:
    first = reply_of(await alice.slash(channel, "search", query="harbor", limit=12))
    assert footer(first).startswith("Page 1/3")
    assert buttons(first)["◀ Previous"]["disabled"] is True
    refused = await bob.click(first.message, label="Next ▶")
    assert reply_of(refused).ephemeral and "belong to the person who asked" in reply_of(refused).content
    moved = await alice.click(first.message, label="Next ▶")
    page_two = reply_of(moved)
    assert page_two.id == first.id  # the same message, edited
    assert footer(page_two).startswith("Page 2/3")
    assert (page_two.embeds[0].description or "").startswith("**6.**")
    back = reply_of(await alice.click(page_two.message, label="◀ Previous"))
    assert footer(back).startswith("Page 1/3")


async def test_pages_keep_working_after_a_restart(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor, bot: Citebot
) -> None:
    first = reply_of(await alice.slash(channel, "search", query="harbor"))
    fresh = create_bot(bot.settings)
    await env.restart_bot(fresh)
    await fresh.service.wait_ready()
    moved = reply_of(await alice.click(first.message, label="Next ▶"))
    assert footer(moved).startswith("Page 2/2")


async def test_private_search_can_be_posted_publicly(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    private = reply_of(await alice.slash(channel, "search", query="marker03", private=True))
    assert private.ephemeral
    posted = reply_of(await alice.click(private.message, label="Post publicly"))
    assert not posted.ephemeral
    assert posted.embeds[0].description == private.embeds[0].description
    assert "shared by alice" in footer(posted)


async def test_search_within_one_document(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "search", query="harbor", document="library/harbor05.txt"))
    description = reply.embeds[0].description or ""
    assert "Harbor report number 5" in description
    assert "number 6" not in description
    assert "in Harbor report number 5" in footer(reply)


async def test_unknown_document_is_a_private_user_error(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    result = await alice.slash(channel, "search", query="harbor", document="no such thing")
    assert reply_of(result).ephemeral
    assert "No document matches" in reply_of(result).content
    assert handled_errors(env) == ["UnknownDocument"]


async def test_a_search_that_matches_nothing(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "search", query="xylophonist"))
    assert reply.embeds[0].description == "No passage matches that search."
    assert not reply.components


async def test_document_autocomplete_offers_at_most_25_titles(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    everything = await alice.autocomplete(channel, "search", "document", "", query="harbor")
    assert len(everything) == 25 < LIBRARY_SIZE
    typed = await alice.autocomplete(channel, "search", "document", "report number 1", query="harbor")
    names = [choice["name"] for choice in typed]
    assert names[0] == "Harbor report number 1"
    assert all("report number 1" in name for name in names)
    long = await alice.autocomplete(channel, "source", "document", "extremely long")
    assert len(long) == 1 and len(long[0]["name"]) <= 100 and LONG_TITLE.startswith(long[0]["name"][:-1])
    assert len(long[0]["value"]) <= 100


async def test_a_chosen_autocomplete_value_finds_its_document(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    [choice] = await alice.autocomplete(channel, "search", "document", "number 12", query="x")
    reply = reply_of(await alice.slash(channel, "search", query="harbor", document=choice["value"]))
    assert "Harbor report number 12" in (reply.embeds[0].description or "")
