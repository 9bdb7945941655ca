"""One turn for a batch of runs (steps 2–8 of docs/architecture.md), expected payoffs, and deciding.

Pure functions over arrays: nothing here keeps state or touches a random generator; the turn's
draws come in as `TurnDraws`. Loops run over scenario elements (decisions, events, terms), never
over runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from dilemma_sim.engine.finite import all_finite, diagnose
from dilemma_sim.engine.footprint import profile_piece
from dilemma_sim.engine.outcome import (
    Breakdown,
    evaluate,
    final_utility,
    finish_breakdown,
    lever_utility,
    move_levers,
    state_utility,
)
from dilemma_sim.engine.sampling import TurnDraws
from dilemma_sim.engine.state import BatchState, Env, fortran
from dilemma_sim.engine.tables import CompiledScenario, require_finite
from dilemma_sim.errors import NonFiniteError

__all__ = [
    "DecisionContext",
    "Policy",
    "TurnResult",
    "base_choices",
    "decide",
    "expected_payoffs",
    "expected_profiles",
    "lever_utility",
    "move_levers",
    "remember",
    "response_payoffs",
    "response_profile",
    "stage_payoffs",
    "state_utility",
    "step",
]


@dataclass(frozen=True, eq=False)
class TurnResult:
    """What one turn did to every run.

    Runs already over show -1 choices, no events, 0 counts, and as payoff their final utility (what a
    run that is over earns each remaining turn; their totals already hold it).
    """

    turn: int
    choices: np.ndarray
    """(N, D) option indices (-1 for runs already over)."""
    events: np.ndarray
    """(N, E) bool: fired this turn."""
    counts: np.ndarray
    """(N, C) counts drawn this turn (0 for runs already over)."""
    payoffs: np.ndarray
    """(N, A) payoff this turn (runs already over: their final utility)."""
    state: np.ndarray
    """(N, S) state after the turn."""
    levels: np.ndarray
    """(N, L) lever levels after the turn."""
    ending: np.ndarray
    """(N,) ending reached this turn (-1 none)."""
    batch: BatchState
    """The batch after the turn."""
    breakdown: dict[str, np.ndarray] | None = None
    """Source -> (N, A) contribution to this turn's payoff (when asked for); sums to `payoffs`."""


