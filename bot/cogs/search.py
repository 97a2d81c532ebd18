"""Searching: ``/search query [document] [limit] [private]`` with pages and document autocomplete."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.cogs._common import hybrid_command
from bot.errors import EmptyQuestion
from bot.render import AUTOCOMPLETE_CHOICES, CHOICE_NAME_LIMIT, clip
from bot.replies import ALLOWED_MENTIONS, choice_value, rank_documents, resolve_document, search_embed
from bot.views import run_search, search_view

QUERY_LIMIT = 200


async def complete_document(
    interaction: discord.Interaction[Citebot], current: str
) -> list[app_commands.Choice[str]]:
    """Documents whose title (or id) matches what is typed so far, from memory: fast, at most 25."""
    documents = rank_documents(interaction.client.service.documents, current, AUTOCOMPLETE_CHOICES)
    return [
        app_commands.Choice(name=clip(d.title.strip() or d.doc, CHOICE_NAME_LIMIT), value=choice_value(d.doc))
        for d in documents
    ]


class Search(commands.Cog):
    """Ranked passages for a query."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot

    @hybrid_command("search")
    @app_commands.describe(
        query="Words to look for",
        document="Only search this document",
        limit="How many passages to return (1-25, default 10)",
        private="Reply only to you, with a button to post the results publicly",
    )
    @app_commands.autocomplete(document=complete_document)
    async def search(
        self,
        ctx: commands.Context[Citebot],
        *,
        query: str,
        document: str | None = None,
        limit: commands.Range[int, 1, 25] = 10,
        private: bool = False,
    ) -> None:
        """Find the passages that best match some words, ranked, with the matches in bold."""
        query = query.strip()
        if not query:
            raise EmptyQuestion("Give me some words to search for.")
        if len(query) > QUERY_LIMIT:
            raise EmptyQuestion(f"That search is too long; keep it under {QUERY_LIMIT} characters.")
        if document is not None:
            document = resolve_document(self.bot.service.documents, document).doc  # before deferring
        self.bot.cooldowns.check(ctx.author.id)
        private = private and ctx.interaction is not None
        async with self.bot.engine_slots.hold(ctx.guild.id if ctx.guild else None, ctx.author.id):
            await ctx.defer(ephemeral=private)
            result = await run_search(self.bot, query, document, limit, 0)
        view = search_view(result, ctx.author.id, limit, private=private)
        embed = search_embed(self.bot.templates, result)
        if view is None:
            await ctx.send(embed=embed, ephemeral=private, allowed_mentions=ALLOWED_MENTIONS)
        else:
            await ctx.send(embed=embed, view=view, ephemeral=private, allowed_mentions=ALLOWED_MENTIONS)
