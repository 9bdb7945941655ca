"""The news log: what the actors did and what happened, turn by turn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.events import Resize
from textual.widgets import RichLog

if TYPE_CHECKING:
    from dilemma_sim.engine.turn_view import TurnView


class NewsLog(RichLog):
    """Every turn's news under its calendar label, newest at the bottom.

    Lines are wrapped to the log's width when written; a log written while hidden (the advisor hides
    it) or before a resize is rewritten at its new width, so the news never stays wrapped narrow.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=True, min_width=20, **kwargs)  # type: ignore[arg-type]
        self.lines_shown: list[str] = []
        """The plain text of every line written, for tests and copy."""
        self._texts: list[Text] = []
        self._shown: tuple[Sequence[TurnView], str] = ((), "")
        self._width = 0

    def show(
        self, history: Sequence[TurnView], news: Callable[[TurnView], list[str]], opening: str = ""
    ) -> None:
        """Show the game's history: a turn played appends its news; undo or replay rewrites the log.

        `news(view)` gives a turn's lines as the reader may see them. Appending keeps a turn's cost flat.
        """
        shown, shown_opening = self._shown
        extends = (
            opening == shown_opening
            and len(history) >= len(shown)
            and all(new is old for new, old in zip(history, shown, strict=False))
        )
        if not extends or not self.lines_shown:
            self.clear()
            self.lines_shown, self._texts = [], []
            shown = ()
            if opening:
                self._write(Text(opening, style="italic"))
        for view in history[len(shown) :]:
            self._write(Text(view.label, style="bold reverse"))
            for line in news(view) or ["Nothing of note."]:
                self._write(Text("• " + line))
        self._shown = (tuple(history), opening)

    def _write(self, text: Text) -> None:
        self.lines_shown.append(text.plain)
        self._texts.append(text)
        # hidden (width 0), RichLog would wrap at min_width and keep it: use the last width shown
        width = self.scrollable_content_region.width or self._width
        if width:
            self._width = width
        self.write(text, width=width or None)

    def on_resize(self, _: Resize) -> None:
        self.call_after_refresh(self.rewrap)

    def rewrap(self) -> None:
        """Rewrite every line at the log's width, when it changed since they were written."""
        width = self.scrollable_content_region.width
        if not width or width == self._width:
            return
        self._width = width
        texts = self._texts
        super().clear()
        for text in texts:
            self.write(text, width=width)
