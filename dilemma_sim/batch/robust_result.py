"""The typed, frozen result of a robustness study, its JSON document and its per-point rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.batch.layout import Layout, param_column
from dilemma_sim.batch.prim import Box
from dilemma_sim.batch.regret import HIGH_PERCENTILE, LOW_PERCENTILE, Scores
from dilemma_sim.batch.sensitivity import SobolIndices
from dilemma_sim.batch.uncertainty import Uncertainty

TOLERANCE_RULES = {
    "pooled": "root mean square of the 95% CI half-widths of the paired differences to each point's best",
    "given": "given with --tolerance",
}


@dataclass(frozen=True)
class PointLayout(Layout):
    """The columns of the per-point rows (`RobustResult.point_columns`), for `outputs.RunWriter`."""

    names: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        return list(self.names)


def point_layout(names: list[str]) -> PointLayout:
    """A writer layout for rows with exactly these columns."""
    return PointLayout((), (), (), (), (), tuple(names))


@dataclass(frozen=True, eq=False)
class Discovery:
    """Where one strategy's outcome of interest holds: PRIM boxes over the design points."""

    points: int
    """Design points with the outcome (best there, or the ending above its share)."""
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's scores and regions."""

    id: str
    label: str
    builtin: bool
    scores: Scores
    discovery: Discovery


@dataclass(frozen=True, eq=False)
class EndingShares:
    """With `--where ENDING`: the share of runs ending so, per strategy and point."""

    ending: str
    threshold: float
    """A point counts when the share is above this."""
    shares: np.ndarray
    """(E, K)."""


@dataclass(frozen=True, eq=False)
class SobolStudy:
    """Sobol indices on a Saltelli design: per strategy, of its mean payoff and of its regret."""

    values: np.ndarray
    """(N * (P + 2), P) the Saltelli points in parameter units, in SALib's order."""
    payoff: tuple[SobolIndices, ...]
    regret: tuple[SobolIndices, ...]

    @property
    def points(self) -> int:
        return len(self.values)


