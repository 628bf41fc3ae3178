"""The weekly report in words: sections, warnings, the advice's order, escaping, Slack limits."""

from __future__ import annotations

import io

from rich.console import Console

from bot.report.savings_plans import PlansAdvice
from reports.digest import limit_violations
from reports.report_text import print_report
from reports.weekly_report import (
    plans_lines,
    report_blocks,
    report_json,
    report_text,
    savings_headline,
    spend_lines,
    summary_blocks,
)
from tests.fakes.weekly_report import sample_report


def test_realised_savings_read_week_month_and_since_install():
    assert savings_headline(sample_report()) == "Saved this week $12.50 · this month $40.00 · since install $300"


def test_spend_names_regions_the_bot_does_not_scan():
    assert any("regions the bot does not scan: ap-northeast-2" in line for line in spend_lines(sample_report()))


def test_open_waste_is_shown_as_a_share_of_the_last_30_days():
    assert spend_lines(sample_report())[-1] == (
        "Open waste now: $146/month, 27% of the last 30 days' spend ($540)"
    )


def test_the_week_is_compared_with_the_week_before():
    assert "Week of Nov 09: $120 (−20% on the week before)" in spend_lines(sample_report())


def test_the_savings_plan_advice_says_to_remove_waste_first():
    lines = plans_lines(sample_report())
    assert lines[1] == "1 year, no upfront: commit $0.50/hour to save about $90.00/month (21%)"
    assert lines[2] == "3 years, no upfront: no commitment recommended"
    assert lines[3].startswith("Remove waste first")
    assert "about 32% of the 1 year commitment" in lines[3]


def test_existing_plans_show_utilisation_and_coverage():
    assert plans_lines(sample_report())[0] == (
        "Your SageMaker Savings Plans, last 30 days: utilisation 92% · coverage 40% · net savings $25.00"
    )


def test_without_plans_or_waste_there_is_no_waste_warning():
    report = sample_report(open_waste_monthly_usd=0.0)
    assert not any(line.startswith("Remove waste first") for line in plans_lines(report))


def test_a_cost_explorer_error_is_one_line_in_place_of_the_spend():
    report = sample_report(spend=None, spend_error="Cost Explorer: AccessDeniedException: no")
    assert spend_lines(report) == ["⚠ No spend figures: Cost Explorer: AccessDeniedException: no"]


def test_owner_names_from_tags_are_escaped_in_blocks():
    _, blocks = report_blocks(sample_report())
    text = str([b.to_dict() for b in blocks])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


def test_the_post_stays_within_slack_limits_and_has_a_text_fallback():
    text, blocks = report_blocks(sample_report())
    assert limit_violations(blocks) == []
    assert text == "$270 on SageMaker in 2 weeks; saved this week $12.50 · this month $40.00 · since install $300"


def test_the_summary_for_sm_savings_leads_with_realised_savings():
    _, [section] = summary_blocks(sample_report())
    body = section.to_dict()["text"]["text"]
    assert body.splitlines()[1] == "Saved this week $12.50 · this month $40.00 · since install $300"
    assert "Remove waste first" in body


def test_the_text_report_has_every_section_and_the_request_count():
    text = report_text(sample_report(plans=PlansAdvice(advice=[])))
    assert [line for line in text.splitlines() if not line.startswith(" ")][:3] == [
        "SageMaker spend", "Realised savings", "Savings Plans"
    ]
    assert "Cost Explorer requests: 5 (answers cached for the day)" in text


def test_the_terminal_report_draws_the_charts_as_text():
    out = io.StringIO()
    print_report(sample_report(), Console(file=out, width=120, color_system=None))
    printed = out.getvalue()
    assert "SageMaker spend by week" in printed
    assert "Nov 02 " in printed and "$150" in printed
    assert "█" in printed


def test_the_json_document_carries_the_figures():
    document = report_json(sample_report())
    assert document["realised"]["total_usd"] == 300.0
    assert document["spend"]["weeks"][0]["by_component"]["hosting"] == 100.0
    assert document["plans"]["advice"][0]["hourly_commitment_usd"] == 0.5
