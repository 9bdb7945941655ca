"""Commands that study the scenario by playing it many times: sweep (parameter designs), tournament
(strategies ranked) and explore (what never happens). The stage-game analysis is in `cli.games`.

Tables go to stdout and progress bars, notes and errors to stderr; with `--json` stdout carries
exactly one JSON document and nothing else. Exit status: 0 on success, 1 on invalid input, 2 on
usage errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich import box
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import JSON, SCENARIO, SEED, load_scenario_or_exit, runs_type
from dilemma_sim.cli.execution import execution_of, execution_options
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import fail, num, print_json, progress, table
from dilemma_sim.cli.round_robin import round_robin_command, round_robin_options
from dilemma_sim.errors import InvalidInput

if TYPE_CHECKING:  # the studies load when a command runs
    from dilemma_sim.batch.sweep import SweepResult

# --------------------------------------------------------------------------- sweep


@main.command()
@SCENARIO
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LO:HI:STEPS",
    help="A YAML path to fix at STEPS values between LO and HI (repeatable).",
)
@click.option("--design", type=click.Choice(["grid", "lhs", "sobol"]), default="grid", show_default=True)
@click.option(
    "--points", type=click.IntRange(min=2), help="Points of lhs/sobol designs (default: product of STEPS)."
)
@click.option(
    "--runs", type=runs_type(2), default=1000, show_default=True, help="Runs per point and strategy."
)
@SEED
@execution_options
@JSON
def sweep(
    scenario: str,
    params: tuple[str, ...],
    design: str,
    points: int | None,
    runs: int,
    seed: int,
    workers: int,
    scheduler: str | None,
    chunk_runs: int,
    as_json: bool,
) -> None:
    """Run every player strategy at every point of a parameter design: who is best where, what matters.

    PATH is a YAML path into the scenario (`parameters.lethality`, `actors.pakistan.utility.security`);
    a distribution there is replaced by the fixed value. Every strategy plays the same runs at
    every point (common random numbers). The regression ranking orders the parameters by the
    standardized regression coefficient (SRC) of the player's best mean payoff on them; `range` is
    the spread of that payoff's mean across STEPS bins of the parameter. SRCs are a linear fit, not
    Sobol indices, whatever the design (`--design sobol` only places the points): for Sobol
    indices, use `dilemma-sim robust --sobol`. JSON: `standardized_regression` (also under its old
    name `sensitivity`).

    \b
    Example:
      dilemma-sim sweep pakistan-ttp --param parameters.value_of_life=0.15:4.95:5 \\
          --param parameters.relocation_per_concession=0:0.2:5
      dilemma-sim sweep pakistan-ttp --param parameters.lethality=1.45:2.3:4 \\
          --param parameters.truce_regroup=0.5:2:4 --design sobol --points 32 --runs 500 --json
    """
    from dilemma_sim.batch.design import SweepParam, design_points
    from dilemma_sim.batch.sweep import player_strategies, run_sweep

    try:
        specs = [SweepParam.parse(p) for p in params]
    except InvalidInput as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from None
    from dilemma_sim.executor import StopFlag

    stop = StopFlag()
    with stop.on_sigint():
        sref, cs = load_scenario_or_exit(scenario)
        n_points = len(design_points(specs, design, points=points, seed=seed))
        rows = n_points * runs * len(player_strategies(cs.scenario))
        with progress(rows, "runs") as advance:
            result = run_sweep(
                sref,
                specs,
                design=design,
                points=points,
                runs=runs,
                seed=seed,
                execution=execution_of(workers, scheduler, chunk_runs),
                stop=stop,
                progress=advance,
            )
    if as_json:
        print_json(result.to_json())
        return
    sc = cs.scenario
    title = f"Mean total payoff of {sc.actors[sc.player].name} ({runs} runs per cell, seed {seed})"
    names = [p.path.split(".")[-1] for p in specs]
    t = table(title, *names, *result.strategies, "best")
    for i, point in enumerate(result.points):
        best = int(result.means[i].argmax())
        cells = [Text(num(v), style="bold") if k == best else num(v) for k, v in enumerate(result.means[i])]
        t.add_row(*(f"{v:g}" for v in point), *cells, result.best[i])
    unbounded = console.out.options.update_width(1_000_000)  # the width the table wants, not the terminal's
    counts = result.best_counts()
    if console.out.measure(t, options=unbounded).maximum <= console.out.width:
        console.out.print(t)
    else:  # a column per strategy does not fit: the best per point, then each strategy over the points
        _show_sweep_narrow(result, counts, title, names)
    best_at = ", ".join(f"{s} {n}/{len(result.points)}" for s, n in counts.items() if n)
    console.out.print(Text("Best at: ", style="bold") + console.plain(best_at), soft_wrap=True)
    t = table(
        "Standardized regression coefficients of the player's best mean payoff (not Sobol indices)",
        "parameter",
        "SRC",
        "range",
    )
    for row in result.ranking():
        t.add_row(row["path"], f"{row['src']:+.2f}", num(row["range"]))
    console.out.print(t)


def _show_sweep_narrow(result: SweepResult, counts: dict[str, int], title: str, names: list[str]) -> None:
    """The sweep in two tables that fit a narrow terminal, numbers never cut: each point's best and
    runner-up with the gap between them, then each strategy's mean, range and wins over the points."""
    t = table(title, *names, "best", "mean", "runner-up", "ahead by")
    t.box, t.show_edge, t.collapse_padding = box.SIMPLE_HEAD, False, True  # every column it can spare
    for i, point in enumerate(result.points):
        order = [int(k) for k in result.means[i].argsort()[::-1]]
        first, second = order[0], order[1] if len(order) > 1 else order[0]
        gap = result.means[i][first] - result.means[i][second]
        t.add_row(
            *(f"{v:g}" for v in point),
            result.strategies[first],
            num(result.means[i][first]),
            result.strategies[second] if second != first else "–",
            num(gap) if second != first else "–",
        )
    console.out.print(t)
    t = table(
        f"Each strategy over the {len(result.points)} points",
        "strategy",
        "mean",
        "lowest",
        "highest",
        "best at",
    )
    for k, name in sorted(enumerate(result.strategies), key=lambda kv: -float(result.means[:, kv[0]].mean())):
        column = result.means[:, k]
        t.add_row(
            name,
            num(column.mean()),
            num(column.min()),
            num(column.max()),
            f"{counts[name]}/{len(result.points)}",
        )
    console.out.print(t)


