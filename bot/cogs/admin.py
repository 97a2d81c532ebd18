"""Administration: ``/reindex`` (server admins) and ``!sync`` (the bot's owners)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.cogs._common import hybrid_command
from bot.errors import NotAdmin
from bot.replies import ALLOWED_MENTIONS, plain, reindex_embed
from bot.service import ReindexRunning

log = logging.getLogger(__name__)


async def is_admin(ctx: commands.Context[Citebot]) -> bool:
    """Server-side permission check: Manage Server, a configured admin role, or a bot owner.

    ``default_permissions`` only hides the slash command from the picker, and server admins can
    change that; this check is what actually decides.
    """
    if await ctx.bot.is_owner(ctx.author):
        return True
    if ctx.guild is None or not isinstance(ctx.author, discord.Member):
        raise commands.NoPrivateMessage()
    member = ctx.author
    if member.guild_permissions.manage_guild:
        return True
    if any(role.id in ctx.bot.settings.admin_role_ids for role in member.roles):
        return True
    raise NotAdmin()


class Admin(commands.Cog):
    """Keeping the index fresh and the commands registered."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot

    @hybrid_command("reindex")
    @commands.check(is_admin)
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(self, ctx: commands.Context[Citebot]) -> None:
        """Rebuild the index from the corpus (admins only); answers continue meanwhile."""
        if self.bot.service.reindexing:
            # Said before deferring, so that only the asker sees it.
            raise ReindexRunning("A reindex is already running; I'll keep answering from the current index.")
        log.info("reindex requested user=%s guild=%s", ctx.author.id, ctx.guild.id if ctx.guild else None)
        async with ctx.typing():
            result = await self.bot.service.reindex()
        embed = reindex_embed(self.bot.templates, result.report, result.documents, result.seconds)
        await ctx.send(embed=embed, allowed_mentions=ALLOWED_MENTIONS)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context[Citebot], scope: str = "global") -> None:
        """Register the slash commands with Discord: `global` (default), `guild` (this server), or `clear`
        (remove this server's copies)."""
        tree = self.bot.tree
        if scope == "guild" and ctx.guild is not None:
            tree.copy_global_to(guild=ctx.guild)
            synced = await tree.sync(guild=ctx.guild)
            where = "this server"
        elif scope == "clear" and ctx.guild is not None:
            tree.clear_commands(guild=ctx.guild)
            synced = await tree.sync(guild=ctx.guild)
            where = "this server (cleared)"
        elif scope == "global":
            synced = await tree.sync()
            where = "every server (may take up to an hour to show)"
        else:
            await ctx.reply(plain("Use `sync`, `sync guild` or `sync clear` (the last two in a server)."))
            return
        log.info("synced commands=%d scope=%s", len(synced), scope)
        await ctx.reply(
            plain(f"Synced {len(synced)} commands to {where}."),
            mention_author=False,
            allowed_mentions=ALLOWED_MENTIONS,
        )
