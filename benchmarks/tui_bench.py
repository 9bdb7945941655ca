"""How fast the TUI is: time to the first screen, time of a turn, time of the advisor.

    python benchmarks/tui_bench.py            # 5 starts, 12 turns x 3 games
    python benchmarks/tui_bench.py --starts 10 --games 5

1. **First screen.** `python -m dilemma_sim play` runs in a subprocess on a pseudo-terminal (80x24)
   with `DILEMMA_SIM_FIRST_SCREEN_FILE` set: the app writes the wall-clock time once its first screen
   (the briefing of the default scenario, loaded and compiled in a worker) is painted, and exits.
   The figure is that time minus the time just before the subprocess was started, so it includes
   the interpreter's start, every import, loading and compiling the scenario, and the first paint.
   The import of the app alone (`import dilemma_sim.tui.app` in a fresh interpreter) is printed too.
2. **Turn.** In-process, headless (`App.run_test`, 120x40), turns 1-11 of `--games` games (the 12th
   opens the debrief). Every other turn: from posting the `n` key event to the first screen refresh
   after the turn was played (the engine steps the run, every widget is updated, layout and paint);
   the other turns: `await pilot.press("n"); await pilot.pause()`, which adds Pilot's idle detection
   (it sleeps until the process looks idle) and so is an upper bound. Medians are reported.
3. **Advisor.** Same app: from pressing `a` until the advice is shown (the worker has finished and its
   result is on screen), after the first turn; the median over `--games` games.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def first_screen_seconds() -> float:
    """Seconds from starting `python -m dilemma_sim play` to its first screen painted."""
    with tempfile.TemporaryDirectory() as tmp:
        stamp = Path(tmp) / "first-screen"
        env = {**os.environ, "DILEMMA_SIM_FIRST_SCREEN_FILE": str(stamp), "COLUMNS": "80", "LINES": "24"}
        leader, follower = pty.openpty()
        start = time.time()
        process = subprocess.Popen(
            [sys.executable, "-m", "dilemma_sim", "play"],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=env,
            cwd=ROOT,
            close_fds=True,
        )
        os.close(follower)
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            try:
                os.read(leader, 65536)  # drain the terminal so the app never blocks on output
            except OSError:
                break
        process.wait(timeout=10)
        os.close(leader)
        return float(stamp.read_text()) - start


def import_seconds() -> float:
    """Seconds to start an interpreter and import the app (no scenario loaded)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import dilemma_sim.tui.app"], check=True, cwd=ROOT)
    return time.perf_counter() - start


async def timed_turn(app: Any) -> float:
    """Seconds from the `n` key event to the first screen refresh after the turn was played."""
    from textual import events

    loop = asyncio.get_running_loop()
    painted: asyncio.Future[float] = loop.create_future()
    before = app.session.turn
    start = time.perf_counter()
    app.post_message(events.Key("n", "n"))
    while app.session.turn == before:  # the key reaches the screen's binding, which plays the turn
        await asyncio.sleep(0)
    app.screen.call_after_refresh(lambda: painted.set_result(time.perf_counter()))
    return await painted - start


async def play_games(games: int) -> tuple[list[float], list[float], list[float]]:
    """Per turn over `games` games: key-to-repaint seconds and Pilot `press`+`pause` seconds; and the
    advisor's seconds (one a game)."""
    from dilemma_sim.tui.app import DilemmaApp
    from dilemma_sim.tui.screens.turn import TurnScreen
    from dilemma_sim.tui.widgets.advisor import AdvisorPanel

    repaint: list[float] = []
    pilot_turns: list[float] = []
    advisor: list[float] = []
    for game in range(games):
        app = DilemmaApp("pakistan-ttp", seed=game, watch=False, animations=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            turns = app.session.scenario.turns
            for turn in range(turns - 1):  # the last turn opens the debrief: not a turn's cost
                if turn % 2:
                    start = time.perf_counter()
                    await pilot.press("n")
                    await pilot.pause()
                    pilot_turns.append(time.perf_counter() - start)
                else:
                    repaint.append(await timed_turn(app))
                    await pilot.pause()
                if not isinstance(app.screen, TurnScreen):
                    break
                if turn == 0:
                    panel = app.screen.query_one(AdvisorPanel)
                    start = time.perf_counter()
                    await pilot.press("a")
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    assert panel.advice is not None
                    advisor.append(time.perf_counter() - start)
                    await pilot.press("a")
    return repaint, pilot_turns, advisor


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time (default 5)")
    parser.add_argument("--games", type=int, default=3, help="games of 12 turns to time (default 3)")
    args = parser.parse_args()

    starts = [first_screen_seconds() for _ in range(args.starts)]
    imports = [import_seconds() for _ in range(args.starts)]
    repaint, pilot_turns, advisor = asyncio.run(play_games(args.games))

    print(f"first screen (process start -> briefing painted, {args.starts} runs):")
    print(f"  median {statistics.median(starts):.3f} s, min {min(starts):.3f} s, max {max(starts):.3f} s")
    print(f"import dilemma_sim.tui.app in a fresh interpreter: median {statistics.median(imports):.3f} s")
    print(
        f"turn, key n to the screen repainted (headless 120x40, {len(repaint)} turns of {args.games} games):"
    )
    print(
        f"  median {statistics.median(repaint) * 1000:.1f} ms, "
        f"p90 {statistics.quantiles(repaint, n=10)[-1] * 1000:.1f} ms, max {max(repaint) * 1000:.1f} ms"
    )
    print(
        f"turn, Pilot press('n') + pause() (includes Pilot's idle detection, {len(pilot_turns)} turns): "
        f"median {statistics.median(pilot_turns) * 1000:.1f} ms"
    )
    print(f"advisor (press a -> advice shown, after turn 1, {len(advisor)} games):")
    print(f"  median {statistics.median(advisor) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
