"""Commands that run the engine: run, batch, sweep, tournament, analyze and explore.

Tables go to stdout and progress bars, notes and errors to stderr; with `--json` stdout carries
exactly one JSON document and nothing else. Exit status: 0 on success, 1 on invalid input (or a
transcript that does not replay), 2 on usage errors, 130 when a batch was interrupted by Ctrl-C
(its output file is still written, complete for the finished runs and marked `complete: false`).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from dilemma_sim.cli import console, main

DEFAULT_SCENARIO = "pakistan-ttp"


# --------------------------------------------------------------------------- shared helpers


def _print_json(data: Any) -> None:
    """One JSON document on stdout (NaN becomes null: JSON has none)."""
    text = json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    console.out.print(text, soft_wrap=True, markup=False, emoji=False, highlight=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _fail(message: str) -> None:
    console.err.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise SystemExit(1)


def _policies(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values:
        actor, sep, policy = text.partition("=")
        if not sep or not actor or not policy:
            raise click.BadParameter(f"expected ACTOR=POLICY, got {text!r}", param_hint="--policy")
        out[actor.strip()] = policy.strip()
    return out


def _load(ref: str, overrides: dict[str, float] | None = None) -> tuple[Any, Any]:
    """(ScenarioRef, compiled scenario), or the diagnostics on stderr and exit 1."""
    from dilemma_sim.batch.runner import ScenarioRef
    from dilemma_sim.scenario.diagnostics import ScenarioError

    try:
        sref = ScenarioRef.of(ref, overrides or {})
        return sref, sref.compile()
    except ScenarioError as exc:
        for d in exc.diagnostics:
            style = "red" if d.severity == "error" else "yellow"
            console.err.print(d.format(), style=style, soft_wrap=True, markup=False, emoji=False)
        raise SystemExit(1) from None
    except ValueError as exc:
        _fail(str(exc))
        raise  # unreachable


def _check_policies(cs: Any, policies: dict[str, str]) -> None:
    from dilemma_sim.engine import build_policies

    try:
        build_policies(cs, policies)
    except (KeyError, ValueError) as exc:
        _fail(str(exc.args[0]) if exc.args else str(exc))


@contextlib.contextmanager
def _progress(total: int, what: str, *, show: bool = True) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (only on a terminal); yields `advance(n)`."""
    if not show or not console.err.is_terminal:
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console.err,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def _table(title: str, *columns: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold")
    for i, c in enumerate(columns):
        table.add_column(c, justify="left" if i == 0 else "right")
    return table


def _num(x: float, digits: int = 1) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


_SEED = click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random streams."
)
_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
)
_POLICY = click.option(
    "--policy",
    "policy",
    multiple=True,
    metavar="ACTOR=POLICY",
    help="Play ACTOR by a strategy id of the scenario, or `default`/`random` (repeatable).",
)
_SCENARIO = click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")


# --------------------------------------------------------------------------- run


@main.command()
@_SCENARIO
@_POLICY
@_SEED
@click.option(
    "--run-index", type=click.IntRange(min=0), default=0, show_default=True, help="Which run of the seed."
)
@click.option(
    "--transcript", type=click.Path(dir_okay=False, path_type=Path), help="Write the run's transcript here."
)
@click.option(
    "--check", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Replay a transcript."
)
@_JSON
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
    from dilemma_sim.engine import Simulation, check_transcript
    from dilemma_sim.engine import transcript as make_transcript

    _, cs = _load(scenario)
    if check is not None:
        try:
            problems = check_transcript(cs, check)
        except (OSError, ValueError, KeyError) as exc:
            _fail(f"{check}: cannot read the transcript: {exc}")
        if as_json:
            _print_json({"ok": not problems, "differences": problems})
        for p in problems:
            console.err.print(p, markup=False, soft_wrap=True)
        if problems:
            console.err.print(
                f"{check}: {len(problems)} difference(s) on replay", style="red", markup=False, soft_wrap=True
            )
            raise SystemExit(1)
        console.err.print(f"{check}: replays exactly", style="green", markup=False, soft_wrap=True)
        return
    policies = _policies(policy)
    _check_policies(cs, policies)
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
        from dilemma_sim.engine import write_transcript

        write_transcript(transcript, cs, seed, run_index, results)
        console.err.print(f"transcript written to {transcript}", markup=False, soft_wrap=True)
    if as_json:
        _print_json(data)
        return
    ending = data["turns"][-1]["ending"] if data["turns"] else None
    if ending:
        text = next((e.label for e in cs.endings if e.id == ending), "the horizon")
        console.out.print(f"[bold]Ending:[/bold] {text} ({ending})")
    console.out.print(
        "[bold]Totals:[/bold] " + ", ".join(f"{a} {_num(v)}" for a, v in data["totals"].items()),
        soft_wrap=True,
    )