def step(
    cs: CompiledScenario, batch: BatchState, choices: np.ndarray, draws: TurnDraws, *, breakdown: bool = False
) -> TurnResult:
    """Play one turn (levers, deltas, events, counts, clip, score, endings) with the given choices (N, D)."""
    n, turn = batch.n, batch.turn
    if turn >= cs.turns:
        raise ValueError(f"the scenario has {cs.turns} turns; turn {turn} cannot be played")
    choices = np.asarray(choices, dtype=np.int64)
    if choices.shape != (n, len(cs.decisions)):
        raise ValueError(f"choices must have shape {(n, len(cs.decisions))}, got {choices.shape}")
    choices = fortran(choices)
    n_options = np.array([len(info.option_ids) for info in cs.decisions], dtype=np.int64)
    if ((choices < 0) | (choices >= n_options)).any():
        raise ValueError("choices must be option indices of each decision")
    alive = batch.alive
    lev_new = move_levers(cs, batch.levels, choices)
    env = Env(
        cs,
        batch.state,
        lev_new,
        choices,
        batch.prev_choices,
        batch.params,
        turn,
        counts=batch.choice_counts,
        recent=batch.recent_choices,
    )
    bd = Breakdown(n, len(cs.state_names)) if breakdown else None
    try:
        with np.errstate(all="ignore"):  # non-finite results are caught below, with the value to blame
            x2, x3, pay, fired, drawn = evaluate(
                cs,
                env,
                batch.state,
                batch.levels,
                lev_new,
                choices,
                batch.fired_once,
                batch.params,
                draws,
                bd,
            )
        bad = None if all_finite(x3, pay) else ~(np.isfinite(x3).all(axis=1) & np.isfinite(pay).all(axis=1))
    except NonFiniteError:  # a count rate went wrong: find what made it so
        bad = np.ones(n, dtype=bool)
    if bad is not None:
        raise _blame(cs, batch, lev_new, choices, draws, np.flatnonzero(bad))
    table = None
    if bd is not None:
        table = finish_breakdown(
            cs, bd, batch.state, batch.levels, lev_new, x2, x3, batch.params, alive, batch.final_utility
        )
    shown = choices
    dead = None
    if not alive.all():
        dead = ~alive
        x3[dead] = batch.state[dead]
        lev_new[dead] = batch.levels[dead]
        pay[dead] = 0.0
        fired[dead] = False
        drawn[dead] = 0.0
        shown = choices.copy(order="F")
        shown[dead] = -1
    ending = np.full(n, -1, dtype=np.int64)
    open_ = alive.copy()
    end_env = env.with_state(x3)
    for i, e in enumerate(cs.endings):
        if turn >= e.min_turn and open_.any():
            hit = np.broadcast_to(_condition(e.when(end_env), f"endings.{e.id}.when"), (n,)) & open_
            ending[hit] = i
            open_ &= ~hit
    stopped = None
    if turn < cs.turns - 1 and cs.prob_end > 0 and draws.end is not None:
        # Axelrod's prob_end: after the turn is scored, a run still going stops (ending `horizon`)
        stopped = open_ & (draws.end < cs.prob_end)
        ending[stopped] = len(cs.endings)
        open_ &= ~stopped
    if turn == cs.turns - 1:
        ending[open_] = len(cs.endings)
    ended = ending >= 0
    total = batch.payoff_total + pay
    discounted = batch.payoff_discounted + cs.discount**turn * pay
    final = batch.final_utility
    frozen = ended if stopped is None else ended & ~stopped  # a stopped run earns nothing after
    if turn < cs.turns - 1 and frozen.any():
        # a run that ends keeps earning its final state's utility every remaining turn: added here at
        # once, so totals are final when the run ends
        rows = np.flatnonzero(frozen)
        u = final_utility(cs, x3[rows], lev_new[rows], batch.params[rows])
        final = final.copy(order="F")
        final[rows] = u
        total[rows] += (cs.turns - 1 - turn) * u
        discounted[rows] += sum(cs.discount**t for t in range(turn + 1, cs.turns)) * u
    if dead is not None:
        pay[dead] = batch.final_utility[dead]
    prev = shown if dead is None else fortran(np.where(alive[:, None], choices, batch.prev_choices))
    counts, recent = remember(cs, batch, choices)
    after = BatchState(
        state=x3,
        levels=lev_new,
        prev_choices=prev,
        fired_once=batch.fired_once | fired,
        turn=turn + 1,
        alive=alive & ~ended,
        ending=np.where(ended, ending, batch.ending),
        ended_turn=np.where(ended, turn, batch.ended_turn),
        payoff_total=total,
        payoff_discounted=discounted,
        final_utility=final,
        params=batch.params,
        run_index=batch.run_index,
        choice_counts=counts,
        recent_choices=recent,
    )
    return TurnResult(turn, shown, fired, drawn, pay, x3, lev_new, ending, after, table)


