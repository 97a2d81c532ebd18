"""People: ``/speakers [name]`` lists who is quoted, ``/quotes speaker [topic]`` pages through what
one person said (newest document first, verbatim, cited)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.people_replies import quotes_embed, quotes_page, speakers_embed
from bot.render import AUTOCOMPLETE_CHOICES, CHOICE_NAME_LIMIT, CHOICE_VALUE_LIMIT, clip
from bot.replies import ALLOWED_MENTIONS
from index.errors import CitebotError
from index.speakers import Speaker, find_speaker, index_speakers, match_speakers, speaker_quotes

if TYPE_CHECKING:
    from index.speakers import QuoteListing

NOT_YOURS = "These buttons belong to the person who asked. Run the command yourself to get your own."
TOPIC_LIMIT = 200
PAGE_TIMEOUT = 15 * 60


class SpeakerDirectory:
    """The speakers of the current index, grouped once per index (autocomplete reads it often)."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        self._for: object | None = None
        self._speakers: list[Speaker] = []
        self._lock = asyncio.Lock()

    def _index(self) -> QuoteListing:
        # Both backends list quotes by speaker (the service's Protocol names only what answering needs).
        engine = self.bot.service.engine
        if not hasattr(engine, "quote_table"):
            raise CitebotError("Speaker listings are not available on this index.")
        return cast("QuoteListing", engine)

    async def snapshot(self) -> tuple[QuoteListing, list[Speaker]]:
        """The current index and its speakers, together: a speaker's quote ids mean something only
        in the quote table they were grouped from (a reindex, or a new build on the cluster, may
        replace it at any await)."""
        index = self._index()
        async with self._lock:
            table = await asyncio.to_thread(lambda: index.quote_table)  # the cluster reads it once a build
            if self._for is not table:
                self._speakers = await asyncio.to_thread(index_speakers, index)
                self._for = table
            return index, self._speakers

    async def speakers(self) -> list[Speaker]:
        return (await self.snapshot())[1]

    @property
    def loaded(self) -> bool:
        return self._for is not None


PageRenderer = Callable[[int], tuple[discord.Embed, int, int]]


class Pager(discord.ui.View):
    """Previous/Next over a list shown one page at a time, for the person who asked.

    ``render(page)`` returns the embed of a page, the page it actually shows (clamped) and the
    number of pages. The buttons live as long as the bot process (up to ``PAGE_TIMEOUT``).
    """

    def __init__(self, owner_id: int, render: PageRenderer, page: int, pages: int) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.owner_id, self.render, self.page, self.pages = owner_id, render, page, pages
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page + 1 >= self.pages

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        return False

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        embed, self.page, self.pages = self.render(self.page + step)
        self._sync()
        await interaction.response.edit_message(embed=embed, view=self, allowed_mentions=ALLOWED_MENTIONS)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, +1)


async def send_paged(
    interaction: discord.Interaction[Citebot], render: PageRenderer, *, followup: bool = False
) -> None:
    """Send page 1, with Previous/Next when there are more pages."""
    embed, page, pages = render(0)
    send = interaction.followup.send if followup else interaction.response.send_message
    if pages > 1:
        await send(
            embed=embed,
            view=Pager(interaction.user.id, render, page, pages),
            allowed_mentions=ALLOWED_MENTIONS,
        )
    else:
        await send(embed=embed, allowed_mentions=ALLOWED_MENTIONS)


class People(commands.Cog):
    """Who is quoted, and what they said."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        self.directory = SpeakerDirectory(bot)

    async def complete_speaker(
        self, interaction: discord.Interaction[Citebot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Speakers whose name (any spelling in the corpus) matches what is typed: at most 25."""
        if self.bot.service.reindexing and not self.directory.loaded:
            return []
        try:
            speakers = await self.directory.speakers()
        except CitebotError:  # still loading, or no index: no suggestions rather than an error popup
            return []
        return [
            app_commands.Choice(
                name=clip(f"{s.name} ({s.count})", CHOICE_NAME_LIMIT), value=clip(s.name, CHOICE_VALUE_LIMIT)
            )
            for s in match_speakers(speakers, current, AUTOCOMPLETE_CHOICES)
        ]

    @app_commands.command(name="speakers")
    @app_commands.describe(name="Only people whose name matches this")
    async def speakers(self, interaction: discord.Interaction[Citebot], name: str | None = None) -> None:
        """List the people quoted in the documents, how often, and where."""
        self.bot.cooldowns.check(interaction.user.id)
        everyone = await self.directory.speakers()
        shown = match_speakers(everyone, name, limit=len(everyone)) if name and name.strip() else everyone
        titles = {d.doc: d.title for d in self.bot.service.documents}

        def render(page: int) -> tuple[discord.Embed, int, int]:
            return speakers_embed(self.bot.templates, shown, titles, page, filtered=bool(name))

        await send_paged(interaction, render)

    @app_commands.command(name="quotes")
    @app_commands.describe(speaker="Whose quotes (a name, or part of one)", topic="Only quotes about this")
    async def quotes(
        self, interaction: discord.Interaction[Citebot], speaker: str, topic: str | None = None
    ) -> None:
        """Everything one person said in the documents, newest document first, verbatim and cited."""
        topic = topic.strip()[:TOPIC_LIMIT] if topic and topic.strip() else None
        self.bot.cooldowns.check(interaction.user.id)
        index, everyone = await self.directory.snapshot()
        person = find_speaker(everyone, speaker)  # a mistake is answered privately
        await interaction.response.defer(thinking=True)
        hits = await asyncio.to_thread(speaker_quotes, index, person, topic)

        def render(page: int) -> tuple[discord.Embed, int, int]:
            result = quotes_page(person, topic, hits, page)
            return quotes_embed(self.bot.templates, result), result.page, result.pages

        await send_paged(interaction, render, followup=True)

    @speakers.autocomplete("name")
    async def _complete_name(
        self, interaction: discord.Interaction[Citebot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.complete_speaker(interaction, current)

    @quotes.autocomplete("speaker")
    async def _complete_speaker(
        self, interaction: discord.Interaction[Citebot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.complete_speaker(interaction, current)