def _show_turn(cs: Any, r: Any, sim: Any) -> None:
    sc = cs.scenario
    label = sc.calendar.label(r.turn)
    out = console.out
    out.rule(f"[bold]{label}[/bold] (turn {r.turn + 1} of {cs.turns})")
    for a in cs.actors:
        parts = []
        for info in cs.decisions:
            if info.actor != a:
                continue
            o = int(r.choices[0, info.index])
            if info.kind == "lever":
                level = info.level_labels[int(r.levels[0, info.lever])]
                parts.append(f"{info.label}: {level}" + ("" if o == 1 else f" ({info.option_ids[o]})"))
            else:
                parts.append(f"{info.label}: {info.option_labels[o]}")
        out.print(f"[bold]{sc.actors[a].name}[/bold] — " + "; ".join(parts), soft_wrap=True)
    news = []
    for info in cs.decisions:
        if info.kind == "choice":
            option = (
                sc.actors[info.actor]
                .decisions[info.id]
                .options[info.option_ids[int(r.choices[0, info.index])]]
            )
            if option.text:
                news.append(option.text.replace("{actor}", sc.actors[info.actor].name))
    for e, ev in enumerate(cs.events):
        if r.events[0, e]:
            news.append(sc.events[ev.id].text or ev.label)
    for line in news:
        out.print(f"  • {line}", markup=False, soft_wrap=True)
    state = ", ".join(
        f"{sc.state[name].label} {_num(float(r.state[0, s]))}" for s, name in enumerate(cs.state_names)
    )
    out.print(f"  [dim]state:[/dim] {state}", soft_wrap=True)
    totals = sim.state.payoff_total
    scores = ", ".join(
        f"{sc.actors[a].name} {_num(float(r.payoffs[0, i]))} (total {_num(float(totals[0, i]))})"
        for i, a in enumerate(cs.actors)
    )
    out.print(f"  [dim]scores:[/dim] {scores}", soft_wrap=True)
    if r.breakdown:
        p = cs.actors.index(sc.player)
        terms = sorted(((k, float(v[0, p])) for k, v in r.breakdown.items()), key=lambda kv: -abs(kv[1]))
        shown = ", ".join(f"{k} {v:+.1f}" for k, v in terms if abs(v) >= 0.05)
        out.print(f"  [dim]{sc.actors[sc.player].name}'s payoff:[/dim] {shown}", soft_wrap=True)


# --------------------------------------------------------------------------- batch