@dataclass(frozen=True, eq=False)
class RobustResult:
    """Every strategy's per-point means over a design, and what they say (docs/robust.md)."""

    scenario: str
    scenario_hash: str
    player: str
    player_name: str
    seed: int
    runs: int
    design: str
    space: str
    uncertainties: tuple[Uncertainty, ...]
    points: np.ndarray
    """(K, P) design points, columns in `uncertainties` order."""
    strategies: tuple[StrategyResult, ...]
    means: np.ndarray
    """(E, K) the player's mean total payoff per strategy and point."""
    half: np.ndarray
    """(E, K) 95% CI half-width of each mean."""
    regret: np.ndarray
    """(E, K) best mean at the point minus the strategy's."""
    regret_half: np.ndarray
    """(E, K) 95% CI half-width of the paired difference to the point's best strategy."""
    best: np.ndarray
    """(K,) index of the best strategy at each point."""
    tolerance: float
    tolerance_rule: str
    """`pooled` or `given` (TOLERANCE_RULES)."""
    decisive: np.ndarray
    """(P,) share of the winner's impurity each parameter explains (`regret.decisiveness`)."""
    ending: EndingShares | None = None
    sobol: SobolStudy | None = None

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.strategies]

    def ranked_parameters(self) -> list[int]:
        """Parameter columns, most decisive first."""
        return sorted(range(len(self.uncertainties)), key=lambda j: (-float(self.decisive[j]), j))

    def most_robust(self) -> dict[str, str]:
        """The leading strategy by each metric (ties: the first in order)."""
        sc = [s.scores for s in self.strategies]

        def lead(values: list[float], low: bool = False) -> str:
            i = int(np.argmin(values) if low else np.argmax(values))
            return self.strategies[i].id

        return {
            "mean": lead([s.mean for s in sc]),
            "worst": lead([s.worst for s in sc]),
            f"p{LOW_PERCENTILE:g}": lead([s.low for s in sc]),
            "max_regret": lead([s.max_regret for s in sc], low=True),
            f"p{HIGH_PERCENTILE:g}_regret": lead([s.high_regret for s in sc], low=True),
            "best_share": lead([s.best_share for s in sc]),
            "within_tolerance_share": lead([s.within_share for s in sc]),
        }

    def box_json(self, box: Box) -> dict[str, Any]:
        """A PRIM box with its limits named by path."""
        return {
            "coverage": box.coverage,
            "density": box.density,
            "mass": box.mass,
            "points": box.n,
            "hits": box.hits,
            "limits": [
                {
                    "path": self.uncertainties[r.column].path,
                    "low": r.low if r.cuts_low else None,
                    "high": r.high if r.cuts_high else None,
                    "rule": box.describe(r, self.uncertainties[r.column].path),
                    "density_without": r.density_without,
                    "qp": r.qp,
                }
                for r in box.restrictions
            ],
        }

    def target(self) -> str:
        """What the discovery boxes enclose, for people."""
        if self.ending is None:
            return "where each strategy is the best"
        return (
            f"where {self.ending.ending} ends more than {self.ending.threshold:.0%} of each strategy's runs"
        )

    def to_json(self) -> dict[str, Any]:
        """One JSON-ready document (per-point values are in `point_columns`)."""
        doc: dict[str, Any] = {
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "player": self.player,
            "seed": self.seed,
            "runs": self.runs,
            "samples": len(self.points),
            "design": self.design,
            "space": self.space,
            "measure": "mean total payoff of the player per design point",
            "uncertainties": [
                {
                    "path": u.path,
                    "low": u.low,
                    "high": u.high,
                    "distribution": None if u.dist is None else u.dist.dist,
                }
                for u in self.uncertainties
            ],
            "tolerance": {"value": self.tolerance, "rule": TOLERANCE_RULES[self.tolerance_rule]},
            "strategies": [],
            "most_robust": self.most_robust(),
            "decisive": [
                {"path": self.uncertainties[j].path, "winner_share_explained": float(self.decisive[j])}
                for j in self.ranked_parameters()
            ],
            "discovery_target": self.target(),
            "ending": None,
            "sobol": None,
        }
        for e, s in enumerate(self.strategies):
            sc = s.scores
            entry: dict[str, Any] = {
                "id": s.id,
                "label": s.label,
                "builtin": s.builtin,
                "mean": sc.mean,
                "worst": sc.worst,
                f"p{LOW_PERCENTILE:g}": sc.low,
                "mean_regret": sc.mean_regret,
                "max_regret": sc.max_regret,
                f"p{HIGH_PERCENTILE:g}_regret": sc.high_regret,
                "best_share": sc.best_share,
                "within_tolerance_share": sc.within_share,
                "discovery": {
                    "points": s.discovery.points,
                    "boxes": [self.box_json(b) for b in s.discovery.boxes],
                },
            }
            if self.ending is not None:
                sh = self.ending.shares[e]
                entry["ending_share_mean"] = float(sh.mean())
                entry["ending_points_share"] = float(np.mean(sh > self.ending.threshold))
            doc["strategies"].append(entry)
        if self.ending is not None:
            doc["ending"] = {"id": self.ending.ending, "threshold": self.ending.threshold}
        if self.sobol is not None:
            doc["sobol"] = {
                "points": self.sobol.points,
                "design": "Saltelli (SALib.sample.sobol, first and total order)",
                "payoff": {
                    s.id: ix.to_json() for s, ix in zip(self.strategies, self.sobol.payoff, strict=True)
                },
                "regret": {
                    s.id: ix.to_json() for s, ix in zip(self.strategies, self.sobol.regret, strict=True)
                },
            }
        return doc

    def point_columns(self) -> dict[str, np.ndarray]:
        """Per-point rows, one per (point, strategy), point-major: name -> column."""
        k, e = len(self.points), len(self.strategies)
        cols: dict[str, np.ndarray] = {"point": np.repeat(np.arange(k, dtype=np.int64), e)}
        for j, u in enumerate(self.uncertainties):
            cols[param_column(u.path)] = np.repeat(self.points[:, j], e)
        cols["strategy"] = np.array(self.ids * k, dtype=object)
        cols["mean"] = self.means.T.ravel()
        cols["ci95"] = self.half.T.ravel()
        cols["regret"] = self.regret.T.ravel()
        cols["regret_ci95"] = self.regret_half.T.ravel()
        cols["best"] = (self.best[:, None] == np.arange(e)[None, :]).ravel().astype(np.int64)
        cols["within_tolerance"] = (self.tolerance >= self.regret.T).ravel().astype(np.int64)
        if self.ending is not None:
            cols["ending_share"] = self.ending.shares.T.ravel()
        return cols
