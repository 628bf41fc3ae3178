"""idle-notebook: table tests of the pure judgement, signal readers on stubs, the scan on moto.

moto has no CloudTrail LookupEvents (FACTS.md): wherever the scan path needs it, the scan's own
cloudtrail client gets a botocore Stubber, which checks parameters and responses against the
real service model.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import ANY, Stubber
from moto import mock_aws

from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import idle_notebooks as nbs
from bot.scan.scanners.idle_notebooks import (
    JUPYTER_LOG,
    PRESIGNED_URL,
    STATUS_CHANGE,
    SignalReading,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{}"
PROTECT = "sm-cost-bot:protect"



def summary(name: str, *, modified_hours_ago: float, status: str = "InService", **extra):
    return {
        "NotebookInstanceName": name,
        "NotebookInstanceArn": ARN.format(name),
        "NotebookInstanceStatus": status,
        "InstanceType": "ml.t3.medium",
        "CreationTime": NOW - timedelta(days=30),
        "LastModifiedTime": NOW - timedelta(hours=modified_hours_ago),
        **extra,
    }


def seen(hours_ago: float) -> SignalReading:
    return SignalReading(last_activity=NOW - timedelta(hours=hours_ago))


UNREADABLE = SignalReading(unreadable="AccessDeniedException: not authorised")
NOTHING = SignalReading(note="no CreatePresignedNotebookInstanceUrl since ...")


def signals(log: SignalReading = NOTHING, url: SignalReading = NOTHING):
    return {JUPYTER_LOG: log, PRESIGNED_URL: url}


# --- candidates ------------------------------------------------------------------------------


def test_recently_modified_notebook_is_not_a_candidate():
    nbs_ = [summary("fresh", modified_hours_ago=2), summary("old", modified_hours_ago=30)]
    names = [nb["NotebookInstanceName"] for nb in nbs.find_candidates(nbs_, NOW, 24)]
    assert names == ["old"]


def test_stopped_notebook_is_not_a_candidate():
    stopped = summary("off", modified_hours_ago=100, status="Stopped")
    assert nbs.find_candidates([stopped], NOW, 24) == []


# --- judgement -------------------------------------------------------------------------------


def test_notebook_is_idle_when_every_signal_is_older_than_the_threshold(ctx):
    nb = summary("nb", modified_hours_ago=76)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(log=seen(50))}, {})
    assert finding.kind == FindingKind.IDLE_NOTEBOOK
    assert finding.evidence["last_activity_signal"] == JUPYTER_LOG
    assert finding.evidence["idle_hours"] == 50.0


def test_recent_jupyter_log_event_keeps_the_notebook_busy(ctx):
    nb = summary("nb", modified_hours_ago=76)
    assert nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(log=seen(3))}, {}) == []


def test_recent_presigned_url_keeps_the_notebook_busy(ctx):
    nb = summary("nb", modified_hours_ago=76)
    assert nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(url=seen(1))}, {}) == []


def test_recent_status_change_keeps_the_notebook_busy(ctx):
    nb = summary("nb", modified_hours_ago=5)
    assert nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(log=seen(80))}, {}) == []


def test_stopped_notebook_is_never_flagged(ctx):
    nb = summary("nb", modified_hours_ago=300, status="Stopped")
    assert nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, {}) == []


def test_unreadable_signal_does_not_make_a_notebook_busy(ctx):
    nb = summary("nb", modified_hours_ago=48)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(log=UNREADABLE)}, {})
    assert finding.evidence["unreadable_signals"] == [JUPYTER_LOG]
    assert finding.evidence["signals"][JUPYTER_LOG] == {"unreadable": UNREADABLE.unreadable}


def test_unreadable_signals_do_not_make_a_recently_used_notebook_idle(ctx):
    nb = summary("nb", modified_hours_ago=30)
    readings = {"nb": signals(log=seen(2), url=UNREADABLE)}
    assert nbs.find_idle_notebooks(ctx, [nb], readings, {}) == []


def test_evidence_names_the_latest_signal_with_time_and_hours(ctx):
    nb = summary("nb", modified_hours_ago=100)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals(url=seen(30))}, {})
    assert finding.evidence["last_activity_signal"] == PRESIGNED_URL
    assert finding.evidence["last_activity"] == "2026-11-25T03:00:00Z"
    assert finding.evidence["signals"][STATUS_CHANGE]["hours_ago"] == 100.0


def test_reason_says_how_long_and_which_signal(ctx):
    nb = summary("nb", modified_hours_ago=76)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, {})
    assert finding.reason == "No activity for 3 d 4 h (last: status change)"


def test_cost_and_savings_are_the_notebook_price_for_730_hours(ctx):
    nb = summary("nb", modified_hours_ago=30, InstanceType="ml.t3.medium")
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, {})
    assert (finding.est_monthly_cost_usd, finding.est_monthly_savings_usd) == (36.5, 36.5)


def test_unknown_instance_type_has_no_price_and_says_so(ctx):
    nb = summary("nb", modified_hours_ago=30, InstanceType="ml.x99.huge")
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, {})
    assert finding.est_monthly_savings_usd is None
    assert "unknown notebook price for ml.x99.huge" in finding.evidence["price"]


def test_protected_tag_marks_the_finding_protected(ctx):
    nb = summary("nb", modified_hours_ago=30)
    tags = {ARN.format("nb"): {PROTECT: "true", "team": "ml"}}
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, tags)
    assert finding.protected is True
    assert finding.tags == {PROTECT: "true", "team": "ml"}


def test_untagged_notebook_is_actionable(ctx):
    nb = summary("nb", modified_hours_ago=30)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, {})
    assert finding.protected is False


def test_unreadable_tags_keep_the_finding_but_never_offer_it_for_action(ctx):
    nb = summary("nb", modified_hours_ago=30)
    [finding] = nbs.find_idle_notebooks(ctx, [nb], {"nb": signals()}, None)
    assert finding.protected is True
    assert finding.evidence["tags"] == "unreadable"


def test_evidence_says_whether_the_attached_lifecycle_config_contains_an_auto_stop(ctx):
    from bot.scan.scanners.lifecycle_evidence import LifecycleReading

    with_lc = summary("a", modified_hours_ago=30, NotebookInstanceLifecycleConfigName="setup")
    without = summary("b", modified_hours_ago=30)
    lifecycle = {"setup": LifecycleReading(scripts={"OnStart": "pip install pandas"})}
    found = nbs.find_idle_notebooks(ctx, [with_lc, without], {}, {}, lifecycle)
    attached = {f.name: f.evidence["auto_stop_lifecycle_config_attached"] for f in found}
    assert attached == {"a": False, "b": False}


# --- signal readers on stubs -----------------------------------------------------------------


def stubbed(service: str):
    client = boto3.client(service, region_name="us-east-1")
    return client, Stubber(client)


def test_missing_log_group_makes_the_jupyter_log_unreadable_for_every_candidate_in_one_call():
    logs, stub = stubbed("logs")
    stub.add_client_error("describe_log_streams", "ResourceNotFoundException", "no group")
    with stub:  # a second call would find no queued response and fail the test
        readings = nbs.get_jupyter_log_activity(logs, ["a", "b"])
    assert {n: r.unreadable for n, r in readings.items()} == {
        "a": "ResourceNotFoundException: no group",
        "b": "ResourceNotFoundException: no group",
    }


def test_missing_log_stream_is_unreadable_not_idle():
    logs, stub = stubbed("logs")
    stub.add_response("describe_log_streams", {"logStreams": [{"logStreamName": "a/other.log"}]})
    with stub:
        [reading] = nbs.get_jupyter_log_activity(logs, ["a"]).values()
    assert reading.unreadable == "no log stream a/jupyter.log (logging not enabled)"


def presigned_event(name: str, at: datetime) -> dict:
    params = {"notebookInstanceName": name}
    detail = {"eventName": nbs.PRESIGNED_URL_EVENT, "requestParameters": params}
    return {"EventId": f"id-{name}", "EventName": nbs.PRESIGNED_URL_EVENT, "EventTime": at,
            "CloudTrailEvent": json.dumps(detail)}


LOOKUP_PARAMS = {
    "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": nbs.PRESIGNED_URL_EVENT}],
    "StartTime": ANY,
    "EndTime": ANY,
    "MaxResults": 50,
}


def test_presigned_url_events_are_mapped_to_notebooks_by_request_parameters():
    trail, stub = stubbed("cloudtrail")
    events = [presigned_event("a", NOW - timedelta(hours=1)), presigned_event("zzz", NOW)]
    stub.add_response("lookup_events", {"Events": events}, LOOKUP_PARAMS)
    with stub:
        readings = nbs.get_presigned_url_activity(trail, ["a", "b"], NOW - timedelta(days=1), NOW)
    assert readings["a"].last_activity == NOW - timedelta(hours=1)
    assert (readings["b"].last_activity, readings["b"].unreadable) == (None, None)


def test_cloudtrail_lookup_stops_paging_once_every_candidate_was_seen():
    trail, stub = stubbed("cloudtrail")
    page = {"Events": [presigned_event("a", NOW)], "NextToken": "more"}
    stub.add_response("lookup_events", page, LOOKUP_PARAMS)
    with stub:  # a request for page 2 would fail: no response queued for it
        readings = nbs.get_presigned_url_activity(trail, ["a"], NOW - timedelta(days=1), NOW)
    assert readings["a"].last_activity == NOW


def test_cloudtrail_access_denied_makes_the_presigned_url_signal_unreadable():
    trail, stub = stubbed("cloudtrail")
    stub.add_client_error("lookup_events", "AccessDeniedException", "denied")
    with stub:
        readings = nbs.get_presigned_url_activity(trail, ["a"], NOW - timedelta(days=1), NOW)
    assert readings["a"].unreadable == "AccessDeniedException: denied"


def test_cloudtrail_not_implemented_in_moto_makes_the_signal_unreadable():
    with mock_aws():  # in-process moto raises NotImplementedError for LookupEvents
        trail = boto3.client("cloudtrail", region_name="us-east-1")
        readings = nbs.get_presigned_url_activity(trail, ["a"], NOW - timedelta(days=1), NOW)
    assert readings["a"].unreadable.startswith("NotImplementedError")


# --- the real scan path on moto over HTTP ----------------------------------------------------


def scan_notebooks(client_factory, settings, now):
    return run_scan(client_factory, settings, load_prices(), now, kinds=[FindingKind.IDLE_NOTEBOOK])


def stub_cloudtrail(region_clients, events: list[dict]) -> Stubber:
    stub = Stubber(region_clients("cloudtrail"))  # the same cached client the scan will use
    stub.add_response("lookup_events", {"Events": events}, LOOKUP_PARAMS)
    stub.activate()
    return stub


def test_scan_flags_only_idle_notebooks_on_moto(
    fleet, region_clients, client_factory, settings, now
):
    days_ago = lambda d: now - timedelta(days=d)  # noqa: E731
    fleet.notebook("idle", last_modified=days_ago(3), lifecycle_config="auto-stop")
    fleet.jupyter_log("idle", days_ago(2))
    fleet.notebook("busy-log", last_modified=days_ago(3))
    fleet.jupyter_log("busy-log", now - timedelta(hours=1))
    fleet.notebook("opened", last_modified=days_ago(3))
    fleet.jupyter_log("opened", days_ago(3))
    fleet.notebook("fresh", last_modified=now - timedelta(hours=2))
    fleet.notebook("stopped", stopped=True, last_modified=days_ago(9))
    fleet.notebook("kept", last_modified=days_ago(4), tags={PROTECT: "yes"})
    fleet.jupyter_log("kept", days_ago(4))
    stub = stub_cloudtrail(region_clients, [presigned_event("opened", now - timedelta(hours=3))])

    result = scan_notebooks(client_factory, settings, now)
    stub.assert_no_pending_responses()

    assert result.errors == []
    found = {f.name: f for f in result.findings}
    assert sorted(found) == ["idle", "kept"]
    assert found["idle"].evidence["last_activity_signal"] == JUPYTER_LOG
    assert found["idle"].evidence["lifecycle_config"] == "auto-stop"
    assert (found["idle"].protected, found["kept"].protected) == (False, True)


def test_access_denied_on_the_jupyter_log_shows_as_unreadable_evidence(
    fleet, region_clients, client_factory, settings, now
):
    fleet.notebook("idle", last_modified=now - timedelta(days=3))
    logs_stub = Stubber(region_clients("logs"))
    logs_stub.add_client_error("describe_log_streams", "AccessDeniedException", "not allowed")
    logs_stub.activate()
    stub_cloudtrail(region_clients, [])

    result = scan_notebooks(client_factory, settings, now)

    [finding] = result.findings
    assert finding.evidence["signals"][JUPYTER_LOG] == {
        "unreadable": "AccessDeniedException: not allowed"
    }
    assert finding.evidence["last_activity_signal"] == STATUS_CHANGE


def test_access_denied_on_the_notebook_list_is_a_scan_error_not_a_clean_region(
    region_clients, client_factory, settings, now
):
    stub = Stubber(region_clients("sagemaker"))
    stub.add_client_error("list_notebook_instances", "AccessDeniedException", "no list for you")
    stub.activate()

    result = scan_notebooks(client_factory, settings, now)

    assert result.findings == []
    [error] = result.errors
    assert (error.kind, error.operation, error.code) == (
        FindingKind.IDLE_NOTEBOOK, "ListNotebookInstances", "AccessDeniedException"
    )


def test_notebooks_cloudtrail_shows_in_use_need_no_jupyter_log_read(
    fleet, region_clients, client_factory, settings, now
):
    fleet.notebook("opened", last_modified=now - timedelta(days=3))
    fleet.notebook("quiet", last_modified=now - timedelta(days=3))
    stub_cloudtrail(region_clients, [presigned_event("opened", now - timedelta(hours=1))])
    streams_read = []
    region_clients("logs").meta.events.register(
        "provide-client-params.cloudwatch-logs.DescribeLogStreams",
        lambda params, **_: streams_read.append(params["logStreamNamePrefix"]),
    )

    result = scan_notebooks(client_factory, settings, now)

    assert [f.name for f in result.findings] == ["quiet"]
    assert streams_read == ["quiet/jupyter.log"]
