"""Sparklines of key variables and the player's score, each drawn on its variable's declared range.

Every line of the same range shares one scale (a level's `range:` in the scenario), and each line
names its scale, so `85 → 82` is a small step, not a cliff: the bars never stretch a line to its own
minimum and maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class TrendRow:
    """One charted series and the scale it is drawn on."""

    key: str
    label: str
    low: float | None = None
    """The bottom of the scale (`▁`); None: from the series itself (the score)."""
    high: float | None = None


def spark(values: Sequence[float], low: float, high: float) -> str:
    """One bar per value, `▁` at `low` to `█` at `high` (values outside are clipped)."""
    if high <= low:
        return BARS[0] * len(values)
    top = len(BARS) - 1
    return "".join(BARS[min(max(round((v - low) / (high - low) * top), 0), top)] for v in values)


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
        self.series: dict[str, list[float]] = {}

    def show(self, series: Mapping[str, Sequence[float]]) -> None:
        self.series = {key: list(values) for key, values in series.items()}
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False, show_header=False)
        table.add_column("series", ratio=1, no_wrap=True, overflow="ellipsis", min_width=8)
        table.add_column("trend", no_wrap=True, width=self.points)
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("scale", no_wrap=True, style="dim")
        ranges = {(row.low, row.high) for row in self.rows if row.low is not None}
        shared = next(iter(ranges)) if len(ranges) == 1 else None
        for row in self.rows:
            values = self.series.get(row.key, [])
            low = row.low if row.low is not None else min([0.0, *values])
            high = row.high if row.high is not None else max([0.0, *values])
            table.add_row(
                Text(row.label),
                Text(spark(values, low, high), style="bold"),
                f"{values[-1]:,.1f}" if values else "–",
                "" if (row.low, row.high) == shared else scale_label(low, high),
            )
        self.shown: RenderableType = table
        """What the widget shows (a Rich renderable), for tests and export."""
        if shared is not None and shared[0] is not None and shared[1] is not None:
            caption = f"▁ {_short(shared[0])} to █ {_short(shared[1])}, the variables' common range"
            self.shown = Group(table, Text(caption, style="dim italic"))
        self.update(self.shown)
