"""/sources and /source, and the worst-case documents: a 50 kB paragraph, a 300-char title, nasty text."""

from __future__ import annotations

import simcord
from conftest import (
    HUGE_SENTENCE,
    LIBRARY_SIZE,
    LONG_TITLE,
    handled_errors,
    last_bot_message,
    reply_of,
    text_of,
)

from bot.app import Citebot


async def test_sources_lists_documents_in_pages(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor, bob: simcord.MemberActor
) -> None:
    first = reply_of(await alice.slash(channel, "sources"))
    total = LIBRARY_SIZE + 4  # the library, two sample articles, two worst cases
    assert first.embeds[0].title == f"Sources ({total} documents)"
    assert (first.embeds[0].footer.text or "").startswith("Page 1/4")
    assert (first.embeds[0].description or "").startswith("**1.**")
    refused = await bob.click(first.message, label="Next ▶")
    assert refused.ephemeral
    second = reply_of(await alice.click(first.message, label="Next ▶"))
    assert (second.embeds[0].description or "").startswith("**11.**")


async def test_prefix_sources(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, "!sources")
    assert (last_bot_message(channel, bot).embeds[0].title or "").startswith("Sources (")


async def test_source_shows_a_paragraph_in_context(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "source", document="Harbor report number 4", paragraph=2))
    embed = reply.embeds[0]
    assert embed.title == "Harbor report number 4"
    description = embed.description or ""
    assert "**¶ 2 of" in description
    assert "busy on day 4" in description
    assert "*¶ 1*" in description and "*¶ 3*" in description  # the neighbours
    assert embed.footer.text == "library/harbor04.txt"


async def test_prefix_source_with_a_quoted_title(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    await alice.send(channel, '!source "Harbor report number 9" 3')
    assert "marker09" in (last_bot_message(channel, bot).embeds[0].description or "")


async def test_source_refuses_a_paragraph_that_does_not_exist(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    result = await alice.slash(channel, "source", document="library/harbor04.txt", paragraph=99)
    assert reply_of(result).ephemeral
    assert "there is no paragraph 99" in reply_of(result).content
    assert handled_errors(env) == ["UnknownDocument"]


async def test_a_50kb_paragraph_and_300_char_title_fit_every_limit(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    # Paragraph 1 is the 300-character title line; paragraph 2 is the 50 kB one.
    reply = reply_of(await alice.slash(channel, "source", document="worst/huge.txt", paragraph=2))
    embed = reply.embeds[0]
    assert len(LONG_TITLE) == 300
    assert embed.title is not None and len(embed.title) <= 256 and embed.title.endswith("…")
    description = embed.description or ""
    assert len(description) <= 4096
    assert HUGE_SENTENCE.strip() in description
    assert "(paragraph cut:" in description  # truncation is marked
    assert len(embed) <= 6000


async def test_worst_case_search_and_answers_fit(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    # Every hit comes from the 50 kB paragraph; the audit in the env fixture checks the limits too.
    reply = reply_of(await alice.slash(channel, "search", query="lighthouse keeper northern rocks", limit=25))
    assert len(reply.embeds[0].description or "") <= 4096
    assert "**lighthouse**" in (reply.embeds[0].description or "")
    answer = reply_of(await alice.slash(channel, "ask", question="What did the lighthouse keeper log?"))
    assert len(answer.embeds[0].description or "") <= 4096


async def test_markdown_and_mentions_in_the_corpus_are_shown_literally(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "source", document="worst/nasty.md"))
    shown = text_of(reply)
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert "<@&123456789012345678>" not in shown and "\\<@&123456789012345678\\>" in shown
    assert "\\*\\*bold\\*\\*" in shown and "\\[a link\\](https://evil.example)" in shown
    assert "\\|\\|spoiler\\|\\|" in shown
    searched = text_of(reply_of(await alice.slash(channel, "search", query="ferryman quay")))
    assert "@everyone" not in searched and "<@123456789012345678>" not in searched
