"""Checking a scenario against what happened: replay the observed policy path and compare.

`check_scenario` plays the scenario's `observations.followed` strategies over many runs (parameters
sampled from their distributions as usual) and reports, per observed figure, the runs' distribution
of the same statistic over the same turns, where the figure falls in it and a calibration summary
(see `calibration` for the definitions).

`history_match.history_match` keeps the parameter samples consistent with the observations, with
the same targets and the same way of playing (`simulate_targets`).

Every run goes through the executor (`dilemma_sim.executor`): one job per check, reduced in the
worker to the observed statistics (`ObservedStatistics`), so results do not depend on the workers
or chunk sizes and little crosses process boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from dilemma_sim.batch.calibration import (
    ObservationError,
    calibrated_range,
    crps,
    percentile,
    predictive_quantiles,
)
from dilemma_sim.engine import BatchResult, CompiledScenario
from dilemma_sim.engine.simulate import DesignPoints
from dilemma_sim.errors import Interrupted, InvalidInput
from dilemma_sim.executor import Execution, Job, JobRun, StopFlag, assignment
from dilemma_sim.executor.run import SERIAL, Progress
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.observations import turns_of_period

Stat = Literal["total", "end", "mean"]
_TRAJECTORY_CHUNK = 4096
"""Rows per task at most when whole state trajectories are kept (level observations)."""


# --------------------------------------------------------------------------- what is observed


@dataclass(frozen=True)
class Target:
    """An observed figure resolved against the scenario: which column, which turns, which statistic."""

    id: str
    variable: str
    label: str
    """The variable's label, with its unit."""
    kind: Literal["level", "count"]
    stat: Stat
    period: str
    turns: tuple[int, ...]
    error: ObservationError
    source: str


def targets_of(scenario: Scenario) -> tuple[Target, ...]:
    """The scenario's observed figures in file order; InvalidInput when it declares none."""
    obs = scenario.observations
    if obs is None or not obs.data:
        raise InvalidInput(
            f"scenario '{scenario.id}' declares no observations, so there is nothing to check",
            hint="add `observations:` (see docs/format.md, 'Observations and check')",
        )
    out = []
    for obs_id, o in obs.data.items():
        var = scenario.state[o.variable]
        turns = turns_of_period(scenario.calendar, scenario.turns, str(o.period))
        if o.range is not None:
            error = ObservationError("uniform", o.central, low=o.range[0], high=o.range[1])
        elif o.error_sd > 0:
            error = ObservationError("normal", o.central, sd=o.error_sd)
        else:
            error = ObservationError("exact", o.central)
        label = f"{var.label} ({var.unit})" if var.unit else var.label
        stat = o.statistic(var.kind)
        out.append(
            Target(obs_id, o.variable, label, var.kind, stat, str(o.period), tuple(turns), error, o.source)
        )
    return tuple(out)


def followed_policies(scenario: Scenario) -> dict[str, str]:
    """Actor -> strategy id of the observed policy path (the other actors play their `policy:`)."""
    return dict(scenario.observations.followed) if scenario.observations else {}


# --------------------------------------------------------------------------- playing the runs


@dataclass(frozen=True, eq=False)
class ObservedRows:
    """What a task sends back: each target's statistic and the parameters, per row."""

    values: np.ndarray
    """(N, K) each target's statistic."""
    params: np.ndarray
    """(N, P) the rows' parameters."""


@dataclass(frozen=True)
class ObservedStatistics:
    """The executor reduction of `check`: the targets' statistics, computed in the worker."""

    targets: tuple[Target, ...]

    @property
    def needs_turns(self) -> bool:
        """Level observations read the state after each turn."""
        return any(t.kind == "level" for t in self.targets)

    def __call__(self, cs: CompiledScenario, result: BatchResult) -> ObservedRows:
        return ObservedRows(statistics_of(cs, self.targets, result), np.ascontiguousarray(result.params))


