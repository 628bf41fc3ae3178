"""idle-canvas-app: table tests on DescribeApp-shaped Canvas records, and the scan through
Stubber (moto has no Studio apps: SageMaker and CloudTrail answer with the real model's shapes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from bot.config import Settings
from bot.models import FindingKind, ResourceType, SavingsBasis
from bot.scan.pricing import load_prices
from bot.scan.scanners import idle_canvas_apps as canvas
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.idle_studio_apps import StudioOpened
from tests.fakes.studio import StudioStub, app_record, stub_cloudtrail, studio_open_event

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DOMAIN = "d-research"


def ago(hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(hours=hours, minutes=minutes)


def canvas_app(user: str = "carol", *, created=None, activity=None, health=None, **kw) -> dict:
    """A DescribeApp answer for a Canvas workspace (Canvas apps belong to a user profile)."""
    return app_record(domain_id=DOMAIN, app_type="Canvas", user_profile=user,
                      created=created or ago(hours=30), last_user_activity=activity,
                      last_health_check=health, instance_type=kw.pop("instance_type", "system"), **kw)


@pytest.fixture
def context():
    def build(clients=None, **settings):
        return ScanContext(
            clients=clients or (lambda service: None), account_id="123456789012", region="us-east-1",
            settings=Settings(regions=["us-east-1"], **settings), prices=load_prices(), now=NOW,
        )
    return build


NOBODY = StudioOpened(last=None)


def find(ctx, record, opened=NOBODY, tags=None):
    return canvas.find_idle_canvas_apps(ctx, [record], {record["AppArn"]: opened}, tags or {})


def test_only_in_service_canvas_apps_older_than_the_threshold_are_candidates():
    old, young = canvas_app("a", created=ago(hours=3)), canvas_app("b", created=ago(hours=1))
    jupyter = app_record(domain_id=DOMAIN, app_type="JupyterLab", space="s", created=ago(hours=9))
    deleted = canvas_app("c", status="Deleted")
    assert canvas.find_candidates([old, young, jupyter, deleted], NOW, 2) == [old]


def test_a_canvas_session_idle_past_the_threshold_is_priced_at_the_session_rate(context):
    [finding] = find(context(), canvas_app(activity=ago(hours=5), health=ago(minutes=2)))
    assert (finding.kind, finding.resource_type) == (FindingKind.IDLE_CANVAS_APP, ResourceType.STUDIO_APP)
    assert finding.est_monthly_savings_usd == round(1.9 * 730, 2)
    assert finding.evidence["confidence"] == "high"
    assert finding.reason == "Logged in to Canvas with no activity for 5 h (confidence high)"


def test_recent_user_activity_keeps_a_canvas_session(context):
    assert find(context(), canvas_app(activity=ago(minutes=30), health=ago(minutes=2))) == []


def test_the_threshold_follows_the_canvas_setting(context):
    record = canvas_app(activity=ago(hours=5), health=ago(minutes=2))
    assert find(context(canvas_idle_hours=8), record) == []


def test_a_canvas_session_seen_only_through_health_checks_is_weak_evidence(context):
    [finding] = find(context(), canvas_app(activity=ago(minutes=3), health=ago(minutes=3)))
    assert finding.savings_basis == SavingsBasis.WEAK_EVIDENCE
    assert finding.evidence["confidence"] == "low"


def test_the_finding_carries_what_delete_app_needs_and_what_delete_means(context):
    [finding] = find(context(), canvas_app("carol", activity=ago(hours=5)))
    assert finding.name == "d-research/carol/Canvas/default"
    assert (finding.evidence["domain_id"], finding.evidence["app_type"],
            finding.evidence["user_profile"]) == (DOMAIN, "Canvas", "carol")
    assert "models and datasets are kept" in finding.evidence["on_delete"]


@pytest.mark.parametrize("hours", ["0", "-1", "nan", "inf", "soon"])
def test_canvas_setting_is_validated_like_the_other_hour_settings(hours):
    with pytest.raises(ValueError):
        Settings(regions=["us-east-1"], canvas_idle_hours=hours)


def test_canvas_setting_defaults_to_two_hours():
    assert Settings(regions=["us-east-1"]).canvas_idle_hours == 2


def test_scan_lists_apps_once_describes_only_old_canvas_apps_and_reads_cloudtrail_once(context):
    idle = canvas_app("carol", activity=ago(hours=6), health=ago(minutes=1))
    busy = canvas_app("dave", app_name="dave-app", activity=ago(minutes=20), health=ago(minutes=1))
    young = canvas_app("erin", app_name="erin-app", created=ago(hours=1))
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    stub = StudioStub()
    stub.list_apps([idle, busy, young]).describe_app(idle).describe_app(busy)
    stub.list_tags(idle["AppArn"], {"owner": "carol"})
    ct = stub_cloudtrail(cloudtrail, [studio_open_event(ago(hours=20), DOMAIN, "carol")])
    clients = {"sagemaker": stub.client, "cloudtrail": cloudtrail}
    with stub:
        findings = canvas.scan(context(clients.__getitem__))
    ct.deactivate()
    stub.verify()
    assert [f.name for f in findings] == ["d-research/carol/Canvas/default"]
    assert findings[0].tags == {"owner": "carol"}


def test_studio_and_canvas_kinds_share_one_list_apps_and_one_cloudtrail_lookup(context):
    from bot.scan.scanners import idle_studio_apps

    lab = app_record(domain_id=DOMAIN, app_type="JupyterLab", user_profile="carol", created=ago(hours=30),
                     last_user_activity=ago(hours=20), last_health_check=ago(minutes=1),
                     instance_type="ml.t3.medium")
    session = canvas_app("carol", activity=ago(hours=6), health=ago(minutes=1))
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    stub = StudioStub()
    stub.list_apps([lab, session]).describe_app(lab).list_tags(lab["AppArn"])
    stub.describe_app(session).list_tags(session["AppArn"])
    ct = stub_cloudtrail(cloudtrail, [])  # exactly one LookupEvents is queued
    ctx = context({"sagemaker": stub.client, "cloudtrail": cloudtrail}.__getitem__)
    with stub:
        studio_findings = idle_studio_apps.scan(ctx)
        canvas_findings = canvas.scan(ctx)
    ct.assert_no_pending_responses()
    ct.deactivate()
    stub.verify()
    assert [f.kind for f in studio_findings + canvas_findings] == [
        FindingKind.IDLE_STUDIO_APP, FindingKind.IDLE_CANVAS_APP
    ]
    # a second lookup would have found no stubbed answer and left CloudTrail "unreadable"
    assert canvas_findings[0].evidence["confidence"] == "high"
