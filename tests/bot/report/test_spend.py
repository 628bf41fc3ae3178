"""Spend by week, component and region: pure aggregation of Cost Explorer's daily groups, and one
GetCostAndUsage query against moto (results preset through its API), cached for the day."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from bot.aws import cost
from bot.report.build import fetch_spend
from bot.report.spend import (
    Window,
    component_of,
    cost_rows,
    summarise_spend,
    waste_over_30_days_usd,
    waste_share,
)
from tests.fakes.cost_explorer import cost_and_usage_result, seed_spend

TODAY = date(2026, 11, 25)  # a Wednesday
WINDOW = Window(today=TODAY, weeks=4)


@pytest.mark.parametrize(
    ("usage_type", "component"),
    [
        ("USE1-Notebk:ml.t3.medium", "notebooks"),
        ("EUC1-Notebk:VolumeUsage.gp2", "notebooks"),
        ("USE1-Studio:JupyterLab-ml.r6i.4xlarge", "studio"),
        ("APN2-Canvas:Session-Hrs", "studio"),
        ("USW2-Host:ml.m5.xlarge", "hosting"),
        ("USE1-ServerlessInf:Mem-4GB", "hosting"),
        ("USE1-Train:ml.p3.2xlarge", "training"),
        ("USE1-Train:ml.p3.2xlarge-Spot", "training"),
        ("USE1-Processing:ml.m5.large", "processing"),
        ("Host:ml.m5.large", "hosting"),  # some us-east-1 usage types have no region prefix
        ("USE1-DataWrangler:ml.m5.4xlarge", "other"),
        ("", "other"),
    ],
)
def test_usage_types_map_to_components(usage_type, component):
    assert component_of(usage_type) == component


def test_the_window_is_four_full_monday_weeks_before_this_one():
    assert WINDOW.week_starts == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert WINDOW.weeks_end == date(2026, 11, 23)


def test_one_query_covers_the_weeks_and_the_last_30_days():
    assert WINDOW.query_start == date(2026, 10, 26)
    assert WINDOW.query_end == TODAY
    assert Window(today=TODAY, weeks=1).query_start == date(2026, 10, 26)  # 30 days back


def _rows(lines):
    return cost_rows(cost_and_usage_result(lines, WINDOW.query_start, WINDOW.query_end)["ResultsByTime"])


def test_spend_adds_up_by_week_and_component():
    spend = summarise_spend(
        _rows([
            (date(2026, 10, 26), "USE1-Host:ml.m5.xlarge", "us-east-1", 10.0),
            (date(2026, 11, 1), "USE1-Notebk:ml.t3.medium", "us-east-1", 2.5),  # Sunday: same week
            (date(2026, 11, 2), "USE1-Train:ml.p3.2xlarge", "us-east-1", 7.0),
            (date(2026, 11, 23), "USE1-Host:ml.m5.xlarge", "us-east-1", 99.0),  # this week: not shown
        ]),
        WINDOW, ["us-east-1"],
    )
    assert [w.total_usd for w in spend.weeks] == [12.5, 7.0, 0.0, 0.0]
    assert spend.weeks[0].by_component["hosting"] == 10.0
    assert spend.weeks[0].by_component["notebooks"] == 2.5
    assert spend.by_component == {"hosting": 10.0, "training": 7.0, "notebooks": 2.5}
    assert spend.total_usd == 19.5


def test_spend_by_region_names_regions_the_bot_does_not_scan():
    spend = summarise_spend(
        _rows([
            (date(2026, 11, 3), "USE1-Host:ml.m5.xlarge", "us-east-1", 10.0),
            (date(2026, 11, 3), "APN2-Host:ml.m5.xlarge", "ap-northeast-2", 30.0),
            (date(2026, 11, 3), "Tax", "global", 1.0),
        ]),
        WINDOW, ["us-east-1"],
    )
    assert spend.by_region == {"ap-northeast-2": 30.0, "us-east-1": 10.0, "global": 1.0}
    assert spend.unscanned_regions == ["ap-northeast-2"]


def test_the_last_30_days_end_yesterday():
    spend = summarise_spend(
        _rows([
            (date(2026, 10, 25), "USE1-Host:ml.m5.xlarge", "us-east-1", 1000.0),  # 31 days ago
            (date(2026, 10, 26), "USE1-Host:ml.m5.xlarge", "us-east-1", 5.0),
            (date(2026, 11, 24), "USE1-Host:ml.m5.xlarge", "us-east-1", 6.0),
        ]),
        WINDOW, ["us-east-1"],
    )
    assert spend.last_30_days_usd == 11.0


def test_open_waste_is_brought_to_30_days_before_it_is_shared():
    assert waste_over_30_days_usd(730.0) == pytest.approx(720.0)
    assert waste_share(730.0, 1440.0) == pytest.approx(0.5)
    assert waste_share(100.0, 0.0) is None


def test_groups_with_a_zero_amount_are_dropped():
    rows = _rows([(date(2026, 11, 3), "USE1-Host:ml.m5.xlarge", "us-east-1", 0.0)])
    assert rows == []


# --- against moto ---------------------------------------------------------------------------


@pytest.fixture
def seeded(moto_server, services):
    lines = [
        (date(2026, 11, 3), "USE1-Host:ml.m5.xlarge", "us-east-1", 40.0),
        (date(2026, 11, 10), "USW2-Notebk:ml.t3.medium", "us-west-2", 4.0),
    ]
    seed_spend(moto_server, lines, WINDOW.query_start, WINDOW.query_end)
    return services


def _record(moto_server):
    requests.post(f"{moto_server}/moto-api/recorder/reset-recording", timeout=10)
    requests.post(f"{moto_server}/moto-api/recorder/start-recording", timeout=10)


def _recorded(moto_server) -> list[str]:
    requests.post(f"{moto_server}/moto-api/recorder/stop-recording", timeout=10)
    log = requests.get(f"{moto_server}/moto-api/recorder/download-recording", timeout=10).text
    return [line for line in log.splitlines() if "GetCostAndUsage" in line]


def test_spend_comes_from_one_get_cost_and_usage_call(seeded, moto_server, now):
    _record(moto_server)
    spend = fetch_spend(seeded, WINDOW, now)
    assert len(_recorded(moto_server)) == 1
    assert spend.calls == 1
    assert spend.weeks[1].by_component["hosting"] == 40.0
    assert spend.unscanned_regions == ["us-west-2"]


def test_a_second_report_the_same_day_makes_no_call(seeded, moto_server, now):
    fetch_spend(seeded, WINDOW, now)
    _record(moto_server)
    again = fetch_spend(seeded, WINDOW, now)
    assert _recorded(moto_server) == []
    assert again.calls == 0
    assert again.weeks[1].by_component["hosting"] == 40.0


def test_the_query_asks_for_sagemaker_daily_by_usage_type_and_region(seeded, client_factory):
    ce = client_factory.client("ce", cost.CE_REGION)
    sent = []
    ce.meta.events.register("provide-client-params.ce.GetCostAndUsage", lambda params, **_: sent.append(params))
    cost.get_sagemaker_daily_costs(ce, WINDOW.query_start, WINDOW.query_end)
    assert sent[0]["Filter"] == {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}}
    assert sent[0]["Granularity"] == "DAILY"
    assert [g["Key"] for g in sent[0]["GroupBy"]] == ["USAGE_TYPE", "REGION"]
