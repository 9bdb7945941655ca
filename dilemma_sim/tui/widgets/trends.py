"""Sparklines of key variables and the player's score, each drawn on a scale that keeps steps honest.

A line is drawn on its variable's declared range (a level's `range:` in the scenario), so `85 → 82` is
a small step, not a cliff: the bars never stretch a line to its own minimum and maximum. A declared
range can be a wide safety bound, though (pakistan-ttp: 2,500 fighters on a range of 0–30,000), on
which the line would be flat: when the series uses less than a quarter of its range, it is drawn on a
round range from zero (or the range's end nearest zero) to just past the series (0–5,000). Each line
names its scale; lines on one common range share a caption instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

BARS = "▁▂▃▄▅▆▇█"
ZOOM = 0.25
"""A series that spans less than this share of its declared range is drawn on a round range instead."""
HEADROOM = 1.1
"""The round range reaches at least this far past the series: a steady value is not drawn as a maximum."""


@dataclass(frozen=True)
class TrendRow:
    """One charted series and the scale it is drawn on."""

    key: str
    label: str
    low: float | None = None
    """The bottom of the declared scale; None: from the series itself (the score)."""
    high: float | None = None


def spark(values: Sequence[float | None], low: float, high: float) -> str:
    """One bar per value, `▁` at `low` to `█` at `high` (values outside are clipped; none is a gap)."""
    if high <= low:
        return "".join(" " if v is None else BARS[0] for v in values)
    top = len(BARS) - 1
    return "".join(
        " " if v is None else BARS[min(max(round((v - low) / (high - low) * top), 0), top)] for v in values
    )


def round_up(value: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `value` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value * (1 - 1e-12))


def drawn_range(values: Sequence[float | None], low: float, high: float) -> tuple[float, float]:
    """The scale a series is drawn on: its declared range `low`–`high`, or, when the series spans less
    than `ZOOM` of it, a round range from the declared value nearest zero to just past the series."""
    seen = [v for v in values if v is not None and math.isfinite(v)]
    anchor = min(max(0.0, low), high)
    if not seen or high <= low:
        return low, high
    bottom, top = min(anchor, *seen), max(anchor, *seen)
    if top - bottom >= ZOOM * (high - low) or top == bottom:
        return low, high
    if top > anchor:
        top = min(high, anchor + round_up(HEADROOM * (top - anchor)))
    if bottom < anchor:
        bottom = max(low, anchor - round_up(HEADROOM * (anchor - bottom)))
    return bottom, top


def scale_label(low: float, high: float) -> str:
    return f"{_short(low)}–{_short(high)}"


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"


class Trends(Static):
    """A labelled sparkline per series, with its latest value and its scale; `show` gets every series."""

    DEFAULT_CSS = "Trends { height: auto; }"

    def __init__(self, rows: Sequence[TrendRow], points: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows = list(rows)
        self.points = points
        """The most points a series will have (turns + 1): the sparklines' width."""
        self.series: dict[str, list[float | None]] = {}
        self.scales: dict[str, tuple[float, float]] = {}
        """The scale each row is drawn on, by key."""

    def show(self, series: Mapping[str, Sequence[float | None]]) -> None:
        self.series = {key: list(values) for key, values in series.items()}
        for row in self.rows:
            values = self.series.get(row.key, [])
            if row.low is not None and row.high is not None:
                self.scales[row.key] = drawn_range(values, row.low, row.high)
            else:
                seen = [v for v in values if v is not None]
                self.scales[row.key] = (min([0.0, *seen]), max([0.0, *seen]))
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False, show_header=False)
        table.add_column("series", ratio=1, no_wrap=True, overflow="ellipsis", min_width=8)
        table.add_column("trend", no_wrap=True, width=self.points)
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("scale", no_wrap=True, style="dim")
        declared = [self.scales[row.key] for row in self.rows if row.low is not None]
        shared = declared[0] if len(declared) > 1 and len(set(declared)) == 1 else None
        for row in self.rows:
            values = self.series.get(row.key, [])
            scale = self.scales[row.key]
            latest = next((v for v in reversed(values) if v is not None), None)
            table.add_row(
                Text(row.label),
                Text(spark(values, *scale), style="bold"),
                "–" if latest is None else f"{latest:,.0f}" if abs(latest) >= 100 else f"{latest:.1f}",
                "" if row.low is not None and scale == shared else scale_label(*scale),
            )
        self.shown: RenderableType = table
        """What the widget shows (a Rich renderable), for tests and export."""
        if shared is not None:
            caption = f"▁ {_short(shared[0])} to █ {_short(shared[1])}, the variables' common range"
            self.shown = Group(table, Text(caption, style="dim italic"))
        self.update(self.shown)
