"""The one place errors become replies.

Two tiers: a user's mistake (a bad or empty question, an unknown document, a cooldown, a missing
permission, a DM where a server is needed, an index still loading) gets a short reply only they can
see; anything else is a bug, logged with its traceback, and the user gets a generic apology.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldowns import Throttled
from bot.render import escape, hide_paths
from bot.replies import ALLOWED_MENTIONS, error_text
from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.app import Citebot

log = logging.getLogger(__name__)


def unwrap(error: BaseException) -> BaseException:
    """The exception that actually happened, out of discord.py's wrappers."""
    while True:
        if isinstance(
            error, commands.HybridCommandError | commands.CommandInvokeError | app_commands.CommandInvokeError
        ):
            error = error.original
        elif isinstance(error, commands.ConversionError | app_commands.TransformerError) and error.__cause__:
            inner = error.__cause__
            if not isinstance(inner, CitebotError):
                return error
            error = inner
        else:
            return error


def user_message(error: BaseException) -> str | None:
    """What to tell the user about ``error``, or None if it is a bug."""
    error = unwrap(error)
    match error:
        case CitebotError():
            return escape(hide_paths(str(error))) or "That didn't work."
        case commands.CommandOnCooldown() | app_commands.CommandOnCooldown():
            return f"Easy there: you can try again in {max(1, round(error.retry_after))} s."
        case commands.NoPrivateMessage() | app_commands.NoPrivateMessage():
            return "This command only works in a server."
        case commands.NotOwner():
            return "Only the bot's owner can do that."
        case commands.MissingPermissions() | app_commands.MissingPermissions():
            return "Only server admins can do that (you need the Manage Server permission)."
        case commands.MissingRequiredArgument():
            return f"Missing `{error.param.name}`."
        case commands.TooManyArguments():
            return "That's more than this command takes."
        case commands.BadArgument() | commands.UserInputError() | app_commands.TransformerError():
            return "That didn't look right: " + escape(str(error))[:300]
        case commands.CheckFailure() | app_commands.CheckFailure():
            return escape(str(error)) if str(error) else "You can't use that here."
        case _:
            return None


async def reply_to_error(
    bot: Citebot,
    error: BaseException,
    *,
    ctx: commands.Context[Any] | None = None,
    interaction: discord.Interaction[Any] | None = None,
    message: discord.Message | None = None,
    where: str = "",
) -> None:
    """Tell the user what went wrong, privately when the platform allows; log bugs with tracebacks."""
    if interaction is None and ctx is not None:
        interaction = ctx.interaction
    original = unwrap(error)
    if isinstance(original, Throttled) and interaction is None:
        await _react_to_flood(original, ctx.message if ctx is not None else message, where)
        return
    if interaction is not None:
        # A hybrid command's error reaches both the command and the app-command handlers.
        if interaction.extras.get("citebot_error_replied"):
            return
        interaction.extras["citebot_error_replied"] = True
    text = user_message(error)
    if text is None:
        original = unwrap(error)
        log.error(
            "unexpected error where=%s", where, exc_info=(type(original), original, original.__traceback__)
        )
    else:
        log.info("user error where=%s kind=%s", where, type(unwrap(error)).__name__)
    reply = error_text(bot.templates, bot.service.public_text(text) if text else None)
    if ctx is not None and ctx.interaction is not None:
        interaction = ctx.interaction
    try:
        if interaction is not None:
            await _reply_privately(interaction, reply)
        elif ctx is not None:
            await ctx.reply(reply, mention_author=False, allowed_mentions=ALLOWED_MENTIONS)
        elif message is not None:
            await message.reply(reply, mention_author=False, allowed_mentions=ALLOWED_MENTIONS)
    except discord.HTTPException:
        log.warning("could not send the error reply where=%s", where, exc_info=True)


FLOOD_REACTION = "⏳"


async def _react_to_flood(error: Throttled, message: discord.Message | None, where: str) -> None:
    """A message over a limit gets no public reply: the first one in a window gets a ⏳ reaction,
    the rest nothing (a flood must not be answered by a flood)."""
    log.info("throttled where=%s kind=%s notify=%s", where, type(error).__name__, error.notify)
    if not error.notify or message is None:
        return
    try:
        await message.add_reaction(FLOOD_REACTION)
    except discord.HTTPException:
        log.info("could not react to a throttled message where=%s", where)


async def _reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)
        return
    if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        # We deferred ("thinking…") and the placeholder decided who sees the reply: put the note
        # in its place. (User mistakes are checked before deferring, so they stay private.)
        await interaction.edit_original_response(
            content=text, embeds=[], view=None, allowed_mentions=ALLOWED_MENTIONS
        )
        return
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=ALLOWED_MENTIONS)


class Errors(commands.Cog):
    """Replies to everything that goes wrong in commands."""

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        self._previous_tree_handler: Any = None

    async def cog_load(self) -> None:
        tree = self.bot.tree
        self._previous_tree_handler = tree.on_error
        tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        if self._previous_tree_handler is not None:
            self.bot.tree.on_error = self._previous_tree_handler  # type: ignore[method-assign]

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[Any], error: commands.CommandError) -> None:
        if isinstance(error, commands.CommandNotFound):
            return  # "!foo" is not necessarily meant for us
        command = ctx.command.qualified_name if ctx.command else "?"
        await reply_to_error(self.bot, error, ctx=ctx, where=f"command:{command}")

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        await reply_to_error(self.bot, error, interaction=interaction, where=f"app_command:{command}")
