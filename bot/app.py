"""The Discord bot: ``create_bot(settings)`` builds it, ``main()`` runs it.

Everything the bot needs (settings, the index service, the template environment, the cooldowns) is
built here and handed to the cogs; nothing is global. Slash commands are registered with Discord by
the owner's ``!sync`` command, or at start-up in the development guild only; never in ``on_ready``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import discord
import jinja2
from discord import app_commands
from discord.ext import commands

from bot.cooldowns import GuildSlots, UserCooldowns
from bot.errors import NotHere
from bot.render import create_environment
from bot.service import IndexService
from bot.settings import Settings, SettingsError, load_settings
from bot.state import STATE_FILE, State

log = logging.getLogger(__name__)

NOT_HERE = "I'm not enabled in this channel."

# What the bot needs in a server (the README's Discord section gives the same number for the invite link): see
# channels, send messages and embeds there and in threads, and read the message a reply points to.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
    add_reactions=True,  # a ⏳ on a message that asks too often, instead of a public reply
)
INVITE_SCOPES = ("bot", "applications.commands")


def is_allowed_place(settings: Settings, guild_id: int | None, channel_id: int | None) -> bool:
    """Whether the settings let the bot answer in this server/channel (a DM has no guild).

    With no restriction configured, everywhere is allowed; any restriction also shuts DMs out.
    """
    if not settings.allowed_guild_ids and not settings.allowed_channel_ids:
        return True
    if guild_id is None:
        return False
    if settings.allowed_guild_ids and guild_id not in settings.allowed_guild_ids:
        return False
    return not settings.allowed_channel_ids or channel_id in settings.allowed_channel_ids


class CitebotTree(app_commands.CommandTree["Citebot"]):
    """The command tree, refusing interactions from servers/channels the settings exclude."""

    async def interaction_check(self, interaction: discord.Interaction[Citebot]) -> bool:
        if is_allowed_place(interaction.client.settings, interaction.guild_id, interaction.channel_id):
            return True
        await interaction.response.send_message(NOT_HERE, ephemeral=True)
        return False


class Citebot(commands.Bot):
    """The bot, holding what its cogs share. Build it with :func:`create_bot`."""

    def __init__(
        self,
        settings: Settings,
        *,
        service: IndexService | None = None,
        templates: jinja2.Environment | None = None,
        state: State | None = None,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content_intent
        super().__init__(
            command_prefix=settings.command_prefix,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            owner_ids=set(settings.owner_ids) or None,
            tree_cls=CitebotTree,
            help_command=commands.DefaultHelpCommand(),
            description="Answers questions from its documents with verbatim, cited quotes.",
        )
        self.settings = settings
        self.service = service or IndexService(settings)
        self.templates = templates or create_environment()
        self.cooldowns = UserCooldowns(settings.cooldown_uses, settings.cooldown_seconds)
        self.state = state or State.open_or_replace(
            settings.state_path or self.service.index_dir / STATE_FILE, keep_user_ids=settings.keep_user_ids
        )
        self.engine_slots = GuildSlots(settings.guild_concurrency)
        self.add_check(self._allowed_here)

    async def _allowed_here(self, ctx: commands.Context[Citebot]) -> bool:
        """Global check for prefix (and hybrid) commands: the configured servers/channels only."""
        if is_allowed_place(self.settings, ctx.guild.id if ctx.guild else None, ctx.channel.id):
            return True
        raise NotHere()

    async def setup_hook(self) -> None:
        from bot.cogs import add_cogs
        from bot.feedback import FEEDBACK_ITEMS
        from bot.views import DYNAMIC_ITEMS

        self.add_dynamic_items(*DYNAMIC_ITEMS, *FEEDBACK_ITEMS)
        await add_cogs(self)
        self.service.start()
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced commands=%d guild=%d", len(synced), self.settings.dev_guild_id)

    async def close(self) -> None:
        await self.service.close()
        await super().close()
        self.state.close()

    async def on_ready(self) -> None:
        user = self.user
        log.info("ready user=%s id=%s guilds=%d", user, user.id if user else None, len(self.guilds))
        if self.application_id is not None:
            invite = discord.utils.oauth_url(
                self.application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
            )
            log.info("invite url=%s", invite)


def create_bot(settings: Settings) -> Citebot:
    """The configured bot, not yet started (``await bot.start(token)`` or :func:`main` runs it)."""
    return Citebot(settings)


def configure_logging(level: int, *, message_content_intent: bool = True) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # discord.py's gateway chatter at DEBUG is not ours to show.
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
    if not message_content_intent:
        # Off on purpose (the default): text commands still work in DMs and slash commands everywhere.
        logging.getLogger("discord.ext.commands.bot").addFilter(_IntentOffOnPurpose())


class _IntentOffOnPurpose(logging.Filter):
    """Drops discord.py's start-up warning that the message content intent is missing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "message content intent is missing" not in record.getMessage()


def _network_reason(err: BaseException) -> str:
    reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return str(reason).splitlines()[0][:200]


MISSING_TOKEN = (
    "citebot: no Discord token. Set DISCORD_TOKEN in the environment or in a .env file "
    "(see .env.example and the README's Discord section)."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot until interrupted. Returns the process exit status."""
    del argv  # no options: everything is configured through the environment / .env
    try:
        settings = load_settings()
    except SettingsError as err:
        print(f"citebot: invalid settings: {err}", file=sys.stderr)
        return 2
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    configure_logging(settings.log_level_number, message_content_intent=settings.message_content_intent)
    bot = create_bot(settings)
    try:
        bot.run(token, log_handler=None)
    except (
        TimeoutError,
        OSError,
        discord.GatewayNotFound,
    ) as err:  # aiohttp's connection errors are OSErrors
        print(f"citebot: cannot reach Discord ({_network_reason(err)}); check the network.", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print("citebot: Discord rejected the token; check DISCORD_TOKEN.", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "citebot: the message content intent is not enabled for this application; enable it in the "
            "developer portal (Bot → Privileged Gateway Intents)"
            " or set CITEBOT_MESSAGE_CONTENT_INTENT=false.",
            file=sys.stderr,
        )
        return 1
    return 0
