"""The report's charts, tested for what they draw (bar heights, line points, labels) and for
their text alternatives — never by pixels."""

from __future__ import annotations

from matplotlib.container import BarContainer

from reports.charts import alt_text, charts, draw, png_bytes, savings_chart, spend_chart
from tests.fakes.weekly_report import sample_report


def _bars(figure) -> dict[str, list[float]]:
    axes = figure.axes[0]
    return {
        c.get_label(): [patch.get_height() for patch in c.patches]
        for c in axes.containers if isinstance(c, BarContainer)
    }


def test_weekly_spend_is_stacked_by_component_with_only_components_that_cost_something():
    chart = spend_chart(sample_report())
    assert [s.label for s in chart.bars] == ["notebooks", "hosting", "training"]
    assert _bars(draw(chart)) == {"notebooks": [20.0, 20.0], "hosting": [100.0, 100.0], "training": [30.0, 0.0]}


def test_stacked_bars_start_where_the_one_below_ends():
    figure = draw(spend_chart(sample_report()))
    hosting = next(c for c in figure.axes[0].containers if c.get_label() == "hosting")
    assert [p.get_y() for p in hosting.patches] == [20.0, 20.0]


def test_the_open_waste_line_is_todays_waste_per_week():
    figure = draw(spend_chart(sample_report()))
    [line] = figure.axes[0].get_lines()
    assert line.get_label() == "open waste now, per week"
    assert list(line.get_ydata()) == [33.6, 33.6]  # $146/month × 168 h / 730 h


def test_the_spend_chart_is_labelled_by_week():
    axes = draw(spend_chart(sample_report())).axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["Nov 02", "Nov 09"]
    assert axes.get_title() == "SageMaker spend by week"
    assert axes.get_ylabel() == "USD"
    assert [t.get_text() for t in axes.get_legend().get_texts()] == [
        "open waste now, per week", "notebooks", "hosting", "training"
    ]


def test_cumulative_savings_draw_one_point_per_day():
    [line] = draw(savings_chart(sample_report())).axes[0].get_lines()
    assert list(line.get_ydata()) == [0.0, 10.0, 20.0]


def test_each_chart_has_a_text_alternative_with_its_figures():
    spend, savings = charts(sample_report())
    assert "Nov 02: $150 (notebooks $20.00, hosting $100, training $30.00)." in alt_text(spend)
    assert "open waste now, per week, $33.60" in alt_text(spend)
    assert alt_text(savings).endswith("from $0.00 on Nov 02 to $20.00 on Nov 04.")


def test_no_spend_means_no_spend_chart():
    assert spend_chart(sample_report(spend=None)) is None
    assert [c.name for c in charts(sample_report(spend=None))] == ["realised-savings"]


def test_a_chart_renders_as_png():
    assert png_bytes(spend_chart(sample_report())).startswith(b"\x89PNG\r\n\x1a\n")
