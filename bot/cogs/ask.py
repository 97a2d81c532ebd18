"""Asking: ``/ask`` and ``!ask``, a mention with a question, and the **Find source** context menu."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot, is_allowed_place
from bot.cogs._common import hybrid_command
from bot.cogs.errors import reply_to_error
from bot.errors import EmptyQuestion
from bot.feedback import record_reply
from bot.render import render
from bot.replies import ALLOWED_MENTIONS, answer_embed, support_embed

log = logging.getLogger(__name__)

QUESTION_LIMIT = 500
CLAIM_LIMIT = 1500


def strip_mentions_of(user_id: int, content: str) -> str:
    """``content`` without mentions of the bot (``<@id>`` or ``<@!id>``), squeezed."""
    return re.sub(rf"<@!?{user_id}>", " ", content).strip()


def mentions_bot(user_id: int, content: str) -> bool:
    return re.search(rf"<@!?{user_id}>", content) is not None


def checked_question(question: str) -> str:
    """``question`` trimmed, or ``EmptyQuestion`` (a user error) if it is empty or too long."""
    question = question.strip()
    if not question:
        raise EmptyQuestion("Ask a question, e.g. “what did the minister say about the sale?”")
    if len(question) > QUESTION_LIMIT:
        raise EmptyQuestion(f"That question is too long; keep it under {QUESTION_LIMIT} characters.")
    return question


class Ask(commands.Cog):
    """Questions answered with verbatim, cited quotes."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        self.find_source_menu = app_commands.ContextMenu(name="Find source", callback=self.find_source)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.find_source_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.find_source_menu.name, type=self.find_source_menu.type)

    async def answer(self, question: str, user_id: int) -> tuple[discord.Embed, discord.ui.View]:
        """The reply to a (checked) question: run the engine in a thread, render the embed; the
        Helpful/Wrong buttons for an answer (a question without one is counted for /gaps)."""
        result = await self.bot.service.ask(question)
        view = await record_reply(self.bot, question, result, user_id)
        return answer_embed(self.bot.templates, question, result), view

    @hybrid_command("ask")
    @app_commands.describe(question="What you want to know, e.g. “what did Kalin say about Patriots?”")
    async def ask(self, ctx: commands.Context[Citebot], *, question: str) -> None:
        """Answer a question with exact quotes from the documents, cited."""
        question = checked_question(question)
        self.bot.cooldowns.check(ctx.author.id)
        guild_id = ctx.guild.id if ctx.guild else None
        async with self.bot.engine_slots.hold(guild_id, ctx.author.id), ctx.typing():
            embed, view = await self.answer(question, ctx.author.id)
        await ctx.send(embed=embed, view=view, allowed_mentions=ALLOWED_MENTIONS)

    # -- mentions ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        in_dm = message.guild is None
        if not in_dm and not mentions_bot(me.id, message.content):
            return
        if not is_allowed_place(
            self.bot.settings, message.guild.id if message.guild else None, message.channel.id
        ):
            return
        ctx = await self.bot.get_context(message)
        if ctx.valid or (in_dm and message.content.startswith(self.bot.settings.command_prefix)):
            return  # a command: process_commands handles it
        try:
            question = await self._question_of(message, me.id)
            if question is None:
                await message.reply(
                    render(self.bot.templates, "help_mention.md.j2", prefix=self.bot.settings.command_prefix),
                    mention_author=False,
                    allowed_mentions=ALLOWED_MENTIONS,
                )
                return
            question = checked_question(question)
            self.bot.cooldowns.check(message.author.id)
            guild_id = message.guild.id if message.guild else None
            async with self.bot.engine_slots.hold(guild_id, message.author.id), message.channel.typing():
                embed, view = await self.answer(question, message.author.id)
            await message.reply(
                embed=embed, view=view, mention_author=False, allowed_mentions=ALLOWED_MENTIONS
            )
        except Exception as error:
            await reply_to_error(self.bot, error, message=message, where="mention")

    async def _question_of(self, message: discord.Message, my_id: int) -> str | None:
        """The question in a mention; a bare mention in a reply asks the replied-to message."""
        question = strip_mentions_of(my_id, message.content)
        if question:
            return question
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        replied = reference.resolved
        if not isinstance(replied, discord.Message):
            try:
                replied = await message.channel.fetch_message(reference.message_id)
            except discord.HTTPException:
                raise EmptyQuestion("I can't read the message you replied to.") from None
        text = strip_mentions_of(my_id, replied.content)
        if not text:
            raise EmptyQuestion(
                "The message you replied to has no text I can read"
                " (the bot may need the message content intent to read replies)."
            )
        return text

    # -- Find source --------------------------------------------------------------------------

    async def find_source(self, interaction: discord.Interaction[Citebot], message: discord.Message) -> None:
        """Treat a message as a claim and show the passages that support it (privately)."""
        claim = message.content.strip()
        if not claim:
            raise EmptyQuestion("That message has no text to check.")
        if len(claim) > CLAIM_LIMIT:
            raise EmptyQuestion(f"That message is too long to check (over {CLAIM_LIMIT} characters).")
        self.bot.cooldowns.check(interaction.user.id)
        async with self.bot.engine_slots.hold(interaction.guild_id, interaction.user.id):
            await interaction.response.defer(ephemeral=True, thinking=True)
            result = await self.bot.service.support(claim)
        await interaction.followup.send(
            embed=support_embed(self.bot.templates, claim, result),
            ephemeral=True,
            allowed_mentions=ALLOWED_MENTIONS,
        )
