"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for scenario discovery.

Given design points `x` (n, p) and a yes/no outcome `y` (n,) — "this strategy is the best here",
"this ending happens in most runs here" — PRIM finds a box (an interval per parameter) where the
outcome is common (high *density*) and that holds much of it (high *coverage*):

* **Peeling**: from the box holding every point, repeatedly cut off the `alpha` share of the
  points at the low or high end of one parameter, choosing the cut that raises the box's mean of
  `y` the most per point removed (the "lenient" objective of the EMA Workbench: gain in mean
  divided by points lost). Stop when no cut raises the mean or the box would hold less than
  `mass_min` of all points. The boxes passed on the way are the *peeling trajectory*, from high
  coverage / low density to low coverage / high density.
* **Choosing** a box on the trajectory: by default the one with the highest coverage whose density
  reaches `threshold` (the highest-density one if none does); `select="last"` takes the end of
  the trajectory, as the EMA Workbench's `Prim.find_box` does.
* **Pasting**: widen the chosen box again, one `paste_alpha` slice of one restricted parameter
  at a time, while that raises the mean (peeling is greedy; pasting undoes cuts that went too far).
* **Pruning** (`prune=True`): peeling also cuts a parameter when a cut happens to drop a few points
  without the outcome; such restrictions have a large quasi-p-value (below). The restriction with
  the largest one above `QP_MAX` is released, again and again, while the box keeps density
  `threshold` — as one does by hand with the Workbench's `drop_restriction`.
* **Covering**: after a box is accepted, its points are set aside and the search runs again on
  the rest, for up to `max_boxes` boxes with density at least `threshold`.

For each restricted parameter of a box, `density_without` is the density of the box with that
restriction released, and `qp` the one-sided binomial quasi-p-value of Bryant & Lempert (2010): how
likely the box's density would be by chance if the restriction did not matter. Parameters are
ranked by the density they add (`density - density_without`).

This is a small own implementation (numpy only) because the EMA Workbench pulls in pandas,
scikit-learn, statsmodels and seaborn, and the standalone `prim` package is GPL-3.0;
`tests/test_prim.py` checks it against the EMA Workbench's PRIM on the same data. Quantiles follow
the Workbench's `get_quantile` (the sdtoolkit rule) so both find the same boxes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05
THRESHOLD = 0.8
"""Density a box must reach to be reported (80%: four points in five inside the box have the outcome)."""
QP_MAX = 0.05
"""Restrictions whose quasi-p-value is above this are released when the box keeps its threshold."""


@dataclass(frozen=True)
class Restriction:
    """One parameter a box restricts."""

    column: int
    low: float
    high: float
    cuts_low: bool
    """Whether the box cuts the parameter's low end (else `low` is the smallest value in the data)."""
    cuts_high: bool
    density_without: float
    """Density of the box with this restriction released."""
    qp: float
    """One-sided binomial quasi-p-value of the restriction (small: the restriction matters)."""


