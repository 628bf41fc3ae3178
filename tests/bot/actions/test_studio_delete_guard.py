"""The Studio app Delete guard: it compares user-activity evidence, never a field health checks
move. moto has no Studio apps and no CloudTrail LookupEvents: SageMaker and CloudTrail answer
through botocore's Stubber with the real model's shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.actions import executor
from bot.actions.models import ActionKind, OutcomeCode, RequestState, Vote
from bot.scan.studio_activity import user_activity
from bot.services import build_services
from bot.storage.store import Store
from tests.fakes.action_world import APPROVERS, REQUESTER, ManualClock, action_settings
from tests.fakes.studio import app_record, lookup_params, space_record, studio_open_event

ACCOUNT, REGION, DOMAIN = "123456789012", "us-east-1", "d-abc"
REQUESTED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
KEY = f"{ACCOUNT}:{REGION}:studio-app:{DOMAIN}/team-space/JupyterLab/default"
PARAMS = {"DomainId": DOMAIN, "SpaceName": "team-space", "AppType": "JupyterLab", "AppName": "default"}


def described(activity: datetime, health: datetime) -> dict[str, Any]:
    return app_record(domain_id=DOMAIN, app_type="JupyterLab", space="team-space",
                      created=REQUESTED - timedelta(days=3), last_user_activity=activity,
                      last_health_check=health)


class Studio:
    """Stubbed SageMaker and CloudTrail clients behind the executor, and a clock to move."""

    def __init__(self, tmp_path: Path) -> None:
        self.sagemaker = boto3.client("sagemaker", region_name=REGION)
        self.cloudtrail = boto3.client("cloudtrail", region_name=REGION)
        self.sm_stub, self.ct_stub = Stubber(self.sagemaker), Stubber(self.cloudtrail)
        self.clock = ManualClock(REQUESTED)
        clients = {"sagemaker": self.sagemaker, "cloudtrail": self.cloudtrail}

        class Factory:
            def client(self, service: str, region: str, target: object = None) -> Any:
                return clients[service]

        settings = action_settings(tmp_path / "bot.db")
        self.services = build_services(
            settings, clients=Factory(), store=Store(settings.db_path), clock=self.clock
        )

    def describe(self, record: dict[str, Any]) -> None:
        self.sm_stub.add_response("describe_app", record, PARAMS)
        self.sm_stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": record["AppArn"]})

    def run(self, before: dict[str, Any], after: dict[str, Any], events: list[dict[str, Any]]):
        self.describe(before)
        self.describe(after)
        space = space_record(domain_id=DOMAIN, name="team-space", owner="alice",
                             created=REQUESTED - timedelta(days=9))
        self.sm_stub.add_response("describe_space", space, {"DomainId": DOMAIN, "SpaceName": "team-space"})
        self.ct_stub.add_response("lookup_events", {"Events": events},
                                  lookup_params("CreatePresignedDomainUrl"))
        self.sm_stub.add_response("delete_app", {"ResponseMetadata": {"RequestId": "del-1"}}, PARAMS)
        with self.sm_stub, self.ct_stub:
            opened = executor.request_action(
                self.services, ActionKind.DELETE_STUDIO_APP, KEY, REQUESTER, params=PARAMS
            )
            self.clock.advance(hours=3)
            _, outcome = executor.vote_and_run(
                self.services, opened.request.id, APPROVERS[0], Vote.APPROVE, APPROVERS
            )
        return outcome


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return Studio(tmp_path)


def at(hours: float) -> datetime:
    return REQUESTED + timedelta(hours=hours)


def test_a_health_check_that_moved_the_activity_timestamp_does_not_stop_the_delete(studio):
    before, after = described(at(-0.1), at(-0.1)), described(at(2.9), at(2.9))
    outcome = studio.run(before, after, events=[])
    assert (outcome.code, outcome.state, outcome.aws_request_id) == (
        OutcomeCode.DONE, RequestState.SUCCEEDED, "del-1"
    )


def test_a_health_check_within_a_minute_of_the_activity_does_not_stop_the_delete(studio):
    after = described(at(2.9), at(2.9) + timedelta(seconds=40))
    outcome = studio.run(described(at(-30), at(-0.1)), after, events=[])
    assert outcome.code is OutcomeCode.DONE


def test_the_owner_opening_studio_since_the_request_stops_the_delete(studio):
    before, after = described(at(-30), at(-0.1)), described(at(-30), at(2.9))
    opened = studio_open_event(at(1), DOMAIN, "alice")
    outcome = studio.run(before, after, events=[opened])
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, RequestState.FAILED)
    assert "Studio opened by its owner at 2026-11-26T10:00:00Z" in outcome.message


def test_user_activity_no_health_check_explains_stops_the_delete(studio):
    before, after = described(at(-30), at(-0.1)), described(at(2), at(2.9))
    outcome = studio.run(before, after, events=[])
    assert (outcome.code, outcome.state) == (OutcomeCode.ACTIVE, RequestState.FAILED)
    assert "was used since the request" in outcome.message


def test_an_activity_timestamp_equal_to_the_health_check_is_not_user_activity():
    assert user_activity(described(at(1), at(1) + timedelta(seconds=59))) is None


def test_an_activity_timestamp_apart_from_the_health_check_is_user_activity():
    assert user_activity(described(at(1), at(1) + timedelta(minutes=2))) == at(1)
