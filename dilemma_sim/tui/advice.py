"""The advisor's facts for one turn: each option's value to the horizon, and the stage games.

A request is taken on the UI thread (`advice_request`, cheap: the engine's batch is not copied), then
`compute_advice` runs in a thread worker: it calls the engine's rollout advisor and stage-game
analysis and turns what they return into plain views. No Textual here, and no game logic: the
numbers are the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean
from dilemma_sim.tui.session import DecisionView, GameSession

ROLLOUTS = 2000
"""Rollouts per option: the engine's default (about a quarter of a second for every option)."""
MIN_PROBABILITY = 0.005
"""Mixed-equilibrium weights below this are left out of the labels."""


@dataclass(frozen=True)
class OptionAdvice:
    """The advisor's value of one option."""

    label: str
    mean: float
    """Expected discounted payoff from this turn to the horizon."""
    ci_low: float
    ci_high: float
    """95% confidence interval of the mean."""
    best: bool = False
    """The highest mean of its decision."""
    chosen: bool = False
    """Whether the controls currently select it."""
    diff: float = 0.0
    """Expected gain over the current choice (same rollouts, so far more precise than `mean`)."""
    diff_half: float = 0.0
    """Half-width of the 95% interval of `diff`."""


@dataclass(frozen=True)
class DecisionAdvice:
    """The options of one decision, in scenario order."""

    label: str
    rows: list[OptionAdvice]


@dataclass(frozen=True)
class StageGameView:
    """The player's decision against one counterpart decision, as one-turn bimatrix game."""

    title: str
    """`Posture vs Taliban: TTP stance`."""
    kind: str
    """The 2×2 type (prisoner's dilemma, chicken, ...) or `m×n game`."""
    equilibria: list[str]
    """Each Nash equilibrium: `your option(s) / their option(s)`, mixed ones with probabilities."""
    dominant: list[str]
    """`who: option` for each side with a dominant option."""


@dataclass(frozen=True)
class AdviceRequest:
    """A snapshot for the advisor worker: everything it reads, so it never touches the live session."""

    turn: int
    turn_label: str
    batch: Any
    """The engine's `BatchState` of the one run between turns (read-only)."""
    compiled: Any
    scenario: Scenario
    human: str
    seed: int
    decisions: tuple[DecisionView, ...]
    choices: dict[str, str]
    levels: dict[str, int]


@dataclass(frozen=True)
class AdviceView:
    """What the advisor panel shows for one turn."""

    turn: int
    heading: str
    decisions: list[DecisionAdvice]
    games: list[StageGameView]
    note: str = ""


def advice_request(
    session: GameSession, choices: Mapping[str, str], actor: str | None = None
) -> AdviceRequest:
    """What the advisor needs for one player (default: the first), taken on the UI thread (the engine's
    batch is immutable between turns)."""
    actor = actor or session.human
    return AdviceRequest(
        turn=session.turn,
        turn_label=session.calendar_label(),
        batch=session.sim.snapshot(),
        compiled=session.compiled,
        scenario=session.scenario,
        human=actor,
        seed=session.seed,
        decisions=tuple(session.decisions(actor)),
        choices=dict(choices),
        levels=dict(session.current_levels()),
    )


