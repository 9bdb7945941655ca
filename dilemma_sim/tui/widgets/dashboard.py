"""The dashboard: level variables as bars with their change, and this turn's counts."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean

BAR_WIDTH = 10


def bar(value: float, low: float, high: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of `width` cells, filled in eighths."""
    share = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width, "·")


def change_style(delta: float, higher_is_better: bool) -> str:
    """Green when the change is good news for the player, red when bad, dim when none."""
    if abs(delta) < 0.05:
        return "dim"
    return "green" if (delta > 0) == higher_is_better else "red"


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


class Dashboard(Static):
    """Level variables (bar, value, change since last turn) and the counts drawn this turn."""

    DEFAULT_CSS = "Dashboard { height: auto; }"

    def __init__(self, scenario: Scenario, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.state: dict[str, float] = {}
        self.previous: dict[str, float] = {}
        self.counts: dict[str, float] = {}

    def show(self, state: dict[str, float], previous: dict[str, float], counts: dict[str, float]) -> None:
        """Show `state` against `previous` (the state a turn earlier) and this turn's `counts`."""
        self.state, self.previous, self.counts = dict(state), dict(previous), dict(counts)
        self.update(Group(self._table(), self._counts()))
        if self.tooltip is None:  # full names, cut in a narrow terminal, and what each measures
            lines = []
            for name in self.state:
                spec = self.scenario.state[name]
                about = f" — {clean(spec.description)}" if spec.description else ""
                lines.append(f"{clean(spec.label)} ({spec.range[0]:g}–{spec.range[1]:g}){about}")
            self.tooltip = Text("\n".join(lines))

    def _counts(self) -> Text:
        parts = Text("This turn: ", style="bold")
        if not self.counts:
            parts.append("no turn played yet", style="dim")
        for i, (name, value) in enumerate(self.counts.items()):
            spec = self.scenario.state[name]
            if i:
                parts.append(" · ")
            from dilemma_sim.engine.turn_view import count_phrase  # loaded once a turn is played

            parts.append(
                count_phrase(self.scenario, name, value),
                style="bold red" if value and not spec.higher_is_better else "bold",
            )
        return parts

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column("var", ratio=1, max_width=24, no_wrap=True, overflow="ellipsis")
        table.add_column("bar", width=BAR_WIDTH, min_width=BAR_WIDTH, no_wrap=True)
        table.add_column("value", justify="right", no_wrap=True, min_width=5)
        table.add_column("change", justify="right", no_wrap=True, min_width=5)
        for name, value in self.state.items():
            spec = self.scenario.state[name]
            delta = value - self.previous.get(name, value)
            style = change_style(delta, spec.higher_is_better)
            arrow = "▲" if delta > 0.05 else "▼" if delta < -0.05 else " "
            table.add_row(
                Text(clean(spec.label)),
                Text(bar(value, *spec.range), style="bold" if style == "dim" else style),
                number(value),
                Text(f"{arrow}{abs(delta):.1f}" if arrow.strip() else "–", style=style),
            )
        return table
