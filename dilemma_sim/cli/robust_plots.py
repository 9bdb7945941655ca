"""Terminal pictures of a robustness study (plotext): regret per strategy as box plots, and the two
most decisive parameters as a scatter of design points marked by the winning strategy.

Strategies are marked by letters (A, B, ...) as well as colors, so the pictures read the same in
a pipe or a file, where they are printed without colors.
"""

from __future__ import annotations

import importlib
import string
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dilemma_sim.batch.robust_result import RobustResult

WIDTH = 78
"""Fits an 80-column terminal."""


def letters(n: int) -> list[str]:
    """Marker letters of n strategies, in order."""
    return list((string.ascii_uppercase * (n // 26 + 1))[:n])


def _fresh(width: int, height: int, *, color: bool) -> ModuleType:
    """plotext, cleared and sized (it draws through module-level state; it ships no types)."""
    plt = importlib.import_module("plotext")  # loaded for the plots only

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("pro" if color else "clear")
    return plt


def _build(plt: ModuleType, *, color: bool) -> str:
    text = str(plt.build())
    return text if color else str(plt.uncolorize(text))


def regret_boxes(result: RobustResult, *, color: bool) -> str:
    """Horizontal box plots of each strategy's regret across the design points."""
    e = len(result.strategies)
    plt = _fresh(WIDTH, min(60, 5 + 4 * e), color=color)  # four rows a strategy: boxes never share a row
    labels = [f"{c} {s.id}"[:18] for c, s in zip(letters(e), result.strategies, strict=True)]
    data = [[float(v) for v in row] for row in result.regret]
    plt.box(labels, data, orientation="horizontal", width=0.5)
    plt.title(
        f"Regret of {result.player_name}'s strategies across {len(result.points)} points (lower is better)"
    )
    plt.xlabel("regret: best mean at the point minus the strategy's")
    return _build(plt, color=color)


def winner_scatter(result: RobustResult, *, color: bool) -> str:
    """The two most decisive parameters, each design point marked by the strategy that wins there."""
    ranked = result.ranked_parameters()
    if len(ranked) < 2:
        return ""
    jx, jy = ranked[0], ranked[1]
    plt = _fresh(WIDTH, 22, color=color)
    for i, (mark, s) in enumerate(zip(letters(len(result.strategies)), result.strategies, strict=True)):
        at = result.best == i
        if not at.any():
            continue
        xs = [float(v) for v in result.points[at, jx]]
        ys = [float(v) for v in result.points[at, jy]]
        plt.scatter(xs, ys, marker=mark, label=f"{s.id} ({int(at.sum())})")
    ux, uy = result.uncertainties[jx], result.uncertainties[jy]
    plt.title("Who wins where: the two most decisive parameters")
    plt.xlabel(ux.name)
    plt.ylabel(uy.name)
    return _build(plt, color=color)
