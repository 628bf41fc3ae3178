"""Auto-stop lifecycle configurations: created and described against moto (which implements
both), merged with a notebook's own configuration without losing its content."""

from __future__ import annotations

import base64
import subprocess

import boto3
import pytest
from moto import mock_aws

from bot.actions.models import ActionKind, OutcomeCode, ResourceKey
from bot.aws import notebook_fixes
from bot.aws.notebook_fixes import AUTO_STOP_CONFIG, FixRefused

REGION = "us-east-1"
NB = ResourceKey.parse(f"123456789012:{REGION}:notebook-instance:nb-1")
PARAMS = {"idle_minutes": 45, "ignore_connections": True}


@pytest.fixture
def sagemaker():
    with mock_aws():
        yield boto3.client("sagemaker", region_name=REGION)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def on_start_of(sm, name: str) -> str:
    config = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    return notebook_fixes.on_start_contents(config)


def test_the_script_carries_the_idle_time_and_the_connections_choice() -> None:
    script = notebook_fixes.auto_stop_script(45, ignore_connections=True)
    assert "--time 2700 --ignore-connections" in script
    assert "def idle_verdict(" in script  # the checker itself travels inside the on-start script
    assert "__" not in script.replace("__name__", "").replace("__main__", "").replace("__doc__", "")
    assert "--ignore-connections >>" not in notebook_fixes.auto_stop_script(45, False)


@pytest.mark.parametrize("original", [None, "#!/bin/bash\nset -e\necho setup\nexit 0\n"])
def test_the_on_start_scripts_are_valid_bash(tmp_path, original) -> None:
    script = notebook_fixes.auto_stop_script(60, ignore_connections=False)
    if original:
        script = notebook_fixes.merged_on_start(original, script)
    path = tmp_path / "on-start.sh"
    path.write_text(script)
    checked = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_a_first_crontab_entry_survives_set_e_when_root_has_no_crontab(tmp_path) -> None:
    """The cron line, run as written, with a `crontab` that has nothing to list (as on a new
    instance) and records what it is given."""
    script = notebook_fixes.auto_stop_script(60, ignore_connections=False)
    cron_line = script[script.index("({ crontab -l"):].rstrip("\n")
    saved = tmp_path / "crontab.txt"
    fake = (
        "set -e\n"
        f'crontab() {{ if [ "$1" = "-l" ]; then return 1; else cat > "{saved}"; fi; }}\n'
        "PYTHON=/usr/bin/python3 SCRIPT=/home/ec2-user/sm-cost-bot-autostop.py\n"
        + cron_line + "\n"
    )
    done = subprocess.run(["bash", "-c", fake], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert saved.read_text().startswith("*/5 * * * * /usr/bin/python3 ")


def test_a_notebook_without_a_config_gets_the_shared_one_created_once(sagemaker) -> None:
    assert notebook_fixes.auto_stop_config_for(sagemaker, None, PARAMS) == AUTO_STOP_CONFIG
    assert notebook_fixes.auto_stop_config_for(sagemaker, None, PARAMS) == AUTO_STOP_CONFIG
    assert "--time 2700" in on_start_of(sagemaker, AUTO_STOP_CONFIG)


def test_a_notebook_with_its_own_config_gets_a_copy_that_keeps_its_scripts(sagemaker) -> None:
    original = "#!/bin/bash\nset -e\npip install pandas\nexit 0\n"
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="team-setup",
        OnStart=[{"Content": b64(original)}], OnCreate=[{"Content": b64("echo created")}],
    )
    name = notebook_fixes.auto_stop_config_for(sagemaker, "team-setup", PARAMS)
    assert name == "team-setup-auto-stop"
    merged = on_start_of(sagemaker, name)
    assert merged.rstrip("\n").endswith(original.rstrip("\n"))  # the original runs unchanged, last
    assert merged.index("--time 2700") < merged.index("pip install pandas")  # an early exit cannot skip ours
    config = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name
    )
    assert config["OnCreate"] == [{"Content": b64("echo created")}]
    assert on_start_of(sagemaker, "team-setup") == original  # never replaced


def test_a_merged_script_beyond_the_api_limit_is_refused_with_the_reason(sagemaker) -> None:
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="huge",
        OnStart=[{"Content": b64("#" * 11_000)}],
    )
    with pytest.raises(FixRefused, match="AWS allows 16384"):
        notebook_fixes.auto_stop_config_for(sagemaker, "huge", PARAMS)


def test_merged_names_stay_within_the_63_character_limit() -> None:
    name = notebook_fixes.merged_config_name("x" * 63)
    assert len(name) == 63 and name.endswith("-auto-stop")
    assert notebook_fixes.has_auto_stop(name)
    assert not notebook_fixes.has_auto_stop("team-setup")
    assert not notebook_fixes.has_auto_stop(None)


@pytest.mark.parametrize(
    ("action", "details", "params", "expected"),
    [
        (ActionKind.INSTALL_AUTO_STOP, {"lifecycle_config": None}, {}, None),
        (ActionKind.INSTALL_AUTO_STOP, {"lifecycle_config": "team-setup"}, {}, None),
        (ActionKind.INSTALL_AUTO_STOP, {"lifecycle_config": AUTO_STOP_CONFIG}, {},
         OutcomeCode.ALREADY),
        (ActionKind.INSTALL_AUTO_STOP, {"lifecycle_config": "team-setup-auto-stop"}, {},
         OutcomeCode.ALREADY),
        (ActionKind.RESTORE_LIFECYCLE_CONFIG, {"lifecycle_config": "team-setup"},
         {"lifecycle_config": "team-setup"}, OutcomeCode.ALREADY),
        (ActionKind.RESTORE_LIFECYCLE_CONFIG, {"lifecycle_config": AUTO_STOP_CONFIG},
         {"lifecycle_config": None}, None),
    ],
)
def test_preflight_reads_already_done_from_the_attached_config(action, details, params, expected):
    verdict = notebook_fixes.preflight(action, NB, "Stopped", details, params)
    assert (verdict[0] if verdict else None) == expected


@pytest.mark.parametrize(
    ("state", "params", "expected"),
    [("InService", {}, True), ("InService", {"restart_now": True}, False),
     ("Stopped", {}, False), ("Stopped", {"restart_now": True}, False)],
)
def test_only_an_in_service_notebook_without_a_chosen_restart_waits(state, params, expected):
    assert notebook_fixes.defers(state, params) is expected
