"""Bar charts drawn as inline SVG in the PDF reports (WeasyPrint renders SVG, no image library needed).

`horizontal_bar_chart()` computes the geometry (in SVG user units) and the texts; the template
`pdf/_report_bar_chart.html` only draws it. Coordinates are given as strings with a dot, so that
the French localisation of the templates never turns `12.5` into `12,5` inside an SVG attribute.
Every bar carries its value written beside it and the series differ by their outline as well as
their colour, so the chart reads in black and white too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def _u(value: float) -> str:
    """An SVG coordinate: at most one decimal, a dot as decimal separator."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class ChartBar:
    series: int  # 0 for the first series (the year reported), 1 for the second…
    value: float
    text: str  # the value as written beside the bar
    x: str
    y: str
    width: str
    height: str
    text_x: str
    text_y: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    label_y: str
    bars: tuple[ChartBar, ...]


@dataclass(frozen=True)
class ChartTick:
    x: str
    text: str


@dataclass(frozen=True)
class ChartLegend:
    series: int
    label: str
    x: str
    text_x: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: str
    height: str
    label_x: str  # right edge of the row labels
    plot_x: str  # left edge of the bars
    plot_top: str
    plot_bottom: str
    rows: tuple[ChartRow, ...]
    ticks: tuple[ChartTick, ...]
    legend: tuple[ChartLegend, ...]
    legend_y: str
    legend_text_y: str


def nice_step(maximum: float, *, steps: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `steps` gridlines up to `maximum`."""
    if maximum <= 0:
        return 1
    raw = maximum / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5):
        if raw <= factor * power:
            return max(factor * power, 1)
    return 10 * power


def horizontal_bar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    formatter: Callable[[float], str] = str,
    width: float = 520,
    label_width: float = 150,
    value_width: float = 44,
    bar_height: float = 9,
    bar_gap: float = 1.5,
    row_gap: float = 7,
) -> BarChart:
    """One group of bars per row (one bar per series), scaled on the largest value.

    `rows` are (label, values) with one value per series; `formatter` writes a value (and the axis).
    """
    top, axis_height, legend_height = 4.0, 16.0, 18.0
    plot_x = label_width
    plot_width = width - label_width - value_width
    maximum = max((value for _label, values in rows for value in values), default=0)
    step = nice_step(maximum)
    scale_max = step * max(1, math.ceil(maximum / step)) if maximum > 0 else step
    group_height = len(series) * bar_height + (len(series) - 1) * bar_gap

    chart_rows, y = [], top
    for label, values in rows:
        bars = []
        for index, value in enumerate(values):
            bar_y = y + index * (bar_height + bar_gap)
            bar_width = plot_width * value / scale_max if scale_max else 0
            bars.append(
                ChartBar(
                    series=index,
                    value=value,
                    text=formatter(value),
                    x=_u(plot_x),
                    y=_u(bar_y),
                    width=_u(max(bar_width, 0.8 if value else 0)),
                    height=_u(bar_height),
                    text_x=_u(plot_x + bar_width + 3),
                    text_y=_u(bar_y + bar_height - 1.5),
                )
            )
        chart_rows.append(ChartRow(label=label, label_y=_u(y + group_height / 2 + 3), bars=tuple(bars)))
        y += group_height + row_gap
    plot_bottom = y - row_gap + 3
    ticks = tuple(
        ChartTick(x=_u(plot_x + plot_width * value / scale_max), text=formatter(value))
        for value in _tick_values(step=step, maximum=scale_max)
    )
    legend_y = plot_bottom + axis_height
    legend = tuple(
        ChartLegend(series=index, label=name, x=_u(plot_x + index * 90), text_x=_u(plot_x + index * 90 + 14))
        for index, name in enumerate(series)
    )
    return BarChart(
        title=title,
        width=_u(width),
        height=_u(legend_y + (legend_height if len(series) > 1 else 0)),
        label_x=_u(plot_x - 6),
        plot_x=_u(plot_x),
        plot_top=_u(top - 2),
        plot_bottom=_u(plot_bottom),
        rows=tuple(chart_rows),
        ticks=ticks,
        legend=legend if len(series) > 1 else (),
        legend_y=_u(legend_y),
        legend_text_y=_u(legend_y + 8),
    )


def _tick_values(*, step: float, maximum: float) -> list[float]:
    count = round(maximum / step)
    return [step * index for index in range(count + 1)]
