"""Lifecycle-config evidence for idle-notebook: the scripts (base64, as
DescribeNotebookInstanceLifecycleConfig returns them) are read once per distinct configuration
and searched for an idle auto-stop."""

from __future__ import annotations

import base64

import boto3
from botocore.stub import Stubber

from bot.scan.scanners.lifecycle_evidence import (
    LifecycleReading,
    auto_stop_evidence,
    get_lifecycle_configs,
)

AWS_SAMPLE = """#!/bin/bash
set -e
IDLE_TIME=3600
wget https://raw.githubusercontent.com/aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples/master/scripts/auto-stop-idle/autostop.py
(crontab -l 2>/dev/null; echo "*/5 * * * * /usr/bin/python $PWD/autostop.py --time $IDLE_TIME --ignore-connections") | crontab -
"""


def described(name: str, on_start: str | None = None, on_create: str | None = None) -> dict:
    """A DescribeNotebookInstanceLifecycleConfig answer (API model shape)."""
    answer = {
        "NotebookInstanceLifecycleConfigArn":
            f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/{name}",
        "NotebookInstanceLifecycleConfigName": name,
    }
    if on_start is not None:
        answer["OnStart"] = [{"Content": base64.b64encode(on_start.encode()).decode()}]
    if on_create is not None:
        answer["OnCreate"] = [{"Content": base64.b64encode(on_create.encode()).decode()}]
    return answer


def test_one_describe_per_distinct_configuration_however_many_notebooks_share_it():
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("describe_notebook_instance_lifecycle_config", described("a", AWS_SAMPLE),
                          {"NotebookInstanceLifecycleConfigName": "a"})
        stub.add_response("describe_notebook_instance_lifecycle_config", described("b", "pip install x"),
                          {"NotebookInstanceLifecycleConfigName": "b"})
        readings = get_lifecycle_configs(client, ["b", "a", None, "a", "b"])
        stub.assert_no_pending_responses()
    assert sorted(readings) == ["a", "b"]
    assert "autostop.py" in readings["a"].scripts["OnStart"]


def test_an_unreadable_configuration_is_its_reading_not_a_failed_scan():
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("describe_notebook_instance_lifecycle_config", "AccessDeniedException",
                              "not allowed")
        readings = get_lifecycle_configs(client, ["a"])
    assert readings["a"].unreadable.startswith("AccessDeniedException")


def test_the_aws_sample_auto_stop_is_recognised_and_named_with_its_idle_time():
    reading = LifecycleReading(scripts={"OnStart": AWS_SAMPLE})
    evidence = auto_stop_evidence("team-autostop", reading)
    assert evidence["auto_stop_lifecycle_config_attached"] is True
    assert "team-autostop (OnStart) contains an idle auto-stop after 60 idle minutes" in (
        evidence["lifecycle_auto_stop"]
    )


def test_an_auto_stop_in_on_create_counts_too():
    evidence = auto_stop_evidence("c", LifecycleReading(scripts={"OnCreate": "aws sagemaker stop-notebook-instance"}))
    assert evidence["auto_stop_lifecycle_config_attached"] is True


def test_a_configuration_without_an_auto_stop_says_so_by_name():
    evidence = auto_stop_evidence("conda-setup", LifecycleReading(scripts={"OnStart": "conda install x"}))
    assert evidence["auto_stop_lifecycle_config_attached"] is False
    assert evidence["lifecycle_auto_stop"] == "lifecycle configuration conda-setup has no idle auto-stop"


def test_an_unreadable_configuration_is_neither_yes_nor_no():
    evidence = auto_stop_evidence("x", LifecycleReading(unreadable="AccessDeniedException: no"))
    assert evidence["auto_stop_lifecycle_config_attached"] is None
    assert "unreadable" in evidence["lifecycle_auto_stop"]


def test_no_configuration_means_no_auto_stop():
    assert auto_stop_evidence(None, None)["auto_stop_lifecycle_config_attached"] is False
