"""The news log: what the other actors did and what happened, turn by turn."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import RichLog

from dilemma_sim.tui.session import TurnView


class NewsLog(RichLog):
    """Every turn's news under its calendar label, newest at the bottom."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=True, min_width=20, **kwargs)  # type: ignore[arg-type]
        self.lines_shown: list[str] = []
        """The plain text of every line written, for tests and copy."""
        self._shown: tuple[Sequence[TurnView], str] = ((), "")

    def show(self, history: Sequence[TurnView], opening: str = "") -> None:
        """Show the game's history: a turn played appends its news; undo or replay rewrites the log.

        Appending keeps a turn's cost flat: rewriting every turn's news grew with the game's length.
        """
        shown, shown_opening = self._shown
        extends = (
            opening == shown_opening
            and len(history) >= len(shown)
            and all(new is old for new, old in zip(history, shown, strict=False))
        )
        if not extends or not self.lines_shown:
            self.clear()
            self.lines_shown = []
            shown = ()
            if opening:
                self._write(Text(opening, style="italic"))
        for view in history[len(shown) :]:
            self._write(Text(view.label, style="bold reverse"))
            for line in view.news or ["Nothing of note."]:
                self._write(Text("• " + line))
        self._shown = (tuple(history), opening)

    def _write(self, text: Text) -> None:
        self.lines_shown.append(text.plain)
        self.write(text)
