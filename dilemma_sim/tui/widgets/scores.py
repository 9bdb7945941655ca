"""Scores: every actor's payoff this turn and in total, and what moved the player's score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dilemma_sim.text import safe as clean

if TYPE_CHECKING:
    from dilemma_sim.engine.turn_view import ScoreTerm
from dilemma_sim.scenario.models import Scenario


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
            name = clean(actor.name) + (" (you)" if actor_id == self.human else "")
            table.add_row(
                Text(name, style="bold" if actor_id == self.human else ""),
                signed(self.payoffs[actor_id]) if actor_id in self.payoffs else Text("–", style="dim"),
                Text(
                    f"{self.totals.get(actor_id, 0.0):,.1f}", style="bold" if actor_id == self.human else ""
                ),
            )
        self.update(table)


class Breakdown(Static):
    """Rows that add up: the terms of a payoff, largest first, an `other` row, and their sum."""

    DEFAULT_CSS = "Breakdown { height: auto; }"

    def __init__(self, limit: int = 8, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.limit = limit
        self.rows: list[tuple[str, float]] = []
        """(label, value) as shown, `other` included, the sum excluded."""

    def show_terms(self, terms: Sequence[ScoreTerm], title: str = "What made your score this turn") -> None:
        """One turn's payoff: where the turn started, what moved it, and the total."""
        from dilemma_sim.engine.turn_view import score_rows  # loaded with the engine by the first turn

        self.show(score_rows(terms, self.limit), title, total="= your score this turn")

    def show(self, rows: Sequence[tuple[str, float]], title: str, total: str = "= total") -> None:
        self.rows = list(rows)
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column(title, ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("", justify="right", no_wrap=True)
        for label, value in self.rows:
            table.add_row(Text(label), signed(value))
        if not self.rows:
            table.add_row(Text("nothing yet", style="dim"), "")
        else:
            table.add_row(
                Text(total, style="bold"), Text(f"{sum(v for _, v in self.rows):+,.1f}", style="bold")
            )
        self.update(table)
