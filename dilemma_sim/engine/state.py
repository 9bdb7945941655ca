"""The state of a batch of runs between turns, and the name environment expressions read."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np

from dilemma_sim.engine.compile import CHOICE, LEVER, PARAM, STATE, TURN, CompiledScenario
from dilemma_sim.engine.finite import all_finite
from dilemma_sim.engine.sampling import sample_parameters
from dilemma_sim.errors import NonFiniteError


def fortran(a: np.ndarray) -> np.ndarray:
    """`a` with its columns contiguous (engine arrays are column-major: one column per variable)."""
    return np.asfortranarray(a)


@dataclass(frozen=True, eq=False)
class BatchState:
    """N runs between turns. 2-d arrays are column-major so one variable is a contiguous (N,) column."""

    state: np.ndarray
    """(N, S) float64 state variables (counts: the last draw)."""
    levels: np.ndarray
    """(N, L) int64 lever level indices."""
    prev_choices: np.ndarray
    """(N, D) int64 last turn's option indices (-1 before the first turn)."""
    fired_once: np.ndarray
    """(N, E) bool: the event has fired in this run."""
    turn: int
    """The next turn to play (0-based), the same for every run."""
    alive: np.ndarray
    """(N,) bool: the run has not ended."""
    ending: np.ndarray
    """(N,) int64 index into `CompiledScenario.ending_ids` (-1 none yet)."""
    ended_turn: np.ndarray
    """(N,) int64 turn in which the run ended (-1 none yet)."""
    payoff_total: np.ndarray
    """(N, A) undiscounted payoff so far; once a run is over, to the horizon (remaining turns included)."""
    payoff_discounted: np.ndarray
    """(N, A) discounted payoff so far; once a run is over, to the horizon (remaining turns included)."""
    final_utility: np.ndarray
    """(N, A) what a run that is over earns each remaining turn: the utility of its final state and levels,
    counts at 0, no costs (0 while the run goes on)."""
    params: np.ndarray
    """(N, P) per-run sampled parameters."""
    run_index: np.ndarray
    """(N,) int64 global run index (selects the random stream row)."""

    @property
    def n(self) -> int:
        """Number of runs."""
        return int(self.alive.shape[0])

    def take(self, rows: np.ndarray) -> BatchState:
        """The runs at `rows` (indices or a boolean mask), as a new batch."""
        return BatchState(
            state=fortran(self.state[rows]),
            levels=fortran(self.levels[rows]),
            prev_choices=fortran(self.prev_choices[rows]),
            fired_once=fortran(self.fired_once[rows]),
            turn=self.turn,
            alive=self.alive[rows],
            ending=self.ending[rows],
            ended_turn=self.ended_turn[rows],
            payoff_total=fortran(self.payoff_total[rows]),
            payoff_discounted=fortran(self.payoff_discounted[rows]),
            final_utility=fortran(self.final_utility[rows]),
            params=fortran(self.params[rows]),
            run_index=self.run_index[rows],
        )

    def with_params(self, params: np.ndarray) -> BatchState:
        """The same batch with other per-run parameters (N, P)."""
        return replace(self, params=fortran(params))


def init_batch(
    cs: CompiledScenario,
    parameter_uniforms: np.ndarray,
    run_index: np.ndarray,
    fixed: Mapping[int, np.ndarray | float] | None = None,
) -> BatchState:
    """Turn-0 state of N runs from their parameter uniforms (N, P) (see `RunStreams`).

    `fixed` sets parameter columns to given values (a design point) after sampling, before anything
    reads them; the uniforms are drawn all the same, so every other draw stays where it was.
    """
    n = int(parameter_uniforms.shape[0])
    params = sample_parameters([spec for _, spec in cs.param_specs], parameter_uniforms)
    for column, values in (fixed or {}).items():
        params[:, column] = values
    if not all_finite(params):
        k = int(np.flatnonzero(~np.isfinite(params).all(axis=0))[0])
        path = cs.param_specs[k][0]
        raise NonFiniteError(
            f"parameter {path} was sampled as {params[~np.isfinite(params[:, k]), k][0]}", path=path
        ).located(cs.locate(path))
    state = np.empty((n, len(cs.state_names)), order="F")
    for s, value in enumerate(cs.initial):
        state[:, s] = value({}, params)
    if not all_finite(state):
        s = int(np.flatnonzero(~np.isfinite(state).all(axis=0))[0])
        path = f"state.{cs.state_names[s]}.initial"
        raise NonFiniteError(f"{path} is {state[~np.isfinite(state[:, s]), s][0]}", path=path).located(
            cs.locate(path)
        )
    np.clip(state, cs.lows, cs.highs, out=state)
    D, E, A = len(cs.decisions), len(cs.events), len(cs.actors)
    return BatchState(
        state=state,
        levels=fortran(np.broadcast_to(cs.initial_levels, (n, cs.n_levers)).copy()),
        prev_choices=np.full((n, D), -1, dtype=np.int64, order="F"),
        fired_once=np.zeros((n, E), dtype=bool, order="F"),
        turn=0,
        alive=np.ones(n, dtype=bool),
        ending=np.full(n, -1, dtype=np.int64),
        ended_turn=np.full(n, -1, dtype=np.int64),
        payoff_total=np.zeros((n, A), order="F"),
        payoff_discounted=np.zeros((n, A), order="F"),
        final_utility=np.zeros((n, A), order="F"),
        params=params,
        run_index=np.asarray(run_index, dtype=np.int64).reshape(n),
    )


class Env(Mapping[str, "np.ndarray | float"]):
    """Names an expression reads, resolved lazily to (N,) columns; non-state names are cached.

    `choices` is None while deciding: this turn's `actor.decision.option` indicators do not exist yet.
    """

    __slots__ = ("_cache", "_choices", "_cs", "_levels", "_params", "_prev", "_state", "_turn")

    def __init__(
        self,
        cs: CompiledScenario,
        state: np.ndarray,
        levels: np.ndarray,
        choices: np.ndarray | None,
        prev: np.ndarray,
        params: np.ndarray,
        turn: int,
        cache: dict[str, np.ndarray | float] | None = None,
    ) -> None:
        self._cs, self._state, self._levels, self._choices = cs, state, levels, choices
        self._prev, self._params, self._turn = prev, params, turn
        self._cache: dict[str, np.ndarray | float] = {} if cache is None else cache

    def with_state(self, state: np.ndarray) -> Env:
        """The same environment over another state (N, S), sharing the cache of the other names."""
        return Env(
            self._cs, state, self._levels, self._choices, self._prev, self._params, self._turn, self._cache
        )

    def __getitem__(self, name: str) -> np.ndarray | float:
        kind, i, j = self._cs.names[name]
        if kind == STATE:
            return self._state[:, i]
        if kind == TURN:
            return float(self._turn)
        value = self._cache.get(name)
        if value is None:
            if kind == PARAM:
                value = self._cs.param_values[name](self, self._params)
            elif kind == LEVER:
                value = self._levels[:, i].astype(np.float64)
            elif kind == CHOICE:
                if self._choices is None:
                    raise KeyError(f"{name!r}: this turn's choices are not known while deciding")
                value = self._choices[:, i] == j
            else:
                value = self._prev[:, i] == j
            self._cache[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._cs.names)

    def __len__(self) -> int:
        return len(self._cs.names)
