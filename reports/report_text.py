"""The weekly report in a terminal (rich): the same sections as the channel post, and the two
charts drawn as text — bars per week split by component, and the cumulative savings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.report.models import WeeklyReport
from reports.charts import COLOURS, LINE_COLOUR, ChartData, alt_text, charts
from reports.weekly_report import SECTIONS, footer, usd

BAR_WIDTH = 40


def chart_table(chart: ChartData, width: int = BAR_WIDTH) -> Table:
    """One row per x label: a bar (segments per series, or the line's value) and the amount."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    rows = chart.x_labels
    if chart.line is not None and not chart.bars and len(rows) > 12:
        keep = list(range(0, len(rows), 7)) + [len(rows) - 1]  # a daily series: one row a week
    else:
        keep = list(range(len(rows)))
    totals = [sum(s.values[i] for s in chart.bars) if chart.bars else (chart.line.values[i] if chart.line else 0)
              for i in range(len(rows))]
    top = max(totals + ([max(chart.line.values)] if chart.line and chart.line.values else [])) or 1.0
    for i in dict.fromkeys(keep):
        bar = Text()
        if chart.bars:
            for series in chart.bars:
                bar.append("█" * round(series.values[i] / top * width), style=COLOURS.get(series.label, ""))
        else:
            bar.append("█" * round(totals[i] / top * width), style=LINE_COLOUR)
        grid.add_row(rows[i], bar, usd(totals[i]))
    return grid


def legend(chart: ChartData) -> Text:
    text = Text()
    for series in chart.bars:
        text.append("█ ", style=COLOURS.get(series.label, ""))
        text.append(f"{series.label}  ")
    if chart.bars and chart.line is not None and chart.line.values:
        text.append(f"{chart.line.label}: {usd(chart.line.values[-1])}")
    return text


def print_report(report: WeeklyReport, console: Console | None = None) -> None:
    console = console or Console()
    console.print(Text("SageMaker weekly report", style="bold"))
    for title, lines in SECTIONS:
        console.print()
        console.print(Text(title, style="bold underline"))
        for line in lines(report):
            console.print(Text(f"  {line}"))
    for chart in charts(report):
        console.print()
        console.print(Text(chart.title, style="bold"))
        console.print(chart_table(chart))
        if chart.bars:
            console.print(legend(chart))
        console.print(Text(alt_text(chart), style="dim"), overflow="fold")
    console.print()
    console.print(Text(footer(report), style="dim"), overflow="fold")
