"""The coordinator of a shared game: secret decisions, simultaneous resolution, the facilitator's events,
requests checked (key, turn, seat, options); and a served app confined to its folder."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dilemma_sim.tui.opening import open_scenario, start_game
from dilemma_sim.tui.shared import FACILITATOR, Coordinator, SharedClient, SharedError, catch_up
from tests.tui.conftest import LAYOUT

PLAYERS = ("pakistan", "taliban")


@pytest.fixture(scope="module")
def opened():  # type: ignore[no-untyped-def]
    """The protocol, not the model: the frozen scenario whose ids these tests name."""
    return open_scenario(LAYOUT)


@pytest.fixture
def served(opened, tmp_path: Path) -> Iterator[Coordinator]:  # type: ignore[no-untyped-def]
    """A coordinator listening on a Unix socket, in a thread with its own event loop."""
    coordinator = Coordinator(opened, 5, PLAYERS, facilitator=True)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()

    async def run() -> None:
        server = await coordinator.serve(tmp_path / "game.sock")
        ready.set()
        await stop.wait()
        server.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield coordinator
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


def client(coordinator: Coordinator, tmp_path: Path, seat: str) -> SharedClient:
    return SharedClient(tmp_path / "game.sock", coordinator.key, seat)


def test_a_turn_resolves_when_every_player_has_decided(served: Coordinator, tmp_path: Path, opened) -> None:  # type: ignore[no-untyped-def]
    pakistan, taliban = (client(served, tmp_path, seat) for seat in PLAYERS)
    facilitator = client(served, tmp_path, FACILITATOR)
    facilitator.force(0, ["border_clash"])
    state = pakistan.decide(0, {"pakistan.posture": "talks"})
    assert state.turn == 0 and state.decided == ["pakistan"]
    assert "talks" not in str(taliban.state()), "nobody learns a choice before the turn resolves"
    state = taliban.decide(0, {"taliban.ttp_stance": "restrain"})
    assert state.turn == 1 and state.decided == []
    assert state.forced == [["border_clash"]]
    # a browser's own session replays the shared turn exactly
    mine = start_game(opened, 5, PLAYERS)
    assert catch_up(mine, state) == 1
    assert mine.history[0].totals == served.session.history[0].totals
    assert mine.history[0].choices == served.session.history[0].choices


def test_requests_are_checked(served: Coordinator, tmp_path: Path) -> None:
    pakistan = client(served, tmp_path, "pakistan")
    with pytest.raises(SharedError, match="wrong key"):
        SharedClient(tmp_path / "game.sock", "0" * 32, "pakistan").state()
    with pytest.raises(SharedError, match="turn"):
        pakistan.decide(3, {"pakistan.posture": "talks"})
    with pytest.raises(SharedError, match="unknown option"):
        pakistan.decide(0, {"pakistan.posture": "nuke"})
    with pytest.raises(SharedError, match="not a player"):
        client(served, tmp_path, "ttp").decide(0, {"ttp.campaign": "ceasefire"})
    with pytest.raises(SharedError, match="No event"):
        client(served, tmp_path, FACILITATOR).force(0, ["nosuch"])
    # a player's choices are only their own
    pakistan.decide(0, {"pakistan.posture": "talks", "taliban.ttp_stance": "enable"})
    assert served.session.pending["pakistan"] == {"pakistan.posture": "talks"}


def test_an_unreachable_coordinator_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SharedError, match="cannot be reached"):
        SharedClient(tmp_path / "none.sock", "k", "pakistan").state()
