"""/speakers, /quotes, Helpful/Wrong and /gaps through discord.py's real code paths, on a real index."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import simcord
from conftest import reply_of, text_of
from docfiles import pdf_bytes

from bot import Settings
from bot.app import Citebot
from index import sample_corpus_dir

KALIN_QUESTION = "What did Kalin say about Patriots?"
PANEL = ["Anna Berg", "Omar Haddad", "Lena Vogel", "Ravi Menon", "Sofia Rossi", "Jonas Lind", "Mei Chen"]
PANEL_TEXT = "Panel\n\n" + "\n\n".join(f"{name} said point {i} was fair." for i, name in enumerate(PANEL))
COUNCIL = "Council minutes\n\n" + "\n\n".join(
    f'"Item {i} of the harbour plan is settled," Maria Lopez said at meeting {i}.' for i in range(1, 8)
)


@pytest.fixture
def own_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    (corpus / "council.txt").write_text(COUNCIL, encoding="utf-8")
    (corpus / "panel.txt").write_text(PANEL_TEXT, encoding="utf-8")
    (corpus / "latest.pdf").write_bytes(
        pdf_bytes([['"The harbour plan is finished," Lopez told reporters on Friday.', "End of the report."]])
    )
    now = time.time()
    os.utime(corpus / "council.txt", (now - 3600, now - 3600))
    os.utime(corpus / "latest.pdf", (now, now))
    return corpus


@pytest.fixture
def settings(own_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(
        corpus_dir=own_corpus,
        index_dir=tmp_path / "index",
        state_path=tmp_path / "state.sqlite3",
        cooldown_uses=1000,
        message_content_intent=True,
    )


def buttons(message: simcord.ResponseMessage) -> dict[str, dict[str, object]]:
    return {c["label"]: c for row in message.components for c in row["components"] if c.get("type") == 2}


async def test_speakers_lists_people_with_counts(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    reply = reply_of(await alice.slash(channel, "speakers"))
    description = reply.embeds[0].description or ""
    assert description.startswith("**1.** **Maria Lopez** · 8 quotes · 2 documents")
    assert "**Ibrahim Kalin** · 1 quote" in description
    both_pages = text_of(reply) + text_of(await _next_page(alice, reply))
    assert all(f"**{name}** · 1 quote" in both_pages for name in PANEL)
    narrowed = reply_of(await alice.slash(channel, "speakers", name="kalın"))
    assert "Ibrahim Kalin" in text_of(narrowed) and "Maria Lopez" not in text_of(narrowed)
    assert not narrowed.components


async def _next_page(user: simcord.MemberActor, reply: simcord.ResponseMessage) -> simcord.ResponseMessage:
    assert (reply.embeds[0].footer.text or "").startswith("Page 1/2")
    return reply_of(await user.click(reply.message, label="Next ▶"))


async def test_speaker_autocomplete(
    env: simcord.Env, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    choices = await alice.autocomplete(channel, "quotes", "speaker", "lop")
    assert [c["value"] for c in choices] == ["Maria Lopez"]
    assert choices[0]["name"] == "Maria Lopez (8)"
    everyone = await alice.autocomplete(channel, "speakers", "name", "")
    assert 1 < len(everyone) <= 25


async def test_quotes_pages_newest_document_first(
    env: simcord.Env,
    bot: Citebot,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
) -> None:
    first = reply_of(await alice.slash(channel, "quotes", speaker="Lopez"))
    embed = first.embeds[0]
    assert embed.title == "What Maria Lopez said"
    assert embed.footer.text is not None and embed.footer.text.startswith("Page 1/2 · 8 quotes")
    description = embed.description or ""
    # The newest document (the PDF) first, with its page; every quote verbatim in its document.
    assert description.startswith("**1.** ") and "· p. 1, ¶ 1" in description.split("\n")[0]
    assert "The harbour plan is finished," in description
    refused = reply_of(await bob.click(first.message, label="Next ▶"))
    assert refused.ephemeral and "belong to the person who asked" in refused.content
    second = reply_of(await alice.click(first.message, label="Next ▶"))
    assert second.embeds[0].footer.text is not None and second.embeds[0].footer.text.startswith("Page 2/2")
    assert (second.embeds[0].description or "").startswith("**6.**")
    about = reply_of(await alice.slash(channel, "quotes", speaker="Maria Lopez", topic="meeting 3"))
    assert "Item **3** of the harbour plan" in text_of(about) and "Item 4" not in text_of(about)
    assert (about.embeds[0].footer.text or "").startswith("Page 1/1 · 1 quote ·")
    unknown = await alice.slash(channel, "quotes", speaker="Zelda Nobody")
    assert reply_of(unknown).ephemeral and "Nobody called" in reply_of(unknown).content


async def test_answers_carry_feedback_buttons_and_gaps_count_them(
    env: simcord.Env,
    bot: Citebot,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
    bob: simcord.MemberActor,
    admin: simcord.MemberActor,
) -> None:
    answered = reply_of(await alice.slash(channel, "ask", question=KALIN_QUESTION))
    assert set(buttons(answered)) == {"Helpful", "Wrong"}
    thanks = reply_of(await bob.click(answered.message, label="Helpful"))
    assert thanks.ephemeral and thanks.content == "Thanks, noted."
    asked_why = reply_of(await bob.click(answered.message, label="Wrong"))
    assert asked_why.ephemeral and asked_why.content == "Thanks. What was wrong with it?"
    noted = reply_of(await bob.select(asked_why.message, ["speaker"]))
    assert noted.content == "Thanks, noted: wrong speaker."

    for question in (
        "When does the ferry to Bornholm run?",
        "when does the ferry to bornholm run",
        "Who owns Mars?",
    ):
        unanswered = reply_of(await alice.slash(channel, "ask", question=question))
        assert not unanswered.components  # nothing to vote on

    gaps = reply_of(await admin.slash(channel, "gaps"))
    assert gaps.ephemeral
    description = gaps.embeds[0].description or ""
    assert "1. when does the ferry to bornholm run · 2 times" in description
    assert "2. Who owns Mars? · 1 time" in description
    assert "wrong 1, helpful 1 (wrong speaker 1)" in description
    assert f"for “{KALIN_QUESTION}”" in description


async def test_feedback_buttons_work_after_a_restart(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    from bot import create_bot

    answered = reply_of(await alice.slash(channel, "ask", question=KALIN_QUESTION))
    fresh = create_bot(bot.settings)
    await env.restart_bot(fresh)
    await fresh.service.wait_ready()
    thanks = reply_of(await alice.click(answered.message, label="Helpful"))
    assert thanks.content == "Thanks, noted."
    assert fresh.state.gaps().wrong == []


async def test_an_unwritable_state_file_costs_the_buttons_not_the_answer(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    bot.state.close()  # as when the disk is gone: every write fails
    answered = reply_of(await alice.slash(channel, "ask", question=KALIN_QUESTION))
    assert "Ibrahim Kalin" in text_of(answered)
    assert not answered.components