def remember(
    cs: CompiledScenario, batch: BatchState, choices: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The batch's choice counts and ring of recent choices with this turn's choices (N, D) added.

    Only the runs still going choose; new arrays are made (earlier batches stay valid for undo and
    forks), and only when the scenario reads `count.*` or `last(k).*` at all.
    """
    n, alive = batch.n, batch.alive
    counts = batch.choice_counts
    if cs.track_counts:
        width = int(cs.option_offset[-1]) + len(cs.decisions[-1].option_ids)
        counts = np.zeros((n, width), order="F") if counts is None else counts.copy(order="F")
        rows = np.arange(n)
        for d in range(len(cs.decisions)):
            counts[rows, cs.option_offset[d] + choices[:, d]] += alive
    recent = batch.recent_choices
    if cs.history_k:
        shape = (n, cs.history_k, len(cs.decisions))
        recent = np.full(shape, -1, dtype=np.int64, order="F") if recent is None else recent.copy(order="F")
        slot = batch.turn % cs.history_k
        recent[:, slot, :] = np.where(alive[:, None], choices, recent[:, slot, :])
    return counts, recent


def _condition(raw: np.ndarray | float, origin: str) -> np.ndarray:
    """A condition's truth; NaN is not silently true."""
    arr = np.asarray(raw)
    if arr.dtype != np.bool_ and not all_finite(np.asarray(arr, dtype=np.float64)):
        require_finite(arr, origin)
    truth: np.ndarray = arr != 0
    return truth


def _blame(
    cs: CompiledScenario,
    batch: BatchState,
    lev_new: np.ndarray,
    choices: np.ndarray,
    draws: TurnDraws,
    rows: np.ndarray,
) -> NonFiniteError:
    """The error naming the value that went non-finite in this turn on the runs at `rows`."""
    sub = batch.take(rows)
    sub_lev, sub_choices = fortran(lev_new[rows]), fortran(choices[rows])

    def replay() -> tuple[np.ndarray, np.ndarray]:
        env = Env(
            cs,
            sub.state,
            sub_lev,
            sub_choices,
            sub.prev_choices,
            sub.params,
            sub.turn,
            counts=sub.choice_counts,
            recent=sub.recent_choices,
        )
        _, x3, pay, _, _ = evaluate(
            cs,
            env,
            sub.state,
            sub.levels,
            sub_lev,
            sub_choices,
            sub.fired_once,
            sub.params,
            draws.take(rows),
            None,
        )
        return x3, pay

    error = diagnose(cs, batch.turn, sub.run_index, replay)
    return error.located(cs.locate(error.path))


# --------------------------------------------------------------------------- expected payoffs


def base_choices(cs: CompiledScenario, batch: BatchState) -> np.ndarray:
    """(N, D) last turn's choices, the default options before the first turn."""
    return fortran(np.where(batch.prev_choices < 0, cs.defaults, batch.prev_choices))


def response_profile(cs: CompiledScenario, batch: BatchState, decision: int) -> np.ndarray:
    """(N, D) the profile a decision is judged against: others at last turn's choices, own others default."""
    prof = base_choices(cs, batch)
    actor = cs.decisions[decision].actor_index
    for info in cs.decisions:
        if info.actor_index == actor and info.index != decision:
            prof[:, info.index] = info.default
    return prof


def expected_profiles(cs: CompiledScenario, batch: BatchState, profiles: np.ndarray) -> np.ndarray:
    """(N, K, A) expected one-turn payoffs of every actor for K choice profiles per run (N, K, D)."""
    n, k, n_dec = profiles.shape
    rows = np.repeat(np.arange(n), k)
    x, lev = fortran(batch.state[rows]), fortran(batch.levels[rows])
    params, prev = fortran(batch.params[rows]), fortran(batch.prev_choices[rows])
    ch = fortran(profiles.reshape(n * k, n_dec).astype(np.int64))
    lev_new = move_levers(cs, lev, ch)
    fired = batch.fired_once[rows]
    counts = None if batch.choice_counts is None else fortran(batch.choice_counts[rows])
    recent = None if batch.recent_choices is None else fortran(batch.recent_choices[rows])

    def expected() -> np.ndarray:
        env = Env(cs, x, lev_new, ch, prev, params, batch.turn, counts=counts, recent=recent)
        return evaluate(cs, env, x, lev, lev_new, ch, fired, params, None, None)[2]

    try:
        with np.errstate(all="ignore"):
            pay = expected()
        finite = all_finite(pay)
    except NonFiniteError:
        finite = False
    if not finite:  # replay with every value checked: blame the first that went wrong
        error = diagnose(cs, batch.turn, batch.run_index, lambda: (x, expected()), expected_payoffs=True)
        raise error.located(cs.locate(error.path))
    return pay.reshape(n, k, len(cs.actors))


def _actor(cs: CompiledScenario, actor: int | str) -> int:
    return cs.actors.index(actor) if isinstance(actor, str) else int(actor)


def expected_payoffs(
    cs: CompiledScenario, batch: BatchState, actor: int | str, decision_index: int, fixed_choices: np.ndarray
) -> np.ndarray:
    """(N, n_options) expected one-turn payoff of `actor` for each option of one decision.

    The other decisions are at `fixed_choices` (N, D).
    """
    m = len(cs.decisions[decision_index].option_ids)
    prof = np.repeat(np.asarray(fixed_choices)[:, None, :], m, axis=1)
    prof[:, :, decision_index] = np.arange(m)
    return expected_profiles(cs, batch, prof)[:, :, _actor(cs, actor)]


def stage_payoffs(
    cs: CompiledScenario,
    batch: BatchState,
    row: tuple[int | str, int],
    col: tuple[int | str, int],
    base: np.ndarray,
) -> np.ndarray:
    """(N, m, n, 2) expected one-turn payoffs of the row and column actors for every option pair."""
    (ra, rd), (ca, cd) = row, col
    m, k = len(cs.decisions[rd].option_ids), len(cs.decisions[cd].option_ids)
    prof = np.repeat(np.asarray(base)[:, None, :], m * k, axis=1)
    prof[:, :, rd] = np.repeat(np.arange(m), k)
    prof[:, :, cd] = np.tile(np.arange(k), m)
    pay = expected_profiles(cs, batch, prof).reshape(batch.n, m, k, len(cs.actors))
    return np.stack([pay[..., _actor(cs, ra)], pay[..., _actor(cs, ca)]], axis=-1)


# --------------------------------------------------------------------------- deciding


class Policy(Protocol):
    """How one decision is taken: `choose` returns (N,) option indices."""

    @property
    def decision(self) -> int:
        """Index of the decision it takes."""
        ...

    @property
    def needs_payoffs(self) -> bool:
        """Whether `choose` reads the expected payoffs (computed for all such decisions at once)."""
        ...

    def choose(self, ctx: DecisionContext) -> np.ndarray:
        """(N,) option indices for this turn."""
        ...


@dataclass(eq=False)
class DecisionContext:
    """What policies see while deciding one turn."""

    cs: CompiledScenario
    batch: BatchState
    draws: TurnDraws | None
    env: Env
    """State, current levers, `prev.*`, parameters and turn (no this-turn choices)."""
    external: Mapping[int, np.ndarray | int] = field(default_factory=dict)
    """Decision index -> option indices given from outside (a person), (N,) or scalar."""
    payoffs: dict[int, np.ndarray] = field(default_factory=dict)

    def uniform(self, decision: int) -> np.ndarray:
        """(N,) the decision's uniform draw this turn."""
        if self.draws is None:
            raise ValueError("this policy needs the turn's draws")
        return self.draws.uniforms[:, decision]

    def expected(self, decision: int) -> np.ndarray:
        """(N, n_options) expected one-turn payoffs of the decision's actor for each of its options."""
        if decision not in self.payoffs:
            self.payoffs.update(response_payoffs(self.cs, self.batch, [decision]))
        return self.payoffs[decision]


def response_payoffs(
    cs: CompiledScenario, batch: BatchState, decisions: Sequence[int]
) -> dict[int, np.ndarray]:
    """Expected payoffs (N, n_options) of each decision against its response profile.

    Evaluated in pieces of runs whose profiles fit `footprint.PROFILE_BYTES`, so memory does not grow
    with the chunk; a run's numbers do not depend on the piece it is in.
    """
    options = sum(len(cs.decisions[d].option_ids) for d in decisions)
    piece = profile_piece(cs, options)
    if batch.n <= piece:
        return _response_payoffs(cs, batch, decisions)
    parts = [
        _response_payoffs(cs, batch.take(np.arange(lo, min(batch.n, lo + piece))), decisions)
        for lo in range(0, batch.n, piece)
    ]
    return {d: np.concatenate([part[d] for part in parts]) for d in decisions}


def _response_payoffs(
    cs: CompiledScenario, batch: BatchState, decisions: Sequence[int]
) -> dict[int, np.ndarray]:
    profiles, spans = [], []
    at = 0
    for d in decisions:
        m = len(cs.decisions[d].option_ids)
        prof = np.repeat(response_profile(cs, batch, d)[:, None, :], m, axis=1)
        prof[:, :, d] = np.arange(m)
        profiles.append(prof)
        spans.append((d, at, at + m))
        at += m
    pay = expected_profiles(cs, batch, np.concatenate(profiles, axis=1))
    # copies, not views: a view would keep every actor's payoffs of every profile alive (N x K x A)
    return {d: np.ascontiguousarray(pay[:, lo:hi, cs.decisions[d].actor_index]) for d, lo, hi in spans}


def decide(
    cs: CompiledScenario,
    batch: BatchState,
    policies: Sequence[Policy],
    draws: TurnDraws | None,
    external: Mapping[int, np.ndarray | int] | None = None,
) -> np.ndarray:
    """(N, D) every decision taken simultaneously by its policy from the start-of-turn batch."""
    if [p.decision for p in policies] != list(range(len(cs.decisions))):
        raise ValueError("need one policy per decision, in decision order")
    env = Env(
        cs,
        batch.state,
        batch.levels,
        None,
        batch.prev_choices,
        batch.params,
        batch.turn,
        counts=batch.choice_counts,
        recent=batch.recent_choices,
    )
    ctx = DecisionContext(cs, batch, draws, env, dict(external or {}))
    need = [p.decision for p in policies if p.needs_payoffs]
    if need:
        ctx.payoffs.update(response_payoffs(cs, batch, need))
    out = np.empty((batch.n, len(cs.decisions)), dtype=np.int64, order="F")
    for p in policies:
        out[:, p.decision] = p.choose(ctx)
    if cs.noise > 0 and draws is not None and draws.noise is not None:
        tremble(cs, out, draws.noise)
    return out


def tremble(cs: CompiledScenario, choices: np.ndarray, noise: np.ndarray) -> None:
    """Axelrod's noise, in place: each choice (N, D) is replaced with probability `cs.noise` by another of
    its decision's options, picked uniformly from the second half of `noise` (N, 2D)."""
    D = len(cs.decisions)
    m = np.array([len(info.option_ids) for info in cs.decisions], dtype=np.int64)
    flip = (noise[:, :D] < cs.noise) & (m > 1)
    pick = np.minimum((noise[:, D:] * (m - 1)).astype(np.int64), np.maximum(m - 2, 0))
    other = np.where(pick >= choices, pick + 1, pick)
    np.copyto(choices, other, where=flip)
