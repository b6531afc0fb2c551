"""Accessible SVG charts drawn on the server: no charting library, no script, no CDN.

A chart is data first: `Chart` holds the categories and series, and renders both the SVG and
the data table that goes next to it (templates/intl_reports/dashboards/chart.html), so the two
always show the same numbers.

Accessibility:
- the <svg> has role="img", a <title> and a <desc> (named with aria-labelledby), and the desc
  states the figures in words;
- every bar carries its value as text, and each series has its own fill pattern (solid,
  hatched, dotted) shown in the legend, so colour is never the only cue;
- colours have at least 4.5:1 contrast on white (text) and 3:1 (bars); the chart paints its
  own white background so it stays readable in the admin's dark theme;
- every piece of text is escaped; ids are reduced to [a-z0-9-].
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TEXT = "#1f2937"  # 14.7:1 on white
MUTED = "#4b5563"  # 7.6:1 on white
GRID = "#9ca3af"
BACKGROUND = "#ffffff"
FONT = "'Noto Sans CJK TC','Noto Sans TC','PingFang TC','Microsoft JhengHei',sans-serif"


@dataclass(frozen=True)
class Fill:
    """How one series is painted: a colour and a pattern, both shown in the legend."""

    name: str  # "solid", "hatch", "dots", "cross"
    colour: str
    label: str  # words for the pattern, for the legend's text alternative


FILLS = (
    Fill("solid", "#1d4e89", "實心"),  # 8.6:1 on white
    Fill("hatch", "#1b6e3a", "斜線"),  # 6.3:1
    Fill("dots", "#8a3b12", "圓點"),  # 8.1:1
    Fill("cross", "#6b2d84", "格線"),  # 8.9:1
)


@dataclass
class Series:
    label: str
    values: list[int | float]


@dataclass
class Chart:
    """A bar chart (horizontal) or a histogram (vertical columns) with its data table."""

    id: str
    title: str
    description: str  # what the chart shows, in a sentence; the figures are added after it
    categories: list[str]
    series: list[Series]
    category_header: str = "項目"
    unit: str = "件"
    kind: str = "bar"  # "bar" (horizontal) or "column" (vertical, for the histogram)
    # Extra columns of the data table only (e.g. 通過計畫數), shown before the series.
    extra_columns: list[Series] = field(default_factory=list)
    note: str = ""  # shown under the chart (e.g. reports without a rate)
    max_bars: int | None = None  # the chart shows the first N categories, the table all
    value_label: str = "報告數"  # the value axis' title

    @property
    def unit_axis_label(self) -> str:
        return f"{self.value_label}（{self.unit}）" if self.unit else self.value_label

    def __post_init__(self):
        self.id = safe_id(self.id)
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError("每個數列的值必須與類別數相同。")

    # -- the table -------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        return [s.label for s in self.extra_columns] + [s.label for s in self.series]

    @property
    def rows(self) -> list[dict]:
        """[{label, values}] for the data table: every category, extra columns first."""
        return [
            {
                "label": category,
                "values": [s.values[index] for s in self.extra_columns]
                + [s.values[index] for s in self.series],
            }
            for index, category in enumerate(self.categories)
        ]

    @property
    def is_empty(self) -> bool:
        return not self.categories or not any(v for s in self.series for v in s.values)

    @property
    def shown_count(self) -> int:
        if self.max_bars is None:
            return len(self.categories)
        return min(self.max_bars, len(self.categories))

    @property
    def summary(self) -> str:
        """The figures in words, for <desc>: '日本 3件、韓國 2件'."""
        shown = self.shown_count
        parts = []
        for index, category in enumerate(self.categories[:shown]):
            if len(self.series) == 1:
                parts.append(f"{category} {_number(self.series[0].values[index])}{self.unit}")
            else:
                values = "、".join(
                    f"{s.label} {_number(s.values[index])}{self.unit}" for s in self.series
                )
                parts.append(f"{category}：{values}")
        text = "；".join(parts) if parts else "目前沒有資料"
        if shown < len(self.categories):
            text += f"（僅顯示前 {shown} 項，共 {len(self.categories)} 項，完整數據見資料表）"
        return text

    # -- the SVG ---------------------------------------------------------------------------

    @property
    def svg(self) -> SafeString:
        if self.kind == "column":
            return mark_safe(_column_chart(self))  # every text in it is escaped
        return mark_safe(_bar_chart(self))


def safe_id(value: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-")
    return cleaned or "chart"


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _text_width(text: str, size: float) -> float:
    """A good-enough width estimate: wide (CJK) characters are 1 em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _fit(text: str, size: float, width: float) -> str:
    """The label, cut with … if it would not fit (the table always has it in full)."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _nice_max(value: float) -> int:
    """A round top for the value axis: 1, 2, 3, 4, 5, 6, 8 × 10ⁿ at or above the largest value."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _ticks(top: int) -> list[int]:
    """0 … top in at most 6 equal, round steps."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if top % step == 0 and top // step <= 6:
                return list(range(0, top + 1, step))
        magnitude *= 10
        if magnitude > top:
            return [0, top]


def _defs(chart: Chart) -> str:
    """One pattern per series, with ids unique to the chart (several charts share a page)."""
    parts = []
    for index, _series in enumerate(chart.series):
        fill = FILLS[index % len(FILLS)]
        pid = f"{chart.id}-p{index}"
        if fill.name == "hatch":
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{fill.colour}"/>'
                f'<rect width="3" height="8" fill="{BACKGROUND}"/></pattern>'
            )
        elif fill.name == "dots":
            parts.append(
                f'<pattern id="{pid}" width="7" height="7" patternUnits="userSpaceOnUse">'
                f'<rect width="7" height="7" fill="{fill.colour}"/>'
                f'<circle cx="3.5" cy="3.5" r="1.6" fill="{BACKGROUND}"/></pattern>'
            )
        elif fill.name == "cross":
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{fill.colour}"/>'
                f'<path d="M0 4H8M4 0V8" stroke="{BACKGROUND}" stroke-width="1.5"/></pattern>'
            )
    return f"<defs>{''.join(parts)}</defs>" if parts else ""


def _paint(chart: Chart, index: int) -> tuple[str, str]:
    """(fill, stroke) of series `index`: the stroke keeps a patterned bar's outline visible."""
    fill = FILLS[index % len(FILLS)]
    if fill.name == "solid":
        return fill.colour, fill.colour
    return f"url(#{chart.id}-p{index})", fill.colour


