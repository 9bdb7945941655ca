"""Small modal dialogs: confirm, ask for a path, show an error."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ConfirmModal(ModalScreen[bool]):
    """A question with two answers; dismisses with True for the first (`yes`)."""

    AUTO_FOCUS = "#yes"
    """Enter answers yes, as `y` does; escape, `n` or the second button say no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Yes", show=False),
        Binding("n", "dismiss(False)", "No", show=False),
    ]

    def __init__(
        self, title: str, message: str, yes: str = "Yes", no: str = "Cancel", *, error: bool = False
    ):
        super().__init__(classes="-error" if error else "")
        self._title = title
        self._message = message
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self._title, id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(self._message, markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(self._yes, id="yes", variant="error" if self.has_class("-error") else "primary")
                yield Button(self._no, id="no")

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)


class ErrorModal(ModalScreen[None]):
    """An error with its details (for example `file:line:col` diagnostics), closed by any answer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss(None)", "Close")]

    def __init__(self, title: str, message: str, details: list[str] | None = None):
        super().__init__(classes="-error")
        self._title = title
        self._message = message
        self._details = details or []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self._title, id="dialog-title")
            with VerticalScroll(id="dialog-body"):
                yield Static(self._message, markup=False)
                if self._details:
                    yield Static("\n".join(self._details), markup=False, id="dialog-details")
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="error")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


class PathModal(ModalScreen[str | None]):
    """Ask for a file path, offering a default; dismisses with the text typed (the app checks it
    against its file rules) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, default: str, action: str = "OK"):
        super().__init__()
        self._title = title
        self._default = default
        self._action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self._title, id="dialog-title")
            yield Input(self._default, id="path", select_on_focus=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(self._action, id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _accept(self) -> None:
        text = self.query_one(Input).value.strip()
        self.dismiss(text or None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
