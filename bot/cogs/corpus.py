"""Corpus management from Discord (admins only): ``/corpus add`` (attachments), ``/corpus remove``
(with a confirmation button), both followed by an incremental reindex; and ``/gaps``.

Every change is written to the audit log (``bot.state``) before the reindex, so that the log is
true even when the reindex fails. User mistakes and refused files are answered privately.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.cogs.search import complete_document
from bot.people_replies import corpus_add_embed, corpus_remove_embed, gaps_embed
from bot.replies import ALLOWED_MENTIONS, resolve_document
from bot.service import ReindexResult, ReindexRunning
from bot.uploads import UploadRefused, check_upload, corpus_file, remove_file, store_upload
from index.errors import CitebotError

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT = 120
NOT_YOURS = "This confirmation belongs to the admin who asked for it."


class NotAdminHere(app_commands.CheckFailure):
    """A corpus or gaps command used by someone who is not a server admin."""

    def __init__(self) -> None:
        super().__init__(
            "Only server admins can do that (Manage Server permission, an admin role, or the bot owner)."
        )


class NoOwnCorpus(CitebotError):
    """The bot answers from the bundled sample: there is no corpus folder of the server's to change."""


async def admin_only(interaction: discord.Interaction[Citebot]) -> bool:
    """The server-side check of ``/reindex``, for slash commands: Manage Server, an admin role, or
    an owner. (``default_permissions`` only hides a command, and a server can change that.)"""
    bot = interaction.client
    if await bot.is_owner(interaction.user):
        return True
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage("This command only works in a server.")
    member = interaction.user
    if member.guild_permissions.manage_guild or any(
        r.id in bot.settings.admin_role_ids for r in member.roles
    ):
        return True
    raise NotAdminHere()


def own_corpus(bot: Citebot) -> Path:
    if bot.settings.corpus_dir is None:
        raise NoOwnCorpus(
            "I'm answering from the bundled sample documents. Set CITEBOT_CORPUS_DIR to a folder of your own "
            "to add or remove documents."
        )
    return bot.service.corpus_dir


async def reindex_after_change(bot: Citebot) -> tuple[ReindexResult | None, str]:
    """The incremental reindex that follows a change, and a note when it could not run."""
    try:
        return await bot.service.reindex(), ""
    except ReindexRunning:
        return None, "A reindex was already running; run /reindex when it is done to include this change."
    except CitebotError as err:
        return None, f"The reindex failed ({err}); the previous index is still answering."


def who(user: discord.abc.User) -> str:
    return getattr(user, "display_name", None) or user.name


