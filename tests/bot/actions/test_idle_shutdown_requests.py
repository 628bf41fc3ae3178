"""Enable Studio idle shutdown through the approval flow, and Undo it. moto has no Studio APIs:
botocore's Stubber answers with records from the product's own builders, and checks every
Update call's parameters against the real service model and against what the test expects."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.actions import executor
from bot.actions.fix_steps import button_params
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.models import Finding, FindingKind, ResourceType
from bot.services import Services, build_services
from bot.storage.store import Store
from tests.fakes.action_world import APPROVERS, REQUESTER, action_settings, undo_and_approve
from tests.fakes.studio import domain_record, user_profile_record

S = RequestState
ACCOUNT, REGION = "123456789012", "us-east-1"
CREATED = datetime(2026, 1, 5, tzinfo=UTC)
IMAGE = {"ImageName": "team-image", "AppImageConfigName": "team-config"}


class StubbedStudio:
    def __init__(self) -> None:
        self.sm = boto3.client("sagemaker", region_name=REGION)
        self.stub = Stubber(self.sm)

    def client(self, service: str, region: str, target: object = None) -> Any:
        return self.sm

    def domain(self, record: dict[str, Any], times: int = 1) -> None:
        for _ in range(times):
            self.stub.add_response("describe_domain", copy.deepcopy(record), {"DomainId": "d-abc"})

    def tags(self, arn: str) -> None:
        self.stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn})

    def observed_domain(self, record: dict[str, Any]) -> None:
        self.domain(record)
        self.tags(record["DomainArn"])


@pytest.fixture
def aws() -> StubbedStudio:
    return StubbedStudio()


def services_for(aws: StubbedStudio, tmp_path: Path) -> Services:
    config = action_settings(tmp_path / "bot.db", studio_max_idle_minutes=90)
    return build_services(config, clients=aws, store=Store(config.db_path))


def finding_for(resource_type: ResourceType, name: str, settings: dict[str, Any]) -> Finding:
    return Finding(
        kind=FindingKind.STUDIO_IDLE_SHUTDOWN_OFF, resource_type=resource_type, name=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{resource_type}/{name}", account_id=ACCOUNT,
        region=REGION, reason="Idle shutdown is off", detected_at=CREATED,
        evidence={"settings": settings, "domain_id": "d-abc"},
    )


OFF = {"problem": "disabled", "lifecycle_management": None, "idle_timeout_minutes": None}
DOMAIN_FINDING = finding_for(
    ResourceType.STUDIO_DOMAIN, "d-abc", {"DefaultUserSettings.JupyterLabAppSettings": OFF}
)


def domain_without_idle_shutdown(**extra: Any) -> dict[str, Any]:
    return domain_record(
        domain_id="d-abc", name="research", created=CREATED,
        default_user_settings={
            "ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/studio",
            "JupyterLabAppSettings": {"CustomImages": [IMAGE]}, **extra,
        },
    )


def enabled(record: dict[str, Any], minutes: int) -> dict[str, Any]:
    out = copy.deepcopy(record)
    out["DefaultUserSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"] = {
        "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": minutes}
    }
    return out


def ask_and_approve(services: Services, finding: Finding):
    params = button_params(services, ActionKind.ENABLE_IDLE_SHUTDOWN, False, finding)
    opened = executor.request_action(
        services, ActionKind.ENABLE_IDLE_SHUTDOWN, finding.key, REQUESTER, params=params
    )
    assert opened.request is not None, opened.refusal
    return executor.vote_and_run(services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS)


def domain_read_for_an_update(aws, record) -> None:
    """The domain as read at request time, re-read before acting, and read for its settings."""
    aws.observed_domain(record)
    aws.observed_domain(record)
    aws.domain(record)


def test_a_domain_gets_idle_shutdown_keeping_its_other_jupyterlab_settings(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    record = domain_without_idle_shutdown()
    domain_read_for_an_update(aws, record)
    aws.stub.add_response(
        "update_domain", {"DomainArn": record["DomainArn"], "ResponseMetadata": {"RequestId": "ud-1"}},
        {"DomainId": "d-abc", "DefaultUserSettings": {"JupyterLabAppSettings": {
            "CustomImages": [IMAGE],
            "AppLifecycleManagement": {"IdleSettings": {
                "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90}},
        }}},
    )
    with aws.stub:
        _, outcome = ask_and_approve(services, DOMAIN_FINDING)
    aws.stub.assert_no_pending_responses()
    assert (outcome.code, outcome.state, outcome.aws_request_id) == (OutcomeCode.DONE, S.SUCCEEDED, "ud-1")
    assert "idle shutdown after 90 min" in outcome.message


def test_undo_switches_it_off_again(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    record = domain_without_idle_shutdown()
    domain_read_for_an_update(aws, record)
    aws.stub.add_response("update_domain", {"DomainArn": record["DomainArn"]}, None)
    with aws.stub:
        _, outcome = ask_and_approve(services, DOMAIN_FINDING)
    done = executor.requests_of(services).get(outcome.request_id)
    now_on = enabled(record, 90)
    domain_read_for_an_update(aws, now_on)
    aws.stub.add_response(
        "update_domain", {"DomainArn": record["DomainArn"], "ResponseMetadata": {"RequestId": "undo-1"}},
        {"DomainId": "d-abc", "DefaultUserSettings": {"JupyterLabAppSettings": {
            "CustomImages": [IMAGE],
            "AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "DISABLED"}},
        }}},
    )
    with aws.stub:
        _, undone = undo_and_approve(services, done)
    aws.stub.assert_no_pending_responses()
    assert (undone.state, undone.aws_request_id) == (S.SUCCEEDED, "undo-1")


def test_a_studio_classic_domain_is_told_why_it_cannot_take_the_setting(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed_domain(domain_without_idle_shutdown(StudioWebPortal="DISABLED"))
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.ENABLE_IDLE_SHUTDOWN, DOMAIN_FINDING.key, REQUESTER,
            params=button_params(services, ActionKind.ENABLE_IDLE_SHUTDOWN, False, DOMAIN_FINDING),
        )
    assert opened.request is None
    assert "runs Studio Classic only (StudioWebPortal DISABLED)" in opened.refusal


def test_a_domain_already_within_the_limit_is_reported_not_changed(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    aws.observed_domain(enabled(domain_without_idle_shutdown(), 60))
    with aws.stub:
        opened = executor.request_action(
            services, ActionKind.ENABLE_IDLE_SHUTDOWN, DOMAIN_FINDING.key, REQUESTER,
            params=button_params(services, ActionKind.ENABLE_IDLE_SHUTDOWN, False, DOMAIN_FINDING),
        )
    assert opened.request is None and "already shuts idle apps down" in opened.refusal


def test_a_user_profile_override_is_updated_at_the_profile_level(aws, tmp_path) -> None:
    services = services_for(aws, tmp_path)
    profile = user_profile_record(
        domain_id="d-abc", name="alice", created=CREATED,
        user_settings={"CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": {
            "LifecycleManagement": "DISABLED"}}}},
    )
    finding = finding_for(
        ResourceType.STUDIO_USER_PROFILE, "d-abc/alice",
        {"UserSettings.CodeEditorAppSettings": {**OFF, "lifecycle_management": "DISABLED"}},
    )
    names = {"DomainId": "d-abc", "UserProfileName": "alice"}
    for _ in range(2):
        aws.stub.add_response("describe_user_profile", copy.deepcopy(profile), names)
        aws.domain(domain_without_idle_shutdown())
        aws.tags(profile["UserProfileArn"])
    aws.stub.add_response("describe_user_profile", copy.deepcopy(profile), names)
    aws.stub.add_response(
        "update_user_profile", {"UserProfileArn": profile["UserProfileArn"]},
        {**names, "UserSettings": {"CodeEditorAppSettings": {"AppLifecycleManagement": {
            "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90}}}}},
    )
    with aws.stub:
        _, outcome = ask_and_approve(services, finding)
    aws.stub.assert_no_pending_responses()
    assert outcome.state is S.SUCCEEDED
