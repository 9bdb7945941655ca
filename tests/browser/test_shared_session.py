"""A shared game in real browsers: two pages (Debian's Chromium, driven by Playwright) each play one
seat of `serve --session`, and one turn resolves with both players' choices.

The server runs in this process (a thread with its own event loop) so the test can read the
coordinator's game; the app processes are real `dilemma-sim play` processes behind textual-serve.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dilemma_sim.tui.opening import open_scenario
from dilemma_sim.tui.serving import GameServer, app_command, served_files
from dilemma_sim.tui.shared import Coordinator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLAYERS = ("pakistan", "taliban")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition` (a bounded wait for processes outside this test's control)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.fixture
def server() -> Iterator[GameServer]:
    """`serve --session --players pakistan,taliban` on a free loopback port, in a thread."""
    from aiohttp import web

    port = free_port()
    opened = open_scenario("pakistan-ttp")
    path = opened.path
    game = GameServer(
        shlex.join(app_command(sys.executable, "pakistan-ttp", 3)),
        host="127.0.0.1",
        port=port,
        files=served_files(None, path),
        coordinator=Coordinator(opened, 3, PLAYERS, facilitator=False),
        max_sessions=2,
    )
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()

    async def run() -> None:
        runner = web.AppRunner(await game._make_app())
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        game.print_links()
        started.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(30)
    try:
        yield game
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_two_browsers_play_one_shared_turn(server: GameServer) -> None:
    from playwright.sync_api import sync_playwright

    assert server.coordinator is not None
    session = server.coordinator.session
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            pages = {}
            for seat in PLAYERS:
                page = browser.new_page()
                page.goto(server.seat_url(seat))
                pages[seat] = page
            wait_for(lambda: sum(server.sessions.values()) == 2)
            screens = server.coordinator.screens
            for seat, page in pages.items():
                # each app tells the coordinator which screen it shows: act once it is there
                wait_for(lambda seat=seat: screens.get(seat) == "BriefingScreen")
                page.mouse.click(640, 400)
                page.keyboard.press("Enter")  # the briefing's Start
                wait_for(lambda seat=seat: screens.get(seat) == "TurnScreen")
                page.keyboard.press("ArrowDown")  # the first control has focus: choose its next option
                page.keyboard.press("n")  # decide
                wait_for(lambda seat=seat: seat in session.pending or session.turn == 1, timeout=30)
            wait_for(lambda: session.turn == 1)
            view = session.history[0]
            assert (
                view.choices["pakistan.posture"] != "military_offensive"
                or view.choices["taliban.ttp_stance"]
                != session.scenario.actors["taliban"].decisions["ttp_stance"].default_option()
            )
            for page in pages.values():
                page.screenshot(path=str(Path(profile) / "after.png"))
        finally:
            browser.close()


def test_a_page_elsewhere_cannot_open_the_games_websocket(server: GameServer) -> None:
    import urllib.error
    import urllib.request

    ws = server.seat_url("pakistan").replace("/s/", "/ws/")
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    for origin in ("http://evil.example", "null", None):
        request = urllib.request.Request(ws, headers={**headers, **({"Origin": origin} if origin else {})})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    wrong = ws.replace(server.token, "x" * len(server.token))
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(
            urllib.request.Request(wrong, headers={**headers, "Origin": server.public_url})
        )
    assert missing.value.code == 404
    assert server.sessions.get("pakistan", 0) == 0, "no app process was started"
