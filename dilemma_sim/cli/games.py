"""The `analyze` command: the stage games of a scenario as normal-form games (equilibria, dominance,
Pareto cells, the dilemma's type) and their Gambit `.nfg` files.

Tables go to stdout and notes to stderr; with `--json` stdout carries exactly one JSON document.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import JSON, SCENARIO, SEED, load_scenario_or_exit
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import print_json, table
from dilemma_sim.errors import MissingDependency

if TYPE_CHECKING:
    import numpy as np

    from dilemma_sim.engine.analysis import NormalFormGame, StageGame
    from dilemma_sim.engine.tables import CompiledScenario

# --------------------------------------------------------------------------- analyze


@main.command()
@SCENARIO
@click.option(
    "--turn", type=click.IntRange(min=0), default=None, help="Analyze the stage game at this 0-based turn."
)
@click.option(
    "--nfg", type=click.Path(file_okay=False, path_type=Path), help="Also write each game as a Gambit .nfg."
)
@click.option(
    "--players",
    metavar="A.D,B.D,...",
    default=None,
    help="The decisions of the N-player game (default: each actor's first choice decision).",
)
@SEED
@JSON
def analyze(
    scenario: str, turn: int | None, nfg: Path | None, players: str | None, seed: int, as_json: bool
) -> None:
    """The stage games: the player's choices against each counterpart's, with expected one-turn payoffs.

    For each pair of choice decisions: the payoff matrices, Nash equilibria, dominant and dominated
    options, Pareto-optimal cells, the logit quantal response equilibrium (rationality 10, payoffs
    scaled to [0, 1] per player) and, for 2x2 games, the game's type (prisoner's dilemma, chicken,
    stag hunt, ...). With three or more actors, also all of their decisions as one N-player game:
    pure equilibria, dominance, whether it is a social dilemma, the logit QRE and, when pygambit is
    installed (`pip install 'dilemma-sim[gambit]'`), every Nash equilibrium, mixed ones included. At
    `--turn T` the state is reached by playing the default policies for T turns.

    `--json` prints `{"games": [{"turn", "row_actor", "col_actor", "row_options", "col_options",
    "row_payoffs", "col_payoffs", "equilibria": [{"row": [...], "col": [...]}], "qre", "type"}],
    "game": {"turn", "actors", "decisions", "options", "payoffs", "pure_equilibria", "dominated",
    "dominant", "dilemma", "qre", "mixed_equilibria"}}`: `game` is every actor's first choice decision as
    one game (null when fewer than two actors have one).

    \b
    Example:
      dilemma-sim analyze pakistan-ttp
      dilemma-sim analyze ipd-3 --nfg games/
      dilemma-sim analyze pakistan-ttp --turn 4 --players pakistan.posture,taliban.ttp_stance,ttp.campaign
    """
    from dilemma_sim.engine.analysis import normal_form_game, stage_games  # game analysis: for this command

    _, cs = load_scenario_or_exit(scenario)
    if turn is not None and turn >= cs.turns:
        raise click.BadParameter(
            f"the scenario has {cs.turns} turns (0..{cs.turns - 1})", param_hint="--turn"
        )
    games = stage_games(cs, turn=turn, seed=seed)
    chosen = [p.strip() for p in players.split(",")] if players else None
    game = None
    try:
        game = normal_form_game(cs, turn=turn, players=chosen, seed=seed)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--players") from None
    except ValueError as exc:
        if chosen is not None:
            raise click.BadParameter(str(exc), param_hint="--players") from None
    mixed, mixed_note = _mixed(game)
    if nfg is not None:
        from dilemma_sim.engine.game_types import to_nfg

        nfg.mkdir(parents=True, exist_ok=True)
        for g in games:
            name = f"t{g.turn}-{g.row_actor}.{g.row_decision}-vs-{g.col_actor}.{g.col_decision}.nfg"
            pair = f"{g.row_actor}.{g.row_decision} vs {g.col_actor}.{g.col_decision}"
            title = f"{cs.scenario_id} turn {g.turn}: {pair}"
            (nfg / name).write_text(
                to_nfg(
                    g.row_payoffs,
                    g.col_payoffs,
                    title=title,
                    row_options=g.row_options,
                    col_options=g.col_options,
                    players=(g.row_actor, g.col_actor),
                ),
                encoding="utf-8",
            )
        if game is not None and (len(game.actors) > 2 or chosen is not None):
            from dilemma_sim.engine.normal_form import to_nfg as to_nfg_n

            name = f"t{game.turn}-" + "-vs-".join(
                f"{a}.{d}" for a, d in zip(game.actors, game.decisions, strict=True)
            )
            title = f"{cs.scenario_id} turn {game.turn}: {len(game.actors)}-player game"
            text = to_nfg_n(game.payoffs, game.options, game.actors, title)
            (nfg / f"{name}.nfg").write_text(text, encoding="utf-8")
        count = len(games) + (game is not None and (len(game.actors) > 2 or chosen is not None))
        console.say(console.err, f"{count} game(s) written to {nfg}")
    if as_json:
        data = game.to_json() if game is not None else None
        if data is not None:
            data["mixed_equilibria"] = None if mixed is None else [[p.tolist() for p in eq] for eq in mixed]
        print_json({"games": [g.to_json() for g in games], "game": data})
        return
    for g in games:
        _show_game(cs, g)
    if game is not None and (len(game.actors) > 2 or chosen is not None):  # two: the stage game above
        _show_n_player(cs, game, mixed, mixed_note)


def _mixed(game: NormalFormGame | None) -> tuple[list[list[np.ndarray]] | None, str]:
    """Every Nash equilibrium of the N-player game through pygambit, or why there are none to show."""
    if game is None:
        return None, ""
    from dilemma_sim.engine.normal_form import mixed_equilibria

    try:
        return mixed_equilibria(game.payoffs), ""
    except MissingDependency:
        return None, "mixed equilibria: install pygambit (pip install 'dilemma-sim[gambit]') to list them"


def _show_n_player(
    cs: CompiledScenario, game: NormalFormGame, mixed: list[list[np.ndarray]] | None, mixed_note: str
) -> None:
    sc = cs.scenario
    names = [sc.actors[a].name for a in game.actors]
    title = (
        f"Turn {game.turn}: {' vs '.join(f'{n} ({d})' for n, d in zip(names, game.decisions, strict=True))}"
    )
    title += f" — {game.dilemma}" if game.dilemma else ""
    t = table(title, *(f"{n}" for n in names), "payoffs")
    pure = set(game.equilibria)
    for profile in itertools.product(*(range(n) for n in game.payoffs.shape[:-1])):
        cells = [game.options[i][o] for i, o in enumerate(profile)]
        text = " / ".join(f"{x:,.1f}" for x in game.payoffs[profile])
        t.add_row(*cells, Text(f"{text} ★", style="bold") if profile in pure else text)
    console.out.print(t)
    notes = [
        "pure Nash: "
        + ", ".join(
            "[" + ", ".join(game.options[i][o] for i, o in enumerate(p)) + "]" for p in game.equilibria
        )
        if game.equilibria
        else "no pure Nash equilibrium"
    ]
    for name, option in zip(names, game.dominant, strict=True):
        if option is not None:
            notes.append(f"{name}'s dominant option: {option}")
    notes += [f"strictly dominated: {who} {opt}" for who, opt in game.dominated]
    if game.qre is not None:
        notes.append("logit QRE (rationality 10): " + _mix_text(names, game.options, game.qre))
    if mixed is not None:
        for eq in mixed:
            notes.append("Nash (Gambit): " + _mix_text(names, game.options, eq))
    elif mixed_note:
        notes.append(mixed_note)
    console.say(console.out, "\n".join(f"  {n}" for n in notes))


def _mix_text(names: list[str], options: Sequence[Sequence[str]], mix: Sequence[np.ndarray]) -> str:
    return "; ".join(
        f"{n} [" + ", ".join(f"{o} {p:.2f}" for o, p in zip(opts, probs, strict=True) if p > 1e-9) + "]"
        for n, opts, probs in zip(names, options, mix, strict=True)
    )


def _show_game(cs: CompiledScenario, g: StageGame) -> None:
    sc = cs.scenario
    row_name, col_name = sc.actors[g.row_actor].name, sc.actors[g.col_actor].name
    title = (
        f"Turn {g.turn}: {row_name} ({g.row_decision}, rows) vs {col_name} ({g.col_decision}, columns)"
        f" — {g.type}"
    )
    t = table(title, "", *g.col_options)
    eq_cells = {(_argmax(e.row), _argmax(e.col)) for e in g.equilibria if e.pure} if g.equilibria else set()
    for i, ro in enumerate(g.row_options):
        cells: list[str | Text] = []
        for j in range(len(g.col_options)):
            text = f"{g.row_payoffs[i][j]:,.1f} / {g.col_payoffs[i][j]:,.1f}"
            if (i, j) in eq_cells:
                cells.append(Text(f"{text} ★", style="bold"))
                continue
            if (i, j) in set(map(tuple, g.pareto)):
                text += " ·"
            cells.append(text)
        t.add_row(ro, *cells)
    console.out.print(t)
    notes = []
    for e in g.equilibria:
        kind = "pure" if e.pure else "mixed"
        r = ", ".join(f"{o} {p:.2f}" for o, p in zip(g.row_options, e.row, strict=True) if p > 1e-9)
        c = ", ".join(f"{o} {p:.2f}" for o, p in zip(g.col_options, e.col, strict=True) if p > 1e-9)
        notes.append(f"Nash ({kind}): {row_name} [{r}], {col_name} [{c}]")
    if g.dominant_row is not None:
        notes.append(f"{row_name}'s dominant option: {g.dominant_row}")
    if g.dominant_col is not None:
        notes.append(f"{col_name}'s dominant option: {g.dominant_col}")
    for who, opt in g.dominated:
        notes.append(f"strictly dominated: {who} {opt}")
    if g.qre is not None:
        r = ", ".join(f"{o} {p:.2f}" for o, p in zip(g.row_options, g.qre[0], strict=True))
        c = ", ".join(f"{o} {p:.2f}" for o, p in zip(g.col_options, g.qre[1], strict=True))
        notes.append(f"logit QRE (rationality 10): {row_name} [{r}], {col_name} [{c}]")
    console.say(
        console.out, "\n".join(f"  {n}" for n in notes) + "\n  (★ pure Nash equilibrium, · Pareto optimal)"
    )


def _argmax(weights: Iterable[float]) -> int:
    """The index of the largest weight (a pure strategy's option); no numpy at import time."""
    values = [float(w) for w in weights]
    return values.index(max(values))
