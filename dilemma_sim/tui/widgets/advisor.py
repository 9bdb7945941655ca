"""The advisor panel: the engine's value of each option with its uncertainty, and the stage game."""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from dilemma_sim.tui.session import AdviceRequest, AdviceView, GameSession


class AdvisorPanel(VerticalScroll):
    """Toggled with `a`; computes in a thread worker and shows "computing…" meanwhile."""

    DEFAULT_CSS = "AdvisorPanel { display: none; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.advice: AdviceView | None = None
        self.computing = False
        self.border_title = "Advisor"

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", id="advice")

    def compute(self, session: GameSession, choices: Mapping[str, str]) -> None:
        """Start (or restart) the advisor for the session's current turn."""
        self.computing = True
        self.advice = None
        self.query_one("#advice", Static).update(Text("computing…", style="italic"))
        self._advise(session, session.advice_request(choices))

    @work(thread=True, exclusive=True, group="advisor")
    def _advise(self, session: GameSession, request: AdviceRequest) -> None:
        try:
            advice = session.advise(request)
        except Exception as exc:  # the engine's error is shown, not swallowed
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._failed, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, advice)

    def _failed(self, exc: Exception) -> None:
        self.computing = False
        self.query_one("#advice", Static).update(Text(f"The advisor failed: {exc}", style="red"))
        self.app.notify(f"Advisor failed: {exc}", severity="error", title="Advisor")

    def _show(self, advice: AdviceView) -> None:
        self.computing = False
        self.advice = advice
        self.query_one("#advice", Static).update(render_advice(advice))


def render_advice(advice: AdviceView) -> Group:
    """Option values per decision (mean and interval) then the stage-game analysis."""
    parts: list[object] = [Text(advice.heading, style="bold")]
    for decision in advice.decisions:
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column(decision.label, ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("± 95%", justify="right", no_wrap=True)
        best = max((row.mean for row in decision.rows), default=0.0)
        for row in decision.rows:
            mark = "★ " if row.mean == best else "  "
            style = "bold green" if row.mean == best else ("b" if row.chosen else "")
            table.add_row(
                Text(mark + row.label + (" ◂" if row.chosen else ""), style=style),
                Text(f"{row.mean:+,.1f}", style=style),
                Text("–" if math.isnan(row.half_width) else f"{row.half_width:,.1f}", style="dim"),
            )
        parts += [Text(""), table]
    if advice.analysis:
        parts += [Text(""), Text("Stage game", style="bold")]
        parts += [Text(line) for line in advice.analysis]
    if advice.note:
        parts += [Text(""), Text(advice.note, style="dim italic")]
    return Group(*parts)  # type: ignore[arg-type]
