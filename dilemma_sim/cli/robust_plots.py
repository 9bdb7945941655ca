"""Terminal pictures of a robustness study (plotext): regret per strategy as box plots, and the two
most decisive parameters as a scatter of design points marked by the winning strategy.

Strategies are marked by letters (A, B, ...) as well as colors, so the pictures read the same in
a pipe or a file, where they are printed without colors.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dilemma_sim.batch.robust_result import RobustResult

WIDTH = 78
"""Fits an 80-column terminal."""


def letters(n: int) -> list[str]:
    """Marker letters of n strategies, in order."""
    return list((string.ascii_uppercase * (n // 26 + 1))[:n])


def _figure():  # type: ignore[no-untyped-def]  # plotext ships no types
    import plotext

    fig = plotext.figure
    fig.clear.all()
    fig.theme("simple")
    return fig


def regret_boxes(result: RobustResult, *, color: bool) -> str:
    """Horizontal box plots of each strategy's regret across the design points."""
    fig = _figure()
    e = len(result.strategies)
    fig.plot_size(WIDTH, min(60, 5 + 4 * e))  # four rows a strategy: boxes never share a row
    labels = [f"{c} {s.id}"[:18] for c, s in zip(letters(e), result.strategies, strict=True)]
    data = [[float(v) for v in row] for row in result.regret]
    fig.draw(fig.box(labels, data, orientation="h", width=0.5))
    fig.title(
        f"Regret of {result.player_name}'s strategies across {len(result.points)} points (lower is better)"
    )
    fig.label("regret: best mean at the point minus the strategy's", "x")
    return str(fig.build().string(colorless=not color))


def winner_scatter(result: RobustResult, *, color: bool) -> str:
    """The two most decisive parameters, each design point marked by the strategy that wins there."""
    ranked = result.ranked_parameters()
    if len(ranked) < 2:
        return ""
    jx, jy = ranked[0], ranked[1]
    fig = _figure()
    fig.plot_size(WIDTH, 22)
    for i, (mark, s) in enumerate(zip(letters(len(result.strategies)), result.strategies, strict=True)):
        at = result.best == i
        if not at.any():
            continue
        xs = [float(v) for v in result.points[at, jx]]
        ys = [float(v) for v in result.points[at, jy]]
        fig.draw(fig.signal(xs, ys, marker=mark).label(f"{s.id} ({int(at.sum())})"))
    ux, uy = result.uncertainties[jx], result.uncertainties[jy]
    fig.title("Who wins where: the two most decisive parameters")
    fig.label(ux.name, "x")
    fig.label(uy.name, "y")
    return str(fig.build().string(colorless=not color))
