"""The scenario picker: built-in and local scenarios, or a file by path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList
from textual.widgets.option_list import Option

from dilemma_sim.text import safe as clean

if TYPE_CHECKING:  # listing loads every scenario: the loader is imported in the worker
    from dilemma_sim.scenario.catalog import ScenarioInfo


class PickerScreen(Screen[str | None]):
    """Lists scenarios (found in a worker); dismisses with a scenario id or path, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]
    TITLE = "Scenarios"

    def __init__(self, current: str | None = None, folder: Path | None = None) -> None:
        super().__init__()
        self.current = current
        self.folder = folder
        """The folder listed beside the built-ins (None: `./scenarios`)."""
        self.scenarios: list[ScenarioInfo] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Choose a scenario  [dim](enter to open, escape to go back)[/]", classes="section")
        yield OptionList(Option(Text("finding scenarios…", style="italic"), disabled=True), id="scenarios")
        with Horizontal(id="open-path"):
            yield Input(placeholder="or open a file: path/to/scenario.yaml", id="path")
            yield Button("Open", id="open", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "pick a dilemma"
        self._find()

    @work(thread=True, exclusive=True)
    def _find(self) -> None:
        from dilemma_sim.scenario.catalog import list_scenarios

        try:
            found = list_scenarios(self.folder) if self.folder is not None else list_scenarios()
        except Exception as exc:  # shown in the list, never printed
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._show, found)

    def _failed(self, exc: Exception) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_option(Option(Text(f"Could not list scenarios: {exc}", style="red"), disabled=True))

    def _show(self, found: list[ScenarioInfo]) -> None:
        self.scenarios = list(found)
        options = self.query_one(OptionList)
        options.clear_options()
        for index, info in enumerate(self.scenarios):
            if index:
                options.add_option(None)
            prompt = Text()
            prompt.append(clean(info.title), style="bold")
            where = "built-in" if info.builtin else clean(str(info.path))
            prompt.append(f"  {clean(info.id)} · {where}\n", style="dim")
            prompt.append(f"{info.turns} turns · {clean(', '.join(info.actors))}\n", style="italic")
            prompt.append(clean(info.summary))
            options.add_option(Option(prompt, id=str(index)))
        if not self.scenarios:
            options.add_option(Option(Text("No scenarios found.", style="dim"), disabled=True))
        current = [str(i) for i, info in enumerate(self.scenarios) if info.id == self.current]
        if self.scenarios:
            options.highlighted = options.get_option_index(current[0] if current else "0")
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        info = self.scenarios[int(event.option.id)]
        self.dismiss(info.id if info.builtin else str(info.path))

    @on(Input.Submitted)
    @on(Button.Pressed, "#open")
    def _open_path(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text:
            self.notify("Type the path of a scenario file.", severity="warning")
            return
        self.dismiss(text)  # the app checks it against its file rules

    def action_cancel(self) -> None:
        self.dismiss(None)
