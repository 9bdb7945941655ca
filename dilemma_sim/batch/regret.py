"""Robustness metrics of alternatives (strategies, options) over design points: pure array functions.

Input is the per-point mean outcome of each alternative, `means` (E alternatives, K points), higher
is better. At each point the *best* alternative is the one with the highest mean (the first in
order on an exact tie) and an alternative's *regret* is the best mean minus its own (0 for the best).
Per alternative, across points:

* `mean`, `worst` (minimum) and `low` (the `LOW_PERCENTILE`-th percentile) of its per-point mean;
* `mean_regret`, `max_regret` and `high_regret` (the `HIGH_PERCENTILE`-th percentile of regret);
* `best_share`: share of points where it is the best;
* `within_share`: share of points where its regret is at most the tolerance.

`decisiveness` ranks parameters by how much knowing one of them tells which alternative wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dilemma_sim.executor.stats import mean_ci

LOW_PERCENTILE = 10.0
HIGH_PERCENTILE = 90.0


@dataclass(frozen=True)
class Scores:
    """One alternative's robustness metrics across the design points (see the module docstring)."""

    mean: float
    worst: float
    low: float
    mean_regret: float
    max_regret: float
    high_regret: float
    best_share: float
    within_share: float


def best_and_regret(means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K,) index of the best alternative at each point and (E, K) regrets."""
    means = np.asarray(means, dtype=np.float64)
    if not np.all(np.isfinite(means)):
        raise ValueError("per-point means must be finite")
    best = np.argmax(means, axis=0)
    return best, means.max(axis=0)[None, :] - means


def paired_half_widths(totals: np.ndarray, best: np.ndarray) -> np.ndarray:
    """(E, K) CI half-width of each alternative's paired difference to the point's best, from run
    outcomes `totals` (E, K, R) on common random numbers (`stats.mean_ci`)."""
    k = np.arange(totals.shape[1])
    reference = totals[best, k]  # (K, R)
    return mean_ci(totals - reference[None], axis=2)[2]


def pooled_tolerance(half: np.ndarray, best: np.ndarray) -> float:
    """Root mean square of the paired CI half-widths of the alternatives that are not best: the
    typical regret that sampling noise alone could produce (0 with one alternative)."""
    mask = np.ones(half.shape, dtype=bool)
    mask[best, np.arange(half.shape[1])] = False
    if not mask.any():
        return 0.0
    return float(math.sqrt(float(np.mean(half[mask] ** 2))))


def scores(means: np.ndarray, tolerance: float) -> list[Scores]:
    """Scores of each alternative (rows of `means`, (E, K))."""
    means = np.asarray(means, dtype=np.float64)
    best, regret = best_and_regret(means)
    e, k = means.shape
    out = []
    for i in range(e):
        m, r = means[i], regret[i]
        out.append(
            Scores(
                mean=float(m.mean()),
                worst=float(m.min()),
                low=float(np.percentile(m, LOW_PERCENTILE)),
                mean_regret=float(r.mean()),
                max_regret=float(r.max()),
                high_regret=float(np.percentile(r, HIGH_PERCENTILE)),
                best_share=float(np.count_nonzero(best == i) / k),
                within_share=float(np.count_nonzero(r <= tolerance) / k),
            )
        )
    return out


def decisiveness(points: np.ndarray, labels: np.ndarray, bins: int | None = None) -> np.ndarray:
    """Per parameter (column of `points`, (K, P)), the share of the winner's Gini impurity explained
    by knowing the parameter's bin: 1 - sum_b (n_b / K) G_b / G, over equal-count bins of the
    parameter (`bins`, default K // 10 between 2 and 10). 0 when one alternative wins everywhere.

    A given-data first-order index of the categorical outcome "who wins": 1 means the parameter
    alone decides it, 0 that it tells nothing. With few points per bin it is biased upwards by
    about (bins - 1) / K; values near that are noise.
    """
    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels)
    k, p = points.shape
    out = np.zeros(p)
    if k < 4:
        return out
    total = _gini(labels)
    if total == 0.0:
        return out
    b = bins if bins is not None else min(10, max(2, k // 10))
    for j in range(p):
        order = np.argsort(points[:, j], kind="stable")
        within = sum(len(part) / k * _gini(labels[part]) for part in np.array_split(order, b) if len(part))
        out[j] = max(0.0, 1.0 - within / total)
    return out


def _gini(labels: np.ndarray) -> float:
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return float(1.0 - np.sum(p * p))