# --------------------------------------------------------------------------- tournament


@main.command()
@SCENARIO
@click.option("--runs", type=runs_type(2), default=2000, show_default=True, help="Runs per strategy.")
@SEED
@round_robin_options
@execution_options
@JSON
def tournament(
    scenario: str,
    runs: int,
    seed: int,
    round_robin: bool,
    repetitions: int | None,
    self_play: bool,
    noise: float | None,
    prob_end: float | None,
    strategies: str | None,
    seats: str | None,
    plot: bool,
    workers: int,
    scheduler: str | None,
    chunk_runs: int,
    as_json: bool,
) -> None:
    """Rank every player strategy, plus the built-ins reciprocity, random and greedy, by mean payoff.

    All entrants play the same runs (common random numbers); the table shows each mean with its
    95% confidence interval and the paired difference to the leader. The built-ins are described
    in docs/dilemma.md: reciprocity cooperates first, then mirrors the counterpart whose choices
    move the player's payoff most; greedy is a myopic best response; random is uniform.

    With `--round-robin`, Axelrod's tournament instead (docs/games.md): every reusable strategy of
    the scenario against every one (itself too, unless `--no-self-play`), `--repetitions` matches a
    pair, with optional `--noise` and `--prob-end`; ranked by median score per turn against the
    others, with the per-pair score matrix and, with `--plot`, box plots in the terminal.

    \b
    Example:
      dilemma-sim tournament pakistan-ttp --runs 5000
      dilemma-sim tournament pakistan-ttp --json | jq '.ranking[0].strategy'
      dilemma-sim tournament ipd --round-robin --repetitions 50 --noise 0.05 --plot
    """
    from dilemma_sim.batch.tournament import entrants_of, run_tournament
    from dilemma_sim.executor import StopFlag

    stop = StopFlag()
    if round_robin:
        with stop.on_sigint():
            _, cs = load_scenario_or_exit(scenario)
            round_robin_command(
                cs,
                repetitions=repetitions,
                seed=seed,
                self_play=self_play,
                noise=noise,
                prob_end=prob_end,
                strategies=strategies,
                seats=seats,
                plot=plot,
                execution=execution_of(workers, scheduler, chunk_runs),
                stop=stop,
                as_json=as_json,
            )
        return
    if repetitions is not None or noise is not None or prob_end is not None or strategies or seats or plot:
        fail("--repetitions, --noise, --prob-end, --strategies, --seats and --plot go with --round-robin")
    with stop.on_sigint():
        _, cs = load_scenario_or_exit(scenario)
        with progress(len(entrants_of(cs)) * runs, "runs") as advance:
            result = run_tournament(
                cs,
                runs=runs,
                seed=seed,
                execution=execution_of(workers, scheduler, chunk_runs),
                stop=stop,
                progress=advance,
            )
    if as_json:
        print_json(result.to_json())
        return
    sc = cs.scenario
    t = table(
        f"Tournament: {sc.actors[sc.player].name}, {runs} runs each, seed {seed}",
        "rank",
        "strategy",
        "mean",
        "95% CI",
        "vs best",
    )
    for i, e in enumerate(result.entries):
        vs = "–" if i == 0 else f"{e.diff:+,.1f} ± {e.diff_ci:,.1f}"
        t.columns[1].justify = "left"
        t.add_row(
            str(i + 1), f"{e.label} ({e.strategy})", num(e.mean), f"{num(e.ci_low)} – {num(e.ci_high)}", vs
        )
    console.out.print(t)


# --------------------------------------------------------------------------- explore


@main.command()
@SCENARIO
@click.option("--runs", type=runs_type(), default=2000, show_default=True, help="Runs per policy mix.")
@SEED
@execution_options
@JSON
def explore(
    scenario: str, runs: int, seed: int, workers: int, scheduler: str | None, chunk_runs: int, as_json: bool
) -> None:
    """Play SCENARIO many times with random and heuristic policies and report what never happens.

    Reports events that never fire, endings never reached, options never chosen, state variables
    pinned at a bound most of the time, and NaN anywhere. Exits 0 either way: these are hints
    for the author, not errors.

    \b
    Example:
      dilemma-sim explore pakistan-ttp --runs 5000
    """
    from dilemma_sim.batch.explore import explore as run_explore
    from dilemma_sim.batch.explore import policy_mixes
    from dilemma_sim.executor import StopFlag

    stop = StopFlag()
    with stop.on_sigint():
        _, cs = load_scenario_or_exit(scenario)
        with progress(len(policy_mixes(cs)) * runs, "runs") as advance:
            report = run_explore(
                cs,
                runs=runs,
                seed=seed,
                execution=execution_of(workers, scheduler, chunk_runs),
                stop=stop,
                progress=advance,
            )
    if as_json:
        print_json(report.to_json())
        return
    for line in report.lines():
        console.say(console.out, line)