@main.command()
@_SCENARIO
@click.option("--runs", type=click.IntRange(min=1), default=10_000, show_default=True, help="Number of runs.")
@_SEED
@_POLICY
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes."
)
@click.option(
    "--scheduler", metavar="ADDR", help="Dask scheduler address (tcp://host:8786) instead of local workers."
)
@click.option(
    "--chunk-runs", type=click.IntRange(min=1), default=65536, show_default=True, help="Runs per chunk."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Per-run rows: .csv, .jsonl or .parquet."
)
@_JSON
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

    Results are identical for a seed whatever `--workers`, `--scheduler` or `--chunk-runs`.
    Ctrl-C stops the batch: the finished runs are summarized and written to `--out`, marked
    `complete: false`, and the command exits 130.

    `--json` prints `{"runs", "seed", "turns", "scenario", "hash", "payoff": {actor: {mean, sd, p5,
    p50, p95}}, "final_state": {var: {mean, sd, min, max}}, "counts": {var: {total_mean,
    per_year_mean}}, "endings": {id: frequency}}`.

    \b
    Example:
      dilemma-sim batch pakistan-ttp --runs 100000 --json
      dilemma-sim batch pakistan-ttp --runs 1000000 --workers 2 --out runs.parquet
      dilemma-sim batch pakistan-ttp --runs 200000 --scheduler tcp://127.0.0.1:8786
    """
    from dilemma_sim.batch.outputs import RunWriter, format_of, layout_of, scenario_facts
    from dilemma_sim.batch.runner import ChunkStream
    from dilemma_sim.batch.summary import Summary

    sref, cs = _load(scenario)
    policies = _policies(policy)
    _check_policies(cs, policies)
    if out is not None:
        try:
            format_of(out)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--out") from None
    summary = Summary.for_scenario(cs, seed)
    facts = scenario_facts(cs)
    meta = {
        "scenario": facts["scenario"],
        "hash": facts["hash"],
        "version": facts["version"],
        "seed": seed,
        "policies": json.dumps(policies, sort_keys=True),
    }
    writer = RunWriter(out, layout_of(cs), meta) if out is not None else None
    interrupted = False
    with _progress(runs, "runs") as advance:
        stream = ChunkStream(
            sref,
            runs,
            seed,
            policies,
            workers=workers,
            chunk_runs=chunk_runs,
            scheduler=scheduler,
            progress=advance,
        )
        try:
            for chunk in stream:
                summary.add(chunk.result)
                if writer is not None:
                    writer.write(chunk.result, first_run=chunk.first_run, seed=seed)
        except KeyboardInterrupt:
            interrupted = True
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
    complete = not interrupted and stream.complete
    if writer is not None:
        writer.close(complete=complete)
    if interrupted:
        where = f"; {out} holds them, marked complete: false" if out is not None else ""
        console.err.print(
            f"interrupted: {summary.runs} of {runs} runs finished{where}",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    elif out is not None:
        console.err.print(f"{summary.runs} runs written to {out}", markup=False, soft_wrap=True)
    result = summary.result()
    if as_json:
        _print_json(result)
    else:
        _show_summary(cs, result)
    if interrupted:
        raise SystemExit(130)


def _show_summary(cs: Any, s: dict[str, Any]) -> None:
    sc = cs.scenario
    out = console.out
    out.print(
        f"[bold]{sc.title}[/bold] — {s['runs']:,} runs, seed {s['seed']}, hash {s['hash']}", soft_wrap=True
    )
    t = _table("Total payoff", "actor", "mean", "sd", "p5", "median", "p95")
    for a, st in s["payoff"].items():
        t.add_row(sc.actors[a].name, *(_num(st[k]) for k in ("mean", "sd", "p5", "p50", "p95")))
    out.print(t)
    if s["counts"]:
        years = max(len(c["per_year_mean"]) for c in s["counts"].values())
        t = _table("Counts (mean per run)", "variable", "total", *(f"year {y + 1}" for y in range(years)))
        for name, c in s["counts"].items():
            t.add_row(sc.state[name].label, _num(c["total_mean"]), *(_num(v) for v in c["per_year_mean"]))
        out.print(t)
    t = _table("Final state", "variable", "mean", "sd", "min", "max")
    for name, st in s["final_state"].items():
        if sc.state[name].kind == "level":
            t.add_row(sc.state[name].label, *(_num(st[k]) for k in ("mean", "sd", "min", "max")))
    out.print(t)
    t = _table("Endings", "ending", "share")
    for eid, share in s["endings"].items():
        label = sc.endings[eid].label if eid in sc.endings else "reached the horizon"
        t.add_row(f"{label} ({eid})", f"{share:.1%}")
    out.print(t)


# --------------------------------------------------------------------------- sweep


@main.command()
@_SCENARIO
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
    "--runs", type=click.IntRange(min=2), default=1000, show_default=True, help="Runs per point and strategy."
)
@_SEED
@_JSON
def sweep(
    scenario: str,
    params: tuple[str, ...],
    design: str,
    points: int | None,
    runs: int,
    seed: int,
    as_json: bool,
) -> None:
    """Run every player strategy at every point of a parameter design: who is best where, what matters.

    PATH is a YAML path into the scenario (`parameters.lethality`, `actors.pakistan.utility.security`);
    a distribution there is replaced by the fixed value. Every strategy plays the same runs at
    every point (common random numbers). The sensitivity ranking orders the parameters by the
    standardized regression coefficient (SRC) of the player's best mean payoff on them; `range` is
    the spread of that payoff's mean across STEPS bins of the parameter.

    \b
    Example:
      dilemma-sim sweep pakistan-ttp --param parameters.restraint_effect=3:8:3 \\
          --param parameters.concession_threshold=5.5:11:3
      dilemma-sim sweep pakistan-ttp --param parameters.lethality=4:6:4 \\
          --param parameters.offensive_effect=2:5:4 --design sobol --points 32 --runs 500 --json
    """
    from dilemma_sim.batch.sweep import SweepParam, design_points, run_sweep
    from dilemma_sim.scenario.diagnostics import ScenarioError

    try:
        specs = [SweepParam.parse(p) for p in params]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from None
    sref, cs = _load(scenario)
    n_points = len(design_points(specs, design, points=points, seed=seed))
    try:
        with _progress(n_points, "points") as advance:
            result = run_sweep(
                sref, specs, design=design, points=points, runs=runs, seed=seed, progress=advance
            )
    except ScenarioError as exc:
        for d in exc.diagnostics:
            console.err.print(d.format(), style="red", soft_wrap=True, markup=False)
        raise SystemExit(1) from None
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(result.to_json())
        return
    sc = cs.scenario
    t = _table(
        f"Mean total payoff of {sc.actors[sc.player].name} ({runs} runs per cell, seed {seed})",
        *(p.path.split(".")[-1] for p in specs),
        *result.strategies,
        "best",
    )
    for i, point in enumerate(result.points):
        best = int(result.means[i].argmax())
        cells = [f"[bold]{_num(v)}[/bold]" if k == best else _num(v) for k, v in enumerate(result.means[i])]
        t.add_row(*(f"{v:g}" for v in point), *cells, result.best[i])
    console.out.print(t)
    counts = result.best_counts()
    console.out.print(
        "[bold]Best at:[/bold] " + ", ".join(f"{s} {n}/{len(result.points)}" for s, n in counts.items() if n),
        soft_wrap=True,
    )
    t = _table("Sensitivity (player's best mean payoff)", "parameter", "SRC", "range")
    for row in result.ranking():
        t.add_row(row["path"], f"{row['src']:+.2f}", _num(row["range"]))
    console.out.print(t)


# --------------------------------------------------------------------------- tournament


@main.command()
@_SCENARIO
@click.option(
    "--runs", type=click.IntRange(min=2), default=2000, show_default=True, help="Runs per strategy."
)
@_SEED
@_JSON
def tournament(scenario: str, runs: int, seed: int, as_json: bool) -> None:
    """Rank every player strategy, plus the built-ins reciprocity, random and greedy, by mean payoff.

    All entrants play the same runs (common random numbers); the table shows each mean with its
    95% confidence interval and the paired difference to the leader. The built-ins are described
    in docs/dilemma.md: reciprocity cooperates first, then mirrors the counterpart whose choices
    move the player's payoff most; greedy is a myopic best response; random is uniform.

    \b
    Example:
      dilemma-sim tournament pakistan-ttp --runs 5000
      dilemma-sim tournament pakistan-ttp --json | jq '.ranking[0].strategy'
    """
    from dilemma_sim.batch.tournament import entrants_of, run_tournament

    _, cs = _load(scenario)
    with _progress(len(entrants_of(cs)), "strategies") as advance:
        result = run_tournament(cs, runs=runs, seed=seed, progress=advance)
    if as_json:
        _print_json(result.to_json())
        return
    sc = cs.scenario
    t = _table(
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
            str(i + 1), f"{e.label} ({e.strategy})", _num(e.mean), f"{_num(e.ci_low)} – {_num(e.ci_high)}", vs
        )
    console.out.print(t)


# --------------------------------------------------------------------------- analyze


@main.command()
@_SCENARIO
@click.option(
    "--turn", type=click.IntRange(min=0), default=None, help="Analyze the stage game at this 0-based turn."
)
@click.option(
    "--nfg", type=click.Path(file_okay=False, path_type=Path), help="Also write each game as a Gambit .nfg."
)
@_SEED
@_JSON
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

    _, cs = _load(scenario)
    if turn is not None and turn >= cs.turns:
        raise click.BadParameter(
            f"the scenario has {cs.turns} turns (0..{cs.turns - 1})", param_hint="--turn"
        )
    games = stage_games(cs, turn=turn, seed=seed)
    if nfg is not None:
        from dilemma_sim.engine.games import to_nfg

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
        console.err.print(f"{len(games)} game(s) written to {nfg}", markup=False, soft_wrap=True)
    if as_json:
        _print_json({"games": [g.to_json() for g in games]})
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
    t = _table(title, "", *g.col_options)
    eq_cells = (
        {(int(np.argmax(e.row)), int(np.argmax(e.col))) for e in g.equilibria if e.pure}
        if g.equilibria
        else set()
    )
    for i, ro in enumerate(g.row_options):
        cells = []
        for j in range(len(g.col_options)):
            text = f"{g.row_payoffs[i][j]:,.1f} / {g.col_payoffs[i][j]:,.1f}"
            if (i, j) in eq_cells:
                text = f"[bold]{text} ★[/bold]"
            elif (i, j) in set(map(tuple, g.pareto)):
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
    console.out.print(
        "\n".join(f"  {n}" for n in notes) + "\n  (★ pure Nash equilibrium, · Pareto optimal)",
        markup=False,
        soft_wrap=True,
    )


# --------------------------------------------------------------------------- explore


@main.command()
@_SCENARIO
@click.option(
    "--runs", type=click.IntRange(min=1), default=2000, show_default=True, help="Runs per policy mix."
)
@_SEED
@_JSON
def explore(scenario: str, runs: int, seed: int, as_json: bool) -> None:
    """Play SCENARIO many times with random and heuristic policies and report what never happens.

    Reports events that never fire, endings never reached, options never chosen, state variables
    pinned at a bound most of the time, and NaN anywhere. Exits 0 either way: these are hints
    for the author, not errors.

    \b
    Example:
      dilemma-sim explore pakistan-ttp --runs 5000
    """
    from dilemma_sim.batch.explore import explore as run_explore

    _, cs = _load(scenario)
    with _progress(1, "exploring") as advance:
        report = run_explore(cs, runs=runs, seed=seed)
        advance(1)
    if as_json:
        _print_json(report.to_json())
        return
    for line in report.lines():
        console.out.print(line, markup=False, soft_wrap=True)
