"""Where an observed figure falls in a simulated distribution, allowing for the figure's own error.

An observation's uncertainty is a distribution of the true figure `T`: normal around `value` with
standard deviation `sd` (or `relative_sd * |value|`), uniform on `range`, or exactly `value` when
`sd: 0`. Everything here compares the runs' values `Y` with `T`:

* percentile (PIT) = P(Y <= T) over the runs and `T`; for an exact figure, ties count half
  (the mid-rank P(Y < v) + P(Y = v) / 2, so a count matched exactly sits mid-distribution);
* predictive quantiles are those of `Y + e`, `e` the observation error centred on 0, so the
  predictive 90% interval is wider than the runs' own 5-95% by the figure's uncertainty; the figure
  is inside it exactly when 0.05 <= PIT <= 0.95 (inside the 50% interval: 0.25 <= PIT <= 0.75);
* CRPS, the continuous ranked probability score of the runs as a forecast of the figure
  (`E|Y - v| - E|Y - Y'| / 2`, in the variable's units; 0 is a perfect point forecast).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

_BISECTIONS = 80


@dataclass(frozen=True)
class ObservationError:
    """The distribution of the true figure around the reported one."""

    kind: Literal["exact", "normal", "uniform"]
    value: float
    """The figure compared (a range's midpoint when no value is given)."""
    sd: float = 0.0
    """`normal`: standard deviation."""
    low: float = 0.0
    """`uniform`: lower bound of the true figure."""
    high: float = 0.0
    """`uniform`: upper bound of the true figure."""

    @property
    def variance(self) -> float:
        """Variance of the true figure around `value`."""
        if self.kind == "uniform":
            return (self.high - self.low) ** 2 / 12.0
        return self.sd**2

    def describe(self) -> str:
        """Short text: `± 3 (sd)`, `range 20-26`, `exact`."""
        if self.kind == "uniform":
            return f"range {self.low:g}-{self.high:g}"
        if self.kind == "normal":
            return f"± {self.sd:.3g} (sd)"
        return "exact"


def percentile(y: np.ndarray, error: ObservationError) -> float:
    """P(Y <= T): the share of runs below the true figure, averaged over its uncertainty."""
    y = np.asarray(y, dtype=np.float64)
    if error.kind == "uniform":
        return float(np.clip((error.high - y) / (error.high - error.low), 0.0, 1.0).mean())
    if error.kind == "normal":
        return float(special.ndtr((error.value - y) / error.sd).mean())
    return float((y < error.value).mean() + 0.5 * (y == error.value).mean())


def predictive_quantiles(y: np.ndarray, error: ObservationError, qs: np.ndarray) -> np.ndarray:
    """Quantiles `qs` of `Y + e` (the runs plus the observation error), by bisection on its CDF."""
    y = np.asarray(y, dtype=np.float64)
    qs = np.asarray(qs, dtype=np.float64)
    if error.kind == "exact":
        exact: np.ndarray = np.quantile(y, qs)
        return exact
    if error.kind == "normal":
        spread = 8.0 * error.sd

        def cdf(x: float) -> float:
            return float(special.ndtr((x - y) / error.sd).mean())
    else:
        half = (error.high - error.low) / 2.0
        spread = half

        def cdf(x: float) -> float:
            return float(np.clip((x - y + half) / (2.0 * half), 0.0, 1.0).mean())

    out = np.empty_like(qs)
    for i, q in enumerate(qs):
        lo, hi = float(y.min()) - spread, float(y.max()) + spread
        for _ in range(_BISECTIONS):
            mid = (lo + hi) / 2.0
            lo, hi = (mid, hi) if cdf(mid) < q else (lo, mid)
        out[i] = (lo + hi) / 2.0
    return out


def crps(y: np.ndarray, value: float) -> float:
    """Ensemble CRPS of the runs `y` as a forecast of `value`: E|Y - v| - E|Y - Y'| / 2."""
    ys = np.sort(np.asarray(y, dtype=np.float64))
    n = ys.size
    spread = 2.0 * float(np.dot(2.0 * np.arange(1, n + 1) - n - 1, ys)) / (n * n)
    return float(np.abs(ys - value).mean()) - 0.5 * spread


def calibrated_range(n: int, p: float) -> tuple[int, int]:
    """5-95% range of how many of `n` independent figures a calibrated model puts in its p-interval."""
    lo, hi = stats.binom.ppf(np.array([0.05, 0.95]), n, p)
    return int(lo), int(hi)
