"""The documents: ``/sources`` lists them (paged), ``/source document [paragraph]`` shows a passage."""

from __future__ import annotations

import asyncio

from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.cogs._common import hybrid_command
from bot.cogs.search import complete_document
from bot.replies import ALLOWED_MENTIONS, resolve_document, source_embed, sources_embed
from bot.views import sources_view
from index.errors import UnknownDocument


class Sources(commands.Cog):
    """What the bot knows."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot

    @hybrid_command("sources")
    async def sources(self, ctx: commands.Context[Citebot]) -> None:
        """List the documents the answers come from."""
        self.bot.service.require_ready()
        added = await asyncio.to_thread(self.bot.state.added_by)
        embed, page, pages = sources_embed(self.bot.templates, self.bot.service.documents, 0, added)
        view = sources_view(ctx.author.id, page, pages)
        if view is None:
            await ctx.send(embed=embed, allowed_mentions=ALLOWED_MENTIONS)
        else:
            await ctx.send(embed=embed, view=view, allowed_mentions=ALLOWED_MENTIONS)

    @hybrid_command("source")
    @app_commands.describe(
        document="The document (its title or file name)",
        paragraph="The paragraph number to show (default: the first)",
    )
    @app_commands.autocomplete(document=complete_document)
    async def source(
        self,
        ctx: commands.Context[Citebot],
        document: str,
        paragraph: commands.Range[int, 1, 1_000_000] = 1,
    ) -> None:
        """Show a passage of a document in context."""
        info = resolve_document(self.bot.service.documents, document)
        if paragraph > info.paragraphs:
            # Checked before deferring, so that the mistake is answered privately.
            raise UnknownDocument(
                f"That document has paragraphs 1 to {info.paragraphs}; there is no paragraph {paragraph}."
            )
        await ctx.defer()
        full = await self.bot.service.document(info.doc)
        await ctx.send(
            embed=source_embed(self.bot.templates, full, paragraph), allowed_mentions=ALLOWED_MENTIONS
        )
