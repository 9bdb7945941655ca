"""A real chart (plotext through textual-plotext): the player's path against the strategies' bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from dilemma_sim.tui.stakes import Stakes

COLORS = ("cyan", "magenta", "green", "yellow", "blue", "red")
CHARTED = 3
"""Strategies drawn besides the status quo and the player: the best by mean. More lines (pakistan-ttp
has ten strategies) hide the player's path; the table under the chart lists every one."""


def charted(stakes: Stakes) -> list[int]:
    """The strategies drawn: the `CHARTED` best by mean total, the status quo left out (it is the 0 line)."""
    means = [float(play.totals.mean()) for play in stakes.strategies]
    order = sorted((i for i in range(len(means)) if i != stakes.reference), key=lambda i: -means[i])
    return order[:CHARTED]


class PathChart(PlotextPlot):
    """The player's score minus the status quo's on the same draws, turn by turn, against the best
    strategies' bands (p10 to p90 of the same difference over the runs, dotted) and medians (lines).

    Differences, not scores: totals of thousands hide the stakes; on the same draws, 0 is "as the
    status quo would have done" and everything above it is gained by choices. `show` returns the
    legend, for a line of text under the chart: plotext draws its own over the lines.
    """

    DEFAULT_CSS = "PathChart { height: 18; }"

    def show(self, stakes: Stakes, payoffs: Sequence[float], labels: Sequence[str]) -> Text:
        """`payoffs`: the player's payoff in each turn played; `labels`: calendar labels, start first.
        Returns the legend: which line is which, in the lines' colours."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        turns = len(payoffs)
        x = list(range(turns + 1))
        sq = stakes.status_quo.payoffs[0, :turns]
        mine = np.concatenate([[0.0], np.cumsum(np.asarray(payoffs) - sq)])
        legend = Text()
        for rank, index in enumerate(charted(stakes)):
            p10, p50, p90 = np.percentile(stakes.ahead_of(index)[:, : turns + 1], [10, 50, 90], axis=0)
            color = COLORS[rank % len(COLORS)]
            plt.plot(x, list(p50), color=color)
            plt.plot(x, list(p10), color=color, marker="dot")
            plt.plot(x, list(p90), color=color, marker="dot")
            legend.append("━ ", style=color).append(f"{stakes.strategies[index].label} (median)   ")
        plt.plot(x, [0.0] * len(x), color="gray")
        plt.plot(x, list(mine), color="white", marker="hd")
        legend.append("━ ", style="bright_black").append(f"{stakes.status_quo.label} (same luck)   ")
        legend.append("▄ ", style="bold").append("you", style="bold")
        step = max(1, len(x) // 6)
        ticks: list[float] = [float(i) for i in x[::step]]
        plt.xticks(ticks, [labels[i] for i in x[::step]])
        plt.title("Score gained over the status quo on the same draws (dotted: p10 and p90)")
        plt.xlabel("turn")
        plt.ylabel("points")
        self.refresh()
        return legend
