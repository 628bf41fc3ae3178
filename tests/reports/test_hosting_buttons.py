"""Which buttons a hosting finding gets, and what the ones without a button say instead."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.actions.models import ActionKind, ActionRequest, RequestState
from bot.models import FindingKind
from reports.findings import buttons, item_mrkdwn
from reports.ids import ActionId
from reports.requests import request_blocks
from tests.fakes.findings import finding

K = FindingKind


def ids(f) -> list[str]:
    return [b.action_id for b in buttons(f)]


def test_an_overprovisioned_endpoint_offers_resize_and_autoscaling():
    f = finding("ep", K.OVERPROVISIONED_ENDPOINT, instance_count=4,
                evidence={"advised_type": "ml.m5.large", "advised_count": 4, "variant": "AllTraffic"})
    assert ids(f) == [ActionId.RESIZE, ActionId.AUTOSCALE, ActionId.SNOOZE]


def test_the_resize_confirm_names_the_new_size_and_the_undo():
    f = finding("ep", K.OVERPROVISIONED_ENDPOINT, instance_count=4,
                evidence={"advised_type": "ml.m5.large", "advised_count": 2, "variant": "AllTraffic"})
    [resize] = [b for b in buttons(f) if b.action_id == ActionId.RESIZE]
    text = resize.confirm.to_dict()["text"]["text"]
    assert "2 × ml.m5.large" in text and "Undo switches back" in text


def test_an_autoscaled_variant_gets_neither_resize_nor_autoscaling():
    f = finding("ep", K.OVERPROVISIONED_ENDPOINT, instance_count=4,
                evidence={"advised_type": "ml.m5.large", "autoscaling": {"min": 1, "max": 4}})
    assert ids(f) == [ActionId.SNOOZE]


def test_one_instance_is_not_offered_autoscaling():
    f = finding("ep", K.ENDPOINT_WITHOUT_AUTOSCALING, instance_count=1, evidence={})
    assert ids(f) == [ActionId.SNOOZE]


def test_an_endpoint_without_autoscaling_offers_it():
    f = finding("ep", K.ENDPOINT_WITHOUT_AUTOSCALING, instance_count=3, evidence={})
    assert ids(f) == [ActionId.AUTOSCALE, ActionId.SNOOZE]


def test_serverless_advice_has_no_button_but_says_what_to_do_and_links_the_guide():
    docs = "https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html"
    f = finding("ep", K.SERVERLESS_CANDIDATE, instance_count=1, evidence={
        "docs": docs, "action": "deploy a serverless endpoint config and switch the endpoint to it",
        "warning": "cold starts",
    })
    assert ids(f) == [ActionId.SNOOZE]
    assert f"To do: deploy a serverless endpoint config and switch the endpoint to it — <{docs}|AWS guide>" \
        in item_mrkdwn(f)


def test_a_link_that_is_not_an_aws_guide_is_never_rendered():
    f = finding("ep", K.INFERENTIA_CANDIDATE, evidence={"docs": "https://evil.example/x", "action": "click"})
    assert "evil.example" not in item_mrkdwn(f) and "To do" not in item_mrkdwn(f)


def test_a_resize_request_tells_approvers_the_new_size_and_the_kept_config():
    when = datetime(2026, 11, 26, tzinfo=UTC)
    request = ActionRequest(
        id=3, action=ActionKind.RESIZE_ENDPOINT, resource_key="123456789012:us-east-1:endpoint:ep",
        requester="U1", state=RequestState.REQUESTED, created_at=when, expires_at=when, updated_at=when,
        params={"variant": "AllTraffic", "advised_count": 2, "advised_type": "ml.m5.large",
                "to_config": "ep-config-rs-1", "from_config": "ep-config<x>"},
    )
    text = request_blocks(request, [], 1)[0].text.text
    assert "variant AllTraffic to 2 × ml.m5.large (new config ep-config-rs-1; ep-config&lt;x&gt; is kept" in text
