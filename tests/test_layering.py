"""The house import rules, read statically (importing any slack_sdk submodule loads slack_sdk.web,
so a runtime check could not tell)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _hits(path: Path, forbidden: tuple[str, ...]) -> set[str]:
    return {n for n in _imports(path) if n == forbidden or n.split(".")[0] in forbidden or n.startswith(forbidden)}


@pytest.mark.parametrize("path", _modules("bot", "handlers", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_bot_aws_imports_boto3_or_botocore(path):
    if (ROOT / "bot" / "aws") in path.parents:
        return
    assert not _hits(path, ("boto3", "botocore")), "boto3/botocore belong in bot/aws/"


@pytest.mark.parametrize("path", _modules("bot", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_app_and_handlers_import_slack_bolt(path):
    if path == ROOT / "bot" / "app.py":
        return
    assert not _hits(path, ("slack_bolt",)), "slack_bolt belongs in bot/app.py and handlers/"


@pytest.mark.parametrize("path", _modules("reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_reports_are_pure(path):
    bad = {
        n
        for n in _imports(path)
        if n.split(".")[0] in {"boto3", "botocore", "slack_bolt", "sqlite_utils", "sqlite3", "requests"}
        or (n.startswith("slack_sdk") and not n.startswith("slack_sdk.models"))
        or n in {"bot.store", "bot.services", "bot.scan"}
        or n.startswith(("bot.aws", "bot.scanners"))
    }
    assert not bad, f"reports/ must stay pure: {sorted(bad)}"


@pytest.mark.parametrize("path", _modules("bot", "handlers", "reports"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_grab_bag_modules(path):
    assert path.stem not in {"utils", "helpers", "misc", "common", "csv", "json", "logging"}