def compute_advice(request: AdviceRequest, rollouts: int = ROLLOUTS) -> AdviceView:
    """The engine's value of each of the player's options and the stage games (slow: in a worker)."""
    from dilemma_sim.engine.advisor import advise
    from dilemma_sim.engine.analysis import stage_games

    values = advise(
        request.compiled,
        request.batch,
        request.human,
        rollouts=rollouts,
        seed=request.seed,
        current=request.choices,
    )
    by_key = {(v.decision, v.option): v for v in values}
    decisions = []
    for view in request.decisions:
        found = [by_key.get((view.key, option)) for option in view.option_ids]
        if any(v is None for v in found):
            continue
        level = request.levels.get(view.key, 0)
        shown = [
            (option, v)
            for option, v in zip(view.option_ids, found, strict=True)
            if v is not None and (moves(view, level, option) or request.choices.get(view.key) == option)
        ]
        best = max(v.mean for _, v in shown)
        labels = dict(zip(view.option_ids, option_labels(view, level), strict=True))
        rows = [
            OptionAdvice(
                labels[option],
                v.mean,
                v.ci_low,
                v.ci_high,
                best=v.mean == best,
                chosen=request.choices.get(view.key) == option,
                diff=v.diff,
                diff_half=(v.diff_high - v.diff_low) / 2,
            )
            for option, v in shown
        ]
        decisions.append(DecisionAdvice(view.label, rows))
    games = [
        _game_view(request.scenario, game)
        for game in stage_games(
            request.compiled, state=request.batch, row_actor=request.human, seed=request.seed
        )
    ]
    return AdviceView(
        turn=request.turn,
        heading=(
            f"{request.turn_label}: what each option is expected to earn you from now to the end, "
            "and its gain over your current choice (95%, on the same simulated futures)"
        ),
        decisions=decisions,
        games=games,
        note=(
            f"★ best expected · ◂ your current choice · vs now: green = surely better, red = surely "
            f"worse, grey = within the noise · {rollouts:,} simulated futures per option"
        ),
    )


def moves(view: DecisionView, level: int, option: str) -> bool:
    """Whether `option` is a real choice at `level`: a lever's `lower` at its bottom level, or its
    `raise` at its top, is the same as holding it (the advisor does not list it twice)."""
    if view.kind != "lever" or option == "hold":
        return True
    step = -1 if option == "lower" else 1
    return 0 <= level + step < len(view.level_labels)


def option_labels(view: DecisionView, level: int) -> tuple[str, ...]:
    """Option labels; a lever's moves name the level they lead to (`raise → Large package`)."""
    if view.kind != "lever":
        return view.option_labels
    last = len(view.level_labels) - 1
    return tuple(
        f"{move} → {view.level_labels[min(max(level + step, 0), last)]}"
        for move, step in zip(view.option_ids, (-1, 0, 1), strict=True)
    )


def _game_view(scenario: Scenario, game: Any) -> StageGameView:
    """A plain view of the engine's `StageGame`, with option ids replaced by their labels."""
    row_actor, col_actor = scenario.actors[game.row_actor], scenario.actors[game.col_actor]
    row_decision = row_actor.decisions[game.row_decision]
    col_decision = col_actor.decisions[game.col_decision]
    row_labels = [clean(row_decision.options[o].label) for o in game.row_options]
    col_labels = [clean(col_decision.options[o].label) for o in game.col_options]
    equilibria = [
        f"{_mixture(row_labels, eq.row)} / {_mixture(col_labels, eq.col)}" + ("" if eq.pure else " (mixed)")
        for eq in game.equilibria
    ]
    dominant = []
    if game.dominant_row is not None:
        dominant.append(f"you: {row_labels[game.row_options.index(game.dominant_row)]}")
    if game.dominant_col is not None:
        dominant.append(f"{clean(col_actor.name)}: {col_labels[game.col_options.index(game.dominant_col)]}")
    return StageGameView(
        title=f"{clean(row_decision.label)} vs {clean(col_actor.name)}: {clean(col_decision.label)}",
        kind=game_kind(game.type),
        equilibria=equilibria,
        dominant=dominant,
    )


def game_kind(kind: str) -> str:
    """The engine's game type, with `6x4 game` written `6×4 game`."""
    match = re.fullmatch(r"(\d+)x(\d+) game", kind)
    return f"{match[1]}×{match[2]} game" if match else kind


def _mixture(labels: Sequence[str], probabilities: Sequence[float]) -> str:
    """`Hedge` for a pure strategy, `Hedge 60% + Talks 40%` for a mixed one."""
    weights = [
        (label, float(p)) for label, p in zip(labels, probabilities, strict=True) if p >= MIN_PROBABILITY
    ]
    if len(weights) == 1:
        return weights[0][0]
    return " + ".join(f"{label} {p:.0%}" for label, p in weights)
