"""One cog per feature; :func:`add_cogs` installs them all with what they need."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import Citebot


async def add_cogs(bot: Citebot) -> None:
    from bot.cogs.admin import Admin
    from bot.cogs.ask import Ask
    from bot.cogs.corpus import Corpus, Gaps
    from bot.cogs.errors import Errors
    from bot.cogs.people import People
    from bot.cogs.search import Search
    from bot.cogs.sources import Sources

    for cog in (
        Errors(bot),
        Ask(bot),
        Search(bot),
        Sources(bot),
        Admin(bot),
        Corpus(bot),
        Gaps(bot),
        People(bot),
    ):
        await bot.add_cog(cog)
