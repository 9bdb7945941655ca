"""`tournament --round-robin`: the options, and the tables and terminal plots of a round robin.

Tables go to stdout, progress and notes to stderr; `--json` puts one JSON document on stdout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.cli.output import fail, print_json, progress, table
from dilemma_sim.errors import MissingDependency
from dilemma_sim.scenario.diagnostics import ScenarioError
from dilemma_sim.scenario.yamlio import Marks

if TYPE_CHECKING:  # loaded when the command runs, not for `--help`
    from dilemma_sim.engine.tables import CompiledScenario
    from dilemma_sim.executor import Execution, StopFlag

F = TypeVar("F", bound=Callable[..., object])

ROUND_ROBIN_OPTIONS = [
    click.option(
        "--round-robin",
        is_flag=True,
        help="Every reusable strategy against every strategy, seated in two actors' places (Axelrod-style).",
    ),
    click.option(
        "--repetitions",
        type=click.IntRange(min=2),
        default=None,
        help="Round robin: matches per pair of strategies (default 10).",
    ),
    click.option(
        "--self-play/--no-self-play",
        default=True,
        show_default=True,
        help="Round robin: each strategy also meets itself.",
    ),
    click.option(
        "--noise", type=click.FloatRange(0, 1), default=None, help="Round robin: chance each move trembles."
    ),
    click.option(
        "--prob-end",
        type=click.FloatRange(0, 1, max_open=True),
        default=None,
        help="Round robin: chance a match ends after each turn (`turns` stays the longest).",
    ),
    click.option(
        "--strategies",
        metavar="A,B,...",
        default=None,
        help="Round robin: the strategies (default: every one that fits).",
    ),
    click.option("--seats", metavar="ACTOR,ACTOR", default=None, help="Round robin: the two actors' places."),
    click.option(
        "--plot", is_flag=True, help="Round robin: box plots of the scores in the terminal (plotext)."
    ),
]


def round_robin_options(command: F) -> F:
    """Decorate `tournament` with the round robin's options."""
    for option in reversed(ROUND_ROBIN_OPTIONS):
        command = option(command)
    return command


def _names(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def round_robin_command(
    cs: CompiledScenario,
    *,
    repetitions: int | None,
    seed: int,
    self_play: bool,
    noise: float | None,
    prob_end: float | None,
    strategies: str | None,
    seats: str | None,
    plot: bool,
    execution: Execution,
    stop: StopFlag,
    as_json: bool,
) -> None:
    """Run the round robin and show it: ranking with intervals, the score matrix, and the plot."""
    from dilemma_sim.batch.round_robin import boxplot, round_robin_strategies, run_round_robin, two_seats

    reps = repetitions or 10
    try:
        pair = two_seats(cs, _names(seats))
        ids = _names(strategies) or round_robin_strategies(cs, pair)
        _check_seats(cs, ids, pair)
        n = len(ids)
        matches = n * (n + 1) // 2 - (0 if self_play else n)
        with progress(matches * reps, "runs", show=not as_json) as advance:
            result = run_round_robin(
                cs,
                strategies=ids,
                seats=pair,
                repetitions=reps,
                seed=seed,
                self_play=self_play,
                noise=noise,
                prob_end=prob_end,
                execution=execution,
                stop=stop,
                progress=advance,
            )
    except ValueError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(result.to_json())
        return
    data = result.to_json()
    rules = f"noise {result.noise:g}, prob_end {result.prob_end:g}" if result.noise or result.prob_end else ""
    t = table(
        f"Round robin: {len(result.strategies)} strategies, {reps} repetitions, seed {seed}"
        + (f", {rules}" if rules else ""),
        "rank",
        "strategy",
        "median",
        "mean",
        "95% CI",
    )
    t.columns[1].justify = "left"
    for row in data["ranking"]:
        lo, hi = row["ci95"]
        t.add_row(
            str(row["rank"]),
            f"{row['label']} ({row['strategy']})",
            f"{row['median']:.3f}",
            f"{row['mean']:.3f}",
            f"{lo:.3f} – {hi:.3f}",
        )
    console.out.print(t)
    order = result.ranking
    m = table(
        "Score per turn: row against column, both by rank",
        "",
        *(f"{k + 1}" for k in range(len(order))),
    )
    for place, i in enumerate(order):
        cells = ["–" if math.isnan(result.matrix[i, j]) else f"{result.matrix[i, j]:.2f}" for j in order]
        m.add_row(f"{place + 1}", *cells)  # ranks: the ranking above names them
    console.out.print(m)
    if plot:
        try:
            width = max(40, min(console.out.width, 100))
            console.out.print(Text.from_ansi(boxplot(result, width=width)), soft_wrap=True)
        except MissingDependency as exc:
            console.say(console.err, str(exc))


def _check_seats(cs: CompiledScenario, ids: list[str], seats: tuple[str, str]) -> None:
    """ScenarioError (E421, at the strategy in the file) when a strategy cannot play one of the seats."""
    from dilemma_sim.scenario.binding import StrategyBindingError, bind_strategy, binding_diagnostics

    for sid in ids:
        if sid not in cs.scenario.strategies:
            continue  # run_round_robin names it
        for seat in seats:
            try:
                bind_strategy(cs.scenario, sid, seat)
            except StrategyBindingError as exc:
                marks = cs.marks if cs.marks is not None else Marks()
                raise ScenarioError(
                    binding_diagnostics(exc.problems, marks, f"{cs.scenario_id}.yaml")
                ) from None
