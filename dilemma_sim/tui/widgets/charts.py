"""A real chart (plotext through textual-plotext): the player's path against the strategies' bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from dilemma_sim.tui.stakes import Stakes

COLORS = ("cyan", "magenta", "green", "yellow", "blue", "red")


class PathChart(PlotextPlot):
    """The player's score minus the status quo's on the same draws, turn by turn, against each
    strategy's band (p10 to p90 of the same difference over the runs, dotted) and median (line).

    Differences, not scores: totals of thousands hide the stakes; on the same draws, 0 is "as the
    status quo would have done" and everything above it is gained by choices.
    """

    DEFAULT_CSS = "PathChart { height: 18; }"

    def show(self, stakes: Stakes, payoffs: Sequence[float], labels: Sequence[str]) -> None:
        """`payoffs`: the player's payoff in each turn played; `labels`: calendar labels, start first."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        turns = len(payoffs)
        x = list(range(turns + 1))
        sq = stakes.status_quo.payoffs[0, :turns]
        mine = np.concatenate([[0.0], np.cumsum(np.asarray(payoffs) - sq)])
        for index, play in enumerate(stakes.strategies):
            if index == stakes.reference:
                continue
            p10, p50, p90 = np.percentile(stakes.ahead_of(index)[:, : turns + 1], [10, 50, 90], axis=0)
            color = COLORS[(index - 1) % len(COLORS)]
            plt.plot(x, list(p50), color=color, label=f"{play.label} (median)")
            plt.plot(x, list(p10), color=color, marker="dot")
            plt.plot(x, list(p90), color=color, marker="dot")
        plt.plot(x, [0.0] * len(x), color="gray", label=f"{stakes.status_quo.label} (same luck)")
        plt.plot(x, list(mine), color="white", marker="hd", label="you")
        step = max(1, len(x) // 6)
        ticks: list[float] = [float(i) for i in x[::step]]
        plt.xticks(ticks, [labels[i] for i in x[::step]])
        plt.title("Score gained over the status quo on the same draws (dotted: p10 and p90)")
        plt.xlabel("turn")
        plt.ylabel("points")
        self.refresh()
