"""The `analyze` command: the stage games of a scenario as normal-form games (equilibria, dominance,
Pareto cells, the dilemma's type) and their Gambit `.nfg` files.

Tables go to stdout and notes to stderr; with `--json` stdout carries exactly one JSON document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import JSON, SCENARIO, SEED, load_scenario_or_exit
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import print_json, table

# --------------------------------------------------------------------------- analyze


@main.command()
@SCENARIO
@click.option(
    "--turn", type=click.IntRange(min=0), default=None, help="Analyze the stage game at this 0-based turn."
)
@click.option(
    "--nfg", type=click.Path(file_okay=False, path_type=Path), help="Also write each game as a Gambit .nfg."
)
@SEED
@JSON
def analyze(scenario: str, turn: int | None, nfg: Path | None, seed: int, as_json: bool) -> None:
    """The stage games: the player's choices against each counterpart's, with expected one-turn payoffs.

    For each pair of choice decisions: the payoff matrices, Nash equilibria, dominant and dominated
    options, Pareto-optimal cells, the logit quantal response equilibrium and, for 2x2 games, the
    game's type (prisoner's dilemma, chicken, stag hunt, ...). At `--turn T` the state is reached
    by playing the default policies for T turns.

    `--json` prints `{"games": [{"turn", "row_actor", "col_actor", "row_options", "col_options",
    "row_payoffs", "col_payoffs", "equilibria": [{"row": [...], "col": [...]}], "type"}]}`.

    \b
    Example:
      dilemma-sim analyze pakistan-ttp
      dilemma-sim analyze pakistan-ttp --turn 4 --nfg games/
    """
    from dilemma_sim.engine.analysis import stage_games

    _, cs = load_scenario_or_exit(scenario)
    if turn is not None and turn >= cs.turns:
        raise click.BadParameter(
            f"the scenario has {cs.turns} turns (0..{cs.turns - 1})", param_hint="--turn"
        )
    games = stage_games(cs, turn=turn, seed=seed)
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
        console.say(console.err, f"{len(games)} game(s) written to {nfg}")
    if as_json:
        print_json({"games": [g.to_json() for g in games]})
        return
    for g in games:
        _show_game(cs, g)


def _show_game(cs: Any, g: Any) -> None:
    import numpy as np

    sc = cs.scenario
    row_name, col_name = sc.actors[g.row_actor].name, sc.actors[g.col_actor].name
    title = (
        f"Turn {g.turn}: {row_name} ({g.row_decision}, rows) vs {col_name} ({g.col_decision}, columns)"
        f" — {g.type}"
    )
    t = table(title, "", *g.col_options)
    eq_cells = (
        {(int(np.argmax(e.row)), int(np.argmax(e.col))) for e in g.equilibria if e.pure}
        if g.equilibria
        else set()
    )
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
    console.say(
        console.out, "\n".join(f"  {n}" for n in notes) + "\n  (★ pure Nash equilibrium, · Pareto optimal)"
    )
