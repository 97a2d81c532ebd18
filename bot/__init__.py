"""citebot's front ends: the Discord bot and the terminal.

``Settings`` (pydantic) and ``create_bot`` (discord.py) are imported on first use, so the ``citebot``
command line pays for neither unless it runs the bot: ``citebot ask`` must start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import create_bot
    from bot.settings import Settings

__all__ = ["Settings", "create_bot"]


def __getattr__(name: str) -> Any:
    if name == "create_bot":
        from bot.app import create_bot

        return create_bot
    if name == "Settings":
        from bot.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
