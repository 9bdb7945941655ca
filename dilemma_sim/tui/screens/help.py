"""The help screen: every key, collected from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEY_NAMES = {
    "question_mark": "?",
    "escape,question_mark,q": "esc / ? / q",
    "down,right": "↓ / →",
    "up,left": "↑ / ←",
    "enter,space": "enter / space",
    "ctrl+s": "ctrl+s",
    "left,minus": "← / -",
    "right,plus,equals_sign": "→ / +",
    "0,h": "0 / h",
    "escape": "esc",
}


def key_label(key: str) -> str:
    return KEY_NAMES.get(key, key.replace(",", " / "))


KEY_WIDTH = max(12, *(len(name) for name in KEY_NAMES.values()))
"""The key column: as wide in every section, so the sections line up."""


def bindings_table(groups: list[tuple[str, list[BindingType]]]) -> Group:
    """Each section's title on a line of its own (a long list of a player's levers wraps there, never
    widening the key column), then its keys and what they do."""
    parts: list[RenderableType] = []
    for title, bindings in groups:
        parts.append(Text(title, style="bold underline"))
        table = Table(box=None, padding=(0, 2), show_edge=False, show_header=False, expand=True)
        table.add_column("key", no_wrap=True, style="bold", width=KEY_WIDTH)
        table.add_column("does", ratio=1)
        for binding in bindings:
            if isinstance(binding, Binding):
                # a binding's tooltip says in full what a footer's short description cannot
                table.add_row(
                    key_label(binding.key), binding.tooltip or binding.description or binding.action
                )
        parts.append(table)
    return Group(*parts)


HelpGroups = list[tuple[str, list[BindingType]]]
"""(section title, its bindings), in the order shown."""


class HelpScreen(ModalScreen[None]):
    """Lists every key of the app, given by the app from the bindings themselves; `escape`, `?` or
    `q` close it (the title says so)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss(None)", "Close")]

    def __init__(self, groups: HelpGroups) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Help — keys  (esc, ? or q closes)", id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(bindings_table(self.groups))
                yield Static(
                    Text(
                        "In a choice, moving to an option chooses it (● chosen, ○ not). Levers move one "
                        "level a turn: lower, hold or raise. The line under the controls names what the "
                        "focused control has chosen and what it does. The controls start at your current "
                        "policy, so n alone continues it. The scenario file is watched: save an edit and "
                        "the game offers to replay on the new version.",
                        style="dim",
                    )
                )
