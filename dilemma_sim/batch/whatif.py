"""What if? Which assumptions would change the advisor's recommendation this turn.

The advisor (`engine.advisor.advise`) values each option of the player's decisions from the current
state, with the uncertain parameters drawn afresh per rollout (the player does not know them).
Here the same rollouts are played once per point of a small Latin hypercube over every uncertain
parameter (`batch.uncertainty`, uniform over each range), with the parameters *fixed* at the
point: at each point the best option is what the advisor would recommend if that world were known
to be the true one. Options are then scored like strategies (`batch.regret`) and, for each option
that would replace the recommendation somewhere, PRIM (`batch.prim`) finds the region of
assumptions where it does. Every point uses the same seed: common random numbers across points.

Cancellable: `stop` is checked between points (`Interrupted` when it is set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dilemma_sim.batch import prim, regret
from dilemma_sim.batch.uncertainty import Uncertainty, scenario_uncertainties, to_values, unit_design
from dilemma_sim.engine.advisor import OptionValue, advise, best_options
from dilemma_sim.engine.state import BatchState
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import Interrupted
from dilemma_sim.executor.stop import StopFlag

POINTS = 32
"""Design points of the small study (about a second for pakistan-ttp)."""
ROLLOUTS = 200
"""Rollouts per option and point."""
MIN_HITS = 5
"""An option must win at this many points before PRIM looks for its region."""


@dataclass(frozen=True)
class Alternative:
    """An option that would replace the recommendation in some worlds."""

    option: str
    best_share: float
    """Share of the points where it is the best option."""
    boxes: tuple[prim.Box, ...]
    """Where it is best (PRIM; empty when it wins too rarely or in no simple region)."""


@dataclass(frozen=True, eq=False)
class DecisionWhatIf:
    """One decision: the advisor's recommendation and what would change it."""

    decision: str
    """`actor.decision`."""
    options: tuple[str, ...]
    recommended: str
    """The advisor's best option with the parameters unknown (drawn afresh per rollout)."""
    means: np.ndarray
    """(options, points) value of each option with the parameters fixed at each point."""
    best: np.ndarray
    """(points,) index of the best option at each point."""
    scores: tuple[regret.Scores, ...]
    alternatives: tuple[Alternative, ...]
    """Options other than the recommendation that are best somewhere, most often first."""
    decisive: np.ndarray
    """(P,) share of the winner's impurity each parameter explains."""

    @property
    def holds_share(self) -> float:
        """Share of the points where the recommendation stays the best option."""
        return float(np.mean(self.best == self.options.index(self.recommended)))


@dataclass(frozen=True, eq=False)
class WhatIf:
    """The study for every decision of the player this turn."""

    turn: int
    uncertainties: tuple[Uncertainty, ...]
    points: np.ndarray
    """(K, P) design points."""
    rollouts: int
    decisions: tuple[DecisionWhatIf, ...]


def what_if(
    cs: CompiledScenario,
    state: BatchState,
    actor: str,
    *,
    choices: Mapping[str, str] | None = None,
    seed: int = 0,
    points: int = POINTS,
    rollouts: int = ROLLOUTS,
    stop: StopFlag | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIf:
    """Play the advisor at each design point and compare with its recommendation (see the module)."""
    uncs = scenario_uncertainties(cs)
    columns = [next(i for i, (path, _) in enumerate(cs.param_specs) if path == u.path) for u in uncs]
    values = to_values(uncs, unit_design(len(uncs), points, "lhs", seed), "range")
    baseline = advise(cs, state, actor, rollouts=rollouts, seed=seed, current=choices)
    recommended = {d: v.option for d, v in best_options(baseline).items()}
    per_point: list[list[OptionValue]] = []
    for k, row in enumerate(values):
        if stop is not None and stop.is_set():
            raise Interrupted(f"stopped after {k} of {len(values)} points")
        params = np.array(state.params, dtype=np.float64, copy=True)
        params[:, columns] = row
        fixed = state.with_params(params)
        per_point.append(
            advise(cs, fixed, actor, rollouts=rollouts, seed=seed, current=choices, resample_params=False)
        )
        if progress is not None:
            progress(k + 1, len(values))
    decisions = []
    for key in recommended:
        options = tuple(v.option for v in baseline if v.decision == key)
        means = np.array([[v.mean for v in vals if v.decision == key] for vals in per_point]).T  # (O, K)
        decisions.append(_decision(key, options, recommended[key], means, values))
    return WhatIf(state.turn, uncs, values, rollouts, tuple(decisions))


def _decision(
    key: str, options: tuple[str, ...], recommended: str, means: np.ndarray, x: np.ndarray
) -> DecisionWhatIf:
    best, _ = regret.best_and_regret(means)
    scores = regret.scores(means, 0.0)
    alternatives = []
    for i, option in enumerate(options):
        wins = best == i
        if option == recommended or not wins.any():
            continue
        boxes = prim.find_boxes(x, wins) if int(wins.sum()) >= MIN_HITS else []
        alternatives.append(Alternative(option, float(wins.mean()), tuple(boxes)))
    alternatives.sort(key=lambda a: -a.best_share)
    return DecisionWhatIf(
        key,
        options,
        recommended,
        means,
        best,
        tuple(scores),
        tuple(alternatives),
        regret.decisiveness(x, best),
    )
