"""idle-studio-app: table tests of the judgement and its confidence, readers on Stubber, and the
real scan path with the product's Studio stand-in in front of moto over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from bot.aws.session import ClientFactory
from bot.config import AccountTarget
from bot.demo.studio_standin import StandInShapeError, install_studio_standin
from bot.models import FindingKind, ResourceType
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import idle_studio_apps as studio
from bot.scan.scanners.base import ScanContext
from bot.scan.scanners.idle_studio_apps import StudioOpened
from tests.fakes.studio import (
    StudioStub,
    app_record,
    space_record,
    stub_cloudtrail,
    studio_open_event,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DOMAIN = "d-research"
PROTECT = "sm-cost-bot:protect"


def ago(hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(hours=hours, minutes=minutes)


def app(space: str = "alice-space", *, created=None, activity=None, health=None, **kw) -> dict:
    return app_record(
        domain_id=DOMAIN, app_type=kw.pop("app_type", "JupyterLab"), space=space,
        created=created or ago(hours=72), last_user_activity=activity, last_health_check=health,
        instance_type=kw.pop("instance_type", "ml.m5.xlarge"), **kw,
    )


NOBODY = StudioOpened(last=None)
DENIED = StudioOpened(unreadable="AccessDeniedException: denied")



def find(ctx, record, opened=NOBODY, tags=None):
    return studio.find_idle_apps(ctx, [record], {record["AppArn"]: opened}, tags or {})


# --- candidates ------------------------------------------------------------------------------


def test_app_younger_than_the_threshold_is_not_a_candidate():
    young, old = app("a", created=ago(hours=1)), app("b", created=ago(hours=5))
    assert studio.find_candidates([young, old], NOW, 2) == [old]


def test_free_system_jupyter_server_is_not_a_candidate():
    classic_ui = app_record(domain_id=DOMAIN, app_type="JupyterServer", user_profile="bob",
                            instance_type="system", created=ago(hours=99))
    assert studio.find_candidates([classic_ui], NOW, 2) == []


def test_kernel_gateway_on_a_real_instance_is_a_candidate():
    kernel = app_record(domain_id=DOMAIN, app_type="KernelGateway", user_profile="bob",
                        instance_type="ml.t3.medium", created=ago(hours=99))
    assert studio.find_candidates([kernel], NOW, 2) == [kernel]


def test_deleted_app_is_not_a_candidate():
    assert studio.find_candidates([app(status="Deleted")], NOW, 2) == []


# --- judgement and confidence ----------------------------------------------------------------


def test_activity_older_than_the_threshold_with_a_clean_cloudtrail_is_high_confidence(ctx):
    [finding] = find(ctx, app(activity=ago(hours=30), health=ago(minutes=3)))
    assert finding.evidence["confidence"] == "high"
    assert finding.evidence["idle_hours"] == 30.0


def test_recent_user_activity_distinct_from_health_checks_keeps_the_app_busy(ctx):
    assert find(ctx, app(activity=ago(minutes=20), health=ago(minutes=3))) == []


def test_activity_equal_to_the_health_check_is_flagged_with_low_confidence(ctx):
    [finding] = find(ctx, app(activity=ago(minutes=4), health=ago(minutes=4)))
    assert finding.evidence["confidence"] == "low"
    assert "health check" in finding.evidence["confidence_why"]
    assert finding.evidence["idle_hours"] is None


def test_an_app_seen_only_through_health_checks_is_listed_but_not_counted_in_the_headline(ctx):
    from bot.models import SavingsBasis, totals_of

    [finding] = find(ctx, app(activity=ago(minutes=4), health=ago(minutes=4)))
    assert finding.savings_basis == SavingsBasis.WEAK_EVIDENCE
    assert totals_of([finding]).est_monthly_savings_usd == 0
    assert totals_of([finding]).weak_evidence_findings == 1


def test_activity_equal_to_the_health_check_is_not_flagged_when_the_owner_opened_studio(ctx):
    opened = StudioOpened(last=ago(minutes=30))
    assert find(ctx, app(activity=ago(minutes=4), health=ago(minutes=4)), opened) == []


def test_owner_opening_studio_recently_lowers_confidence_of_an_old_activity(ctx):
    opened = StudioOpened(last=ago(minutes=30))
    [finding] = find(ctx, app(activity=ago(hours=30)), opened)
    assert finding.evidence["confidence"] == "low"
    assert "owner opened Studio at 2026-11-26T08:30:00Z" in finding.evidence["confidence_why"]


def test_unreadable_cloudtrail_gives_medium_confidence_and_says_so(ctx):
    [finding] = find(ctx, app(activity=ago(hours=30)), DENIED)
    assert finding.evidence["confidence"] == "medium"
    assert finding.evidence["studio_opened_by_owner"] == {"unreadable": DENIED.unreadable}


def test_app_without_any_activity_is_judged_by_its_age_with_medium_confidence(ctx):
    [finding] = find(ctx, app(created=ago(hours=10)))
    assert (finding.evidence["confidence"], finding.evidence["idle_hours"]) == ("medium", 10.0)


def test_reason_says_how_long_and_how_sure(ctx):
    [finding] = find(ctx, app(activity=ago(hours=76)))
    assert finding.reason == "No user activity for 3 d 4 h (confidence high)"


def test_cost_and_savings_are_the_studio_price_for_730_hours(ctx):
    [finding] = find(ctx, app(activity=ago(hours=30), instance_type="ml.m5.xlarge"))
    assert (finding.est_monthly_cost_usd, finding.est_monthly_savings_usd) == (167.9, 167.9)
    assert finding.instance_type == "ml.m5.xlarge"


def test_finding_names_domain_space_type_and_app(ctx):
    [finding] = find(ctx, app("alice-space", activity=ago(hours=30)))
    assert (finding.name, finding.resource_type) == (
        "d-research/alice-space/JupyterLab/default", ResourceType.STUDIO_APP
    )


def test_protected_tag_marks_the_app_finding_protected(ctx):
    record = app(activity=ago(hours=30))
    [finding] = find(ctx, record, tags={record["AppArn"]: {PROTECT: "1"}})
    assert finding.protected is True


def test_unreadable_tags_keep_the_app_finding_unactionable(ctx):
    record = app(activity=ago(hours=30))
    [finding] = studio.find_idle_apps(ctx, [record], {record["AppArn"]: NOBODY}, None)
    assert (finding.protected, finding.evidence["tags"]) == (True, "unreadable")


# --- readers on Stubber ----------------------------------------------------------------------


def test_space_app_is_matched_to_its_owners_studio_sign_in(settings):
    record = app("alice-space", activity=ago(hours=30))
    sm = StudioStub().list_apps([record]).list_spaces(
        [space_record(domain_id=DOMAIN, name="alice-space", owner="alice", created=ago(hours=99))]
    )
    trail = boto3.client("cloudtrail", region_name="us-east-1")
    trail_stub = stub_cloudtrail(trail, [studio_open_event(ago(minutes=40), DOMAIN, "alice")])
    clients = {"sagemaker": sm.client, "cloudtrail": trail}.__getitem__
    ctx = ScanContext(clients=clients, account_id="123456789012", region="us-east-1",
                      settings=settings, prices=load_prices(), now=NOW)
    with sm:
        opened = studio.get_studio_opened(ctx, [record], ago(hours=2))
    sm.verify()
    trail_stub.assert_no_pending_responses()
    assert opened[record["AppArn"]] == StudioOpened(last=ago(minutes=40))


def test_describe_app_of_an_app_deleted_since_the_list_is_skipped():
    gone, kept = app("gone-space"), app("kept-space")
    sm = StudioStub().describe_app_error(gone, "ResourceNotFound").describe_app(kept)
    with sm:
        described = studio.get_app_descriptions(sm.client, [gone, kept])
    assert [d["AppArn"] for d in described] == [kept["AppArn"]]


# --- the real scan path ----------------------------------------------------------------------


@pytest.fixture
def studio_factory(moto_server):
    """Returns a function installing Studio records on a fresh session, then its ClientFactory."""

    def build(**records) -> ClientFactory:
        session = boto3.session.Session()
        install_studio_standin(session, **records)
        return ClientFactory(base_session=session)

    return build


def test_scan_flags_idle_studio_apps_through_the_standin_and_moto(studio_factory, settings, now):
    def at(**delta):
        return now - timedelta(**delta)

    idle = app_record(domain_id=DOMAIN, app_type="JupyterLab", space="idle-space",
                      instance_type="ml.g4dn.xlarge", created=at(days=3),
                      last_user_activity=at(hours=20), last_health_check=at(minutes=2))
    busy = app_record(domain_id=DOMAIN, app_type="CodeEditor", space="busy-space",
                      created=at(days=3), last_user_activity=at(minutes=10),
                      last_health_check=at(minutes=2))
    refreshed = app_record(domain_id=DOMAIN, app_type="JupyterLab", space="quiet-space",
                           created=at(days=3), last_user_activity=at(minutes=2),
                           last_health_check=at(minutes=2))
    classic = app_record(domain_id=DOMAIN, app_type="JupyterServer", user_profile="bob",
                         instance_type="system", created=at(days=9))
    kept = app_record(domain_id=DOMAIN, app_type="KernelGateway", user_profile="bob",
                      app_name="datascience-1-0-ml-t3-medium", created=at(days=3),
                      last_user_activity=at(hours=30))
    spaces = [space_record(domain_id=DOMAIN, name=n, owner="alice", created=at(days=9))
              for n in ("idle-space", "busy-space", "quiet-space")]
    factory = studio_factory(apps=[idle, busy, refreshed, classic, kept], spaces=spaces,
                             tags={kept["AppArn"]: {PROTECT: "yes"}})
    trail_stub = stub_cloudtrail(factory.client("cloudtrail", "us-east-1"), [])

    result = run_scan(factory, settings, load_prices(), now, kinds=[FindingKind.IDLE_STUDIO_APP])
    trail_stub.assert_no_pending_responses()

    assert result.errors == []
    found = {f.name: f for f in result.findings}
    assert sorted(found) == [
        "d-research/bob/KernelGateway/datascience-1-0-ml-t3-medium",
        "d-research/idle-space/JupyterLab/default",
        "d-research/quiet-space/JupyterLab/default",
    ]
    assert found["d-research/idle-space/JupyterLab/default"].evidence["confidence"] == "high"
    assert found["d-research/quiet-space/JupyterLab/default"].evidence["confidence"] == "low"
    assert found["d-research/bob/KernelGateway/datascience-1-0-ml-t3-medium"].protected is True


def test_access_denied_on_list_apps_is_a_scan_error(studio_factory, settings, now):
    factory = studio_factory()
    stub = StudioStub(factory.client("sagemaker", "us-east-1")).error(
        "list_apps", "AccessDeniedException"
    )
    with stub:
        result = run_scan(
            factory, settings, load_prices(), now, kinds=[FindingKind.IDLE_STUDIO_APP]
        )
    [error] = result.errors
    assert (error.operation, error.code, error.kind) == (
        "ListApps", "AccessDeniedException", FindingKind.IDLE_STUDIO_APP
    )
    assert result.findings == []


def test_the_standin_refuses_a_record_not_shaped_like_the_api():
    session = boto3.session.Session(region_name="us-east-1")
    bad = app("s", activity=ago(hours=30)) | {"LastUserActivity": "typo'd member"}
    install_studio_standin(session, apps=[bad])
    sm = session.client("sagemaker")
    with pytest.raises(StandInShapeError, match="LastUserActivity: not a member"):
        sm.describe_app(DomainId=DOMAIN, AppType="JupyterLab", AppName="default", SpaceName="s")


def test_the_standin_pages_list_apps_like_aws():
    session = boto3.session.Session(region_name="us-east-1")
    install_studio_standin(session, apps=[app(f"s{i}") for i in range(5)])
    pages = session.client("sagemaker").get_paginator("list_apps").paginate(
        PaginationConfig={"PageSize": 2}
    )
    assert [len(page["Apps"]) for page in pages] == [2, 2, 1]


def test_standin_installed_on_an_assumed_role_accounts_client_serves_that_account(
    moto_server, settings, now
):
    target = AccountTarget(role_arn="arn:aws:iam::210987654321:role/sm-cost-bot-read")
    factory = ClientFactory()
    idle = app_record(domain_id=DOMAIN, app_type="CodeEditor", space="s",
                      created=now - timedelta(days=2), last_user_activity=now - timedelta(hours=5),
                      account_id=target.account_id)
    install_studio_standin(factory.client("sagemaker", "us-east-1", target), apps=[idle])
    trail = factory.client("cloudtrail", "us-east-1", target)
    stub_cloudtrail(trail, error="AccessDeniedException")
    multi = settings.model_copy(update={"accounts": [target]})

    result = run_scan(factory, multi, load_prices(), now, kinds=[FindingKind.IDLE_STUDIO_APP])

    assert result.errors == []
    [finding] = result.findings
    assert (finding.account_id, finding.evidence["confidence"]) == ("210987654321", "medium")


def test_activity_within_a_minute_of_the_health_check_counts_as_the_health_check(ctx):
    [finding] = find(ctx, app(activity=ago(minutes=4), health=ago(minutes=3, hours=0) - timedelta(seconds=20)))
    assert finding.evidence["confidence"] == "low"


def test_activity_a_few_minutes_apart_from_the_health_check_is_user_activity(ctx):
    assert find(ctx, app(activity=ago(minutes=10), health=ago(minutes=3))) == []
