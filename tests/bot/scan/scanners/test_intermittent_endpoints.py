"""intermittent-endpoint: a weekday endpoint scanned on Monday morning is not unused; table tests
of the weekly rule with API-shaped inputs, the Monday scan on moto over HTTP, and its buttons."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.demo.moto_fleet import MotoRecorder
from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import intermittent_endpoints as ie
from reports.findings import buttons
from reports.ids import ActionId
from tests.bot.scan.scanners.test_unused_endpoints import NOW, config_for, endpoint, hourly

ENDPOINT_KINDS = [FindingKind.UNUSED_ENDPOINT, FindingKind.INTERMITTENT_ENDPOINT]


def judge(ctx, endpoints, weekly, invocations=None):
    configs = {e["EndpointConfigName"]: config_for(e) for e in endpoints}
    return ie.find_intermittent_endpoints(ctx, endpoints, invocations or {}, configs, weekly)


def office_hours(end: datetime) -> dict[datetime, float]:
    """Mon–Fri 09:00–18:00 UTC over the 7 days before `end` (a Monday 09:00)."""
    week_start = end - timedelta(days=7)
    return {
        week_start + timedelta(days=day, hours=hour): 12.0
        for day in range(5)
        for hour in range(9)
    }


def test_idle_over_the_lookback_but_used_this_week_is_intermittent(ctx):
    [finding] = judge(ctx, [endpoint("ep")], {("ep", "AllTraffic"): hourly(60)})
    assert finding.kind == FindingKind.INTERMITTENT_ENDPOINT
    assert finding.evidence["idle_hours_last_7_days"] == 167


def test_no_traffic_this_week_is_not_intermittent(ctx):
    assert judge(ctx, [endpoint("ep")], {}) == []


def test_traffic_inside_the_lookback_is_neither_unused_nor_intermittent(ctx):
    weekly = {("ep", "AllTraffic"): hourly(3)}
    assert judge(ctx, [endpoint("ep")], weekly, invocations={("ep", "AllTraffic"): 4.0}) == []


def test_an_asynchronous_endpoint_is_not_judged_by_invocations(ctx):
    ep = endpoint("ep")
    configs = {"ep-config": config_for(ep, AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://b/"}})}
    assert ie.find_intermittent_endpoints(ctx, [ep], {}, configs, {("ep", "AllTraffic"): hourly(60)}) == []


def test_the_weekly_shape_is_said_in_words_and_prices_only_the_idle_hours(ctx):
    monday_9 = NOW - timedelta(days=NOW.weekday())
    ctx.now = monday_9
    ep = endpoint("ep", created=monday_9 - timedelta(days=30))
    [finding] = judge(ctx, [ep], {("ep", "AllTraffic"): office_hours(monday_9)})
    assert finding.evidence["weekly_shape"] == "Mon–Fri 09–18 UTC, idle 73% of hours"
    assert finding.evidence["busy_days"] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    monthly = round(0.23 * 730, 2)
    assert finding.est_monthly_cost_usd == monthly
    assert finding.est_monthly_savings_usd == round(monthly * (168 - 45) / 168, 2)
    assert "Mon–Fri 09–18 UTC" in finding.reason and "restore in the morning" in finding.reason


def test_traffic_on_any_variant_or_a_replaced_one_counts_for_the_week(ctx):
    ep = endpoint("ep")
    [finding] = judge(ctx, [ep], {("ep", "retired"): hourly(80)})
    assert finding.name == "ep"


def test_it_is_offered_a_schedule_and_a_snooze_never_a_delete(ctx):
    [finding] = judge(ctx, [endpoint("ep")], {("ep", "AllTraffic"): hourly(60)})
    assert [b.action_id for b in buttons(finding)] == [ActionId.SCHEDULE.value, ActionId.SNOOZE.value]


# --- the Monday-morning scan on moto over HTTP --------------------------------------------------


def last_monday_9(now: datetime) -> datetime:
    monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0)
    return monday if monday <= now else monday - timedelta(days=7)


def test_a_weekday_endpoint_scanned_on_monday_morning_is_intermittent_not_unused(
    fleet, moto_server, client_factory, settings, now
):
    monday = last_monday_9(now)
    fleet.endpoint("ep-office-hours", created=monday - timedelta(days=30))
    fleet.invocations_batch(
        [("ep-office-hours", "AllTraffic", hour, count) for hour, count in office_hours(monday).items()]
    )
    fleet.endpoint("ep-forgotten", created=monday - timedelta(days=30))
    recorder = MotoRecorder(moto_server)
    recorder.start()
    result = run_scan(client_factory, settings, load_prices(), monday, kinds=ENDPOINT_KINDS)
    calls = Counter(r.operation for r in recorder.stop())

    assert result.errors == []
    assert sorted((f.kind, f.name) for f in result.findings) == [
        (FindingKind.INTERMITTENT_ENDPOINT, "ep-office-hours"),
        (FindingKind.UNUSED_ENDPOINT, "ep-forgotten"),
    ]
    [office] = [f for f in result.findings if f.name == "ep-office-hours"]
    assert office.evidence["weekly_shape"] == "Mon–Fri 09–18 UTC, idle 73% of hours"
    # Both kinds share one read of the account-region: one Search, one ListMetrics, the lookback
    # sums and one hourly batch for the idle endpoints' week.
    assert (calls["Search"], calls["ListMetrics"], calls["GetMetricData"]) == (1, 1, 2)


@pytest.mark.parametrize("kind", ENDPOINT_KINDS)
def test_each_endpoint_kind_alone_still_reads_what_it_needs(fleet, client_factory, settings, now, kind):
    monday = last_monday_9(now)
    fleet.endpoint("ep-office-hours", created=monday - timedelta(days=30))
    fleet.invocations("ep-office-hours", monday - timedelta(days=3), 5)
    result = run_scan(client_factory, settings, load_prices(), monday, kinds=[kind])
    expected = ["ep-office-hours"] if kind == FindingKind.INTERMITTENT_ENDPOINT else []
    assert [f.name for f in result.findings] == expected
