"""Sparklines of key variables and the player's score over the turns so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline


class Trend(Horizontal):
    """One labelled sparkline with its latest value."""

    DEFAULT_CSS = """
    Trend { height: 1; }
    Trend > .trend-label { width: 16; text-overflow: ellipsis; text-wrap: nowrap; }
    Trend > Sparkline { width: 1fr; max-width: 60; height: 1; }
    Trend > .trend-value { width: 9; text-align: right; }
    """

    def __init__(self, label: str, points: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.label = label
        self.points = points

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="trend-label")
        sparkline = Sparkline([], summary_function=max)
        sparkline.styles.max_width = min(2 * self.points, 60)
        yield sparkline
        yield Label("", classes="trend-value")

    def show(self, values: Sequence[float]) -> None:
        self.query_one(Sparkline).data = list(values)
        self.query_one(".trend-value", Label).update(f"{values[-1]:,.1f}" if values else "–")


class Trends(Vertical):
    """A sparkline per series; `show` gets every series at once."""

    DEFAULT_CSS = "Trends { height: auto; }"

    def __init__(self, labels: Mapping[str, str], points: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.labels = dict(labels)
        self.points = points
        """The most points a series will have (turns + 1): the sparklines' width."""
        self.series: dict[str, list[float]] = {}

    def compose(self) -> ComposeResult:
        for key, label in self.labels.items():
            yield Trend(label, self.points, id=f"trend-{key}")

    def show(self, series: Mapping[str, Sequence[float]]) -> None:
        self.series = {key: list(values) for key, values in series.items()}
        for key, values in self.series.items():
            if key in self.labels:
                self.query_one(f"#trend-{key}", Trend).show(values)
