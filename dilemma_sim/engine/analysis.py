"""Stage games: the player's choice decisions against each counterpart's, as bimatrix games.

At a turn's start-of-turn state, every decision not in the game is set by its policy; the row
decision (the player's) and the column decision (another actor's) range over their options, and
each cell holds the two actors' *expected one-turn payoffs* (`step.stage_payoffs`: noise at its
mean, events weighted by their probability, counts at their rate), averaged over runs that differ
in their sampled parameters. Each game is then analysed by `engine.games`: Nash equilibria,
dominance, Pareto-optimal cells, the logit QRE and, for 2x2 games, the classic type.

The state at turn T is reached by playing everyone's default policies for T turns from a fixed
seed, so the same arguments always give the same games.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dilemma_sim.engine import games
from dilemma_sim.engine import normal_form as nf
from dilemma_sim.engine.compile import CompiledScenario, DecisionInfo
from dilemma_sim.engine.game_types import classify_2x2
from dilemma_sim.engine.policies import PolicyOverrides, build_policies
from dilemma_sim.engine.sampling import TurnDraws
from dilemma_sim.engine.simulate import Simulation
from dilemma_sim.engine.state import BatchState, fortran
from dilemma_sim.engine.step import decide, expected_profiles, stage_payoffs

QRE_RATIONALITY = 10.0
"""Rationality of the reported logit QRE (payoffs are scaled to [0, 1] per player first)."""
STATE_RUNS = 256
"""Runs whose states (and sampled parameters) the expected payoffs are averaged over."""


@dataclass(frozen=True)
class StageGame:
    """One bimatrix game: the row actor's decision against the column actor's."""

    turn: int
    row_actor: str
    col_actor: str
    row_decision: str
    col_decision: str
    row_options: tuple[str, ...]
    col_options: tuple[str, ...]
    row_payoffs: np.ndarray
    """(m, n) expected one-turn payoff of the row actor."""
    col_payoffs: np.ndarray
    """(m, n) expected one-turn payoff of the column actor."""
    equilibria: list[games.Equilibrium]
    dominant_row: str | None
    """The row option that weakly dominates every other, if any."""
    dominant_col: str | None
    dominated: list[tuple[str, str]]
    """(actor, option) of every strictly dominated option (by a pure option)."""
    pareto: list[tuple[int, int]]
    """Pareto-optimal cells (row index, column index)."""
    qre: tuple[np.ndarray, np.ndarray] | None
    """Logit QRE (row probabilities, column probabilities) at `QRE_RATIONALITY`, None if it failed."""
    type: str
    """The 2x2 type (prisoner's dilemma, chicken, ...) or `m x n game`."""

    def to_json(self) -> dict[str, Any]:
        """`{"turn", "row_actor", "col_actor", "row_options", "col_options", "row_payoffs", "col_payoffs",
        "equilibria": [{"row", "col"}], "qre": {"row", "col"} or null, "type"}`."""
        return {
            "turn": self.turn,
            "row_actor": self.row_actor,
            "col_actor": self.col_actor,
            "row_options": list(self.row_options),
            "col_options": list(self.col_options),
            "row_payoffs": self.row_payoffs.tolist(),
            "col_payoffs": self.col_payoffs.tolist(),
            "equilibria": [{"row": e.row.tolist(), "col": e.col.tolist()} for e in self.equilibria],
            "qre": None if self.qre is None else {"row": self.qre[0].tolist(), "col": self.qre[1].tolist()},
            "type": self.type,
        }


def reach_turn(
    cs: CompiledScenario,
    turn: int,
    *,
    runs: int = STATE_RUNS,
    seed: int = 0,
    policies: PolicyOverrides | None = None,
) -> BatchState:
    """The runs still going after `turn` turns of the given (default: scenario) policies."""
    sim = Simulation(cs, runs=runs, seed=seed, policies=policies, breakdown=False)
    for _ in range(turn):
        if sim.done:
            break
        sim.advance()
    batch = sim.snapshot()
    alive = np.flatnonzero(batch.alive)
    return batch.take(alive) if 0 < alive.size < batch.n else batch


def policy_profile(
    cs: CompiledScenario, batch: BatchState, policies: PolicyOverrides | None = None, seed: int = 0
) -> np.ndarray:
    """(N, D) what every decision's policy chooses at this state (random policies use a fixed draw)."""
    rng = np.random.default_rng(seed)
    draws = TurnDraws(
        fortran(rng.random((batch.n, cs.n_uniform))), fortran(rng.standard_normal((batch.n, cs.n_normal)))
    )
    return decide(cs, batch, build_policies(cs, dict(policies or {})), draws)


def analyse_bimatrix(
    A: np.ndarray,
    B: np.ndarray,
    row_options: tuple[str, ...],
    col_options: tuple[str, ...],
    who: tuple[str, str],
) -> dict[str, Any]:
    """Equilibria, dominance, Pareto cells, QRE and type of one bimatrix game."""
    dominated = [(who[0], row_options[k]) for k in sorted({k for k, _ in games.dominance(A)})]
    dominated += [(who[1], col_options[k]) for k in sorted({k for k, _ in games.dominance(B.T)})]
    dr, dc = games.dominant_option(A), games.dominant_option(B.T)
    try:
        qre: tuple[np.ndarray, np.ndarray] | None = games.logit_qre(A, B, QRE_RATIONALITY)
    except (RuntimeError, np.linalg.LinAlgError):
        qre = None
    m, n = A.shape
    kind = classify_2x2(A, B) if (m, n) == (2, 2) else f"{m}x{n} game"
    return {
        "equilibria": games.nash_equilibria(A, B),
        "dominant_row": row_options[dr] if dr is not None and m > 1 else None,
        "dominant_col": col_options[dc] if dc is not None and n > 1 else None,
        "dominated": dominated,
        "pareto": [(int(i), int(j)) for i, j in zip(*np.nonzero(games.pareto_optimal(A, B)), strict=True)],
        "qre": qre,
        "type": str(kind),
    }


def stage_games(
    cs: CompiledScenario,
    state: BatchState | None = None,
    turn: int | None = None,
    row_actor: str | None = None,
    *,
    policies: PolicyOverrides | None = None,
    runs: int = STATE_RUNS,
    seed: int = 0,
) -> list[StageGame]:
    """The row actor's (default: the player's) choice decisions against every other actor's, at a state.

    `state`: the batch to analyse (e.g. one run's `Simulation.snapshot()`); otherwise the state after
    `turn` turns (default 0) of the policies, over `runs` runs. Other decisions are set by `policies`.
    """
    row_actor = row_actor or cs.scenario.player
    if row_actor not in cs.actors:
        raise KeyError(f"unknown actor {row_actor!r} (actors: {', '.join(cs.actors)})")
    if state is None:
        state = reach_turn(cs, turn or 0, runs=runs, seed=seed, policies=policies)
    base = policy_profile(cs, state, policies, seed)
    rows = [d for d in cs.decisions if d.actor == row_actor and d.kind == "choice"]
    cols = [d for d in cs.decisions if d.actor != row_actor and d.kind == "choice"]
    out = []
    for r in rows:
        for c in cols:
            pay = np.asarray(stage_payoffs(cs, state, (r.actor, r.index), (c.actor, c.index), base)).mean(
                axis=0
            )
            A, B = np.ascontiguousarray(pay[..., 0]), np.ascontiguousarray(pay[..., 1])
            facts = analyse_bimatrix(A, B, r.option_ids, c.option_ids, (r.actor, c.actor))
            out.append(
                StageGame(
                    turn=int(state.turn),
                    row_actor=r.actor,
                    col_actor=c.actor,
                    row_decision=r.id,
                    col_decision=c.id,
                    row_options=r.option_ids,
                    col_options=c.option_ids,
                    row_payoffs=A,
                    col_payoffs=B,
                    **facts,
                )
            )
    return out


# --------------------------------------------------------------------------- N-player games

MAX_PROFILES = 4096
"""Largest number of option profiles `normal_form_game` evaluates."""


@dataclass(frozen=True)
class NormalFormGame:
    """Several actors' simultaneous choice decisions as one normal-form game, with its analysis."""

    turn: int
    actors: tuple[str, ...]
    decisions: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    payoffs: np.ndarray
    """(m1, ..., mn, n) expected one-turn payoff of each player for every profile."""
    equilibria: list[tuple[int, ...]]
    """Pure Nash equilibria, as option indices."""
    dominated: list[tuple[str, str]]
    """(actor, option) of every strictly dominated option (by a pure option)."""
    dominant: tuple[str | None, ...]
    """Each player's strictly dominant option, if any."""
    dilemma: str | None
    """The kind of social dilemma (`normal_form.social_dilemma`), if the game is one."""
    qre: list[np.ndarray] | None
    """Logit QRE at `QRE_RATIONALITY`, None if it did not converge."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "turn": self.turn,
            "actors": list(self.actors),
            "decisions": list(self.decisions),
            "options": [list(o) for o in self.options],
            "payoffs": self.payoffs.tolist(),
            "pure_equilibria": [[self.options[i][o] for i, o in enumerate(p)] for p in self.equilibria],
            "dominated": [list(d) for d in self.dominated],
            "dominant": list(self.dominant),
            "dilemma": self.dilemma,
            "qre": None if self.qre is None else [q.tolist() for q in self.qre],
        }


def game_players(cs: CompiledScenario, players: list[str] | None = None) -> list[DecisionInfo]:
    """The decisions of an N-player game: `actor.decision` keys, or each actor's first choice decision."""
    if players is not None:
        unknown = [p for p in players if p not in cs.decision_index]
        if unknown:
            raise KeyError(f"unknown decision {unknown[0]!r} (decisions: {', '.join(cs.decision_index)})")
        return [cs.decisions[cs.decision_index[p]] for p in players]
    first: dict[str, DecisionInfo] = {}
    for d in cs.decisions:
        if d.kind == "choice" and len(d.option_ids) > 1:
            first.setdefault(d.actor, d)
    return list(first.values())


def normal_form_game(
    cs: CompiledScenario,
    state: BatchState | None = None,
    turn: int | None = None,
    players: list[str] | None = None,
    *,
    policies: PolicyOverrides | None = None,
    runs: int = STATE_RUNS,
    seed: int = 0,
) -> NormalFormGame:
    """The players' decisions (default: each actor's first choice decision) as one normal-form game.

    Every profile of their options is evaluated by the engine's expected one-turn payoffs at the state
    (other decisions set by their policies) and averaged over the runs' sampled parameters.
    """
    decs = game_players(cs, players)
    if len(decs) < 2:
        raise ValueError("a normal-form game needs the choice decisions of at least two actors")
    shape = tuple(len(d.option_ids) for d in decs)
    if int(np.prod(shape)) > MAX_PROFILES:
        raise ValueError(
            f"{int(np.prod(shape))} option profiles is more than {MAX_PROFILES}; name fewer players"
        )
    if state is None:
        state = reach_turn(cs, turn or 0, runs=runs, seed=seed, policies=policies)
    base = policy_profile(cs, state, policies, seed)
    grid = np.array(list(np.ndindex(*shape)), dtype=np.int64)  # (K, n) in C order
    prof = np.repeat(base[:, None, :], len(grid), axis=1)
    for j, d in enumerate(decs):
        prof[:, :, d.index] = grid[:, j]
    pay = expected_profiles(cs, state, prof).mean(axis=0)  # (K, A)
    payoffs = np.ascontiguousarray(pay[:, [d.actor_index for d in decs]].reshape(*shape, len(decs)))
    dominant = nf.dominant_options(payoffs)
    try:
        qre: list[np.ndarray] | None = nf.logit_qre(payoffs, QRE_RATIONALITY)
    except RuntimeError:
        qre = None
    return NormalFormGame(
        turn=int(state.turn),
        actors=tuple(d.actor for d in decs),
        decisions=tuple(d.id for d in decs),
        options=tuple(d.option_ids for d in decs),
        payoffs=payoffs,
        equilibria=nf.pure_equilibria(payoffs),
        dominated=[(decs[i].actor, decs[i].option_ids[lo]) for i, lo, _ in nf.dominated(payoffs)],
        dominant=tuple(None if k is None else decs[i].option_ids[k] for i, k in enumerate(dominant)),
        dilemma=nf.social_dilemma(payoffs),
        qre=qre,
    )
