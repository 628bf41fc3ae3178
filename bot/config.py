"""Every knob in one place: `SMBOT_*` environment variables, optionally a TOML file named by
`SMBOT_CONFIG` (env vars win), and the three standard Slack variables.

An invalid value stops start-up with one line naming the setting and what is allowed
(`settings_error_lines`), never a pydantic traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class AccountTarget(BaseModel):
    """An account reached through AssumeRole. No accounts configured = the ambient credentials."""

    role_arn: str
    external_id: str | None = None
    name: str | None = None

    @field_validator("role_arn")
    @classmethod
    def _role_arn(cls, value: str) -> str:
        if not ROLE_ARN.match(value):
            raise ValueError("must be an IAM role ARN like arn:aws:iam::123456789012:role/name")
        return value

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]


def _split_commas(value: Any) -> Any:
    """People type `a,b`; JSON lists still work."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SMBOT_",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
        allow_inf_nan=False,  # `inf` hours would be accepted, then break the scan that uses it
    )

    # --- what to scan -------------------------------------------------------------------------
    # Empty (the default): every region enabled for each account where SageMaker is offered.
    regions: Annotated[list[str], NoDecode] = []
    accounts: Annotated[list[AccountTarget], NoDecode] = []
    external_id: str | None = None
    # --- acting (bot.actions.roles): a role of its own, never the read role unless told so ----
    action_roles: Annotated[list[AccountTarget], NoDecode] = []
    action_role_name: str | None = Field(None, pattern=r"^[\w+=,.@-]{1,64}$")
    act_with_scan_identity: bool = False
    scan_max_workers: int = Field(8, ge=1, le=64)
    # botocore retries a timed-out call: a hung endpoint costs at most timeout × attempts.
    aws_max_attempts: int = Field(8, ge=1, le=20, validation_alias=AliasChoices("AWS_MAX_ATTEMPTS"))
    aws_connect_timeout_seconds: float = Field(5, gt=0, le=300)
    aws_read_timeout_seconds: float = Field(20, gt=0, le=900)

    # --- thresholds per finding kind -----------------------------------------------------------
    notebook_idle_hours: float = Field(24, gt=0)
    studio_idle_hours: float = Field(2, gt=0)
    studio_max_idle_minutes: int = Field(120, ge=60, le=525600)
    endpoint_lookback_hours: int = Field(48, ge=1, le=24 * 14)
    training_lookback_days: int = Field(30, ge=1, le=365)
    spot_discount: float = Field(0.6, gt=0, lt=1)
    rightsize_lookback_days: int = Field(14, ge=1, le=63)
    rightsize_target_utilisation: float = Field(0.6, gt=0, le=1)
    rightsize_min_instances: int = Field(1, ge=1)
    min_saving_usd: float = Field(20, ge=0)
    stopped_notebook_days: int = Field(30, ge=1, le=3650)
    canvas_idle_hours: float = Field(2, gt=0)

    protected_tag_key: str = Field("sm-cost-bot:protect", min_length=1)
    owner_tag_keys: Annotated[list[str], NoDecode] = ["owner", "team", "created-by"]
    owner_map: Path | None = None  # TOML/JSON: owner tag value → Slack user or channel id
    owner_dm: bool = False

    # --- storage -------------------------------------------------------------------------------
    db_path: Path = Path("./sm-cost-bot.db")
    prices_path: Path | None = None
    log_level: Annotated[str, Field(pattern="^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    prices_max_age_days: int = Field(7, ge=0, le=365)
    prices_fetch: bool = True
    price_discount: float = Field(0.0, ge=0, lt=1)

    # --- Slack -----------------------------------------------------------------------------------
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_signing_secret: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_api_url: str | None = Field(None, validation_alias=AliasChoices("SLACK_API_URL"))
    digest_channel: str | None = None
    digest_cron: str = "0 9 * * MON-FRI"
    timezone: str = "UTC"
    digest_when_empty: bool = True
    digest_max_items: int = Field(20, ge=1, le=40)
    cache_minutes: int = Field(15, ge=0)
    report_cron: str = "0 9 * * MON"
    report_channel: str | None = None  # None: the digest channel

    # --- approvals and actions -------------------------------------------------------------------
    approvers: Annotated[list[str], NoDecode] = []
    approver_group: str | None = None
    required_approvals: int = Field(1, ge=1, le=10)
    allow_self_approval: bool = False
    request_ttl_hours: float = Field(24, gt=0)
    dry_run: bool = False
    schedules_need_approval: bool = True
    # --- lasting fixes: auto-stop lifecycle configuration on notebook instances -------------
    auto_stop_idle_minutes: int = Field(60, ge=5, le=24 * 60)
    auto_stop_ignore_connections: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_path = os.environ.get("SMBOT_CONFIG")
        if config_path:
            check_config_file(Path(config_path), set(settings_cls.model_fields))
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_path))
        return tuple(sources)

    @field_validator("*")
    @classmethod
    def _durations_and_amounts(cls, value: Any, info: ValidationInfo) -> Any:
        """Every setting whose name carries a unit (`_hours`, `_usd`…) is a finite amount that
        cannot be negative: settings added later get the rule by being named for their unit."""
        name = info.field_name or ""
        if name.endswith(UNIT_SUFFIXES) and isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"must be a finite number, 0 or more (got {value})")
        return value

    @field_validator("db_path")
    @classmethod
    def _db_path(cls, value: Path) -> Path:
        return writable_file_path(value)

    @field_validator("prices_path")
    @classmethod
    def _prices_path(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value} (write one with `sm-cost-bot prices refresh`)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r} (e.g. https://slack.com/api/)")
        return value

    @field_validator("regions", "owner_tag_keys", "approvers", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_commas(value)

    @field_validator("accounts", "action_roles", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        items = _split_commas(value)
        if isinstance(items, list):
            return [{"role_arn": item} if isinstance(item, str) else item for item in items]
        return items

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        bad = [r for r in value if not REGION.match(r)]
        if bad:
            raise ValueError(f"not an AWS region name: {', '.join(bad)} (e.g. us-east-1)")
        return list(dict.fromkeys(value))

    @field_validator("approvers")
    @classmethod
    def _approvers(cls, value: list[str]) -> list[str]:
        bad = [u for u in value if not SLACK_USER_ID.match(u)]
        if bad:
            raise ValueError(f"not Slack user ids: {', '.join(bad)} (e.g. U012AB3CD)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name like Europe/Berlin)") from None
        return value

    @field_validator("digest_cron")
    @classmethod
    def _digest_cron(cls, value: str) -> str:
        from bot.cron import parse_cron  # local: config must import cheaply

        trigger = parse_cron(value)
        if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
            raise ValueError(f"cron {value!r} never fires (no such date); e.g. '0 9 * * MON-FRI'")
        return value

    @field_validator("report_cron")
    @classmethod
    def _report_cron(cls, value: str) -> str:
        return cls._digest_cron(value)

    @field_validator("owner_map")
    @classmethod
    def _owner_map(cls, value: Path | None) -> Path | None:
        from bot.owners.resolve import load_owner_map  # local: config must import cheaply

        try:
            load_owner_map(value)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("SMBOT_OWNER_MAP: ")) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account_targets(self) -> list[AccountTarget | None]:
        """None stands for the ambient credentials (no AssumeRole)."""
        if not self.accounts:
            return [None]
        return [
            a if a.external_id or not self.external_id
            else a.model_copy(update={"external_id": self.external_id})
            for a in self.accounts
        ]


class ConfigFileError(ValueError):
    pass


UNIT_SUFFIXES = ("_hours", "_minutes", "_days", "_seconds", "_usd", "_pct", "_percent")


def writable_file_path(path: Path) -> Path:
    """A file the bot can create or write: not empty, not a directory, in a writable directory
    that exists (SQLite's own error is only "unable to open database file")."""
    if str(path) in ("", "."):
        raise ValueError("is empty: give a file path such as ./sm-cost-bot.db")
    if path.is_dir():
        raise ValueError(f"{path} is a directory: give a file path such as {path / 'sm-cost-bot.db'}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"directory {parent} does not exist: create it or choose another path")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ValueError(f"{path} is not readable and writable by this user")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"directory {parent} is not writable by this user")
    return path


def check_config_file(path: Path, known_keys: set[str]) -> None:
    """The TOML file named by SMBOT_CONFIG exists, parses, and holds only known settings: a
    misspelt key would otherwise be silently ignored."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigFileError(f"SMBOT_CONFIG: no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"SMBOT_CONFIG: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"SMBOT_CONFIG: {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - known_keys)
    if unknown:
        raise ConfigFileError(
            f"SMBOT_CONFIG: {path}: unknown setting{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)} (names are the variables' without SMBOT_, in lower case)"
        )


def env_name(field: str) -> str:
    """The variable a user sets for a field: its alias (SLACK_BOT_TOKEN, AWS_MAX_ATTEMPTS) or
    SMBOT_ + the name."""
    info = Settings.model_fields.get(field)
    if info is None:  # pydantic reports an aliased field by the alias itself
        return field if field.isupper() else f"SMBOT_{field.upper()}"
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"SMBOT_{field.upper()}"


def settings_error_lines(error: ValidationError) -> list[str]:
    """One line per invalid setting, named as the user set it."""
    lines = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        field = loc[0] if loc else "?"
        name = env_name(field)
        detail = item["msg"].removeprefix("Value error, ")
        where = f" (item {'.'.join(loc[1:])})" if len(loc) > 1 else ""
        lines.append(f"invalid setting {name}{where}: {detail}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
