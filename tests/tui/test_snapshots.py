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

from tests.tui.conftest import make_app

LAYOUT = Path(__file__).parent / "fixtures" / "layout.yaml"
SIZES = [(80, 24), (120, 40)]


async def settle(pilot: Pilot) -> None:
    for worker in list(pilot.app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def steps(*keys: str, turns: int = 0, finish: bool = False) -> Callable[[Pilot], Awaitable[None]]:
    """Open the default scenario, start (enter) and play `turns` turns or to the end, then press `keys`."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        if turns or finish:
            await pilot.press("enter")
            await pilot.pause()
        for _ in range(turns):
            await pilot.press("n")
        while finish and pilot.app.screen.__class__.__name__ == "TurnScreen":
            await pilot.press("n")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


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
