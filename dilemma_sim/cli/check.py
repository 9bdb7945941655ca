"""`dilemma-sim check`: replay the policy path a scenario says was followed and compare its runs
with the figures it says were observed; `--filter` keeps the parameter samples consistent with them
and `--write-variant` writes the narrowed ranges as a variant that `extends:` the scenario.

Tables go to stdout and notes and errors to stderr; with `--json` stdout carries exactly one JSON
document and nothing else. Exit status: 0 on success (whatever the calibration), 1 on invalid input
(a scenario without observations, no survivor to write), 2 on usage errors, 4 when the variant
cannot be written, 130 when stopped by Ctrl-C (nothing is reported or written then).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click
from rich.markup import escape

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import JSON, SCENARIO, SEED, load_scenario_or_exit
from dilemma_sim.cli.execution import execution_of, execution_options
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import num, print_json, progress
from dilemma_sim.errors import DilemmaError, EnvironmentProblem

if TYPE_CHECKING:
    from dilemma_sim.batch.check import CheckReport
    from dilemma_sim.batch.history_match import FilterReport

DEFAULT_RUNS = 4000


@main.command()
@SCENARIO
@click.option(
    "--runs",
    type=click.IntRange(min=2),
    help=f"Runs of the followed path (default {DEFAULT_RUNS}; not with --filter).",
)
@SEED
@click.option(
    "--filter", "filter_", is_flag=True, help="Keep the parameter samples consistent with the observations."
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="--filter: parameter samples.",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=20,
    show_default=True,
    help="--filter: runs per sample.",
)
@click.option(
    "--cutoff",
    type=click.FloatRange(min=0, min_open=True),
    default=3.0,
    show_default=True,
    help="--filter: a sample survives when its implausibility is below this for every observation.",
)
@click.option(
    "--bounds",
    type=click.Choice(["minmax", "p90"]),
    default="minmax",
    show_default=True,
    help="--filter: new range of a parameter: the survivors' min-max or their 5-95%.",
)
@click.option(
    "--write-variant",
    type=click.Path(dir_okay=False, path_type=Path),
    help="--filter: write the narrowed ranges as a variant scenario (extends: SCENARIO) to this file.",
)
@click.option("--variant-id", help="Id of the written variant (default: <scenario id>-matched).")
@execution_options
@JSON
def check(
    scenario: str,
    runs: int | None,
    seed: int,
    filter_: bool,
    samples: int,
    replicates: int,
    cutoff: float,
    bounds: Literal["minmax", "p90"],
    write_variant: Path | None,
    variant_id: str | None,
    workers: int,
    scheduler: str | None,
    chunk_runs: int,
    as_json: bool,
) -> None:
    """Compare SCENARIO's runs with its `observations:` on the policy path that was followed.

    Plays the `observations.followed` strategies with parameters sampled as usual (results do not
    depend on `--workers`, `--scheduler` or `--chunk-runs`) and shows, per
    observed figure, the runs' mean and 5/50/95% percentiles, the predictive 90% interval (the
    runs plus the figure's own uncertainty), the figure's percentile in it, the CRPS, and how many
    figures fall inside the 50% and 90% intervals against what a calibrated model would give.

    With `--filter`, draws `--samples` parameter samples, plays each `--replicates` times, and keeps
    those whose implausibility |observed - mean| / sqrt(var_obs + var_runs) is below `--cutoff`
    for every figure (history matching, docs/format.md); `--write-variant FILE` writes the
    survivors' ranges as uniform distributions in a variant of SCENARIO.

    \b
    Example:
      dilemma-sim check pakistan-ttp --runs 4000
      dilemma-sim check pakistan-ttp --filter --write-variant pakistan-ttp-matched.yaml
      dilemma-sim check pakistan-ttp --json | jq '.calibration'
    """
    from dilemma_sim.batch.check import check_scenario
    from dilemma_sim.batch.history_match import history_match

    if write_variant is not None and not filter_:
        raise click.UsageError("--write-variant needs --filter")
    if runs is not None and filter_:
        raise click.UsageError("--runs is for the plain check; with --filter give --samples and --replicates")
    if write_variant is not None and not write_variant.resolve().parent.is_dir():
        _fail(EnvironmentProblem(f"cannot write {write_variant}: its folder does not exist"))
    execution = execution_of(workers, scheduler, chunk_runs)
    from dilemma_sim.executor import StopFlag

    stop = StopFlag()
    with stop.on_sigint():
        sref, cs = load_scenario_or_exit(scenario)
        try:
            if not filter_:
                total = runs or DEFAULT_RUNS
                with progress(total, "runs") as advance:
                    report = check_scenario(cs, total, seed, execution=execution, stop=stop, progress=advance)
                if as_json:
                    print_json(report.to_json())
                else:
                    _show_check(report, f"{cs.scenario.title} — {report.runs:,} runs, seed {seed}")
                return
            with progress(samples * replicates, "runs") as advance:
                result = history_match(
                    cs,
                    samples,
                    replicates,
                    seed,
                    cutoff,
                    bounds,
                    execution=execution,
                    stop=stop,
                    progress=advance,
                )
            written = None
            if write_variant is not None:
                command = (
                    f"dilemma-sim check {shlex.quote(scenario)} --filter --samples {samples} --replicates "
                    f"{replicates} --seed {seed} --cutoff {cutoff:g} --bounds {bounds} "
                    f"--write-variant {shlex.quote(str(write_variant))}"
                )
                with stop.critical():
                    written = _write(sref.path, result, write_variant, variant_id, command)
        except DilemmaError as error:
            _fail(error)
            return
    if as_json:
        data = result.prior.to_json()
        data["filter"] = result.to_json()
        data["filter"]["variant"] = str(written) if written is not None else None
        print_json(data)
        return
    _show_check(result.prior, f"{cs.scenario.title} — prior: {result.prior.runs:,} runs, seed {seed}")
    _show_filter(result)
    if written is not None:
        console.err.print(f"variant written to {written}", markup=False, soft_wrap=True)


def _write(base_path: str, result: FilterReport, target: Path, variant_id: str | None, command: str) -> Path:
    from dilemma_sim.batch.posterior import posterior_variant, write_variant
    from dilemma_sim.scenario.loader import load_scenario

    base = load_scenario(Path(base_path))
    text = posterior_variant(base, result, target, command=command, variant_id=variant_id)
    write_variant(text, target)
    return target


def _fail(error: DilemmaError) -> None:
    console.err.print(f"{error.title}: {error.message}", style="red", markup=False, soft_wrap=True)
    if error.hint:
        console.err.print(f"hint: {error.hint}", markup=False, soft_wrap=True)
    raise SystemExit(int(error.exit_code))


def _show_check(report: CheckReport, title: str) -> None:
    out = console.out
    if report.followed:
        path = ", ".join(f"{actor} played {strategy}" for actor, strategy in report.followed.items())
        out.print(f"[bold]{title}[/bold]; followed path: {path}", soft_wrap=True, markup=True)
    else:
        out.print(f"[bold]{title}[/bold]; every actor plays its own policy", soft_wrap=True)
    for c in report.observations:
        o = c.target
        verdict = (
            "inside the 50% interval"
            if c.inside50
            else "inside the 90% interval"
            if c.inside90
            else "[red]OUTSIDE the 90% interval[/red]"
        )
        out.print(
            f"[bold]{escape(o.id)}[/bold]: {_what(o.stat, escape(o.label), o.period)}, observed "
            f"{num(o.error.value)} {o.error.describe()} ({escape(o.source)})",
            soft_wrap=True,
        )
        out.print(
            f"  runs: mean {num(c.mean)}, 5/50/95% {num(c.p5)} / {num(c.p50)} / {num(c.p95)}; "
            f"90% interval {num(c.interval90[0])} – {num(c.interval90[1])}; "
            f"percentile {c.percentile:.0%}: {verdict}; CRPS {num(c.crps, 2)}",
            soft_wrap=True,
        )
    cal = report.calibration
    out.print(
        f"Calibration: {cal.inside50} of {cal.n} inside the 50% interval (a calibrated model: about "
        f"{cal.expected50:g}, 5–95% range {cal.plausible50[0]}–{cal.plausible50[1]}); "
        f"{cal.inside90} of {cal.n} inside the 90% interval (about {cal.expected90:g}, "
        f"{cal.plausible90[0]}–{cal.plausible90[1]}).",
        soft_wrap=True,
        markup=False,
    )


def _what(stat: str, label: str, period: str) -> str:
    if stat == "total":
        return f"total {label} in {period}"
    if stat == "end":
        return f"{label} at the end of {period}"
    return f"mean {label} over {period}"


def _show_filter(result: FilterReport) -> None:
    out = console.out
    out.print(
        f"[bold]History matching[/bold]: {result.survivors} of {result.samples} parameter samples "
        f"({result.replicates} runs each) have implausibility below {result.cutoff:g} for every observation.",
        soft_wrap=True,
    )
    out.print(
        "Ruled out by each observation alone: "
        + ", ".join(f"{k} {v}" for k, v in result.ruled_out_by.items()),
        soft_wrap=True,
        markup=False,
    )
    if not result.parameters:
        return
    for p in result.parameters:
        out.print(
            f"  {escape(p.path)}: prior {num(p.prior_low, 3)} – {num(p.prior_high, 3)}; survivors "
            f"{num(p.low, 3)} – {num(p.high, 3)} (5–95% {num(p.p5, 3)} – {num(p.p95, 3)}, median "
            f"{num(p.p50, 3)}): {'narrowed' if p.narrowed else 'not narrowed'}",
            soft_wrap=True,
        )
    if result.posterior is not None:
        _show_check(result.posterior, f"Survivors' runs: {result.posterior.runs:,}")
