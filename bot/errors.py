"""The bot's own user-facing errors. Like the engine's ``CitebotError``, each message is safe to show."""

from __future__ import annotations

from discord.ext import commands

from bot.cooldowns import OnCooldown
from index.errors import CitebotError

__all__ = ["EmptyQuestion", "NotAdmin", "NotHere", "OnCooldown"]


class NotAdmin(commands.CheckFailure):
    """A command for server admins was used by someone else."""

    def __init__(self) -> None:
        super().__init__(
            "Only server admins can do that (Manage Server permission, an admin role, or the bot owner)."
        )


class NotHere(commands.CheckFailure):
    """The settings keep the bot out of this server or channel."""

    def __init__(self) -> None:
        super().__init__("I'm not enabled in this channel.")


class EmptyQuestion(CitebotError):
    """Nothing to ask."""
