from datetime import UTC, datetime

import pytest

from bot.scan.pricing import load_prices
from bot.scan.scanners.base import ScanContext

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def no_clients(service: str):
    raise AssertionError(f"find_* must not reach AWS (asked for {service})")


@pytest.fixture
def ctx(settings) -> ScanContext:
    """A scan context for the pure find_* functions: fixed time, and no AWS to reach."""
    return ScanContext(
        clients=no_clients,
        account_id="123456789012",
        region="us-east-1",
        settings=settings,
        prices=load_prices(),
        now=NOW,
    )