def _open_svg(chart: Chart, width: int, height: int) -> str:
    cid = chart.id
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-svg--{chart.kind}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT)}" '
        f'data-chart="{cid}" data-series="{len(chart.series)}">'
        f'<title id="{cid}-title">{escape(chart.title)}</title>'
        f'<desc id="{cid}-desc">{escape(chart.description)}{escape(chart.summary)}</desc>'
        f"{_defs(chart)}"
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>'
    )


def _legend(chart: Chart, x: float, y: float) -> tuple[str, float]:
    """A legend row (swatch + label per series) when there is more than one series."""
    if len(chart.series) < 2:
        return "", 0
    parts = ['<g class="chart-legend">']
    cursor = x
    for index, series in enumerate(chart.series):
        fill, stroke = _paint(chart, index)
        parts.append(
            f'<rect x="{cursor:.1f}" y="{y:.1f}" width="16" height="16" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
            f'<text x="{cursor + 22:.1f}" y="{y + 13.5:.1f}" font-size="14" fill="{TEXT}">'
            f"{escape(series.label)}</text>"
        )
        cursor += 22 + _text_width(series.label, 14) + 20
    parts.append("</g>")
    return "".join(parts), 28


def _bar_chart(chart: Chart) -> str:
    """Horizontal bars: category labels on the left, one bar per series, values at bar ends."""
    width = 720
    label_width = 220
    value_room = 56
    font = 15
    bar = 18 if len(chart.series) > 1 else 24
    group_gap = 12
    categories = chart.categories[: chart.shown_count]
    n_series = len(chart.series)
    group = n_series * bar + (n_series - 1) * 3
    top_pad = 10
    legend, legend_height = _legend(chart, label_width, top_pad)
    plot_top = top_pad + legend_height + 6
    plot_height = max(len(categories), 1) * (group + group_gap)
    axis_y = plot_top + plot_height
    height = int(axis_y + 42)
    plot_x = label_width
    plot_width = width - label_width - value_room
    largest = max((v for s in chart.series for v in s.values[: len(categories)]), default=0)
    top = _nice_max(largest)
    scale = plot_width / top

    parts = [_open_svg(chart, width, height), legend]
    # Grid and value axis.
    for tick in _ticks(top):
        x = plot_x + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{plot_top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}" '
            f'stroke-width="1" stroke-dasharray="{"none" if tick == 0 else "3 3"}"/>'
            f'<text x="{x:.1f}" y="{axis_y + 17}" font-size="13" fill="{MUTED}" '
            f'text-anchor="middle">{_number(tick)}</text>'
        )
    parts.append(
        f'<text x="{plot_x + plot_width / 2:.1f}" y="{axis_y + 34}" font-size="13" '
        f'fill="{MUTED}" text-anchor="middle">{escape(chart.unit_axis_label)}</text>'
    )
    if not categories:
        parts.append(
            f'<text x="{plot_x + 8}" y="{plot_top + 20}" font-size="{font}" fill="{TEXT}">'
            "目前沒有資料</text>"
        )
    for row, category in enumerate(categories):
        y0 = plot_top + row * (group + group_gap) + group_gap / 2
        parts.append(
            f'<text x="{label_width - 10}" y="{y0 + group / 2 + font * 0.35:.1f}" '
            f'font-size="{font}" fill="{TEXT}" text-anchor="end">'
            f"{escape(_fit(category, font, label_width - 12))}</text>"
        )
        for index, series in enumerate(chart.series):
            value = series.values[row]
            y = y0 + index * (bar + 3)
            length = value * scale
            fill, stroke = _paint(chart, index)
            parts.append(
                f'<rect class="chart-bar" x="{plot_x}" y="{y:.1f}" width="{length:.1f}" '
                f'height="{bar}" fill="{fill}" stroke="{stroke}" stroke-width="1.5" '
                f'data-value="{_number(value)}"/>'
            )
            parts.append(
                f'<text class="chart-value" x="{plot_x + length + 5:.1f}" '
                f'y="{y + bar / 2 + 5:.1f}" font-size="14" fill="{TEXT}">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _column_chart(chart: Chart) -> str:
    """Vertical columns (the histogram): bins along the bottom, counts above the columns."""
    width = 720
    height = 330
    left = 52
    right = 12
    top_pad = 22
    bottom = 62
    plot_width = width - left - right
    plot_height = height - top_pad - bottom
    axis_y = top_pad + plot_height
    categories = chart.categories
    n = max(len(categories), 1)
    slot = plot_width / n
    column = slot * 0.72
    values = chart.series[0].values if chart.series else []
    top = _nice_max(max(values, default=0))
    scale = plot_height / top
    fill, stroke = _paint(chart, 0)

    parts = [_open_svg(chart, width, height)]
    for tick in _ticks(top):
        y = axis_y - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="1" stroke-dasharray="{"none" if tick == 0 else "3 3"}"/>'
            f'<text x="{left - 6}" y="{y + 4.5:.1f}" font-size="13" fill="{MUTED}" '
            f'text-anchor="end">{_number(tick)}</text>'
        )
    for index, category in enumerate(categories):
        value = values[index]
        x = left + index * slot + (slot - column) / 2
        h = value * scale
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{axis_y - h:.1f}" width="{column:.1f}" '
            f'height="{h:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="1.5" '
            f'data-value="{_number(value)}"/>'
            f'<text class="chart-value" x="{x + column / 2:.1f}" y="{axis_y - h - 6:.1f}" '
            f'font-size="14" fill="{TEXT}" text-anchor="middle">{_number(value)}</text>'
            f'<text x="{x + column / 2:.1f}" y="{axis_y + 18}" font-size="13" fill="{TEXT}" '
            f'text-anchor="middle">{escape(_fit(category, 13, slot))}</text>'
        )
    parts.append(
        f'<text x="{left + plot_width / 2:.1f}" y="{axis_y + 42}" font-size="13" '
        f'fill="{MUTED}" text-anchor="middle">{escape(chart.category_header)}</text>'
        f'<text x="14" y="{top_pad + plot_height / 2:.1f}" font-size="13" fill="{MUTED}" '
        f'text-anchor="middle" transform="rotate(-90 14 {top_pad + plot_height / 2:.1f})">'
        f"{escape(chart.unit_axis_label)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


# -- builders ---------------------------------------------------------------------------------


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    items: list[tuple[str, int]],
    *,
    category_header: str = "項目",
    value_header: str = "報告數",
    unit: str = "件",
    max_bars: int | None = None,
    note: str = "",
) -> Chart:
    """One series of horizontal bars, e.g. reports per country."""
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        categories=[label for label, _value in items],
        series=[Series(value_header, [value for _label, value in items])],
        category_header=category_header,
        unit=unit,
        max_bars=max_bars,
        note=note,
        value_label=value_header,
    )


def grouped_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    *,
    category_header: str = "項目",
    unit: str = "件",
    extra_columns: list[Series] | None = None,
    note: str = "",
) -> Chart:
    """Several series side by side per category, e.g. started / complete / accepted."""
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        categories=categories,
        series=series,
        category_header=category_header,
        unit=unit,
        extra_columns=extra_columns or [],
        note=note,
    )


def histogram(
    chart_id: str,
    title: str,
    description: str,
    bins: list[tuple[str, int]],
    *,
    category_header: str = "區間",
    value_header: str = "報告數",
    unit: str = "件",
    note: str = "",
) -> Chart:
    """Vertical columns, one per bin, in the bins' order."""
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        categories=[label for label, _value in bins],
        series=[Series(value_header, [value for _label, value in bins])],
        category_header=category_header,
        unit=unit,
        kind="column",
        note=note,
        value_label=value_header,
    )
