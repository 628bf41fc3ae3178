"""Docs are part of the feature: settings ↔ README, manifest commands ↔ listeners,
finding kinds ↔ renderers ↔ IAM."""

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.models import FindingKind
from bot.scan.scanners import SCANNERS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _env_name(field: str, info) -> str:
    alias = info.validation_alias
    if alias is not None:
        return alias.choices[0]
    return f"SMBOT_{field.upper()}"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(field):
    name = _env_name(field, Settings.model_fields[field])
    assert f"`{name}`" in README, f"{name} is missing from the README's configuration reference"


def test_the_readme_documents_no_setting_that_does_not_exist():
    known = {_env_name(f, i) for f, i in Settings.model_fields.items()} | {"SMBOT_CONFIG"}
    documented = set(re.findall(r"`(SMBOT_[A-Z_]+)`", README))
    assert documented <= known, documented - known


def test_the_quickstart_has_exactly_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", quickstart, re.S)
    commands = [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert "sm-cost-bot demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install" in ci and "-e '.[test]'" in ci and "pytest" in ci


def _policy_actions(name: str) -> set[str]:
    policy = json.loads((ROOT / "iam" / name).read_text())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


@pytest.mark.parametrize("kind", list(FindingKind))
def test_each_scanner_declares_permissions_the_read_policy_grants(kind):
    permissions = set(SCANNERS[kind].PERMISSIONS)
    assert permissions, f"{kind} declares no IAM permissions"
    assert permissions <= _policy_actions("read-policy.json"), permissions - _policy_actions("read-policy.json")


def test_the_read_policy_grants_nothing_that_mutates():
    mutating = re.compile(r":(Create|Delete|Stop|Start|Update|Put|Add|Remove)")
    assert not [a for a in _policy_actions("read-policy.json") if mutating.search(a)]


def test_every_finding_kind_has_a_terminal_title():
    from reports.text import KIND_TITLES

    assert set(KIND_TITLES) == set(FindingKind)


def _manifest_commands() -> list[str]:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text())
    return [c["command"] for c in manifest["features"]["slash_commands"]]


@pytest.mark.parametrize("command", _manifest_commands())
def test_every_manifest_command_has_a_listener(command, bolt_app, signed):
    response = bolt_app.dispatch(signed.command(command, "help").bolt_request())
    assert response.status == 200, f"{command} is in the manifest but no listener answers it"


def test_every_manifest_command_is_in_the_readme():
    for command in _manifest_commands():
        assert f"`{command}" in README, command
