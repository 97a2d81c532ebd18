"""What the cogs share: a typed ``hybrid_command`` decorator."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from discord.ext import commands

from bot.app import Citebot

CogT = TypeVar("CogT", bound=commands.Cog)
P = ParamSpec("P")

Ctx = commands.Context[Citebot]
HybridCallback = Callable[Concatenate[CogT, Ctx, P], Coroutine[Any, Any, None]]


def hybrid_command(name: str) -> Callable[[HybridCallback[CogT, P]], commands.HybridCommand[CogT, P, None]]:
    """``commands.hybrid_command`` for a cog method, typed so that mypy can follow it.

    (discord.py's own signature takes a union of two callback shapes, which mypy cannot solve for a
    method whose context is ``Context[Citebot]``.)
    """
    return commands.hybrid_command(name=name)
