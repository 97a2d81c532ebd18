"""The bot's configuration: environment variables, optionally a ``.env`` file, or keyword arguments.

``Settings(discord_token=..., corpus_dir=..., index_dir=...)`` reads no ``.env`` file (tests and
tools build it that way); ``Settings.from_env()`` is what the programs use, and it also reads
``.env`` from the working directory. Environment variables are ``CITEBOT_*``, except the token,
which is ``DISCORD_TOKEN`` as everywhere else. Lists of ids may be comma-separated (``1,2,3``) or JSON.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.envfile import EnvFileError, env_file_encoding

if TYPE_CHECKING:
    from index.opensearch.config import OpenSearchConfig

IdSet = Annotated[set[int], NoDecode]

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class Settings(BaseSettings):
    """Everything the bot and the CLI can be configured with. Built once at start-up, then passed down."""

    model_config = SettingsConfigDict(
        env_prefix="CITEBOT_",
        env_file=None,
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("discord_token", "DISCORD_TOKEN"),
        description="The bot token from the Discord developer portal.",
    )
    corpus_dir: Path | None = Field(
        default=None, description="Directory of documents to answer from; None means the bundled sample."
    )
    index_dir: Path | None = Field(
        default=None, description="Where the index is stored; None means the engine's default location."
    )
    command_prefix: str = Field(default="!", min_length=1, description="Prefix for text commands.")
    dev_guild_id: int | None = Field(
        default=None, description="A server to register slash commands in instantly at start-up."
    )
    owner_ids: IdSet = Field(default_factory=set, description="User ids that may run owner commands.")
    admin_role_ids: IdSet = Field(default_factory=set, description="Role ids that may run /reindex.")
    allowed_guild_ids: IdSet = Field(default_factory=set, description="Servers to answer in; empty = all.")
    allowed_channel_ids: IdSet = Field(default_factory=set, description="Channels to answer in; empty = all.")
    message_content_intent: bool = Field(
        default=False,
        description="Ask for the privileged message content intent (needed for prefix commands).",
    )
    log_level: str = Field(default="INFO", description="Logging level name.")
    cooldown_uses: int = Field(default=5, ge=1, description="Questions/searches a user may make per window.")
    cooldown_seconds: float = Field(default=30.0, gt=0, description="Length of the cooldown window.")
    guild_concurrency: int = Field(
        default=4, ge=1, description="Questions/searches one server may have running at once."
    )

    state_path: Path | None = Field(
        default=None,
        description="The bot's SQLite file (audit log, feedback, unanswered questions); None: index dir.",
    )
    keep_user_ids: bool = Field(
        default=False, description="Record who asked and who gave feedback (user ids) in the state file."
    )
    max_upload_mb: int = Field(default=20, ge=1, le=500, description="Largest file /corpus add accepts.")
    file_budget_s: float = Field(
        default=30.0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds a document may take to have its quotes attributed in a build; 0: no limit.",
    )

    backend: Literal["embedded", "opensearch"] = Field(
        default="embedded", description="Where the index lives: embedded (on disk, default) or opensearch."
    )
    opensearch_url: str = Field(
        default="http://127.0.0.1:9200", description="The OpenSearch cluster (https://... for TLS)."
    )
    opensearch_user: str | None = Field(default=None, description="OpenSearch user (basic auth).")
    opensearch_password: SecretStr | None = Field(default=None, description="OpenSearch password.")
    opensearch_verify_tls: bool = Field(default=True, description="Check the cluster's TLS certificate.")
    opensearch_prefix: str = Field(
        default="citebot",
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The alias searchers use; version indexes are named <prefix>-<version>.",
    )
    opensearch_shards: int = Field(default=3, ge=1, le=1024, description="Primary shards of a new index.")
    opensearch_replicas: int = Field(default=1, ge=0, le=16, description="Replicas of each shard.")

    def opensearch_config(self) -> OpenSearchConfig:
        """The OpenSearch backend's settings (the password is unwrapped only here, never logged)."""
        from index.opensearch.config import OpenSearchConfig

        return OpenSearchConfig(
            url=self.opensearch_url,
            user=self.opensearch_user,
            password=self.opensearch_password.get_secret_value() if self.opensearch_password else None,
            verify_tls=self.opensearch_verify_tls,
            prefix=self.opensearch_prefix,
            shards=self.opensearch_shards,
            replicas=self.opensearch_replicas,
        )

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
        """Settings from the environment and, when it exists, ``env_file``; ``overrides`` win."""
        # ``_env_file`` is pydantic-settings' per-instance switch; passed this way because the synthesised
        # ``__init__`` that type checkers see lists only the fields.
        source: dict[str, Any] = {"_env_file": env_file}
        if env_file is not None and Path(env_file).is_file():
            source["_env_file_encoding"] = env_file_encoding(Path(env_file))  # UTF-16 from Notepad too
        return cls(**source, **overrides)

    @field_validator("owner_ids", "admin_role_ids", "allowed_guild_ids", "allowed_channel_ids", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return set()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator(
        "dev_guild_id",
        "corpus_dir",
        "index_dir",
        "discord_token",
        "opensearch_user",
        "opensearch_password",
        "state_path",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # An empty line in .env (``CITEBOT_DEV_GUILD_ID=``) means "not set", not an error.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"log_level must be one of {', '.join(_LOG_LEVELS)}")
        return level

    @property
    def file_budget(self) -> float | None:
        """``file_budget_s`` as ``build_index`` takes it (None: no limit)."""
        return self.file_budget_s or None

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each bad key and why, never its value."""


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """``Settings.from_env``, with every failure turned into a ``SettingsError`` fit to print."""
    try:
        return Settings.from_env(env_file)
    except EnvFileError as err:
        raise SettingsError(str(err)) from None
    except ValidationError as err:
        raise SettingsError(describe_errors(err)) from None


def describe_errors(error: ValidationError) -> str:
    """What is wrong with each setting, without the value given: a token pasted into the wrong
    key must not end up on the screen or in a log."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "settings"
        name = key.upper() if key.upper() == "DISCORD_TOKEN" else f"CITEBOT_{key.upper()}"
        problems.append(f"{name}: {item['msg']}")
    return "; ".join(problems)
