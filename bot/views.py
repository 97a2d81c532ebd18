"""Buttons that page through results and keep working after a restart.

Each button is a ``discord.ui.DynamicItem``: its state (whose it is, the page it leads to, the search
limit, the document) is in its custom id, and the search query in the message's embed, so any bot
process can answer a click. Only the person who asked may turn the pages.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.cogs.errors import user_message
from bot.render import clip
from bot.replies import (
    ALLOWED_MENTIONS,
    SearchPage,
    document_key,
    error_text,
    query_from_embed,
    resolve_document,
    search_embed,
    search_page,
    sources_embed,
)

if TYPE_CHECKING:
    from bot.app import Citebot

log = logging.getLogger(__name__)

NOT_YOURS = "These buttons belong to the person who asked. Run the command yourself to get your own."
NO_DOCUMENT = "-"

Button = discord.ui.Button[discord.ui.View]


def _bot(interaction: discord.Interaction[Any]) -> Citebot:
    return cast("Citebot", interaction.client)


async def _refuse_others(interaction: discord.Interaction[Any], owner_id: int) -> bool:
    if interaction.user.id == owner_id:
        return True
    await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
    return False


async def _report(interaction: discord.Interaction[Any], error: Exception) -> None:
    message = user_message(error)
    if message is None:
        log.error(
            "button failed custom_id=%s",
            interaction.data and interaction.data.get("custom_id"),
            exc_info=error,
        )
    bot = _bot(interaction)
    text = error_text(bot.templates, bot.service.public_text(message) if message else None)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)


# ---------------------------------------------------------------------------------------------
# Search results


async def run_search(bot: Citebot, query: str, doc_name: str | None, limit: int, page: int) -> SearchPage:
    document = resolve_document(bot.service.documents, doc_name) if doc_name else None
    hits = await bot.service.search(query, limit, document.doc if document else None)
    return search_page(query, hits, page, document)


def search_view(result: SearchPage, user_id: int, limit: int, *, private: bool) -> discord.ui.View | None:
    """Previous/Next buttons (when there is more than one page), and "Post publicly" for a private reply."""
    view = discord.ui.View(timeout=None)
    doc = document_key(result.document.doc) if result.document else NO_DOCUMENT
    if result.pages > 1:
        view.add_item(SearchPageButton(user_id, result.page - 1, limit, doc, "p", disabled=result.page == 0))
        view.add_item(
            SearchPageButton(
                user_id, result.page + 1, limit, doc, "n", disabled=result.page + 1 >= result.pages
            )
        )
    if private and result.hits:
        view.add_item(PostPubliclyButton(user_id, result.page, limit, doc))
    return view if view.children else None


class SearchPageButton(
    discord.ui.DynamicItem[Button],
    template=r"cb:sp:(?P<dir>[pn]):(?P<user>\d+):(?P<page>-?\d+):(?P<limit>\d+):(?P<doc>[^:]+)",
):
    def __init__(
        self, user_id: int, page: int, limit: int, doc: str, direction: str, *, disabled: bool = False
    ):
        self.user_id, self.page, self.limit, self.doc = user_id, page, limit, doc
        label = "◀ Previous" if direction == "p" else "Next ▶"
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:sp:{direction}:{user_id}:{page}:{limit}:{doc}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SearchPageButton:
        return cls(int(match["user"]), int(match["page"]), int(match["limit"]), match["doc"], match["dir"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _refuse_others(interaction, self.user_id)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        query = query_from_embed(interaction.message)
        if query is None:
            await interaction.response.send_message(
                "I can't tell what this search was; run /search again.", ephemeral=True
            )
            return
        try:
            bot.cooldowns.check(interaction.user.id)  # turning a page is a search like any other
            async with bot.engine_slots.hold(interaction.guild_id, interaction.user.id):
                await interaction.response.defer()
                result = await run_search(
                    bot, query, None if self.doc == NO_DOCUMENT else self.doc, self.limit, self.page
                )
        except Exception as error:
            await _report(interaction, error)
            return
        private = bool(interaction.message and interaction.message.flags.ephemeral)
        view = search_view(result, self.user_id, self.limit, private=private)
        await interaction.edit_original_response(
            embed=search_embed(bot.templates, result), view=view, allowed_mentions=ALLOWED_MENTIONS
        )


class PostPubliclyButton(
    discord.ui.DynamicItem[Button],
    template=r"cb:pub:(?P<user>\d+):(?P<page>\d+):(?P<limit>\d+):(?P<doc>[^:]+)",
):
    def __init__(self, user_id: int, page: int, limit: int, doc: str) -> None:
        self.user_id, self.page, self.limit, self.doc = user_id, page, limit, doc
        super().__init__(
            discord.ui.Button(
                label="Post publicly",
                style=discord.ButtonStyle.primary,
                custom_id=f"cb:pub:{user_id}:{page}:{limit}:{doc}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PostPubliclyButton:
        return cls(int(match["user"]), int(match["page"]), int(match["limit"]), match["doc"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _refuse_others(interaction, self.user_id)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        query = query_from_embed(interaction.message)
        if query is None:
            await interaction.response.send_message(
                "I can't tell what this search was; run /search again.", ephemeral=True
            )
            return
        try:
            bot.cooldowns.check(interaction.user.id)
            async with bot.engine_slots.hold(interaction.guild_id, interaction.user.id):
                result = await run_search(
                    bot, query, None if self.doc == NO_DOCUMENT else self.doc, self.limit, self.page
                )
        except Exception as error:
            await _report(interaction, error)
            return
        view = search_view(result, self.user_id, self.limit, private=False)
        embed = search_embed(bot.templates, result)
        embed.set_footer(text=clip(f"{embed.footer.text} · shared by {interaction.user.display_name}", 2048))
        # A response to a click on an ephemeral message is a new, public message in the channel.
        if view is None:
            await interaction.response.send_message(embed=embed, allowed_mentions=ALLOWED_MENTIONS)
        else:
            await interaction.response.send_message(embed=embed, view=view, allowed_mentions=ALLOWED_MENTIONS)


# ---------------------------------------------------------------------------------------------
# The document list


def sources_view(user_id: int, page: int, pages: int) -> discord.ui.View | None:
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(SourcesPageButton(user_id, page - 1, "p", disabled=page == 0))
    view.add_item(SourcesPageButton(user_id, page + 1, "n", disabled=page + 1 >= pages))
    return view


class SourcesPageButton(
    discord.ui.DynamicItem[Button],
    template=r"cb:sl:(?P<dir>[pn]):(?P<user>\d+):(?P<page>-?\d+)",
):
    def __init__(self, user_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        self.user_id, self.page = user_id, page
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "p" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                custom_id=f"cb:sl:{direction}:{user_id}:{page}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SourcesPageButton:
        return cls(int(match["user"]), int(match["page"]), match["dir"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _refuse_others(interaction, self.user_id)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        added = await asyncio.to_thread(bot.state.added_by)
        embed, page, pages = sources_embed(bot.templates, bot.service.documents, self.page, added)
        await interaction.response.edit_message(
            embed=embed, view=sources_view(self.user_id, page, pages), allowed_mentions=ALLOWED_MENTIONS
        )


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    SearchPageButton,
    PostPubliclyButton,
    SourcesPageButton,
)
