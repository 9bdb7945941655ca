"""Warnings about the game a scenario defines (run by `dilemma-sim lint` after the static lint).

* N520 — a note, not a warning: the actors' first-turn game (each actor's first choice decision, as
  one normal-form game) is a social dilemma: a prisoner's dilemma, chicken or stag hunt between two, or
  an N-player prisoner's dilemma (public goods games are one). W520 and W521 then say nothing about
  the player's decision in it (nor about one in a 2x2 stage game of those types): a dominated
  cooperative option, or a defection that is always the best reply, is the dilemma, not a mistake.

* W520 — an option of the player's is strictly dominated in every first-turn stage game it takes
  part in: whatever the counterpart does, another option pays the player more this turn.
* W521 — not a dilemma: for a choice decision of the player, one option has the highest expected
  first-turn payoff in every sample of the uncertain parameters *and* against every option of every
  other actor's choice decision (the others' remaining decisions at their last choices). In a game of
  chicken the best move depends on the other side's, so it is a dilemma even when the other side's
  policy is known. Cheap by design (expected-payoff evaluations of a few hundred sampled runs), so it
  looks one turn ahead only.

Positions: the option's key in the file when the loader's marks are given, else line 1, column 1
of the scenario file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dilemma_sim.engine.analysis import normal_form_game, reach_turn, stage_games
from dilemma_sim.engine.compile import CompiledScenario, compile_scenario
from dilemma_sim.engine.normal_form import SOCIAL_DILEMMAS
from dilemma_sim.engine.step import expected_payoffs, response_profile, stage_payoffs
from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.loader import LoadResult
from dilemma_sim.scenario.registry import builtin_path
from dilemma_sim.scenario.yaml_marks import Marks

SAMPLES = 512
"""Parameter samples for W521."""


def _where(
    cs: CompiledScenario, path: tuple[str, ...], file: str | None, marks: Marks | None
) -> tuple[str, int, int]:
    name = file or _default_file(cs)
    if marks is not None:
        mark = marks.nearest(path, prefer_key=True)
        if mark is not None:
            return mark.file or name, int(mark.line), int(mark.column)
    return name, 1, 1


def _default_file(cs: CompiledScenario) -> str:
    path = builtin_path(cs.scenario_id)
    return str(path) if path is not None else f"{cs.scenario_id}.yaml"


def lint_game(
    cs: CompiledScenario, *, file: str | Path | None = None, marks: Marks | None = None, seed: int = 0
) -> list[Diagnostic]:
    """W520 and W521 warnings for the scenario's player; `file`/`marks` (from the loader) place them."""
    sc = cs.scenario
    player = sc.player
    fname = str(file) if file is not None else None
    out: list[Diagnostic] = []

    def warn(code: str, path: tuple[str, ...], message: str) -> None:
        f, line, col = _where(cs, path, fname, marks)
        out.append(Diagnostic(f, line, col, code, "warning", message))

    # N520: the actors' first-turn game is a social dilemma; then a dominated or always-best option of
    # the player in it is the dilemma itself, not a mistake, and W520/W521 stay quiet about it
    dilemma_decisions: set[str] = set()
    try:
        game = normal_form_game(cs, turn=0, seed=seed)
    except (ValueError, KeyError):
        game = None
    if game is not None and game.dilemma is not None and player in game.actors:
        did = game.decisions[game.actors.index(player)]
        dilemma_decisions.add(did)
        where = " vs ".join(f"{a}.{d}" for a, d in zip(game.actors, game.decisions, strict=True))
        dominant = ", ".join(sorted({o for o in game.dominant if o is not None}))
        detail = f" ('{dominant}' dominates, yet all choosing otherwise pays each more)" if dominant else ""
        f, line, col = _where(cs, ("actors", player, "decisions", did), fname, marks)
        kind = f"an {game.dilemma}" if game.dilemma[0] in "aeiouN" else f"a {game.dilemma}"
        message = f"a social dilemma: the first-turn game {where} is {kind}{detail}"
        out.append(Diagnostic(f, line, col, "N520", "note", message))

    # W520: strictly dominated in every first-turn stage game of its decision
    games_ = [g for g in stage_games(cs, turn=0, seed=seed) if g.row_decision not in dilemma_decisions]
    for g in games_:
        if g.type in SOCIAL_DILEMMAS:
            dilemma_decisions.add(g.row_decision)
    games_ = [g for g in games_ if g.row_decision not in dilemma_decisions]
    dominated: dict[tuple[str, str], list[bool]] = {}
    for g in games_:
        if g.row_actor != player:
            continue
        hit = {opt for who, opt in g.dominated if who == player}
        for opt in g.row_options:
            dominated.setdefault((g.row_decision, opt), []).append(opt in hit)
    for (did, opt), flags in dominated.items():
        if flags and all(flags):
            warn(
                "W520",
                ("actors", player, "decisions", did, "options", opt),
                f"option '{opt}' of {player}.{did} is strictly dominated in the first turn: whatever "
                f"the other actors do, another option pays {player} more",
            )

    # W521: the same option is the best first-turn choice in every sample and against every response
    batch = reach_turn(cs, 0, runs=SAMPLES, seed=seed)
    for info in cs.decisions:
        if info.actor != player or info.kind != "choice" or len(info.option_ids) < 2:
            continue
        if info.id in dilemma_decisions:
            continue  # a social dilemma: one option always best is its defining trait
        base = response_profile(cs, batch, info.index)
        best = [np.argmax(expected_payoffs(cs, batch, player, info.index, base), axis=1)]
        for other in cs.decisions:
            if other.actor != player and other.kind == "choice":
                pay = stage_payoffs(cs, batch, (player, info.index), (other.actor, other.index), base)
                best.append(np.argmax(pay[..., 0], axis=1).ravel())  # (N * n_other,) best rows
        winners = np.concatenate(best)
        if np.all(winners == winners[0]):
            opt = info.option_ids[int(winners[0])]
            warn(
                "W521",
                ("actors", player, "decisions", info.id),
                f"not a dilemma: '{opt}' is {player}'s best first-turn choice of {info.id} in all {batch.n} "
                "samples of the uncertain parameters, whatever the other actors choose",
            )
    return out


def lint_loaded(result: LoadResult) -> list[Diagnostic]:
    """`lint_game` for a valid loader `LoadResult` (uses its path and marks)."""
    if result.scenario is None:
        raise ValueError(f"{result.path}: the scenario did not load, so it cannot be linted")
    return lint_game(compile_scenario(result.scenario), file=result.path, marks=result.marks)
