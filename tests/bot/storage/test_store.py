from datetime import timedelta

from bot.models import Finding, FindingKind, NotAssessed, ResourceType, ScanError, ScanResult
from bot.storage.store import Store


def _finding(now, name="nb-1", savings=36.5, **extra):
    return Finding(
        kind=FindingKind.IDLE_NOTEBOOK,
        resource_type=ResourceType.NOTEBOOK_INSTANCE,
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}",
        account_id="123456789012",
        region="us-east-1",
        instance_type="ml.t3.medium",
        est_monthly_cost_usd=savings,
        est_monthly_savings_usd=savings,
        reason="No activity for 3 d",
        evidence={"idle_hours": 72.0},
        tags={"owner": "alice"},
        detected_at=now,
        **extra,
    )


def test_a_saved_scan_loads_back_identical(fresh_store, now):
    result = ScanResult(
        generated_at=now,
        regions=["us-east-1"],
        accounts=["123456789012"],
        findings=[_finding(now)],
        errors=[ScanError(account_id="123456789012", region="eu-west-1", operation="ListEndpoints", message="AccessDenied: no")],
    )
    saved = fresh_store.save_scan(result)
    loaded = fresh_store.load_scan(saved.scan_id)
    assert loaded.findings == result.findings
    assert loaded.errors == result.errors
    assert loaded.totals.est_monthly_savings_usd == 36.5


def test_endpoints_not_assessed_load_back_with_the_scan(fresh_store, now):
    skipped = NotAssessed(account_id="123456789012", region="us-east-1", name="ep-new", reason="changed within the 14-day window")
    saved = fresh_store.save_scan(ScanResult(generated_at=now, not_assessed=[skipped]))
    loaded = fresh_store.load_scan(saved.scan_id)
    assert loaded.not_assessed == [skipped]
    assert loaded.totals.not_assessed_reasons == {"changed within the 14-day window": 1}


def test_latest_scan_older_than_the_cache_age_is_not_returned(fresh_store, now):
    fresh_store.save_scan(ScanResult(generated_at=now - timedelta(minutes=20), findings=[]))
    assert fresh_store.latest_scan(max_age=timedelta(minutes=15), now=now) is None
    assert fresh_store.latest_scan(max_age=timedelta(minutes=30), now=now) is not None


def test_the_schema_survives_reopening(settings, now):
    Store(settings.db_path).save_scan(ScanResult(generated_at=now, findings=[_finding(now)]))
    reopened = Store(settings.db_path)
    assert reopened.latest_scan().findings[0].name == "nb-1"


def test_protected_findings_are_not_counted_as_savings(now):
    result = ScanResult(
        generated_at=now,
        findings=[_finding(now, "a", 10.0), _finding(now, "b", 90.0, protected=True), _finding(now, "c", None)],
    )
    totals = result.totals
    assert (totals.est_monthly_savings_usd, totals.unpriced_findings, totals.findings) == (10.0, 1, 3)
