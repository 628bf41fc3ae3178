"""The report's Cost Explorer permissions are granted by the read policy and named in the README."""

import json
from pathlib import Path

from bot.aws.cost import PERMISSIONS

ROOT = Path(__file__).resolve().parents[3]


def test_the_read_policy_grants_the_reports_cost_explorer_reads():
    policy = json.loads((ROOT / "iam" / "read-policy.json").read_text())
    granted = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert set(PERMISSIONS) <= granted, set(PERMISSIONS) - granted


def test_the_readme_names_each_cost_explorer_permission():
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{p}`" in readme for p in PERMISSIONS)
