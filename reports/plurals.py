"""Counts in words: "1 finding", "2 findings", "1 entry". One function, so that every count the
bot prints agrees with its number (people read "1 findings" as a bug, and then doubt the rest)."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, word: str, many: str | None = None) -> str:
    """`many` for irregular words (entry → entries, reply → replies)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def scope_text(accounts: Sequence[str], regions: Sequence[str]) -> str:
    """What a scan covered. No account ids when the scan's own identity could not be named: then
    it is the credentials' own account, said as such rather than as "accounts -"."""
    if not accounts:
        who = "this account"
    elif len(accounts) == 1:
        who = f"account {accounts[0]}"
    else:
        who = f"accounts {', '.join(accounts)}"
    where = f"region{'' if len(regions) == 1 else 's'} {', '.join(regions)}" if regions else "no regions"
    return f"{who}; {where}"