@dataclass(frozen=True, eq=False)
class Box:
    """A box of parameter space: `low[j] <= x[:, j] <= high[j]` for every column j."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    """Share of all points with the outcome that fall in the box."""
    density: float
    """Share of the points in the box that have the outcome."""
    mass: float
    """Share of all points in the box."""
    n: int
    """Points in the box."""
    hits: int
    """Points in the box with the outcome."""
    restrictions: tuple[Restriction, ...] = ()
    """Restricted parameters, most important first."""

    def describe(self, restriction: Restriction, name: str) -> str:
        """`name <= 0.5`, `name >= 2` or `1 <= name <= 2`."""
        r = restriction
        if r.cuts_low and r.cuts_high:
            return f"{r.low:.4g} <= {name} <= {r.high:.4g}"
        return f"{name} >= {r.low:.4g}" if r.cuts_low else f"{name} <= {r.high:.4g}"

    def contains(self, x: np.ndarray) -> np.ndarray:
        """(n,) whether each row of `x` lies in the box."""
        inside: np.ndarray = np.all((x >= self.low) & (x <= self.high), axis=1)
        return inside


def get_quantile(data: np.ndarray, quantile: float) -> float:
    """The sdtoolkit quantile the EMA Workbench's PRIM uses: a midpoint between distinct sorted values,
    so a cut never falls on a data value and ties stay on one side."""
    data = np.sort(np.asarray(data, dtype=np.float64))
    i = (len(data) - 1) * quantile
    lo, hi = math.floor(i), math.ceil(i)
    if quantile > 0.5:
        while data[lo] == data[hi] and lo > 0:
            lo -= 1
    else:
        while data[lo] == data[hi] and hi < len(data) - 1:
            hi += 1
    return float((data[lo] + data[hi]) / 2)


def _objective(y_old: np.ndarray, y_new: np.ndarray) -> float:
    """Gain in mean per point removed or added (the Workbench's LENIENT1)."""
    mean_old = float(y_old.mean())
    mean_new = float(y_new.mean()) if y_new.size else 0.0
    if mean_old == mean_new:
        return 0.0
    return (mean_new - mean_old) / abs(y_old.size - y_new.size)


class _Search:
    """One PRIM search over the points `rows` (the points not yet in an accepted box)."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        rows: np.ndarray,
        alpha: float,
        paste_alpha: float,
        mass_min: float,
    ) -> None:
        self.x, self.y, self.rows = x, y, rows
        self.n = len(y)
        self.alpha, self.paste_alpha, self.mass_min = alpha, paste_alpha, mass_min
        self.init_low, self.init_high = x.min(axis=0), x.max(axis=0)

    def restricted(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        moved: np.ndarray = (low != self.init_low) | (high != self.init_high)
        return moved

    def peel(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The peeling trajectory: (low, high, rows in box) from the whole space on."""
        low, high, inside = self.init_low.copy(), self.init_high.copy(), self.rows
        trajectory = [(low, high, inside)]
        p = self.x.shape[1]
        while True:
            best: tuple[float, int, np.ndarray, np.ndarray, np.ndarray] | None = None
            y_old = self.y[inside]
            for j in range(p):
                xj = self.x[inside, j]
                for side in ("upper", "lower"):
                    cut = get_quantile(xj, 1 - self.alpha if side == "upper" else self.alpha)
                    keep = xj <= cut if side == "upper" else xj >= cut
                    new_low, new_high = low.copy(), high.copy()
                    if side == "upper":
                        new_high[j] = cut
                    else:
                        new_low[j] = cut
                    obj = _objective(y_old, self.y[inside[keep]])
                    free = p - int(self.restricted(new_low, new_high).sum())
                    if best is None or (obj, free) > (best[0], best[1]):
                        best = (obj, free, new_low, new_high, inside[keep])
            assert best is not None
            obj, _, new_low, new_high, new_inside = best
            if new_inside.size / self.n >= self.mass_min and new_inside.size < inside.size and obj > 0:
                low, high, inside = new_low, new_high, new_inside
                trajectory.append((low, high, inside))
            else:
                return trajectory

    def paste(self, low: np.ndarray, high: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, ...]:
        """Widen the box while a slice of one restricted parameter raises its mean."""
        while True:
            res = np.flatnonzero(self.restricted(low, high))
            if res.size == 0:
                return low, high, inside
            xr = self.x[self.rows]
            best: tuple[float, int, np.ndarray, np.ndarray, np.ndarray] | None = None
            for j in res:
                for side in ("lower", "upper"):
                    slab_low, slab_high = low.copy(), high.copy()
                    if side == "lower":
                        slab_low[j], slab_high[j] = self.init_low[j], low[j]
                    else:
                        slab_low[j], slab_high[j] = high[j], self.init_high[j]
                    in_slab = _in(xr, slab_low, slab_high, res)
                    data = xr[in_slab, j]
                    new_low, new_high = low.copy(), high.copy()
                    if side == "lower":
                        new_low[j] = (
                            get_quantile(data, 1 - self.paste_alpha) if data.size else self.init_low[j]
                        )
                    else:
                        new_high[j] = get_quantile(data, self.paste_alpha) if data.size else self.init_high[j]
                    new_inside = self.rows[_in(xr, new_low, new_high, res)]
                    obj = _objective(self.y[inside], self.y[new_inside])
                    free = len(low) - int(self.restricted(new_low, new_high).sum())
                    if best is None or (obj, free) > (best[0], best[1]):
                        best = (obj, free, new_low, new_high, new_inside)
            assert best is not None
            obj, _, new_low, new_high, new_inside = best
            grows = new_inside.size / self.n >= self.mass_min and new_inside.size > inside.size
            if grows and obj > 0 and self.y[new_inside].mean() > self.y[inside].mean():
                low, high, inside = new_low, new_high, new_inside
            else:
                return low, high, inside

    def release(self, low: np.ndarray, high: np.ndarray, j: int) -> np.ndarray:
        """Rows (of the search) in the box with column j's restriction released."""
        others = np.array([c for c in np.flatnonzero(self.restricted(low, high)) if c != j], dtype=np.int64)
        if others.size == 0:
            return self.rows
        kept: np.ndarray = self.rows[_in(self.x[self.rows], low, high, others)]
        return kept

    def prune(
        self, low: np.ndarray, high: np.ndarray, inside: np.ndarray, threshold: float
    ) -> tuple[np.ndarray, ...]:
        """Release restrictions that are not significant (quasi-p above `QP_MAX`) while density holds."""
        while True:
            hits, n = int(self.y[inside].sum()), inside.size
            best: tuple[float, int, np.ndarray] | None = None
            for col in np.flatnonzero(self.restricted(low, high)):
                wider = self.release(low, high, int(col))
                d = float(self.y[wider].mean())
                qp = float(stats.binomtest(hits, n, d, alternative="greater").pvalue)
                if qp > QP_MAX and d >= threshold and (best is None or qp > best[0]):
                    best = (qp, int(col), wider)
            if best is None:
                return low, high, inside
            _, j, inside = best
            low, high = low.copy(), high.copy()
            low[j], high[j] = self.init_low[j], self.init_high[j]


def _in(x: np.ndarray, low: np.ndarray, high: np.ndarray, columns: np.ndarray) -> np.ndarray:
    inside: np.ndarray = np.all((x[:, columns] >= low[columns]) & (x[:, columns] <= high[columns]), axis=1)
    return inside


def find_boxes(
    x: np.ndarray,
    y: np.ndarray,
    *,
    threshold: float = THRESHOLD,
    max_boxes: int = 2,
    alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
    select: str = "coverage",
    prune: bool = True,
) -> list[Box]:
    """Boxes where `y` is mostly true, by covering (see the module docstring); [] when `y` is never true.

    `x` (n, p) design points, `y` (n,) booleans. Each box has density at least `threshold`; the
    first is searched on every point, the next on the points outside the boxes found so far.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool).astype(np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError("x must be (n, p) and y (n,)")
    if select not in ("coverage", "last"):
        raise ValueError("select is 'coverage' or 'last'")
    total = float(y.sum())
    boxes: list[Box] = []
    rows = np.arange(len(y))
    while len(boxes) < max_boxes and rows.size and y[rows].sum() > 0:
        search = _Search(x, y, rows, alpha, paste_alpha, mass_min)
        trajectory = search.peel()
        if select == "last":
            low, high, inside = trajectory[-1]
        else:
            low, high, inside = _choose(trajectory, y, total, threshold)
        low, high, inside = search.paste(low, high, inside)
        if prune:
            low, high, inside = search.prune(low, high, inside, threshold)
        hits = float(y[inside].sum())
        density = hits / inside.size
        if density < threshold:
            break
        boxes.append(_box(search, low, high, inside, total))
        rows = rows[~np.isin(rows, inside)]
    return boxes


def _choose(
    trajectory: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    y: np.ndarray,
    total: float,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The box of highest coverage with density >= threshold, else the densest box."""
    stats_ = [(float(y[r].sum()) / total, float(y[r].mean())) for _, _, r in trajectory]
    ok = [i for i, (_, d) in enumerate(stats_) if d >= threshold]
    if ok:
        i = max(ok, key=lambda i: (stats_[i][0], stats_[i][1]))
    else:
        i = max(range(len(trajectory)), key=lambda i: (stats_[i][1], stats_[i][0]))
    return trajectory[i]


def _box(search: _Search, low: np.ndarray, high: np.ndarray, inside: np.ndarray, total: float) -> Box:
    """The box with its statistics and ranked restrictions."""
    y, n_all = search.y, search.n
    hits = int(y[inside].sum())
    density = hits / inside.size
    res = np.flatnonzero(search.restricted(low, high))
    restrictions = []
    for j in res:
        without = search.release(low, high, int(j))
        d_without = float(y[without].mean())
        qp = float(stats.binomtest(hits, inside.size, d_without, alternative="greater").pvalue)
        cuts = (bool(low[j] != search.init_low[j]), bool(high[j] != search.init_high[j]))
        restrictions.append(Restriction(int(j), float(low[j]), float(high[j]), *cuts, d_without, qp))
    restrictions.sort(key=lambda r: (-(density - r.density_without), r.qp, r.column))
    return Box(
        low=low,
        high=high,
        coverage=hits / total,
        density=density,
        mass=inside.size / n_all,
        n=int(inside.size),
        hits=hits,
        restrictions=tuple(restrictions),
    )
