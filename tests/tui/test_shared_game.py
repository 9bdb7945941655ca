"""The coordinator of a shared game: secret decisions, simultaneous resolution, the facilitator's events,
requests checked (key, turn, seat, options); and a served app confined to its folder."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dilemma_sim.tui.opening import OpenedScenario, open_scenario, start_game
from dilemma_sim.tui.shared import FACILITATOR, Coordinator, SharedClient, SharedError, catch_up
from tests.tui.conftest import LAYOUT

PLAYERS = ("pakistan", "taliban")


@pytest.fixture(scope="module")
def opened() -> OpenedScenario:
    """The protocol, not the model: the frozen scenario whose ids these tests name."""
    return open_scenario(LAYOUT)


@pytest.fixture
def served(opened: OpenedScenario, tmp_path: Path) -> Iterator[Coordinator]:
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


def test_a_turn_resolves_when_every_player_has_decided(
    served: Coordinator, tmp_path: Path, opened: OpenedScenario
) -> None:
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


def test_the_coordinator_computes_each_players_stakes_once_for_every_browser(
    served: Coordinator, tmp_path: Path, opened: OpenedScenario
) -> None:
    """Eight browsers' apps each playing 1,000 runs of every strategy delayed every key in a game's first
    seconds: the coordinator computes the stakes once and sends them; an app asking early is told to wait."""
    import numpy as np

    from dilemma_sim.tui.stakes import compute_stakes

    pakistan = client(served, tmp_path, "pakistan")
    assert pakistan.state().stakes_ready == []
    with pytest.raises(SharedError, match="not computed yet"):
        pakistan.stakes("pakistan")
    served.start_stakes(runs=16).join(60)
    assert served.start_stakes(runs=16) is served.start_stakes()  # once: a second start starts nothing
    state = pakistan.state()
    assert state.stakes_ready == sorted(PLAYERS) and state.stakes_error is None
    with pytest.raises(SharedError, match="wrong key"):
        SharedClient(tmp_path / "game.sock", "0" * 32, "pakistan").stakes("pakistan")
    for seat in PLAYERS:
        sent = client(served, tmp_path, seat).stakes(seat)
        mine = compute_stakes(served.session.compiled, seat, served.session.seed, runs=16)
        assert sent.actor == seat and sent.runs == 16
        assert [s.id for s in sent.strategies] == [s.id for s in mine.strategies]
        for theirs, ours in zip(sent.strategies, mine.strategies, strict=True):
            assert np.array_equal(theirs.payoffs, ours.payoffs) and np.array_equal(theirs.counts, ours.counts)


def test_stakes_the_coordinator_could_not_compute_say_why(
    opened: OpenedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dilemma_sim.tui.stakes

    def fails(*_: object, **__: object) -> None:
        raise MemoryError("no room for 1,000 runs")

    monkeypatch.setattr(dilemma_sim.tui.stakes, "compute_stakes", fails)
    coordinator = Coordinator(opened, 5, PLAYERS, facilitator=False)
    coordinator.start_stakes().join(60)
    state = coordinator.state()
    assert state["stakes_ready"] == [] and "Could not compute the stakes" in state["stakes_error"]
    answer = coordinator.encoded_answer({"op": "stakes", "key": coordinator.key, "actor": "pakistan"})
    assert b"Could not compute the stakes: no room for 1,000 runs" in answer


def test_a_browsers_app_shows_the_stakes_the_coordinator_sent(served: Coordinator, tmp_path: Path) -> None:
    """The app of a browser's seat fetches its own player's stakes, and only those, from the coordinator
    (16 runs here: an app computing them itself would play 1,000)."""
    from dilemma_sim.tui.app import DilemmaApp
    from dilemma_sim.tui.screens.turn import TurnScreen
    from dilemma_sim.tui.widgets.stakes import StakesPanel
    from tests.tui.test_play import run, settle, start
    from tests.tui.test_stakes import _text

    served.start_stakes(runs=16).join(60)

    @run
    async def play() -> None:
        app = DilemmaApp(
            LAYOUT, seed=5, shared=client(served, tmp_path, "taliban"), watch=False, animations=False
        )
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await start(app, pilot)
            await settle(app, pilot)
            assert isinstance(screen, TurnScreen) and screen.seat == "taliban"
            assert app.session is not None and set(app.session.stakes) == {"taliban"}
            assert app.session.stakes["taliban"].runs == 16
            assert "16 simulated games on your luck" in _text(screen.query_one(StakesPanel))

    play()
