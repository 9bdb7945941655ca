"""Snapshot tests of every screen at 80×24 and 120×40 (fixed seed, no animations, workers awaited).

The layout snapshots play `fixtures/layout.yaml`, a frozen copy of `pakistan-ttp`, so that rewriting
the shipped scenario's numbers does not change them; the picker lists the real scenarios.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from dilemma_sim.tui.app import DilemmaApp
from tests.tui.conftest import LAYOUT, SEED, make_app

SIZES = [(80, 24), (120, 40)]


async def settle(pilot: Pilot[None]) -> None:
    for worker in list(pilot.app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def steps(
    *keys: str, turns: int = 0, finish: bool = False, start: bool = False, table: bool = False
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Open the scenario, start (enter) and play `turns` turns or to the end, then press `keys`.

    At a table (`table`), finishing goes through the facilitator, hand-over and turn screens and ends
    on the second player's debrief."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if turns or finish or start:
            await pilot.press("enter")
            await pilot.pause()
        for _ in range(turns):
            await pilot.press("n")
        while finish and not table and pilot.app.screen.__class__.__name__ == "TurnScreen":
            await pilot.press("n")
        while finish and table and pilot.app.screen.__class__.__name__ != "DebriefScreen":
            name = pilot.app.screen.__class__.__name__
            await pilot.press({"FacilitatorScreen": "c", "HandOverScreen": "enter", "TurnScreen": "n"}[name])
        if finish and table:
            await settle(pilot)
            await pilot.press("v")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def table_app() -> DilemmaApp:
    """Two players and a facilitator at one terminal, on the layout fixture."""
    return DilemmaApp(
        LAYOUT, seed=SEED, humans=("pakistan", "taliban"), facilitator=True, watch=False, animations=False
    )


TABLE_SCREENS = {
    "facilitator": steps(turns=0, start=True),
    "handover": steps("c", start=True),
    "table-turn": steps("c", "enter", "n", "enter", start=True),
    "table-debrief-2nd-player": steps(finish=True, table=True),
}

SCREENS = {
    "briefing": steps(),
    "picker": steps("s"),
    "turn": steps(turns=2),
    "advisor": steps("a", turns=2),
    "help": steps("question_mark", turns=1),
    "debrief": steps(finish=True),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Callable[..., bool], screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(LAYOUT), terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(TABLE_SCREENS))
def test_table_screen(snap_compare: Callable[..., bool], screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(table_app(), terminal_size=size, run_before=TABLE_SCREENS[screen])


class WaitingApp(DilemmaApp):
    """A shared game's player who has decided and waits for the others (no coordinator needed)."""

    CSS_PATH = str(Path(__file__).resolve().parents[2] / "dilemma_sim" / "tui" / "app.tcss")

    def on_mount(self) -> None:
        from dilemma_sim.tui.opening import open_scenario, start_game
        from dilemma_sim.tui.screens.table import WaitingScreen

        session = start_game(open_scenario(LAYOUT), SEED, ("pakistan", "taliban", "ttp"))
        self.push_screen(WaitingScreen(session, "pakistan", ["taliban", "ttp"]))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_waiting_screen(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    app = WaitingApp(LAYOUT, seed=SEED, watch=False, animations=False)
    assert snap_compare(app, terminal_size=size)
