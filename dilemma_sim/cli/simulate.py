"""Commands that play the scenario: run (one run, turn by turn) and batch (Monte Carlo).

Tables go to stdout and progress bars, notes and errors to stderr; with `--json` stdout carries
exactly one JSON document and nothing else. Exit status: 0 on success, 1 on invalid input (or a
transcript that does not replay), 2 on usage errors, 130 when a batch was interrupted by Ctrl-C
(its output file is still written, complete for the finished runs and marked `complete: false`).
The analysis commands (sweep, tournament, analyze, explore) are in `dilemma_sim.cli.analysis`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import (
    DEFAULT_SCENARIO,
    JSON,
    POLICY,
    SCENARIO,
    SEED,
    check_policies,
    load_scenario_or_exit,
    parse_policies,
    runs_type,
)
from dilemma_sim.cli.execution import execution_of, execution_options
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import fail, num, print_json, progress, table

if TYPE_CHECKING:  # the engine and the executor load when a command runs, not for `--help`
    from dilemma_sim.batch.summary import BatchSummary
    from dilemma_sim.engine import Simulation, TurnResult
    from dilemma_sim.engine.tables import CompiledScenario

__all__ = ["DEFAULT_SCENARIO", "batch", "run"]


# --------------------------------------------------------------------------- run


@main.command()
@SCENARIO
@POLICY
@SEED
@click.option(
    "--run-index", type=click.IntRange(min=0), default=0, show_default=True, help="Which run of the seed."
)
@click.option(
    "--transcript", type=click.Path(dir_okay=False, path_type=Path), help="Write the run's transcript here."
)
@click.option(
    "--check", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Replay a transcript."
)
@JSON
def run(
    scenario: str,
    policy: tuple[str, ...],
    seed: int,
    run_index: int,
    transcript: Path | None,
    check: Path | None,
    as_json: bool,
) -> None:
    """Play one run of SCENARIO turn by turn: choices, news, state, scores and the player's breakdown.

    With `--check FILE`, replay the transcript FILE instead and exit 1 listing every difference
    (a transcript replays exactly from scenario hash, seed, run index and choices).

    \b
    Example:
      dilemma-sim run pakistan-ttp --policy pakistan=hedge --seed 3
      dilemma-sim run pakistan-ttp --transcript run.json && dilemma-sim run pakistan-ttp --check run.json
    """
    from dilemma_sim.engine import Simulation, check_transcript, write_transcript
    from dilemma_sim.engine import transcript as make_transcript

    _, cs = load_scenario_or_exit(scenario)
    if check is not None:
        try:
            problems = check_transcript(cs, check)
        except (OSError, ValueError, KeyError) as exc:
            fail(f"{check}: cannot read the transcript: {exc}")
        if as_json:
            print_json({"ok": not problems, "differences": problems})
        for p in problems:
            console.say(console.err, p)
        if problems:
            console.say(console.err, f"{check}: {len(problems)} difference(s) on replay", "red")
            raise SystemExit(1)
        console.say(console.err, f"{check}: replays exactly", "green")
        return
    policies = parse_policies(policy)
    check_policies(cs, policies)
    sim = Simulation(cs, runs=1, seed=seed, first_run=run_index, policies=policies, breakdown=True)
    results = []
    while not sim.done:
        results.append(sim.advance())
        if not as_json:
            _show_turn(cs, results[-1], sim)
    data = make_transcript(cs, seed, run_index, results)
    data["totals"] = {a: float(sim.state.payoff_total[0, i]) for i, a in enumerate(cs.actors)}
    data["discounted"] = {a: float(sim.state.payoff_discounted[0, i]) for i, a in enumerate(cs.actors)}
    if transcript is not None:
        write_transcript(transcript, cs, seed, run_index, results)
        console.say(console.err, f"transcript written to {transcript}")
    if as_json:
        print_json(data)
        return
    ending = data["turns"][-1]["ending"] if data["turns"] else None
    if ending:
        text = next((e.label for e in cs.endings if e.id == ending), "the horizon")
        console.out.print(Text("Ending: ", style="bold") + console.plain(f"{text} ({ending})"))
    totals = ", ".join(f"{a} {num(v)}" for a, v in data["totals"].items())
    console.out.print(Text("Totals: ", style="bold") + console.plain(totals), soft_wrap=True)


def _show_turn(cs: CompiledScenario, r: TurnResult, sim: Simulation) -> None:
    from dilemma_sim.engine.turn_view import run_views, turn_lines

    view = run_views(cs, sim.seed, sim.first_run, sim.history)[-1]
    title, lines = turn_lines(cs, view, cs.scenario.player)
    console.out.rule(console.plain(title, "bold"))
    for line in lines:
        console.say(console.out, line)


# --------------------------------------------------------------------------- batch


@main.command()
@SCENARIO
@click.option("--runs", type=runs_type(), default=10_000, show_default=True, help="Number of runs.")
@SEED
@POLICY
@execution_options
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Per-run rows: .csv, .jsonl or .parquet."
)
@JSON
def batch(
    scenario: str,
    runs: int,
    seed: int,
    policy: tuple[str, ...],
    workers: int,
    scheduler: str | None,
    chunk_runs: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """Monte Carlo: play SCENARIO N times and summarize payoffs, final state, counts and endings.

    Results, the JSON summary included, are identical for a seed whatever `--workers`,
    `--scheduler` or `--chunk-runs`. Ctrl-C stops the batch after the chunks in hand: the finished
    runs (the first K runs) are summarized and written to `--out`, marked `complete: false`, and
    the command exits 130; a second Ctrl-C stops at once, keeping what was written.

    `--json` prints `{"runs", "seed", "turns", "scenario", "hash", "payoff": {actor: {mean, sd, p5,
    p50, p95}}, "final_state": {var: {mean, sd, min, max}}, "counts": {var: {total_mean,
    per_year_mean}}, "endings": {id: frequency}}`.

    \b
    Example:
      dilemma-sim batch pakistan-ttp --runs 100000 --json
      dilemma-sim batch pakistan-ttp --runs 1000000 --workers 2 --out runs.parquet
      dilemma-sim batch pakistan-ttp --runs 200000 --scheduler tcp://127.0.0.1:8786
    """
    # the studies layer (scipy.stats) is loaded by the command, not by `--help`
    from dilemma_sim.batch.layout import layout_of, scenario_facts
    from dilemma_sim.batch.outputs import RunWriter, format_of
    from dilemma_sim.batch.summary import Summary
    from dilemma_sim.executor import Job, JobRun, StopFlag, assignment
    from dilemma_sim.executor.reductions import Summarize

    stop = StopFlag()
    with stop.on_sigint():
        _, cs = load_scenario_or_exit(scenario)
        policies = parse_policies(policy)
        check_policies(cs, policies)
        if out is not None:
            try:
                format_of(out)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--out") from None
        if stop.is_set():
            raise SystemExit(130)
        summary = Summary(cs, seed, runs=runs)
        facts = scenario_facts(cs)
        meta = {
            "scenario": facts["scenario"],
            "hash": facts["hash"],
            "version": facts["version"],
            "seed": seed,
            "policies": json.dumps(policies, sort_keys=True),
        }
        reduction = None if out is not None else Summarize(facts["turns_per_year"])
        job = Job(cs, seed, runs, assignment(policies), reduction=reduction, label="batch")
        writer = RunWriter(out, layout_of(cs), meta) if out is not None else None
        interrupted = False
        try:
            with progress(runs, "runs") as advance:
                run = JobRun([job], execution_of(workers, scheduler, chunk_runs), stop=stop, progress=advance)
                try:
                    for part in run:
                        with stop.critical():  # a chunk is written and counted as one step
                            if writer is not None:
                                writer.write(part.value, first_run=part.task.first_run, seed=seed)
                                summary.add(part.value)
                            else:
                                summary.add_part(part.value, part.task.first_run)
                except KeyboardInterrupt:
                    interrupted = True
            interrupted = interrupted or not run.complete
            if writer is not None:
                try:
                    with stop.critical():
                        writer.close(complete=not interrupted)
                except KeyboardInterrupt:  # held until the file was whole
                    interrupted = True
        finally:
            if writer is not None:
                writer.abort()  # no-op once closed: otherwise the temporary file goes
    if interrupted:
        where = f"; {out} holds them, marked complete: false" if out is not None else ""
        console.say(console.err, f"interrupted: {summary.runs:,} of {runs:,} runs finished{where}", "yellow")
    elif out is not None:
        console.say(console.err, f"{summary.runs:,} runs written to {out}")
    result = summary.result()
    if as_json:
        print_json(result)
    else:
        _show_summary(cs, result)
    if interrupted:
        raise SystemExit(130)


def _show_summary(cs: CompiledScenario, s: BatchSummary) -> None:
    sc = cs.scenario
    out = console.out
    facts = f" — {s['runs']:,} runs, seed {s['seed']}, hash {s['hash']}"
    out.print(console.plain(sc.title, "bold") + console.plain(facts), soft_wrap=True)
    t = table("Total payoff", "actor", "mean", "sd", "p5", "median", "p95")
    for a, st in s["payoff"].items():
        t.add_row(
            sc.actors[a].name, *(num(v) for v in (st["mean"], st["sd"], st["p5"], st["p50"], st["p95"]))
        )
    out.print(t)
    if s["counts"]:
        years = max(len(c["per_year_mean"]) for c in s["counts"].values())
        t = table("Counts (mean per run)", "variable", "total", *(f"year {y + 1}" for y in range(years)))
        for name, c in s["counts"].items():
            t.add_row(sc.state[name].label, num(c["total_mean"]), *(num(v) for v in c["per_year_mean"]))
        out.print(t)
    t = table("Final state", "variable", "mean", "sd", "min", "max")
    for name, end in s["final_state"].items():
        if sc.state[name].kind == "level":
            t.add_row(
                sc.state[name].label, *(num(v) for v in (end["mean"], end["sd"], end["min"], end["max"]))
            )
    out.print(t)
    t = table("Endings", "ending", "share")
    for eid, share in s["endings"].items():
        label = sc.endings[eid].label if eid in sc.endings else "reached the horizon"
        t.add_row(f"{label} ({eid})", f"{share:.1%}")
    out.print(t)
