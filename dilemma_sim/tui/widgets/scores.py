"""Scores: every actor's payoff this turn and in total, and what moved the player's score."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.tui.session import BASELINE_TERM


def signed(value: float) -> Text:
    return Text(f"{value:+,.1f}", style="green" if value > 0.05 else "red" if value < -0.05 else "dim")


class ScoreBoard(Static):
    """Each actor's payoff this turn and its total so far."""

    DEFAULT_CSS = "ScoreBoard { height: auto; }"

    def __init__(self, scenario: Scenario, human: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.human = human
        self.payoffs: dict[str, float] = {}
        self.totals: dict[str, float] = {}

    def show(self, payoffs: Mapping[str, float], totals: Mapping[str, float]) -> None:
        self.payoffs, self.totals = dict(payoffs), dict(totals)
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("Score", ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("turn", justify="right", no_wrap=True)
        table.add_column("total", justify="right", no_wrap=True)
        for actor_id, actor in self.scenario.actors.items():
            name = actor.name + (" (you)" if actor_id == self.human else "")
            table.add_row(
                Text(name, style="bold" if actor_id == self.human else ""),
                signed(self.payoffs[actor_id]) if actor_id in self.payoffs else Text("–", style="dim"),
                Text(
                    f"{self.totals.get(actor_id, 0.0):,.1f}", style="bold" if actor_id == self.human else ""
                ),
            )
        self.update(table)


class Breakdown(Static):
    """The terms of the player's payoff this turn, largest first."""

    DEFAULT_CSS = "Breakdown { height: auto; }"

    def __init__(self, label: Callable[[str], str], limit: int = 8, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.label = label
        self.limit = limit
        self.terms: list[tuple[str, float]] = []
        """(term, contribution), largest first, without the start-of-turn baseline."""

    def show(self, breakdown: Mapping[str, float], title: str = "What moved your score") -> None:
        baseline = breakdown.get(BASELINE_TERM)
        self.terms = sorted(
            ((term, value) for term, value in breakdown.items() if term != BASELINE_TERM),
            key=lambda item: -abs(item[1]),
        )
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column(title, ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("", justify="right", no_wrap=True)
        shown = [(term, value) for term, value in self.terms if abs(value) >= 0.005][: self.limit]
        for term, value in shown:
            table.add_row(self.label(term), signed(value))
        if not shown:
            table.add_row(Text("nothing yet", style="dim"), "")
        if baseline is not None:
            table.add_row(
                Text("+ where the turn started", style="dim"), Text(f"{baseline:+,.1f}", style="dim")
            )
        self.update(table)
