"""Running turns: the `Simulation` wrapper for interactive play, and `run_chunk`, one chunk of a batch.

A chunk of runs is fully described by `(first_run, runs)` (and optional design points); its result
depends only on the scenario, the seed, the policies and those run indices, so chunks can be
computed in any order, by any worker, and concatenated. Planning chunks and running many of them
is the executor's work (`dilemma_sim.executor`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dilemma_sim.engine.compile import CompiledScenario
from dilemma_sim.engine.policies import PolicyOverrides, build_policies
from dilemma_sim.engine.sampling import RunStreams, TurnDraws, sample_parameters
from dilemma_sim.engine.state import BatchState, init_batch
from dilemma_sim.engine.step import Policy, TurnResult, decide, step

Policies = Sequence[Policy] | PolicyOverrides | None
"""Compiled policies (one per decision), or strategy overrides by actor (see `build_policies`)."""


def resolve_policies(
    cs: CompiledScenario, policies: Policies, human: str | Sequence[str] | None = None
) -> tuple[Policy, ...]:
    """Compiled policies from either form; `human` (one actor or several) makes those actors'
    decisions external choices."""
    if policies is None or isinstance(policies, Mapping):
        overrides = dict(policies or {})
        for actor in [human] if isinstance(human, str) else list(human or ()):
            overrides[actor] = "human"
        return build_policies(cs, overrides)
    if human is not None:
        raise ValueError("give `human` with strategy overrides, not with compiled policies")
    return tuple(policies)


def event_slots(cs: CompiledScenario, events: Sequence[str]) -> list[int]:
    """The uniform slots of the named events (ValueError for an unknown id)."""
    ids = [e.id for e in cs.events]
    unknown = [e for e in events if e not in ids]
    if unknown:
        raise ValueError(f"unknown event {unknown[0]!r} (events: {', '.join(ids)})")
    return [cs.event_slot(ids.index(e)) for e in events]


def start(cs: CompiledScenario, seed: int, first_run: int, runs: int) -> tuple[RunStreams, BatchState]:
    """The random streams and the turn-0 batch of runs `first_run .. first_run + runs - 1`."""
    streams = RunStreams(seed, first_run, runs, cs.n_params, cs.n_uniform, cs.n_normal, cs.n_end, cs.n_noise)
    run_index = np.arange(first_run, first_run + runs, dtype=np.int64)
    return streams, init_batch(cs, streams.parameter_uniforms, run_index)


class Simulation:
    """A stateful batch of runs advanced one turn at a time (N=1 is interactive play)."""

    def __init__(
        self,
        cs: CompiledScenario,
        runs: int = 1,
        seed: int = 0,
        first_run: int = 0,
        policies: Policies = None,
        human: str | Sequence[str] | None = None,
        *,
        breakdown: bool | None = None,
        start: BatchState | None = None,
    ) -> None:
        """`start` continues from a given batch of `runs` runs (its turn included) instead of turn 0."""
        self.cs = cs
        self.seed, self.first_run, self.runs = int(seed), int(first_run), int(runs)
        self.human = human
        self.policies = resolve_policies(cs, policies, human)
        self.breakdown = runs == 1 if breakdown is None else breakdown
        self._streams = self._new_streams()
        if start is None:
            run_index = np.arange(self.first_run, self.first_run + self.runs, dtype=np.int64)
            start = init_batch(cs, self._streams.parameter_uniforms, run_index)
        elif start.n != self.runs:
            raise ValueError(f"start has {start.n} runs, not {self.runs}")
        self._start = start
        self.state: BatchState = self._start
        """The batch now (between turns)."""
        self.history: list[TurnResult] = []
        """One result per turn played."""
        self.choices_made: list[np.ndarray] = []
        """(N, D) choices of each turn played."""
        self.forced_made: list[tuple[str, ...]] = []
        """Event ids forced in each turn played (see `advance`)."""

    @property
    def done(self) -> bool:
        """Whether every run has ended."""
        return self.state.turn >= self.cs.turns or not bool(self.state.alive.any())

    def external(self, choices: Mapping[str, str] | None) -> dict[int, int]:
        """Decision index -> option index from `{"actor.decision": option_id}`."""
        out: dict[int, int] = {}
        for key, option in (choices or {}).items():
            if key not in self.cs.decision_index:
                raise KeyError(f"unknown decision {key!r} (decisions: {', '.join(self.cs.decision_index)})")
            d = self.cs.decision_index[key]
            ids = self.cs.decisions[d].option_ids
            if option not in ids:
                raise ValueError(f"{key}: unknown option {option!r} (options: {', '.join(ids)})")
            out[d] = ids.index(option)
        return out

    def advance(
        self, external_choices: Mapping[str, str] | None = None, force: Sequence[str] = ()
    ) -> TurnResult:
        """Play one turn; `external_choices` ({"actor.decision": option}) override the policies this turn.

        `force` names events that fire this turn whatever their probability (a facilitator's hand),
        except `once` events that already fired; see `TurnDraws.forcing`.
        """
        if self.done:
            raise RuntimeError("the simulation is over")
        draws = self._streams.draw_turn()
        choices = decide(self.cs, self.state, self.policies, draws, self.external(external_choices))
        return self._play(choices, draws, tuple(force))

    def _play(self, choices: np.ndarray, draws: TurnDraws, force: tuple[str, ...] = ()) -> TurnResult:
        draws = draws.forcing(event_slots(self.cs, force))
        result = step(self.cs, self.state, choices, draws, breakdown=self.breakdown)
        self.state = result.batch
        self.history.append(result)
        self.choices_made.append(choices)
        self.forced_made.append(force)
        return result

    def undo(self) -> None:
        """Take back the last turn by replaying the earlier choices from the start (deterministic)."""
        if not self.choices_made:
            return
        made, forced = self.choices_made[:-1], self.forced_made[:-1]
        self._restart()
        for choices, force in zip(made, forced, strict=True):
            self._play(choices, self._streams.draw_turn(), force)

    def _new_streams(self) -> RunStreams:
        cs = self.cs
        return RunStreams(
            self.seed, self.first_run, self.runs, cs.n_params, cs.n_uniform, cs.n_normal, cs.n_end, cs.n_noise
        )

    def _restart(self) -> None:
        self._streams = self._new_streams()
        self.state, self.history, self.choices_made, self.forced_made = self._start, [], [], []

    def snapshot(self) -> BatchState:
        """The batch now (immutable arrays are shared; treat it as read-only)."""
        return self.state

    def fork(
        self,
        runs: int,
        *,
        run: int = 0,
        seed: int | None = None,
        policies: Policies = None,
        resample_params: bool = False,
    ) -> Simulation:
        """`runs` continuations of run `run` from now, on fresh streams (for the advisor).

        The fork's streams use `seed` (default: derived from this seed, run index and turn); its
        parameters are the run's own unless `resample_params`, which draws them anew per fork run.
        """
        src = self.state.take(np.full(runs, run))
        if seed is None:
            entropy = [self.seed, int(self.state.run_index[run]), self.state.turn, 0xF0C]
            seed = int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))
        src = replace(src, run_index=np.arange(runs, dtype=np.int64))
        if resample_params:
            uniforms = RunStreams(seed, 0, runs, self.cs.n_params, 0, 0).parameter_uniforms
            src = src.with_params(sample_parameters([spec for _, spec in self.cs.param_specs], uniforms))
        pols = self.policies if policies is None else resolve_policies(self.cs, policies)
        return Simulation(self.cs, runs, seed, 0, pols, breakdown=False, start=src)


# --------------------------------------------------------------------------- chunks of runs


@dataclass(frozen=True, eq=False)
class DesignPoints:
    """Design points that fix some parameter columns: every point plays the same runs.

    Row `k * runs + i` of a chunk played at these points is run `first_run + i` at point `k`: the
    same random draws at every point (common random numbers), only the fixed columns differ.
    """

    columns: tuple[int, ...]
    """Parameter columns (indices into `CompiledScenario.param_specs`) the points fix."""
    values: np.ndarray
    """(K, len(columns)) the value of each fixed column at each point."""

    @property
    def count(self) -> int:
        """Number of points (K)."""
        return int(self.values.shape[0])


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Per-run outcomes of runs `first_run .. first_run + runs - 1`, at one or more design points.

    Arrays have one row per (point, run), point-major: `points * runs` rows.
    """

    first_run: int
    runs: int
    totals: np.ndarray
    """(N, A) undiscounted payoff totals to the horizon (a run that ended earns its final utility after)."""
    discounted: np.ndarray
    """(N, A) discounted payoff totals, likewise."""
    final_state: np.ndarray
    """(N, S)."""
    final_levels: np.ndarray
    """(N, L)."""
    counts_per_turn: np.ndarray
    """(N, T, C) counts drawn each turn (0 after a run ended)."""
    endings: np.ndarray
    """(N,) index into `ending_ids`."""
    ended_turn: np.ndarray
    """(N,) turn in which each run ended."""
    params: np.ndarray
    """(N, P) sampled parameters (fixed columns at their point's value)."""
    trajectories: dict[str, np.ndarray] | None = None
    """With `collect_turns`: `state` (N,T,S), `levels` (N,T,L), `choices` (N,T,D), `events` (N,T,E),
    `payoffs` (N,T,A) after each turn (after a run ended: its final state, -1 choices, its final utility)."""
    points: int = 1
    """Design points played (rows are `points * runs`)."""


TRAJECTORY_FIELDS = ("state", "levels", "choices", "events", "payoffs")
RESULT_FIELDS = (
    "totals",
    "discounted",
    "final_state",
    "final_levels",
    "counts_per_turn",
    "endings",
    "ended_turn",
    "params",
)
"""The per-row arrays of a `BatchResult` (its `trajectories` aside)."""


class _Replicated:
    """The streams of a run range, repeated for each design point (rows point-major)."""

    def __init__(self, streams: RunStreams, points: int) -> None:
        self._streams, self._points = streams, points
        self.parameter_uniforms = _tile(streams.parameter_uniforms, points)

    def draw_turn(self) -> TurnDraws:
        draws = self._streams.draw_turn()
        end = None if draws.end is None else np.tile(draws.end, self._points)
        noise = None if draws.noise is None else _tile(draws.noise, self._points)
        return TurnDraws(_tile(draws.uniforms, self._points), _tile(draws.normals, self._points), end, noise)


def _tile(a: np.ndarray, k: int) -> np.ndarray:
    return a if k == 1 else np.asfortranarray(np.concatenate([a] * k))


def run_chunk(
    cs: CompiledScenario,
    first_run: int,
    runs: int,
    seed: int,
    policies: Policies = None,
    *,
    collect_turns: bool = False,
    points: DesignPoints | None = None,
) -> BatchResult:
    """Play runs `first_run .. first_run + runs - 1` to the end (at each of `points`, if given).

    The one way the engine plays a batch: executors split work into such chunks, aligned on the
    random streams' blocks, and a run's numbers never depend on the chunk it is in.
    """
    pols = resolve_policies(cs, policies)
    k = 1 if points is None else points.count
    own = RunStreams(seed, first_run, runs, cs.n_params, cs.n_uniform, cs.n_normal, cs.n_end, cs.n_noise)
    streams: RunStreams | _Replicated = own if k == 1 else _Replicated(own, k)
    run_index = np.tile(np.arange(first_run, first_run + runs, dtype=np.int64), k)
    fixed = None
    if points is not None:
        fixed = {c: np.repeat(points.values[:, j], runs) for j, c in enumerate(points.columns)}
    batch = init_batch(cs, streams.parameter_uniforms, run_index, fixed)
    n = k * runs
    T = cs.turns
    counts = np.zeros((n, T, len(cs.counts)))
    traj: dict[str, np.ndarray] = {}
    if collect_turns:
        traj = {
            "state": np.repeat(batch.state[:, None, :], T, axis=1),
            "levels": np.repeat(batch.levels[:, None, :], T, axis=1),
            "choices": np.full((n, T, len(cs.decisions)), -1, dtype=np.int64),
            "events": np.zeros((n, T, len(cs.events)), dtype=bool),
            "payoffs": np.zeros((n, T, len(cs.actors))),
        }
    for t in range(T):
        live = np.flatnonzero(batch.alive)
        if live.size == 0:
            if collect_turns:
                traj["state"][:, t:] = batch.state[:, None, :]
                traj["levels"][:, t:] = batch.levels[:, None, :]
                traj["payoffs"][:, t:] = batch.final_utility[:, None, :]
            break
        draws = streams.draw_turn()
        if live.size < 0.75 * n:  # step only the runs still going
            sub = batch.take(live)
            sub_draws = draws.take(live)
            res = step(cs, sub, decide(cs, sub, pols, sub_draws), sub_draws)
            batch = merge_rows(batch, live, res.batch)
            rows: np.ndarray | slice = live
        else:
            res = step(cs, batch, decide(cs, batch, pols, draws), draws)
            batch, rows = res.batch, slice(None)
        counts[rows, t] = res.counts
        if collect_turns:
            if isinstance(rows, np.ndarray):  # the runs not stepped are over: they earn their final utility
                traj["payoffs"][:, t] = batch.final_utility
            for name, value in zip(
                TRAJECTORY_FIELDS, (res.state, res.levels, res.choices, res.events, res.payoffs), strict=True
            ):
                traj[name][rows, t] = value
            if isinstance(rows, np.ndarray):
                traj["state"][:, t] = batch.state
                traj["levels"][:, t] = batch.levels
    return BatchResult(
        first_run=first_run,
        runs=runs,
        totals=batch.payoff_total,
        discounted=batch.payoff_discounted,
        final_state=batch.state,
        final_levels=batch.levels,
        counts_per_turn=counts,
        endings=batch.ending,
        ended_turn=batch.ended_turn,
        params=batch.params,
        trajectories=traj if collect_turns else None,
        points=k,
    )


def merge_rows(full: BatchState, rows: np.ndarray, part: BatchState) -> BatchState:
    """`full` with the runs at `rows` replaced by `part` (one turn later)."""
    fields = {}
    for name in (
        "state",
        "levels",
        "prev_choices",
        "fired_once",
        "alive",
        "ending",
        "ended_turn",
        "payoff_total",
        "payoff_discounted",
        "final_utility",
    ):
        arr = getattr(full, name).copy(order="K")
        arr[rows] = getattr(part, name)
        fields[name] = arr
    history = {}
    for name in ("choice_counts", "recent_choices"):  # None until something is remembered
        new = getattr(part, name)
        if new is not None:
            old = getattr(full, name)
            empty = 0 if name == "choice_counts" else -1  # nothing counted, no choice remembered
            shape = (full.n, *new.shape[1:])
            arr = np.full(shape, empty, dtype=new.dtype, order="F") if old is None else old.copy(order="K")
            arr[rows] = new
            history[name] = arr
    return BatchState(turn=part.turn, params=full.params, run_index=full.run_index, **fields, **history)
