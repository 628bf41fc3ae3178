"""The report's charts: what they show as data, a text alternative, and the PNG (matplotlib Agg).

Pure: report in, `ChartData` / text / PNG bytes out. Drawn with matplotlib's object API on an
Agg canvas (no pyplot: no global figure state shared between the scheduler's and the CLI's
threads, no display needed). Tests read what a figure draws (bar heights, line points, labels),
never its pixels.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import BaseModel

from bot.report.models import WeeklyReport
from bot.report.spend import COMPONENTS
from bot.scan.pricing import HOURS_PER_MONTH

COLOURS = {
    "notebooks": "#4e79a7", "studio": "#76b7b2", "hosting": "#f28e2b",
    "training": "#59a14f", "processing": "#edc948", "other": "#bab0ac",
}
LINE_COLOUR = "#e15759"


class Series(BaseModel):
    label: str
    values: list[float]


class ChartData(BaseModel):
    name: str  # file name stem
    title: str
    x_labels: list[str]
    y_label: str
    bars: list[Series] = []  # stacked, bottom first
    line: Series | None = None


def spend_chart(report: WeeklyReport) -> ChartData | None:
    """Weekly spend stacked by component, with today's open waste per week as a line."""
    if report.spend is None or not report.spend.weeks:
        return None
    weeks = report.spend.weeks
    bars = [
        Series(label=c, values=[w.by_component.get(c, 0.0) for w in weeks])
        for c in COMPONENTS
        if any(w.by_component.get(c, 0.0) for w in weeks)
    ]
    waste_per_week = round(report.open_waste_monthly_usd * 7 * 24 / HOURS_PER_MONTH, 2)
    return ChartData(
        name="sagemaker-spend-by-week",
        title="SageMaker spend by week",
        x_labels=[f"{w.start:%b %d}" for w in weeks],
        y_label="USD",
        bars=bars,
        line=Series(label="open waste now, per week", values=[waste_per_week] * len(weeks)),
    )


def savings_chart(report: WeeklyReport) -> ChartData | None:
    """Realised savings since install, cumulative, one point per day of the report's weeks."""
    if not report.savings_series:
        return None
    return ChartData(
        name="realised-savings",
        title="Realised savings since install",
        x_labels=[f"{day:%b %d}" for day, _ in report.savings_series],
        y_label="USD",
        line=Series(label="saved since install", values=[usd for _, usd in report.savings_series]),
    )


def charts(report: WeeklyReport) -> list[ChartData]:
    return [c for c in (spend_chart(report), savings_chart(report)) if c is not None]


def _usd(value: float) -> str:
    return f"${value:,.0f}" if value >= 100 else f"${value:,.2f}"


def alt_text(chart: ChartData) -> str:
    """What the chart shows, in words (the upload's alt text and the terminal's caption)."""
    parts = [f"{chart.title}."]
    if chart.bars:
        for i, label in enumerate(chart.x_labels):
            pieces = [f"{s.label} {_usd(s.values[i])}" for s in chart.bars if s.values[i]]
            total = sum(s.values[i] for s in chart.bars)
            parts.append(f"{label}: {_usd(total)}" + (f" ({', '.join(pieces)})" if pieces else "") + ".")
    if chart.line is not None and chart.line.values:
        values = chart.line.values
        if chart.bars:
            parts.append(f"Line: {chart.line.label}, {_usd(values[-1])}.")
        else:
            parts.append(f"{chart.line.label}: from {_usd(values[0])} on {chart.x_labels[0]}"
                         f" to {_usd(values[-1])} on {chart.x_labels[-1]}.")
    return " ".join(parts)


def draw(chart: ChartData) -> Figure:
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.x_labels)))
    bottoms = [0.0] * len(positions)
    for series in chart.bars:
        axes.bar(positions, series.values, bottom=bottoms, label=series.label,
                 color=COLOURS.get(series.label))
        bottoms = [b + v for b, v in zip(bottoms, series.values, strict=True)]
    if chart.line is not None:
        axes.plot(positions, chart.line.values, label=chart.line.label, color=LINE_COLOUR,
                  marker="o" if chart.bars else None, linestyle="--" if chart.bars else "-")
    step = max(1, len(positions) // 10)  # daily series: a label every few days stays readable
    axes.set_xticks(positions[::step], chart.x_labels[::step])
    axes.set_title(chart.title)
    axes.set_ylabel(chart.y_label)
    # Below the plot: a legend inside would hide the tallest bars.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, fontsize="small", frameon=False)
    figure.tight_layout()
    return figure


def png_bytes(chart: ChartData) -> bytes:
    buffer = io.BytesIO()
    draw(chart).savefig(buffer, format="png")
    return buffer.getvalue()

