"""The executor's figures (issue #10): parallel speed-up and streaming memory (see docs/benchmarks.md).

    python benchmarks/executor_bench.py            # everything (several minutes on 2 cores)
    python benchmarks/executor_bench.py --quick    # 200,000 runs instead of a million

Each figure runs the real command line in a fresh process, as a user would, and reads its wall time
and the peak resident memory of the process and of its worker processes (`os.wait4` and the
children's `getrusage`, which Linux reports as the largest among the waited-for descendants):

- `batch --runs 1000000 --json` with `--workers 1` and `--workers 2`: the speed-up (target >= 1.8);
- `batch --runs 1000000 --out runs.parquet` (one process, default chunks): the peak RSS (target
  < 300 MB);
- `sweep` and `tournament` with `--workers 1` and `--workers 2` (target >= 1.7).

The load average is printed with every figure: on a shared machine, read speed-ups at a load
well under the number of cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIO = "pakistan-ttp"
DILEMMA_SIM = [sys.executable, "-m", "dilemma_sim"]


def measure(args: list[str], cwd: str) -> dict[str, Any]:
    """Wall time and peak RSS (MB) of one command and of its largest worker."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen([*DILEMMA_SIM, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "command": "dilemma-sim " + " ".join(args),
        "seconds": round(seconds, 2),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "largest_descendant_rss_mb": round(max(before, after) / 1024, 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def speedup(args: list[str], cwd: str, repeat: int) -> dict[str, Any]:
    """The same command with one and two workers, best of `repeat` each."""
    one = min((measure([*args, "--workers", "1"], cwd) for _ in range(repeat)), key=lambda m: m["seconds"])
    two = min((measure([*args, "--workers", "2"], cwd) for _ in range(repeat)), key=lambda m: m["seconds"])
    return {"one_worker": one, "two_workers": two, "speedup": round(one["seconds"] / two["seconds"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200,000 runs instead of 1,000,000")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each speed figure")
    opts = parser.parse_args()
    runs = 200_000 if opts.quick else 1_000_000
    out: dict[str, Any] = {"cores": os.cpu_count(), "runs": runs}
    with tempfile.TemporaryDirectory() as tmp:
        out["batch"] = speedup(["batch", SCENARIO, "--runs", str(runs), "--json"], tmp, opts.repeat)
        out["parquet"] = measure(["batch", SCENARIO, "--runs", str(runs), "--out", "runs.parquet"], tmp)
        out["parquet"]["file_mb"] = round(os.path.getsize(Path(tmp) / "runs.parquet") / 2**20, 1)
        sweep = [
            "sweep",
            SCENARIO,
            "--param",
            "parameters.value_of_life=0.15:1.4:4",
            "--param",
            "parameters.truce_regroup=0.5:2:4",
            "--runs",
            "2000" if not opts.quick else "500",
            "--json",
        ]
        out["sweep"] = speedup(sweep, tmp, opts.repeat)
        tournament = ["tournament", SCENARIO, "--runs", "20000" if not opts.quick else "4000", "--json"]
        out["tournament"] = speedup(tournament, tmp, opts.repeat)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
