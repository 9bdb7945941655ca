"""Round-robin speed against the Axelrod library on the same matches (see docs/benchmarks.md).

    python benchmarks/round_robin_bench.py                  # 20 repetitions (Axelrod takes about a minute)
    python benchmarks/round_robin_bench.py --repetitions 5

The ten classics of the library (`scenarios/ipd.yaml`), 200 turns a match, every pair and every
strategy against itself, `--repetitions` times: `dilemma-sim tournament ipd --round-robin` in one
process against `axelrod.Tournament(...).play(processes=None)` (one process too). Prints both
rankings (by median normalised score) and the wall times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ours(repetitions: int) -> tuple[float, list[str]]:
    from dilemma_sim.batch.round_robin import run_round_robin
    from dilemma_sim.engine import compile_scenario
    from dilemma_sim.scenario.binding import library
    from dilemma_sim.scenario.loader import load_or_raise

    cs = compile_scenario(load_or_raise("ipd"))
    run_round_robin(cs, repetitions=2)  # warm up
    start = time.perf_counter()
    result = run_round_robin(cs, repetitions=repetitions, seed=1)
    seconds = time.perf_counter() - start
    names = {sid: library()[s.library or ""].axelrod for sid, s in cs.scenario.strategies.items()}
    return seconds, [names[result.strategies[i]] for i in result.ranking]


def axelrods(repetitions: int) -> tuple[float, list[str]]:
    import axelrod as axl

    players = [
        axl.Cooperator(),
        axl.Defector(),
        axl.TitForTat(),
        axl.Grudger(),
        axl.TitFor2Tats(),
        axl.SuspiciousTitForTat(),
        axl.Alternator(),
        axl.Random(),
        axl.WinStayLoseShift(),
        axl.GTFT(),
    ]
    start = time.perf_counter()
    results = axl.Tournament(players, turns=200, repetitions=repetitions, seed=1).play(
        progress_bar=False, processes=None
    )
    seconds = time.perf_counter() - start
    return seconds, [name.split(":")[0] for name in results.ranked_names]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=20)
    args = parser.parse_args()
    mine, mine_rank = ours(args.repetitions)
    theirs, their_rank = axelrods(args.repetitions)
    matches = 55 * args.repetitions
    print(f"round robin, 10 strategies, 200 turns, {args.repetitions} repetitions ({matches:,} matches)")
    print(f"dilemma-sim: {mine:8.2f} s   ({matches * 200 / mine:,.0f} match-turns/s)")
    print(f"axelrod:     {theirs:8.2f} s   ({matches * 200 / theirs:,.0f} match-turns/s)")
    print(f"speedup: {theirs / mine:.1f}x")
    print("ranking, dilemma-sim:", ", ".join(mine_rank))
    print("ranking, axelrod:    ", ", ".join(their_rank))
    print("same ranking:", mine_rank == their_rank)


if __name__ == "__main__":
    main()
