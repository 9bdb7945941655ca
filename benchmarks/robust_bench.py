"""Speed and memory of a robustness study (issue #9's target; figures in docs/benchmarks.md).

    python benchmarks/robust_bench.py            # 1,000 points x 6 strategies x 200 runs, --workers 2
    python benchmarks/robust_bench.py --quick    # 100 points (a tenth of the work)

The study runs in a fresh child process (`--child`), so its peak memory is its own: the child
reports its wall time, its own peak RSS (`getrusage(RUSAGE_SELF)`) and the largest peak RSS of
its worker processes (`getrusage(RUSAGE_CHILDREN)`, read after the pool has exited). The sum of
the parent's and two workers' peaks bounds the memory the study used at any moment. The load
average is printed before and after: other work on a shared machine slows the study down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = "pakistan-ttp"
STRATEGIES = "hedge,always-appease,always-confront,reciprocity,random,greedy"
"""Three of the scenario's strategies and the three built-ins (greedy, a best response, is the slowest)."""


def child(samples: int, runs: int, workers: int, strategies: str, chunk_runs: int) -> dict[str, object]:
    from dilemma_sim.batch.robust import plan_robust, run_robust
    from dilemma_sim.executor import Execution, ScenarioRef

    t0 = time.perf_counter()
    plan = plan_robust(
        ScenarioRef.of(SCENARIO), samples=samples, runs=runs, seed=0, strategies=strategies.split(",")
    )
    t1 = time.perf_counter()
    result = run_robust(plan, execution=Execution(workers=workers, chunk_runs=chunk_runs))
    t2 = time.perf_counter()
    kib = 1024
    return {
        "points": len(result.points),
        "strategies": len(result.strategies),
        "runs_per_point": runs,
        "total_runs": len(result.points) * len(result.strategies) * runs,
        "workers": workers,
        "chunk_runs": chunk_runs,
        "plan_s": t1 - t0,
        "wall_s": t2 - t0,
        "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1e6,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 1e6,
        "most_robust": result.most_robust()["max_regret"],
        "cpu_s": sum(
            getattr(resource.getrusage(who), f)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 points instead of 1,000")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strategies", default=STRATEGIES)
    parser.add_argument(
        "--chunk-runs", type=int, default=16384, help="rows per task (the executor's default)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    samples = args.samples or (100 if args.quick else 1000)
    if args.child:
        print(json.dumps(child(samples, args.runs, args.workers, args.strategies, args.chunk_runs)))
        return
    load_before = os.getloadavg()
    command = [sys.executable, __file__, "--child", "--samples", str(samples), "--runs", str(args.runs)]
    command += [
        "--workers",
        str(args.workers),
        "--strategies",
        args.strategies,
        "--chunk-runs",
        str(args.chunk_runs),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["load_before"] = [round(x, 2) for x in load_before]
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["bound_mb"] = figures["parent_peak_mb"] + args.workers * figures["worker_peak_mb"]
    print(json.dumps(figures, indent=2))
    f = figures
    print(
        f"{f['total_runs']:,} runs ({f['points']} points x {f['strategies']} strategies x "
        f"{f['runs_per_point']} runs) in {f['wall_s']:.1f} s with {args.workers} workers; peak RSS "
        f"parent {f['parent_peak_mb']:.0f} MB, largest worker {f['worker_peak_mb']:.0f} MB "
        f"(at most {f['bound_mb']:.0f} MB together); {f['cpu_s']:.0f} CPU-s; load average "
        f"{f['load_before'][0]} before"
    )


if __name__ == "__main__":
    main()
