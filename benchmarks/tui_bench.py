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
   opens the debrief), once the stakes computed when a game starts (a worker, about a second) are
   in. Every other turn: from posting the `n` key event to the first screen refresh after the turn
   was played (the engine steps the run, every widget is updated, layout and paint);
   the other turns: `await pilot.press("n"); await pilot.pause()`, which adds Pilot's idle detection
   (it sleeps until the process looks idle) and so is an upper bound. Medians are reported.
3. **Advisor.** Same app: from pressing `a` until the advice is shown (the worker has finished and its
   result is on screen), after the first turn; the median over `--games` games.
4. **Hot seat.** Two players at one terminal (`play --players pakistan,taliban`): from the `n` of the
   player who ends the turn (the turn resolves with both players' choices) to the next screen painted.
5. **Shared session, 8 browsers.** `serve --session` with every actor of `pakistan-ttp` and a
   facilitating team, run in this process on a free loopback port; 8 websocket clients speak
   textual-serve's protocol (as the browser page does) with this server's Origin: 3 players and 5
   facilitator screens, each its own app process. Once every app shows its game screen and has been
   quiet for 1.5 s (the players' stakes are computed when a game starts), all 8 send arrow keys at
   once, `--keys` each, 0.3 s apart; key-to-paint is from sending a key to the first screen update
   (a binary frame) that comes back. Loopback only, bounded (8 clients, a few keys each).
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
            await app.workers.wait_for_complete()  # the stakes: a second of work when a game starts
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


async def _painted_after(app: Any, key: str, changed: Any) -> float:
    """Seconds from posting `key` until `changed()` holds and the screen has refreshed after it."""
    from textual import events

    loop = asyncio.get_running_loop()
    painted: asyncio.Future[float] = loop.create_future()
    start = time.perf_counter()
    app.post_message(events.Key(key, "\r" if key == "enter" else key))
    while not changed():
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    app.screen.call_after_refresh(lambda: painted.done() or painted.set_result(time.perf_counter()))
    return await painted - start


async def hot_seat_turns(games: int) -> tuple[list[float], list[float]]:
    """Seconds from the `n` of the player who ends a hot-seat turn to the next screen (the next
    turn's hand-over) painted; and from `enter` on a hand-over to that player's turn screen painted."""
    from dilemma_sim.tui.app import DilemmaApp
    from dilemma_sim.tui.screens.turn import TurnScreen

    resolve: list[float] = []
    ready: list[float] = []
    for game in range(games):
        app = DilemmaApp(
            "pakistan-ttp", seed=game, humans=("pakistan", "taliban"), watch=False, animations=False
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()  # both players' stakes, computed when the game starts
            for _ in range(app.session.scenario.turns - 1):
                for seat in ("pakistan", "taliban"):
                    ready.append(  # hand-over: this player takes the keyboard
                        await _painted_after(
                            app,
                            "enter",
                            lambda a=app, s=seat: isinstance(a.screen, TurnScreen) and a.screen.seat == s,
                        )
                    )
                    await pilot.pause()
                    if seat == "pakistan":
                        await pilot.press("n")
                        await pilot.pause()
                before = app.session.turn
                resolve.append(await _painted_after(app, "n", lambda a=app, b=before: a.session.turn != b))
                await pilot.pause()
    return resolve, ready


def shared_session_keys(browsers: int = 8, keys: int = 10, early: bool = False) -> list[float]:
    """Key-to-paint seconds of `browsers` websocket clients of one shared session (see the module).

    `early`: each client types from half a second after the game starts, while the game's first
    seconds' work (the players' stakes) may still be under way, instead of once its screen is quiet."""
    import shlex
    import socket
    import threading

    import aiohttp
    from aiohttp import web

    from dilemma_sim.tui.opening import open_scenario
    from dilemma_sim.tui.serving import FACILITATOR_URL, GameServer, app_command, served_files
    from dilemma_sim.tui.shared import Coordinator

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    opened = open_scenario("pakistan-ttp")
    players = tuple(opened.scenario.actors)
    server = GameServer(
        shlex.join(app_command(sys.executable, "pakistan-ttp", 1)),
        host="127.0.0.1",
        port=port,
        files=served_files(None, opened.path),
        coordinator=Coordinator(opened, 1, players, facilitator=True),
        max_sessions=browsers,
    )
    seats = list(players) + [FACILITATOR_URL] * (browsers - len(players))
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()

    async def serve() -> None:
        runner = web.AppRunner(await server._make_app())
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        server.print_links()
        ready.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(30)
    screens = server.coordinator.screens  # type: ignore[union-attr]

    async def wait_until(condition: Any, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    quiet: list[str] = []
    all_quiet = asyncio.Event()

    async def client(session: aiohttp.ClientSession, seat: str, go: asyncio.Event, out: list[float]) -> None:
        url = server.seat_url(seat).replace("/s/", "/ws/").replace("http", "ws", 1) + "?width=120&height=40"
        async with session.ws_connect(url, headers={"Origin": server.public_url}, max_msg_size=0) as ws:
            frames: asyncio.Queue[float] = asyncio.Queue()

            async def read() -> None:
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        frames.put_nowait(time.perf_counter())

            reader = asyncio.create_task(read())
            await go.wait()
            await ws.send_json(["stdin", "\r"])  # start: the briefing's enter
            if early:
                await asyncio.sleep(0.5)
            while not early:  # the game screen comes up and the stakes are computed: a quiet screen
                try:
                    await asyncio.wait_for(frames.get(), timeout=1.5)
                except TimeoutError:
                    break
            quiet.append(seat)
            if len(quiet) == browsers:
                all_quiet.set()
            await all_quiet.wait()  # then all 8 type at once
            for _ in range(keys):
                while not frames.empty():
                    frames.get_nowait()
                start = time.perf_counter()
                await ws.send_json(["stdin", "\x1b[B"])  # down: the choice (or the event list) moves
                try:
                    painted = await asyncio.wait_for(frames.get(), timeout=5)
                    out.append(painted - start)
                except TimeoutError:
                    out.append(float("inf"))
                await asyncio.sleep(0.3)  # let the paint settle before the next key
            reader.cancel()

    async def run() -> list[float]:
        out: list[float] = []
        go = asyncio.Event()
        async with aiohttp.ClientSession() as session:
            tasks = [asyncio.create_task(client(session, seat, go, out)) for seat in seats]
            await wait_until(lambda: sum(server.sessions.values()) == browsers)
            await wait_until(
                lambda: (
                    len(screens) == len(players) + 1 and all(v == "BriefingScreen" for v in screens.values())
                )
            )
            go.set()
            await asyncio.gather(*tasks)
        return out

    try:
        return asyncio.run(run())
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time (default 5)")
    parser.add_argument("--games", type=int, default=3, help="games of 12 turns to time (default 3)")
    parser.add_argument("--keys", type=int, default=10, help="keys per browser in the shared session")
    args = parser.parse_args()

    starts = [first_screen_seconds() for _ in range(args.starts)]
    imports = [import_seconds() for _ in range(args.starts)]
    repaint, pilot_turns, advisor = asyncio.run(play_games(args.games))
    hot_seat, hand_over = asyncio.run(hot_seat_turns(args.games))
    shared = shared_session_keys(8, args.keys)

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
    print(f"hot seat, n of the player who ends the turn -> next screen painted ({len(hot_seat)} turns):")
    print(
        f"  median {statistics.median(hot_seat) * 1000:.1f} ms, "
        f"p90 {statistics.quantiles(hot_seat, n=10)[-1] * 1000:.1f} ms, max {max(hot_seat) * 1000:.1f} ms"
    )
    print(f"hot seat, enter on the hand-over -> the player's turn screen painted ({len(hand_over)}):")
    print(
        f"  median {statistics.median(hand_over) * 1000:.1f} ms, "
        f"p90 {statistics.quantiles(hand_over, n=10)[-1] * 1000:.1f} ms, max {max(hand_over) * 1000:.1f} ms"
    )
    print(f"shared session, 8 browsers on loopback, key -> first screen update ({len(shared)} keys):")
    print(
        f"  median {statistics.median(shared) * 1000:.0f} ms, "
        f"p90 {statistics.quantiles(shared, n=10)[-1] * 1000:.0f} ms, max {max(shared) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
