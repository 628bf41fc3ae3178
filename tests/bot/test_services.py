"""The scan cache the digest and slash commands share."""

from datetime import timedelta

from bot.models import FindingKind


def test_a_fresh_full_scan_is_reused_within_the_cache_minutes(services, fleet, now):
    fleet.notebook("idle", last_modified=now - timedelta(days=2))
    first = services.scan(kinds=None)
    assert services.recent_scan().scan_id == first.scan_id


def test_a_narrowed_scan_is_never_mistaken_for_the_whole_fleet(services, fleet, now, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    fleet.notebook("idle", last_modified=now - timedelta(days=2))
    fleet.endpoint("quiet", created=now - timedelta(days=5))
    narrowed = services.scan(kinds=[FindingKind.UNUSED_ENDPOINT])
    assert narrowed.complete is False
    recent = services.recent_scan()
    assert recent.scan_id != narrowed.scan_id
    assert recent.complete is True
    assert {f.name for f in recent.findings} >= {"idle", "quiet"}


def test_the_previous_total_ignores_narrowed_scans(services, fleet, now, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    fleet.endpoint("quiet", created=now - timedelta(days=5))
    full = services.scan()
    services.scan(kinds=[FindingKind.IDLE_NOTEBOOK])  # finds nothing: a $0 "total"
    latest = services.scan()
    assert services.store.previous_savings_usd(latest.scan_id) == full.totals.est_monthly_savings_usd > 0


def test_without_smbot_regions_a_scan_covers_the_accounts_enabled_sagemaker_regions(client_factory, fresh_store, tmp_path):
    from bot.aws.regions import sagemaker_regions
    from bot.config import Settings
    from bot.services import build_services

    services = build_services(Settings(db_path=tmp_path / "all.db", regions=[]), clients=client_factory, store=fresh_store)
    regions = services.regions_for(None)
    assert "ap-northeast-2" in regions and set(regions) <= set(sagemaker_regions())


def test_smbot_regions_narrows_the_regions_a_scan_covers(services):
    assert services.regions_for(None) == ["us-east-1"]
