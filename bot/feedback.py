"""Helpful / Wrong on every answer, and the count of questions that got none.

Each answered reply carries two buttons whose custom ids hold the id of the answer recorded in the
state file, so a click is understood by any bot process, after a restart too. **Wrong** asks why
(wrong speaker, not an answer, missing context) with a menu only the voter sees.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.replies import ALLOWED_MENTIONS
from bot.state import WRONG_REASONS
from index.models import Answer

if TYPE_CHECKING:
    from bot.app import Citebot

log = logging.getLogger(__name__)

THANKS = "Thanks, noted."
ASK_REASON = "Thanks. What was wrong with it?"
GONE = "I no longer have a record of that answer; nothing was noted."

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]


def _bot(interaction: discord.Interaction[Any]) -> Citebot:
    return cast("Citebot", interaction.client)


async def record_reply(bot: Citebot, question: str, answer: Answer, user_id: int) -> discord.ui.View:
    """Record what was replied to ``question``; the view to send with it: the feedback buttons for
    an answer, nothing for "no answer"."""
    view = discord.ui.View(timeout=None)
    try:
        if not answer.answered or not answer.answers:
            await asyncio.to_thread(bot.state.record_unanswered, question, user_id)
            return view
        first = answer.answers[0]
        answer_id = await asyncio.to_thread(
            bot.state.record_answer, question, first.doc, first.paragraph, first.speaker, first.text
        )
    except sqlite3.Error:
        # The answer matters more than its bookkeeping: send it without buttons.
        log.warning("could not record the reply in the state file", exc_info=True)
        return view
    view.add_item(FeedbackButton(answer_id, "h"))
    view.add_item(FeedbackButton(answer_id, "w"))
    return view


class FeedbackButton(discord.ui.DynamicItem[Button], template=r"cb:fb:(?P<verdict>[hw]):(?P<answer>\d+)"):
    def __init__(self, answer_id: int, verdict: str) -> None:
        self.answer_id, self.verdict = answer_id, verdict
        helpful = verdict == "h"
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Wrong",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:fb:{verdict}:{answer_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(int(match["answer"]), match["verdict"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        state = _bot(interaction).state
        verdict = "helpful" if self.verdict == "h" else "wrong"
        vote = await asyncio.to_thread(state.record_feedback, self.answer_id, verdict, interaction.user.id)
        log.info("feedback answer=%d verdict=%s", self.answer_id, verdict)
        if vote is None:
            await interaction.response.send_message(GONE, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        elif verdict == "helpful":
            await interaction.response.send_message(THANKS, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        else:
            view = discord.ui.View(timeout=None)
            view.add_item(ReasonSelect(vote))
            await interaction.response.send_message(
                ASK_REASON, view=view, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
            )


class ReasonSelect(discord.ui.DynamicItem[Select], template=r"cb:fbr:(?P<vote>\d+)"):
    def __init__(self, vote_id: int) -> None:
        self.vote_id = vote_id
        super().__init__(
            discord.ui.Select(
                custom_id=f"cb:fbr:{vote_id}",
                placeholder="Why was it wrong?",
                options=[
                    discord.SelectOption(label=label, value=key) for key, label in WRONG_REASONS.items()
                ],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReasonSelect:
        return cls(int(match["vote"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        reason = self.item.values[0] if self.item.values else ""
        noted = await asyncio.to_thread(_bot(interaction).state.record_reason, self.vote_id, reason)
        text = f"Thanks, noted: {WRONG_REASONS[reason]}." if noted else GONE
        await interaction.response.edit_message(content=text, view=None, allowed_mentions=ALLOWED_MENTIONS)


FEEDBACK_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (FeedbackButton, ReasonSelect)