async def read_attachment(attachment: discord.Attachment, max_bytes: int) -> bytes:
    """The bytes of an upload, refused by its declared size before any byte is downloaded."""
    if attachment.size > max_bytes:
        raise UploadRefused(f"too large ({attachment.size:,} bytes; the limit is {max_bytes:,})")
    try:
        data = await attachment.read()
    except (discord.HTTPException, discord.NotFound) as err:
        raise UploadRefused(f"could not download it from Discord ({err.status})") from None
    if len(data) > max_bytes:  # the declared size lied
        raise UploadRefused(f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    return data


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Corpus(commands.GroupCog, group_name="corpus", group_description="Add or remove documents (admins)"):
    """Changing the documents from Discord."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add")
    @app_commands.check(admin_only)
    @app_commands.describe(
        file="A PDF, Word (.docx), text, Markdown, HTML or JSONL document",
        file2="Another document (optional)",
        file3="Another document (optional)",
    )
    async def add(
        self,
        interaction: discord.Interaction[Citebot],
        file: discord.Attachment,
        file2: discord.Attachment | None = None,
        file3: discord.Attachment | None = None,
    ) -> None:
        """Add documents to the corpus and reindex (admins only)."""
        corpus_dir = own_corpus(self.bot)
        if self.bot.service.reindexing:
            raise ReindexRunning("A reindex is running; add the documents when it is done.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        max_bytes = self.bot.settings.max_upload_mb * 1024 * 1024
        stored: list[tuple[str, str]] = []
        refused: list[tuple[str, str]] = []
        for attachment in (a for a in (file, file2, file3) if a is not None):
            try:
                data = await read_attachment(attachment, max_bytes)
                upload = await asyncio.to_thread(check_upload, attachment.filename, data, max_bytes)
                rel = await asyncio.to_thread(store_upload, corpus_dir, upload)
            except UploadRefused as err:
                refused.append((attachment.filename, str(err)))
                log.info("upload refused guild=%s reason=%s", interaction.guild_id, err)
                continue
            stored.append((attachment.filename, rel))
            await asyncio.to_thread(
                self.bot.state.record_change,
                "add",
                rel,
                who(interaction.user),
                interaction.user.id,
                f"{len(upload.data):,} bytes",
            )
            log.info("document added doc=%s bytes=%d guild=%s", rel, len(upload.data), interaction.guild_id)
        result, note = await reindex_after_change(self.bot) if stored else (None, "")
        embed = corpus_add_embed(self.bot.templates, stored, refused, result, note)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)

    @app_commands.command(name="remove")
    @app_commands.check(admin_only)
    @app_commands.describe(document="The document to remove (its title or file name)")
    @app_commands.autocomplete(document=complete_document)
    async def remove(self, interaction: discord.Interaction[Citebot], document: str) -> None:
        """Remove a document from the corpus, after you confirm, and reindex (admins only)."""
        corpus_dir = own_corpus(self.bot)
        info = resolve_document(self.bot.service.documents, document)
        await asyncio.to_thread(corpus_file, corpus_dir, info.doc)  # removable? (said before asking)
        view = ConfirmRemoval(self.bot, interaction, info.doc, info.title or info.doc)
        await interaction.response.send_message(
            view.question(), view=view, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
        )


class ConfirmRemoval(discord.ui.View):
    """Remove / Cancel, for the admin who asked; nothing happens unless Remove is clicked in time."""

    def __init__(self, bot: Citebot, asked: discord.Interaction[Citebot], doc: str, title: str) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.bot, self.asked, self.doc, self.title = bot, asked, doc, title
        self.owner_id = asked.user.id

    async def on_timeout(self) -> None:
        try:
            await self.asked.edit_original_response(
                content="No answer in time: nothing was removed.",
                view=None,
                allowed_mentions=ALLOWED_MENTIONS,
            )
        except discord.HTTPException:
            log.debug("could not mark a removal confirmation as timed out", exc_info=True)

    def question(self) -> str:
        from bot.render import clip_escaped, inline_code

        return (
            f"Remove **{clip_escaped(self.title, 200)}** ({inline_code(self.doc[:200])}) from the corpus? "
            "Its file is moved to `.removed/` in the corpus folder and the index is rebuilt."
        )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        return False

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        bot = self.bot
        if bot.service.reindexing:
            await interaction.response.edit_message(
                content="A reindex is running; nothing was removed. Try again when it is done.", view=None
            )
            return
        await interaction.response.edit_message(content=f"Removing {self.doc[:200]}…", view=None)
        try:
            moved = await asyncio.to_thread(remove_file, own_corpus(bot), self.doc)
        except CitebotError as err:
            await interaction.edit_original_response(content=f"Nothing was removed: {err}", view=None)
            return
        user = interaction.user
        await asyncio.to_thread(bot.state.record_change, "remove", self.doc, who(user), user.id, moved.name)
        log.info("document removed doc=%s guild=%s", self.doc, interaction.guild_id)
        result, note = await reindex_after_change(bot)
        embed = corpus_remove_embed(bot.templates, self.title, self.doc, result, note)
        await interaction.edit_original_response(content=None, embed=embed, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was removed.", view=None)


class Gaps(commands.Cog):
    """What the corpus is missing, from what people asked and how they judged the answers."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot

    @app_commands.command(name="gaps")
    @app_commands.check(admin_only)
    @app_commands.default_permissions(manage_guild=True)
    async def gaps(self, interaction: discord.Interaction[Citebot]) -> None:
        """Show the most asked unanswered questions and the answers most often marked wrong (admins)."""
        found = await asyncio.to_thread(self.bot.state.gaps, 10)
        await interaction.response.send_message(
            embed=gaps_embed(self.bot.templates, found), ephemeral=True, allowed_mentions=ALLOWED_MENTIONS
        )
