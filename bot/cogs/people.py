"""People: ``/speakers [name]`` lists who is quoted, ``/quotes speaker [topic]`` pages through what
one person said (newest document first, verbatim, cited)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Citebot
from bot.people_replies import QuotesPage, quotes_embed, quotes_page, speakers_embed
from bot.render import AUTOCOMPLETE_CHOICES, CHOICE_NAME_LIMIT, CHOICE_VALUE_LIMIT, clip
from bot.replies import ALLOWED_MENTIONS
from index.speakers import Speaker, find_speaker, group_speakers, match_speakers, speaker_quotes

if TYPE_CHECKING:
    from index import Index

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

    def _index(self) -> Index:
        # The live engine is an index.Index; the service's Protocol names only what answering needs.
        return cast("Index", self.bot.service.engine)

    async def speakers(self) -> list[Speaker]:
        index = self._index()
        async with self._lock:
            if self._for is not index:
                self._speakers = await asyncio.to_thread(lambda: group_speakers(index.quotes()))
                self._for = index
            return self._speakers

    async def quotes(self, speaker: Speaker, topic: str | None) -> list[Any]:
        index = self._index()
        return await asyncio.to_thread(speaker_quotes, index, speaker, topic)


class QuotesView(discord.ui.View):
    """Previous/Next over one /quotes result, for the person who asked."""

    def __init__(self, bot: Citebot, owner_id: int, result: QuotesPage) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self.bot, self.owner_id, self.result = bot, owner_id, result
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.result.page == 0
        self.next.disabled = self.result.page + 1 >= self.result.pages

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        return False

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        r = self.result
        self.result = quotes_page(r.speaker, r.topic, r.hits, r.page + step)
        self._sync()
        await interaction.response.edit_message(
            embed=quotes_embed(self.bot.templates, self.result), view=self, allowed_mentions=ALLOWED_MENTIONS
        )

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, +1)


class People(commands.Cog):
    """Who is quoted, and what they said."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        self.directory = SpeakerDirectory(bot)

    async def complete_speaker(
        self, interaction: discord.Interaction[Citebot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Speakers whose name (any spelling in the corpus) matches what is typed: at most 25."""
        if self.bot.service.reindexing and self.directory._for is None:
            return []
        try:
            speakers = await self.directory.speakers()
        except Exception:  # still loading: no suggestions rather than an error popup
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
        everyone = await self.directory.speakers()
        shown = match_speakers(everyone, name, limit=len(everyone)) if name and name.strip() else everyone
        titles = {d.doc: d.title for d in self.bot.service.documents}
        embed, _, pages = speakers_embed(self.bot.templates, shown, titles, 0, filtered=bool(name))
        if pages > 1:
            embed.set_footer(text=f"{embed.footer.text} · type a name to narrow the list")
        await interaction.response.send_message(embed=embed, allowed_mentions=ALLOWED_MENTIONS)

    @app_commands.command(name="quotes")
    @app_commands.describe(speaker="Whose quotes (a name, or part of one)", topic="Only quotes about this")
    async def quotes(
        self, interaction: discord.Interaction[Citebot], speaker: str, topic: str | None = None
    ) -> None:
        """Everything one person said in the documents, newest document first, verbatim and cited."""
        topic = topic.strip()[:TOPIC_LIMIT] if topic and topic.strip() else None
        person = find_speaker(await self.directory.speakers(), speaker)  # a mistake is answered privately
        await interaction.response.defer(thinking=True)
        hits = await self.directory.quotes(person, topic)
        result = quotes_page(person, topic, hits, 0)
        embed = quotes_embed(self.bot.templates, result)
        if result.pages > 1:
            view = QuotesView(self.bot, interaction.user.id, result)
            await interaction.followup.send(embed=embed, view=view, allowed_mentions=ALLOWED_MENTIONS)
        else:
            await interaction.followup.send(embed=embed, allowed_mentions=ALLOWED_MENTIONS)

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
