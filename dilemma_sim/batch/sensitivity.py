"""Global sensitivity: Sobol indices (first order and total, with confidence intervals) via SALib.

Sobol indices split the variance of an output over independent inputs: the first-order index S1
of a parameter is the share of the variance its value alone explains; the total index ST adds
every interaction it takes part in, so `1 - ST` is the share that would remain if it were known
exactly. They need their own design: Saltelli's scheme (`SALib.sample.sobol.sample`, without
second-order terms) draws N base points from a scrambled Sobol sequence and builds N * (p + 2)
points in the unit cube; `SALib.analyze.sobol.analyze` estimates the indices and bootstrap
confidence intervals from the outputs at those points, in that order.

Here the design is made in the unit cube and mapped to parameter values by the caller (see
`batch.uncertainty`), so the indices are those of the output under the design's measure (uniform
over each range, or the scenario's own distributions). SALib is an optional dependency
(`pip install 'dilemma-sim[robust]'`): a clear `MissingDependency` says so when it is absent.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.errors import MissingDependency
from dilemma_sim.executor.stats import CONFIDENCE

RESAMPLES = 200
"""Bootstrap resamples behind each confidence interval."""


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """Sobol indices of one output over `names`, in that order."""

    names: tuple[str, ...]
    s1: np.ndarray
    s1_conf: np.ndarray
    """Half-width of the `CONFIDENCE` interval of S1 (bootstrap)."""
    st: np.ndarray
    st_conf: np.ndarray

    def to_json(self) -> list[dict[str, Any]]:
        """One entry per parameter, largest total index first."""
        order = np.argsort(-np.nan_to_num(self.st, nan=-np.inf), kind="stable")
        return [
            {
                "path": self.names[j],
                "S1": float(self.s1[j]),
                "S1_conf": float(self.s1_conf[j]),
                "ST": float(self.st[j]),
                "ST_conf": float(self.st_conf[j]),
            }
            for j in order
        ]


def _salib() -> tuple[Any, Any]:
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ModuleNotFoundError:
        raise MissingDependency("SALib", "robust", "Sobol indices (--sobol)") from None
    return sample, analyze


def _problem(k: int) -> dict[str, Any]:
    return {"num_vars": k, "names": [f"x{j}" for j in range(k)], "bounds": [[0.0, 1.0]] * k}


def saltelli_base(n: int) -> int:
    """N rounded up to a power of two (Sobol sequences keep their balance only then), at least 8."""
    return max(8, int(2 ** math.ceil(math.log2(max(1, n)))))


def saltelli_unit(k: int, base: int, seed: int) -> np.ndarray:
    """Saltelli's design in the unit cube: (base * (k + 2), k) points, first-order and total only."""
    if k < 1:
        raise ValueError("Sobol indices need at least one parameter")
    sample, _ = _salib()
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # SALib warns when N is not a power of two: saltelli_base makes it one
        unit = sample.sample(
            _problem(k), saltelli_base(base), calc_second_order=False, scramble=True, seed=seed
        )
    return np.asarray(unit, dtype=np.float64)


def sobol_indices(names: tuple[str, ...], y: np.ndarray, seed: int = 0) -> SobolIndices:
    """Indices of the output `y` (one value per point of `saltelli_unit`, in its order)."""
    _, analyze = _salib()
    y = np.asarray(y, dtype=np.float64)
    k = len(names)
    if y.ndim != 1 or y.size % (k + 2):
        raise ValueError(f"expected N * {k + 2} outputs of a Saltelli design, got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("Sobol indices of an output with non-finite values")
    if float(np.ptp(y)) == 0.0:  # a constant output: no variance to split (SALib would divide by zero)
        zero = np.zeros(k)
        return SobolIndices(names, zero, zero.copy(), zero.copy(), zero.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = analyze.analyze(
            _problem(k),
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            print_to_console=False,
            seed=seed,
        )
    return SobolIndices(
        names,
        np.asarray(si["S1"], dtype=np.float64),
        np.asarray(si["S1_conf"], dtype=np.float64),
        np.asarray(si["ST"], dtype=np.float64),
        np.asarray(si["ST_conf"], dtype=np.float64),
    )
