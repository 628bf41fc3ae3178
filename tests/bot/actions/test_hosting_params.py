"""What the hosting actions take from a finding, what their Undo takes from a done request, and
the traffic rule before a resize — pure functions, table-tested."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.actions.hosting_params import (
    TRAFFIC_RISE_FACTOR,
    hosting_params,
    traffic_refusal,
    undo_params,
)
from bot.actions.models import ActionKind, ActionRequest, OutcomeCode, RequestState
from bot.models import FindingKind
from tests.fakes.findings import finding

WHEN = datetime(2026, 11, 26, 9, tzinfo=UTC)


def request(action: ActionKind, **params) -> ActionRequest:
    return ActionRequest(
        id=7, action=action, resource_key="123456789012:us-east-1:endpoint:ep", requester="U1",
        state=RequestState.SUCCEEDED, created_at=WHEN, expires_at=WHEN, updated_at=WHEN, params=params,
    )


def test_a_finding_gives_the_autoscaling_range_and_target_and_the_resize_configs():
    params = hosting_params(finding("ep", FindingKind.OVERPROVISIONED_ENDPOINT, instance_count=4, evidence={
        "variant": "AllTraffic", "endpoint_config": "ep-config", "instance_count": 4,
        "busiest_hour_invocations": 2400.0, "target_utilisation": 0.5,
        "advised_type": "ml.m5.large", "advised_count": 4,
    }))
    assert (params["min_capacity"], params["max_capacity"]) == (1, 4)
    assert params["target_invocations_per_instance"] == 5.0  # 2400 / 4 / 60 × 0.5
    assert (params["from_config"], params["advised_type"]) == ("ep-config", "ml.m5.large")
    assert params["to_config"].startswith("ep-config-rs-")


def test_an_autoscaling_finding_carries_no_resize():
    params = hosting_params(finding("ep", FindingKind.ENDPOINT_WITHOUT_AUTOSCALING, instance_count=3,
                                    evidence={"variant": "AllTraffic", "endpoint_config": "c"}))
    assert "to_config" not in params and params["max_capacity"] == 3


def test_undo_of_a_resize_swaps_the_configs():
    done = request(ActionKind.RESIZE_ENDPOINT, variant="AllTraffic", from_config="old", to_config="new")
    assert undo_params(done) == {"variant": "AllTraffic", "from_config": "new", "to_config": "old"}


@pytest.mark.parametrize(
    "busiest_since, expected",
    [(None, None), (900.0, None), (900.0 * TRAFFIC_RISE_FACTOR, None), (1081.0, OutcomeCode.ACTIVE)],
)
def test_a_resize_stops_only_when_the_busiest_hour_rose_more_than_the_factor(busiest_since, expected):
    verdict = traffic_refusal(request(ActionKind.RESIZE_ENDPOINT, busiest_hour_invocations=900.0), busiest_since)
    assert (verdict[0] if verdict else None) == expected
