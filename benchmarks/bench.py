"""Speed and memory figures of the engine on the default scenario (see docs/benchmarks.md).

    python benchmarks/bench.py            # everything (about two minutes on 2 cores)
    python benchmarks/bench.py --quick    # skip the million-run figures

Figures: run-turns per second in one process (100k runs x 12 turns, best of 3); speedup over the
scalar reference engine (tests/reference_engine.py) per run; peak memory (max RSS of a fresh
process) of a million runs streamed with default chunks into a summary and a Parquet file; the
advisor's latency for 2,000 rollouts per option (the posture decision, and all options of
every decision); and how the cost scales with runs and turns.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = "pakistan-ttp"


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    """Fastest wall time of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def throughput(runs: int = 100_000, repeat: int = 3) -> dict[str, float]:
    from dilemma_sim import api
    from dilemma_sim.executor import run_batch

    cs = api.load(SCENARIO)
    run_batch(cs, 2048, 0)  # warm up
    seconds = best_of(repeat, lambda: run_batch(cs, runs, 0))
    return {"runs": runs, "turns": cs.turns, "seconds": seconds, "run_turns_per_s": runs * cs.turns / seconds}


def reference_speedup(engine_runs: int = 2000, reference_runs: int = 200) -> dict[str, float]:
    """Per-run time of the scalar reference (on `reference_runs`) over the engine's (on `engine_runs`)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_engine import reference_runs as scalar  # type: ignore[import-not-found]

    from dilemma_sim import api
    from dilemma_sim.executor import run_batch

    cs = api.load(SCENARIO)
    engine = best_of(3, lambda: run_batch(cs, engine_runs, 0)) / engine_runs
    reference = best_of(1, lambda: scalar(cs.scenario, 0, range(reference_runs))) / reference_runs
    return {
        "engine_ms_per_run": engine * 1e3,
        "reference_ms_per_run": reference * 1e3,
        "speedup": reference / engine,
        "engine_runs": engine_runs,
        "reference_runs": reference_runs,
    }


_STREAM = """
import json, resource, sys, time
from dilemma_sim.batch.layout import layout_of
from dilemma_sim.batch.outputs import RunWriter
from dilemma_sim.batch.summary import Summary
from dilemma_sim.executor import Job, JobRun, ScenarioRef
cs = ScenarioRef.of(sys.argv[1]).compile(); runs = int(sys.argv[2])
summary = Summary(cs, 0)
t = time.perf_counter()
with RunWriter(sys.argv[3], layout_of(cs), {"seed": 0}) as writer:
    for part in JobRun([Job(cs, 0, runs)]):
        summary.add(part.value)
        writer.write(part.value, first_run=part.task.first_run, seed=0)
seconds = time.perf_counter() - t
summary.result()
print(json.dumps({"runs": runs, "seconds": seconds,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def streamed(runs: int = 1_000_000) -> dict[str, float]:
    """A fresh process streams `runs` runs (default chunks) into a summary and a Parquet file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "runs.parquet")
        proc = subprocess.run(
            [sys.executable, "-c", _STREAM, SCENARIO, str(runs), out],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        data["file_mb"] = os.path.getsize(out) / 2**20
    data["run_turns_per_s"] = runs * 12 / data["seconds"]
    return data


def advisor_latency(rollouts: int = 2000) -> dict[str, float]:
    from dilemma_sim import api
    from dilemma_sim.engine import Simulation
    from dilemma_sim.engine.advisor import advise

    cs = api.load(SCENARIO)
    state = Simulation(cs, runs=1, seed=0).snapshot()
    posture = [f"{cs.scenario.player}.posture"]
    advise(cs, state, cs.scenario.player, rollouts=200, seed=0)  # warm up
    one = best_of(
        3, lambda: advise(cs, state, cs.scenario.player, rollouts=rollouts, seed=1, decisions=posture)
    )
    every = best_of(3, lambda: advise(cs, state, cs.scenario.player, rollouts=rollouts, seed=1))
    n_posture = len(cs.decisions[cs.decision_index[posture[0]]].option_ids)
    n_all = sum(len(d.option_ids) for d in cs.decisions if d.actor == cs.scenario.player)
    return {
        "rollouts_per_option": rollouts,
        "posture_options": n_posture,
        "posture_seconds": one,
        "all_options": n_all,
        "all_decisions_seconds": every,
    }


def scaling(quick: bool) -> dict[str, list[dict[str, float]]]:
    from dilemma_sim import api
    from dilemma_sim.executor import run_batch

    cs = api.load(SCENARIO)
    by_runs = []
    for runs in (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000):
        s = best_of(1 if runs >= 1_000_000 else 2, lambda runs=runs: _chunked(cs, runs))
        by_runs.append({"runs": runs, "seconds": s, "us_per_run_turn": s / (runs * cs.turns) * 1e6})
    by_turns = []
    for turns in (12, 24, 48):
        cst = api.load(SCENARIO, {"turns": turns})
        run_batch(cst, 1024, 0)
        s = best_of(2, lambda cst=cst: run_batch(cst, 20_000, 0))
        by_turns.append(
            {"turns": turns, "runs": 20_000, "seconds": s, "us_per_run_turn": s / (20_000 * turns) * 1e6}
        )
    return {"runs": by_runs, "turns": by_turns}


def _chunked(cs: Any, runs: int) -> None:
    from dilemma_sim.executor import Job, JobRun

    for _ in JobRun([Job(cs, 0, runs)]):
        pass


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the million-run figures")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine()}
    figures["throughput"] = throughput()
    figures["reference"] = reference_speedup()
    figures["advisor"] = advisor_latency()
    if not args.quick:
        figures["streamed_1m"] = streamed()
    figures["scaling"] = scaling(args.quick)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    m, t, r, a = figures["machine"], figures["throughput"], figures["reference"], figures["advisor"]
    print(f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, numpy {m['numpy']}")
    print(
        f"throughput: {t['run_turns_per_s']:,.0f} run-turns/s ({t['runs']:,} runs x {t['turns']} turns "
        f"in {t['seconds']:.2f} s, best of 3)   target >= 1,000,000"
    )
    print(
        f"vs scalar reference: {r['speedup']:,.0f}x ({r['engine_ms_per_run']:.3f} ms/run vs "
        f"{r['reference_ms_per_run']:.1f} ms/run)   target >= 100x"
    )
    print(
        f"advisor, {a['rollouts_per_option']} rollouts/option: posture ({a['posture_options']} options) "
        f"{a['posture_seconds'] * 1e3:.0f} ms   target < 300 ms"
    )
    print(
        f"advisor, {a['rollouts_per_option']} rollouts/option: all {a['all_options']} options of every "
        f"decision {a['all_decisions_seconds'] * 1e3:.0f} ms   target < 300 ms"
    )
    if "streamed_1m" in figures:
        s = figures["streamed_1m"]
        print(
            f"1,000,000 runs streamed (summary + Parquet): peak RSS {s['max_rss_mb']:.0f} MB, "
            f"{s['seconds']:.1f} s, file {s['file_mb']:.0f} MB   target < 1024 MB"
        )
    for row in figures["scaling"]["runs"]:
        print(
            f"scaling, runs {row['runs']:>9,}: {row['seconds']:7.2f} s  "
            f"{row['us_per_run_turn']:.3f} us/run-turn"
        )
    for row in figures["scaling"]["turns"]:
        print(
            f"scaling, turns {row['turns']:>3} x {row['runs']:,} runs: {row['seconds']:6.2f} s  "
            f"{row['us_per_run_turn']:.3f} us/run-turn"
        )


if __name__ == "__main__":
    main()