def simulate_targets(
    cs: CompiledScenario,
    targets: tuple[Target, ...],
    runs: int,
    seed: int,
    *,
    points: DesignPoints | None = None,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(values (N, K), parameters (N, P)) of every row on the followed path, rows point-major.

    Raises `Interrupted` when stopped before every run finished.
    """
    reduction = ObservedStatistics(targets)
    if reduction.needs_turns:  # whole trajectories per task: keep tasks small
        execution = replace(execution, chunk_runs=min(execution.chunk_runs, _TRAJECTORY_CHUNK))
    policies = assignment(followed_policies(cs.scenario))
    job = Job(cs, seed, runs, policies, points=points, reduction=reduction, label="check")
    values = np.empty((job.rows, len(targets)))
    params = np.empty((job.rows, cs.n_params))
    run = JobRun([job], execution, stop=stop, progress=progress)
    for part in run:
        rows = part.rows()
        values[rows] = part.value.values
        params[rows] = part.value.params
    if not run.complete:
        raise Interrupted(f"stopped after {run.rows_done:,} of {run.rows_total:,} runs")
    return values, params


def statistics_of(cs: CompiledScenario, targets: tuple[Target, ...], result: BatchResult) -> np.ndarray:
    """(N, K) each target's statistic in each run of `result` (a run that ended early counts 0s after)."""
    counts = [cs.state_names[int(i)] for i in cs.count_idx]
    out = np.empty((result.counts_per_turn.shape[0], len(targets)))  # rows: points * runs
    for k, t in enumerate(targets):
        turns = list(t.turns)
        if t.kind == "count":
            series = result.counts_per_turn[:, turns, counts.index(t.variable)]
        else:
            assert result.trajectories is not None
            series = result.trajectories["state"][:, turns, cs.state_names.index(t.variable)]
        if t.stat == "total":
            out[:, k] = series.sum(axis=1)
        elif t.stat == "end":
            out[:, k] = series[:, -1]
        else:
            out[:, k] = series.mean(axis=1)
    return out


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class ObservationCheck:
    """One observed figure against the runs."""

    target: Target
    mean: float
    """Mean of the runs' statistic."""
    p5: float
    p50: float
    p95: float
    interval50: tuple[float, float]
    """Predictive 25-75% (runs plus observation error)."""
    interval90: tuple[float, float]
    """Predictive 5-95% (runs plus observation error)."""
    percentile: float
    """P(run <= true figure), 0-1 (see `calibration`)."""
    crps: float

    @property
    def inside50(self) -> bool:
        """Whether the figure is inside the predictive 50% interval."""
        return 0.25 <= self.percentile <= 0.75

    @property
    def inside90(self) -> bool:
        """Whether the figure is inside the predictive 90% interval."""
        return 0.05 <= self.percentile <= 0.95

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        t = self.target
        return {
            "id": t.id,
            "variable": t.variable,
            "stat": t.stat,
            "period": t.period,
            "turns": [t.turns[0], t.turns[-1]],
            "observed": t.error.value,
            "uncertainty": {
                "kind": t.error.kind,
                "sd": t.error.variance**0.5,
                **({"range": [t.error.low, t.error.high]} if t.error.kind == "uniform" else {}),
            },
            "source": t.source,
            "simulated": {"mean": self.mean, "p5": self.p5, "p50": self.p50, "p95": self.p95},
            "interval50": list(self.interval50),
            "interval90": list(self.interval90),
            "percentile": self.percentile,
            "inside50": self.inside50,
            "inside90": self.inside90,
            "crps": self.crps,
        }


@dataclass(frozen=True)
class Calibration:
    """How many figures fall inside the predictive intervals, against a calibrated model's count."""

    n: int
    inside50: int
    inside90: int
    expected50: float
    expected90: float
    plausible50: tuple[int, int]
    """5-95% range of `inside50` for a calibrated model with independent figures."""
    plausible90: tuple[int, int]
    """5-95% range of `inside90` for a calibrated model with independent figures."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "observations": self.n,
            "inside50": self.inside50,
            "expected50": self.expected50,
            "plausible50": list(self.plausible50),
            "inside90": self.inside90,
            "expected90": self.expected90,
            "plausible90": list(self.plausible90),
        }


@dataclass(frozen=True)
class CheckReport:
    """Every observed figure against the runs of the followed path, and the calibration summary."""

    scenario: str
    hash: str
    runs: int
    seed: int
    followed: dict[str, str]
    observations: tuple[ObservationCheck, ...]
    calibration: Calibration

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "scenario": self.scenario,
            "hash": self.hash,
            "runs": self.runs,
            "seed": self.seed,
            "followed": self.followed,
            "observations": [o.to_json() for o in self.observations],
            "calibration": self.calibration.to_json(),
        }


def compare(cs: CompiledScenario, targets: tuple[Target, ...], values: np.ndarray, seed: int) -> CheckReport:
    """The report of runs' statistics `values` (N, K) against the targets."""
    checks = []
    for k, t in enumerate(targets):
        y = values[:, k]
        p5, p50, p95 = (float(v) for v in np.quantile(y, [0.05, 0.5, 0.95]))
        q = predictive_quantiles(y, t.error, np.array([0.05, 0.25, 0.75, 0.95]))
        checks.append(
            ObservationCheck(
                t,
                float(y.mean()),
                p5,
                p50,
                p95,
                (float(q[1]), float(q[2])),
                (float(q[0]), float(q[3])),
                percentile(y, t.error),
                crps(y, t.error.value),
            )
        )
    n = len(checks)
    calibration = Calibration(
        n,
        sum(c.inside50 for c in checks),
        sum(c.inside90 for c in checks),
        0.5 * n,
        0.9 * n,
        calibrated_range(n, 0.5),
        calibrated_range(n, 0.9),
    )
    followed = followed_policies(cs.scenario)
    return CheckReport(
        cs.scenario_id, cs.scenario_hash, int(values.shape[0]), seed, followed, tuple(checks), calibration
    )


def check_scenario(
    cs: CompiledScenario,
    runs: int = 4000,
    seed: int = 0,
    *,
    execution: Execution = SERIAL,
    stop: StopFlag | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Replay the followed path `runs` times and compare every observed figure with the runs."""
    targets = targets_of(cs.scenario)
    values, _ = simulate_targets(cs, targets, runs, seed, execution=execution, stop=stop, progress=progress)
    return compare(cs, targets, values, seed)
