"""A read several kinds share (every endpoint of an account-region) that fails is one ScanError,
not one per kind that needed it; the kinds that did not need it still run."""

from __future__ import annotations

from types import SimpleNamespace

from botocore.exceptions import ClientError

from bot.config import Settings
from bot.models import FindingKind, ResourceType
from bot.scan import fanout as scan_module
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners.base import make_finding

ENDPOINT_KINDS = (
    FindingKind.UNUSED_ENDPOINT, FindingKind.INTERMITTENT_ENDPOINT,
    FindingKind.ORPHANED_ENDPOINT, FindingKind.IDLE_ASYNC_ENDPOINT,
)
READS = []


def list_endpoints_denied():
    READS.append("ListEndpoints")
    raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "ListEndpoints")


def endpoint_kind(ctx):
    return ctx.shared.once("endpoint-usage", list_endpoints_denied)


def notebook_kind(ctx):
    return [make_finding(ctx, kind=FindingKind.IDLE_NOTEBOOK, resource_type=ResourceType.NOTEBOOK_INSTANCE,
                         name="nb", arn="arn:aws:sagemaker:us-east-1:1:notebook-instance/nb", reason="idle")]


def test_a_failed_shared_read_is_reported_once_per_account_region(client_factory, now, monkeypatch):
    scanners = {kind: SimpleNamespace(scan=endpoint_kind) for kind in ENDPOINT_KINDS}
    scanners[FindingKind.IDLE_NOTEBOOK] = SimpleNamespace(scan=notebook_kind)
    monkeypatch.setattr(scan_module, "SCANNERS", scanners)
    READS.clear()
    result = run_scan(client_factory, Settings(regions=["us-east-1", "us-west-2"]), load_prices(), now)
    assert sorted((e.region, e.operation, e.code) for e in result.errors) == [
        ("us-east-1", "ListEndpoints", "AccessDenied"),
        ("us-west-2", "ListEndpoints", "AccessDenied"),
    ]
    assert READS == ["ListEndpoints", "ListEndpoints"]  # asked once per account-region
    assert sorted(f.region for f in result.findings) == ["us-east-1", "us-west-2"]
