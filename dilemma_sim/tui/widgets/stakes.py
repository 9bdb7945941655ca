"""What is at stake, in words and small numbers: the player against the status quo, on the same luck."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from dilemma_sim.tui.stakes import Stakes
from dilemma_sim.tui.widgets.scores import signed


class StakesPanel(Static):
    """This turn and the game so far against the status quo: what it scored on the player's own draws
    (the same run, so the difference is the player's choices) and what it is expected to score."""

    DEFAULT_CSS = "StakesPanel { height: auto; }"

    def __init__(self, **kwargs: object) -> None:
        waiting = Text("At stake: computing what the status quo would score…", style="dim italic")
        super().__init__(waiting, **kwargs)  # type: ignore[arg-type]
        self.lines: list[str] = []
        """The plain text shown, for tests."""

    def show(self, stakes: Stakes | None, payoffs: list[float]) -> None:
        """`payoffs`: the player's payoff in each turn played so far."""
        if stakes is None:
            return
        sq = stakes.status_quo
        best = stakes.strategies[stakes.best]
        turns = len(payoffs)
        whole, whole_half = stakes.expected_so_far(stakes.reference, sq.payoffs.shape[1])
        best_mean, best_half = stakes.expected_so_far(stakes.best, best.payoffs.shape[1])
        others = len(stakes.strategies) - 1
        if stakes.best != stakes.reference:
            best_part = f"; the best built-in way to play, {best.label}: {best_mean:,.0f} ±{best_half:,.0f}"
        elif others:
            best_part = f", better than the {others} other built-in way{'s' if others > 1 else ''} to play"
        else:
            best_part = ""
        game = Text.assemble(
            ("Whole game, expected ", "bold"),
            f"({stakes.runs:,} simulated games on your luck): {sq.label} {whole:,.0f} ±{whole_half:,.0f}",
            best_part,
            ". Higher is better.",
        )
        if not turns:
            self._set(Group(game))
            return
        # the row names whole; in a narrow panel the headers wrap (`it, same` over `luck`), not the numbers
        table = Table(box=None, padding=(0, 1), show_edge=False)
        table.add_column("", no_wrap=True, min_width=len("this turn"))
        table.add_column("you", justify="right", no_wrap=True)
        table.add_column("it, same luck", justify="right")
        table.add_column("you − it", justify="right")
        t = turns - 1
        same_turn = float(sq.payoffs[0, t])
        table.add_row(
            "this turn", f"{payoffs[-1]:,.1f}", f"{same_turn:,.1f}", signed(payoffs[-1] - same_turn)
        )
        same_total = stakes.same_luck_so_far(stakes.reference, turns)
        total = sum(payoffs)
        table.add_row("so far", f"{total:,.1f}", f"{same_total:,.1f}", signed(total - same_total))
        title = Text.assemble(("You against ", "bold"), (sq.label, "bold"), " on the same draws:")
        self._set(Group(title, table, game))

    def _set(self, group: Group) -> None:
        console = Console(file=io.StringIO(), width=200, record=True)  # for `lines`: never the terminal
        console.print(group)
        self.lines = [line.rstrip() for line in console.export_text().splitlines() if line.strip()]
        self.update(group)
