"""The help screen: every key, collected from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEY_NAMES = {
    "question_mark": "?",
    "ctrl+s": "ctrl+s",
    "left,minus": "← / -",
    "right,plus,equals_sign": "→ / +",
    "0,h": "0 / h",
    "escape": "esc",
}


def key_label(key: str) -> str:
    return KEY_NAMES.get(key, key.replace(",", " / "))


def bindings_table(groups: list[tuple[str, list[BindingType]]]) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False, expand=True)
    table.add_column("key", no_wrap=True, style="bold", min_width=10)
    table.add_column("does", ratio=1)
    for title, bindings in groups:
        table.add_row(Text(title, style="bold underline"), "")
        for binding in bindings:
            if isinstance(binding, Binding):
                table.add_row(key_label(binding.key), binding.description or binding.action)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists every key of the app; `escape`, `?` or `q` close it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        from dilemma_sim.tui.app import DilemmaApp
        from dilemma_sim.tui.screens.briefing import BriefingScreen
        from dilemma_sim.tui.screens.debrief import DebriefScreen
        from dilemma_sim.tui.screens.turn import TurnScreen
        from dilemma_sim.tui.widgets.decisions import LeverControl

        groups: list[tuple[str, list[BindingType]]] = [
            ("Anywhere", list(DilemmaApp.BINDINGS)),
            ("Briefing", list(BriefingScreen.BINDINGS)),
            ("Turn", list(TurnScreen.BINDINGS)),
            ("Posture list", [Binding("up,down", "", "Move"), Binding("enter,space", "", "Choose")]),
            ("A lever (focused)", list(LeverControl.BINDINGS)),
            ("Debrief", list(DebriefScreen.BINDINGS)),
            (
                "Everywhere",
                [Binding("tab", "", "Next control"), Binding("ctrl+p", "", "Command palette, themes")],
            ),
        ]
        with Vertical(id="dialog"):
            yield Label("Help — keys", id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(bindings_table(groups))
                yield Static(
                    Text(
                        "Levers move one level a turn: lower, hold or raise. The controls start at your "
                        "current policy, so n alone continues it. The scenario file is watched: save an "
                        "edit and the game offers to replay on the new version.",
                        style="dim",
                    )
                )
