"""`dilemma-sim robust`: which strategy holds up across the worlds nobody can rule out (docs/robust.md).

Tables and terminal pictures go to stdout, progress and notes to stderr; with `--json` stdout
carries exactly one JSON document. `--out` writes the per-point data, `--report` an HTML page.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import JSON, SCENARIO, SEED, load_scenario_or_exit
from dilemma_sim.cli.execution import execution_of, execution_options
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import num, print_json, progress, table

if TYPE_CHECKING:
    from dilemma_sim.batch.robust_result import RobustResult


@main.command()
@SCENARIO
@click.option("--samples", type=click.IntRange(min=2), default=200, show_default=True, help="Design points.")
@click.option(
    "--runs", type=click.IntRange(min=2), default=200, show_default=True, help="Runs per point and strategy."
)
@SEED
@execution_options
@JSON
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Per-point rows: .csv/.jsonl/.parquet."
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH=LO:HI",
    help="Vary only this YAML path over [LO, HI] (repeatable; default: every uncertain parameter).",
)
@click.option(
    "--strategies", metavar="A,B,...", help="Strategy ids to compare (default: all, built-ins too)."
)
@click.option("--design", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True)
@click.option(
    "--space",
    type=click.Choice(["range", "prior"]),
    default="range",
    show_default=True,
    help="Points uniform over each range, or drawn through the scenario's own distributions.",
)
@click.option(
    "--tolerance", type=click.FloatRange(min=0), help="Regret counted as 'near the best' (payoff units)."
)
@click.option(
    "--where", metavar="ENDING", help="Find where this ending happens instead of where each strategy wins."
)
@click.option(
    "--where-share",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=0.5,
    show_default=True,
    help="With --where: a point counts when more than this share of runs end so.",
)
@click.option("--sobol", is_flag=True, help="Sobol indices on a separate Saltelli design (needs SALib).")
@click.option(
    "--sobol-base",
    type=click.IntRange(min=2),
    default=64,
    show_default=True,
    help="Saltelli base N (a power of two): N * (parameters + 2) more points.",
)
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report here.")
@click.option(
    "--plots/--no-plots", default=True, show_default=True, help="Terminal pictures after the tables."
)
def robust(
    scenario: str,
    samples: int,
    runs: int,
    seed: int,
    workers: int,
    scheduler: str | None,
    chunk_runs: int,
    as_json: bool,
    out: Path | None,
    params: tuple[str, ...],
    strategies: str | None,
    design: str,
    space: str,
    tolerance: float | None,
    where: str | None,
    where_share: float,
    sobol: bool,
    sobol_base: int,
    report: Path | None,
    plots: bool,
) -> None:
    """Score every player strategy across a design over the scenario's uncertain parameters.

    At each of SAMPLES points (Latin hypercube or Sobol over every uncertain parameter's range, or
    the --param ranges) every strategy plays the same RUNS runs. Per strategy: the mean, worst
    and 10th percentile of its per-point mean payoff, its regret (the best strategy's mean at the
    point minus its own: maximum and 90th percentile), and the share of points where it is best
    or within the tolerance of the best. PRIM boxes show where each strategy wins (or, with
    --where, where an ending is common); parameters are ranked by how much they decide the
    winner. --sobol adds Sobol indices of each strategy's regret. Results are identical for a
    seed whatever --workers, --scheduler or --chunk-runs. Method and metrics: docs/robust.md.

    \b
    Example:
      dilemma-sim robust pakistan-ttp --samples 64 --workers 2
      dilemma-sim robust tutorial-standoff --where war --report robust.html
      dilemma-sim robust pakistan-ttp --samples 32 --strategies hedge,always-appease \\
          --sobol --sobol-base 16 --json
    """
    from dilemma_sim.batch.robust import plan_robust, run_robust

    picked = [s.strip() for s in strategies.split(",") if s.strip()] if strategies else None
    from dilemma_sim.executor import StopFlag

    stop = StopFlag()
    with stop.on_sigint():
        sref, _ = load_scenario_or_exit(scenario)
        if out is not None:
            _check_out(out)
        plan = plan_robust(
            sref,
            samples=samples,
            runs=runs,
            seed=seed,
            params=params or None,
            strategies=picked,
            design=design,
            space=space,
            sobol=sobol,
            sobol_base=sobol_base,
        )
        with progress(plan.rows, "runs") as advance:
            result = run_robust(
                plan,
                tolerance=tolerance,
                where=where,
                where_share=where_share,
                execution=execution_of(workers, scheduler, chunk_runs),
                stop=stop,
                progress=advance,
            )
        if out is not None:
            _write_out(out, result, samples)
        if report is not None:
            from dilemma_sim.cli.robust_report import write_report

            write_report(report, result, "dilemma-sim " + shlex.join(sys.argv[1:]))
    if out is not None:
        console.err.print(
            f"{len(result.points) * len(result.strategies):,} rows written to {out}", markup=False
        )
    if report is not None:
        console.err.print(f"report written to {report}", markup=False)
    if as_json:
        print_json(result.to_json())
        return
    show(result)
    if plots:
        from rich.text import Text

        from dilemma_sim.cli.robust_plots import regret_boxes, winner_scatter

        color = console.out.is_terminal
        for picture in (regret_boxes(result, color=color), winner_scatter(result, color=color)):
            if picture:
                console.out.print(
                    Text.from_ansi(picture) if color else picture, markup=False, highlight=False
                )


def _check_out(out: Path) -> None:
    from dilemma_sim.batch.outputs import format_of

    try:
        format_of(out)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None


def _write_out(out: Path, result: RobustResult, samples: int) -> None:
    """Per-point rows with provenance, through `outputs.RunWriter` (atomic, metadata like `batch`)."""

    from dilemma_sim.batch.outputs import RunWriter
    from dilemma_sim.batch.robust_result import point_layout

    cols = result.point_columns()
    meta = {
        "command": "robust",
        "scenario": result.scenario,
        "hash": result.scenario_hash,
        "seed": result.seed,
        "runs_per_point": result.runs,
        "samples": samples,
        "design": result.design,
        "space": result.space,
        "player": result.player,
        "tolerance": result.tolerance,
        "uncertainties": [[u.path, u.low, u.high] for u in result.uncertainties],
    }
    with RunWriter(out, point_layout(list(cols)), meta) as writer:
        writer.write_columns(cols)


def _digits(result: RobustResult) -> int:
    """Decimals that show the differences between strategies: fewer for larger payoffs."""
    import numpy as np

    scale = float(np.max(np.abs(result.means))) if result.means.size else 0.0
    return 0 if scale >= 1000 else 1 if scale >= 10 else 3


def _num(x: float, digits: int) -> str:
    return num(round(x, digits) + 0.0, digits)  # + 0.0: no "-0"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def show(result: RobustResult) -> None:
    """The tables for people."""
    from rich import box

    k = len(result.points)
    t = table(
        f"Robustness of {result.player_name}'s strategies: {k} points × {result.runs} runs, "
        f"seed {result.seed}\n"
        f"({result.design} design over {len(result.uncertainties)} parameters, {result.space} space)",
        "strategy",
        "mean",
        "worst",
        "p10",
        "max regret",
        "p90 regret",
        "best",
        "≤tol",
    )
    t.box = box.SIMPLE_HEAD
    t.show_edge = False
    digits = _digits(result)
    for s in result.strategies:
        sc = s.scores
        t.add_row(
            _short(s.id, 18),
            *(_num(v, digits) for v in (sc.mean, sc.worst, sc.low, sc.max_regret, sc.high_regret)),
            f"{sc.best_share:.0%}",
            f"{sc.within_share:.0%}",
        )
    console.out.print(t)
    lead = result.most_robust()
    console.out.print(
        f"Mean total payoff per point. Regret: the best strategy's mean at the point minus the strategy's. "
        f"≤tol: regret at most {_num(result.tolerance, digits)} "
        f"({'pooled 95% CI of paired differences' if result.tolerance_rule == 'pooled' else 'given'}).\n"
        f"[bold]Most robust[/bold] by max regret: {lead['max_regret']}; by p90 regret: {lead['p90_regret']}; "
        f"by worst case: {lead['worst']}; best most often: {lead['best_share']}."
    )
    _show_decisive(result)
    _show_discovery(result)
    if result.sobol is not None:
        _show_sobol(result)


def _show_decisive(result: RobustResult) -> None:
    t = table("Parameters that decide the winner", "parameter", "explains", "range")
    for j in result.ranked_parameters()[:8]:
        u = result.uncertainties[j]
        t.add_row(
            u.path.removeprefix("parameters."), f"{result.decisive[j]:.2f}", f"{u.low:.4g} – {u.high:.4g}"
        )
    console.out.print(t)


def _show_discovery(result: RobustResult) -> None:
    k = len(result.points)
    console.out.print(f"[bold]Scenario discovery (PRIM)[/bold]: {result.target()}")
    for s in result.strategies:
        d = s.discovery
        line = f"  {s.id}: {d.points}/{k} points"
        if not d.boxes:
            console.out.print(line + (" — no box of density ≥ 80%" if d.points else ""), markup=False)
            continue
        console.out.print(line, markup=False)
        for i, b in enumerate(d.boxes, 1):
            console.out.print(
                f"    box {i}: coverage {b.coverage:.0%}, density {b.density:.0%}, mass {b.mass:.0%}",
                markup=False,
            )
            for r in b.restrictions:
                name = result.uncertainties[r.column].path.removeprefix("parameters.")
                rule = b.describe(r, name)
                console.out.print(
                    f"      {_short(rule, 50):<50} +{b.density - r.density_without:.0%} density", markup=False
                )


def _show_sobol(result: RobustResult) -> None:
    import numpy as np

    assert result.sobol is not None
    lead = result.ids.index(result.most_robust()["max_regret"])
    ix = result.sobol.regret[lead]
    t = table(
        f"Sobol indices of {result.ids[lead]}'s regret ({result.sobol.points} Saltelli points; 95% CI)",
        "parameter",
        "S1",
        "±",
        "ST",
        "±",
        "max ST, all",
    )
    st_all = np.max([i.st for i in result.sobol.regret], axis=0)
    for row in ix.to_json():
        j = ix.names.index(row["path"])
        t.add_row(
            row["path"].removeprefix("parameters."),
            f"{row['S1']:.2f}",
            f"{row['S1_conf']:.2f}",
            f"{row['ST']:.2f}",
            f"{row['ST_conf']:.2f}",
            f"{st_all[j]:.2f}",
        )
    console.out.print(t)
