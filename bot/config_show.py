"""`sm-cost-bot config show`: every effective setting, where its value came from, secrets masked.

A value comes from one of three places, in this order of precedence (pydantic-settings' own):
the environment, the TOML file named by `SMBOT_CONFIG`, the default. (Command-line options such
as `scan --region` change one run, not the settings, so they are not listed here.) When
a digest goes to the wrong channel, "which of these won" is the question; this answers it without
ever printing a token (Slack tokens show their kind, `xoxb-…(set)`; other secrets `****(set)`).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.config import Settings, env_name

# Names that hold a credential or a shared secret (STS ExternalId is one: it stops a confused
# deputy only while nobody else knows it).
SECRET_NAME = re.compile(r"token|secret|password|external_id")
SLACK_TOKEN_KIND = re.compile(r"^(xox[a-z]|xapp)-")
MASK = "****(set)"


@dataclass(frozen=True)
class SettingRow:
    name: str  # as the user sets it: SMBOT_REGIONS, SLACK_BOT_TOKEN, AWS_MAX_ATTEMPTS
    value: Any  # JSON-ready, secrets already masked
    source: str  # "env", "file <path>" or "default"


def is_secret(field: str) -> bool:
    info = Settings.model_fields[field]
    return info.annotation in (SecretStr, SecretStr | None) or bool(SECRET_NAME.search(field))


def mask(value: Any) -> Any:
    """A secret's shape without its content: set or not, and a Slack token's kind."""
    if value in (None, ""):
        return None
    text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    kind = SLACK_TOKEN_KIND.match(text)
    return f"{kind.group(0)}…(set)" if kind else MASK


def _masked_value(field: str, value: Any) -> Any:
    if is_secret(field):
        return mask(value)
    if isinstance(value, list):  # accounts and action roles may carry an ExternalId each
        return [
            {k: mask(v) if SECRET_NAME.search(k) else v for k, v in item.items()}
            if isinstance(item, dict) else item
            for item in value
        ]
    return value


def _source(field: str, environ_names: set[str], file_keys: set[str], file_path: str | None) -> str:
    if env_name(field).lower() in environ_names:
        return "env"
    if field in file_keys:
        return f"file {file_path}"
    return "default"


def describe_settings(
    settings: Settings,
    environ: Mapping[str, str],
    file_values: Mapping[str, Any] | None = None,
    file_path: str | None = None,
) -> list[SettingRow]:
    """Pure: the settings as loaded, and what was given where, → one row per setting."""
    dumped = settings.model_dump(mode="json")
    # pydantic-settings matches variable names regardless of case (case_sensitive=False).
    environ_names = {name.lower() for name in environ}
    file_keys = set(file_values or {})
    return [
        SettingRow(
            name=env_name(field),
            value=_masked_value(field, dumped[field]),
            source=_source(field, environ_names, file_keys, file_path),
        )
        for field in Settings.model_fields
    ]


def _text(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(item["role_arn"] if isinstance(item, dict) and "role_arn" in item else str(item)
                        for item in value) or "(none)"
    return str(value)


def write_json(rows: list[SettingRow], out: TextIO) -> None:
    json.dump([{"name": r.name, "value": r.value, "source": r.source} for r in rows], out, indent=2)
    out.write("\n")


def write_table(rows: list[SettingRow], out: TextIO) -> None:
    from rich.table import Table

    from bot.terminal_tables import fit_to_width, terminal_console

    table = Table(title="Effective settings")
    for column in ("setting", "value", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, _text(row.value), row.source)
    terminal_console(out).print(fit_to_width(table))


def config_cli(settings: Settings, fmt: str, environ: Mapping[str, str], out: TextIO | None = None) -> int:
    file_path = environ.get("SMBOT_CONFIG") or None
    # Settings() already checked that the file exists, parses and names only known settings.
    file_values = tomllib.loads(Path(file_path).read_text()) if file_path else {}
    rows = describe_settings(settings, environ, file_values, file_path)
    (write_json if fmt == "json" else write_table)(rows, out or sys.stdout)
    return 0
