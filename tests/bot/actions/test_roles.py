"""Two roles for real: scans and lookups read with the scan identity, actions assume the
action role of the resource's account, and acting with the scan identity needs saying so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from moto.backends import get_backend

from bot.actions import executor
from bot.actions.models import ActionKind, OutcomeCode, ResourceKey, Vote
from bot.actions.roles import NoActionRole, action_target
from bot.config import Settings
from bot.models import ResourceType
from tests.fakes.action_world import (
    APPROVERS,
    REQUESTER,
    CallCounter,
    ManualClock,
    rebuilt_services,
)

ACCOUNT, OTHER = "123456789012", "210987654321"


def settings(**values: object) -> Settings:
    return Settings(db_path=Path("bot.db"), **values)


def test_an_explicit_action_role_is_used_for_its_account():
    chosen = action_target(
        settings(action_roles=f"arn:aws:iam::{OTHER}:role/act-here,arn:aws:iam::{ACCOUNT}:role/act"),
        ACCOUNT,
    )
    assert chosen is not None and chosen.role_arn == f"arn:aws:iam::{ACCOUNT}:role/act"


def test_an_action_role_name_is_assumed_in_the_resources_own_account_and_partition():
    chosen = action_target(
        settings(accounts=f"arn:aws-us-gov:iam::{OTHER}:role/read", action_role_name="sm-cost-bot-act",
                 external_id="x-1"),
        OTHER,
    )
    assert chosen is not None
    assert chosen.role_arn == f"arn:aws-us-gov:iam::{OTHER}:role/sm-cost-bot-act"
    assert chosen.external_id == "x-1"


def test_the_scan_identity_acts_only_when_configured_so(monkeypatch):
    monkeypatch.delenv("SMBOT_ACT_WITH_SCAN_IDENTITY")
    with pytest.raises(NoActionRole, match="SMBOT_ACTION_ROLE_NAME"):
        action_target(settings(), ACCOUNT)
    assert action_target(settings(act_with_scan_identity=True), ACCOUNT) is None


def test_an_action_role_name_that_is_not_a_role_name_is_refused():
    with pytest.raises(ValueError, match="action_role_name"):
        settings(action_role_name="arn:aws:iam::123456789012:role/x")


def _assumed_roles() -> list[str]:
    return [r.role_arn for r in get_backend("sts")[ACCOUNT]["aws"].assumed_roles]


def test_an_approved_stop_assumes_the_action_role_and_the_request_read_did_not(moto_server, tmp_path, monkeypatch):
    monkeypatch.delenv("SMBOT_ACT_WITH_SCAN_IDENTITY")
    services = rebuilt_services(
        Settings(db_path=tmp_path / "bot.db", regions=["us-east-1"], approvers=APPROVERS,
                 action_role_name="sm-cost-bot-act"),
        CallCounter(), ManualClock(datetime.now(UTC)),
    )
    services.clients.client("sagemaker", "us-east-1").create_notebook_instance(
        NotebookInstanceName="nb-1", InstanceType="ml.t3.medium", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm"
    )
    key = ResourceKey(account_id=ACCOUNT, region="us-east-1", resource_type=ResourceType.NOTEBOOK_INSTANCE, name="nb-1")
    opened = executor.request_action(services, ActionKind.STOP_NOTEBOOK, str(key), REQUESTER)
    assert opened.request is not None, opened.refusal
    assert _assumed_roles() == []  # opening the request read with the scan identity

    _, outcome = executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)

    assert outcome.code is OutcomeCode.DONE
    assert _assumed_roles() == [f"arn:aws:iam::{ACCOUNT}:role/sm-cost-bot-act"]


def test_without_an_action_role_the_request_fails_saying_what_to_set(moto_server, tmp_path, monkeypatch):
    monkeypatch.delenv("SMBOT_ACT_WITH_SCAN_IDENTITY")
    services = rebuilt_services(
        Settings(db_path=tmp_path / "bot.db", regions=["us-east-1"], approvers=APPROVERS),
        CallCounter(), ManualClock(datetime.now(UTC)),
    )
    services.clients.client("sagemaker", "us-east-1").create_notebook_instance(
        NotebookInstanceName="nb-1", InstanceType="ml.t3.medium", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm"
    )
    key = ResourceKey(account_id=ACCOUNT, region="us-east-1", resource_type=ResourceType.NOTEBOOK_INSTANCE, name="nb-1")
    opened = executor.request_action(services, ActionKind.STOP_NOTEBOOK, str(key), REQUESTER)
    _, outcome = executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)
    assert outcome.code is OutcomeCode.ERROR
    assert "SMBOT_ACTION_ROLE_NAME" in outcome.message
