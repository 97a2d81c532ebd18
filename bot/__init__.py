"""citebot's front ends: the Discord bot and the terminal.

``Settings`` is cheap to import; ``create_bot`` pulls in discord.py only when first used, so the
``citebot`` command line does not pay for (or depend on) discord.py unless it runs the bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import create_bot

__all__ = ["Settings", "create_bot"]


def __getattr__(name: str) -> Any:
    if name == "create_bot":
        from bot.app import create_bot

        return create_bot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
