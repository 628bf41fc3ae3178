"""The schema registry: every feature package owns its tables and registers its sqlite-utils
`Migrations` set here, from its own store module (`register(Migrations("sm-cost-bot-…"))`).

The base never imports a feature. `SCHEMA_MODULES` names the modules that register a set, as plain
strings: opening a store imports them by name so that every table exists whatever the caller
imported first, without an import edge from the base to a feature (no cycle).
"""

from __future__ import annotations

import importlib

from sqlite_utils import Migrations

SCHEMA_MODULES = (
    "bot.actions.store", "bot.schedules.store", "bot.digest.store", "bot.report.store",
    "bot.actions.fix_store",
)

_REGISTERED: list[Migrations] = []


def register(migrations: Migrations) -> Migrations:
    """Add a feature's migrations set (once, whatever the number of imports) and return it."""
    if all(existing.name != migrations.name for existing in _REGISTERED):
        _REGISTERED.append(migrations)
    return migrations


def registered_sets() -> list[Migrations]:
    """Every feature's migrations set, in registration order."""
    for module in SCHEMA_MODULES:
        importlib.import_module(module)
    return list(_REGISTERED)
