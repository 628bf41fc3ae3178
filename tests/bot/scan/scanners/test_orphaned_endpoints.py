"""orphaned-endpoint: an idle endpoint whose config was deleted still bills; reported from its
variants, offered Delete with no Restore promised, and deletable by the executor."""

from __future__ import annotations

from datetime import timedelta

from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import orphaned_endpoints as oe
from bot.scan.scanners.unused_endpoints import EndpointUsage
from reports.findings import buttons
from reports.ids import ActionId
from tests.bot.scan.scanners.test_unused_endpoints import endpoint, hourly, instances


def usage(*, missing=("ep-config",), invocations=None, weekly=None) -> EndpointUsage:
    return EndpointUsage(
        idle=[], invocations=invocations or {}, configs={}, weekly=weekly or {}, missing_configs=set(missing)
    )


def pooled(variant: str, *pools: tuple[str, int]) -> dict:
    """A DescribeEndpoint variant with InstancePools (botocore's ProductionVariantSummary)."""
    return {
        "VariantName": variant,
        "CurrentInstanceCount": sum(c for _, c in pools),
        "InstancePools": [{"InstanceType": t, "CurrentInstanceCount": c} for t, c in pools],
    }


def test_an_idle_endpoint_whose_config_is_gone_is_orphaned(ctx):
    [finding] = oe.find_orphaned_endpoints(ctx, [endpoint("ep")], usage())
    assert finding.kind == FindingKind.ORPHANED_ENDPOINT
    assert finding.instance_count == 1
    assert finding.evidence["endpoint_config_status"] == "deleted"
    assert "cannot be restored" in finding.reason


def test_an_endpoint_whose_config_exists_is_not_orphaned(ctx):
    assert oe.find_orphaned_endpoints(ctx, [endpoint("ep")], usage(missing=())) == []


def test_an_orphan_used_this_week_is_not_reported(ctx):
    weekly = {("ep", "AllTraffic"): hourly(50)}
    assert oe.find_orphaned_endpoints(ctx, [endpoint("ep")], usage(weekly=weekly)) == []


def test_an_orphan_with_traffic_in_the_lookback_is_not_reported(ctx):
    busy = usage(invocations={("ep", "AllTraffic"): 3.0})
    assert oe.find_orphaned_endpoints(ctx, [endpoint("ep")], busy) == []


def test_without_instance_pools_the_type_and_price_are_unknown_never_zero(ctx):
    [finding] = oe.find_orphaned_endpoints(ctx, [endpoint("ep", instances("AllTraffic", 2))], usage())
    assert (finding.instance_count, finding.est_monthly_cost_usd) == (2, None)
    assert "InstancePools" in finding.evidence["price_note"]


def test_instance_pools_price_the_orphan(ctx):
    ep = endpoint("ep", pooled("AllTraffic", ("ml.m5.xlarge", 2), ("ml.c5.large", 0)))
    [finding] = oe.find_orphaned_endpoints(ctx, [ep], usage())
    assert finding.est_monthly_cost_usd == round(0.23 * 730 * 2, 2)
    assert finding.instance_type == "ml.m5.xlarge"


def test_delete_is_offered_and_its_confirm_says_there_is_no_restore(ctx):
    [finding] = oe.find_orphaned_endpoints(ctx, [endpoint("ep")], usage())
    delete, snooze = buttons(finding)
    assert (delete.action_id, snooze.action_id) == (ActionId.DELETE.value, ActionId.SNOOZE.value)
    assert "no Restore" in delete.confirm.to_dict()["text"]["text"]


def test_the_scan_reports_an_orphan_with_no_request_beyond_the_shared_read(
    fleet, region_clients, client_factory, settings, now
):
    fleet.endpoint("ep-orphan", created=now - timedelta(days=5), instance_count=2)
    fleet.endpoint("ep-kept", created=now - timedelta(days=5))
    region_clients("sagemaker").delete_endpoint_config(EndpointConfigName="ep-orphan-config")
    result = run_scan(
        client_factory, settings, load_prices(), now,
        kinds=[FindingKind.UNUSED_ENDPOINT, FindingKind.ORPHANED_ENDPOINT],
    )
    assert result.errors == []
    assert sorted((f.kind, f.name) for f in result.findings) == [
        (FindingKind.ORPHANED_ENDPOINT, "ep-orphan"),
        (FindingKind.UNUSED_ENDPOINT, "ep-kept"),
    ]
    [orphan] = [f for f in result.findings if f.kind == FindingKind.ORPHANED_ENDPOINT]
    assert orphan.instance_count == 2
