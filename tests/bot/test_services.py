"""The scan cache the digest and slash commands share."""

import threading
import time
from datetime import timedelta

import pytest

from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.demo.studio_standin import install_studio_standin
from bot.models import FindingKind
from bot.services import build_services
from tests.conftest import REGION


@pytest.fixture
def readable_fleet(services, fleet):
    """moto lacks Studio ListApps (an HTTP 500, so a read error in every scan): answer it with no
    apps, so that a full scan reads everything and may be reused."""
    install_studio_standin(services.clients.client("sagemaker", REGION), apps=[])
    return fleet


def test_a_fresh_full_scan_is_reused_within_the_cache_minutes(services, readable_fleet, now):
    readable_fleet.notebook("idle", last_modified=now - timedelta(days=2))
    first = services.scan(kinds=None)
    assert first.errors == []
    assert services.recent_scan().scan_id == first.scan_id


def test_a_scan_with_read_errors_is_never_reused(services, fleet):
    first = services.scan()  # moto answers Studio ListApps with HTTP 500
    assert first.errors
    assert services.recent_scan().scan_id != first.scan_id


def test_fresh_scans_again_even_with_a_reusable_scan(services, readable_fleet):
    first = services.scan()
    assert services.recent_scan(fresh=True).scan_id != first.scan_id


@pytest.mark.parametrize(
    "changed",
    [{"notebook_idle_hours": 1000}, {"regions": ["eu-west-1"]}, {"endpoint_lookback_hours": 24},
     {"accounts": ["arn:aws:iam::111111111111:role/read"]}],
    ids=["threshold", "regions", "lookback", "accounts"],
)
def test_a_scan_made_with_other_settings_is_not_reused(services, readable_fleet, changed):
    first = services.scan()
    settings = Settings(**{**services.settings.model_dump(include={"db_path", "regions"}), **changed})
    other = build_services(settings, clients=services.clients, store=services.store)
    assert other.recent_scan().scan_id != first.scan_id
    assert services.recent_scan().scan_id == first.scan_id


def test_a_scan_made_as_another_identity_is_not_reused(services, readable_fleet, monkeypatch):
    services.scan()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "someone-else")
    other = build_services(services.settings, clients=ClientFactory(), store=services.store)
    assert other.scope_key() != services.scope_key()


def test_the_same_settings_give_the_same_scope(services):
    again = build_services(services.settings, clients=ClientFactory(), store=services.store)
    assert again.scope_key() == services.scope_key()


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


def test_without_smbot_regions_a_scan_covers_the_accounts_enabled_sagemaker_regions(client_factory, fresh_store, tmp_path):
    from bot.aws.regions import sagemaker_regions
    from bot.config import Settings
    from bot.services import build_services

    services = build_services(Settings(db_path=tmp_path / "all.db", regions=[]), clients=client_factory, store=fresh_store)
    regions = services.regions_for(None)
    assert "ap-northeast-2" in regions and set(regions) <= set(sagemaker_regions())


def test_smbot_regions_narrows_the_regions_a_scan_covers(services):
    assert services.regions_for(None) == ["us-east-1"]


def test_concurrent_callers_share_one_scan_even_when_it_has_read_errors(services, fleet, monkeypatch):
    """moto answers Studio ListApps with HTTP 500: every scan has a read error, so none is
    reusable from the store — yet callers queued behind one scan must not each start another."""
    real_scan, calls, gate = services.scan, [], threading.Event()

    def counted_scan(**kwargs):
        calls.append(1)
        gate.wait(10)
        return real_scan(**kwargs)

    object.__setattr__(services, "scan", counted_scan)
    results = []
    threads = [threading.Thread(target=lambda: results.append(services.recent_scan())) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    gate.set()
    for thread in threads:
        thread.join(60)
    assert len(calls) == 1
    assert len({r.scan_id for r in results}) == 1
    assert results[0].errors
