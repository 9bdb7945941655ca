"""The advisor panel: the engine's value of each option with its 95% interval, and the stage games."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from dilemma_sim.tui.advice import AdviceRequest, AdviceView, advice_request, compute_advice
from dilemma_sim.tui.session import GameSession

WIDE = 60
"""Panel width (cells) from which intervals show both ends rather than `±` their half-width."""


class AdvisorPanel(VerticalScroll):
    """Toggled with `a`; computes in a thread worker and shows "computing…" meanwhile.

    Every request gets a new generation number; a result (or failure) of an older generation is
    dropped, so advice for a turn that was played, undone or replaced never shows.
    """

    DEFAULT_CSS = "AdvisorPanel { display: none; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.advice: AdviceView | None = None
        self.computing = False
        self.generation = 0
        """Bumped by every request and invalidation; results carry the generation they were asked in."""
        self.asked: dict[str, str] | None = None
        """The choices of the current request (None after an invalidation)."""
        self.border_title = "Advisor"

    def compose(self) -> ComposeResult:
        yield Static("", id="advice")

    def compute(self, session: GameSession, choices: Mapping[str, str], actor: str | None = None) -> None:
        """Start (or restart) the advisor for the session's current turn and the controls' choices."""
        self.invalidate()
        self.asked = dict(choices)
        if session.done:
            self.computing = False
            self.query_one("#advice", Static).update(Text("The game is over.", style="italic"))
            return
        self.computing = True
        self.query_one("#advice", Static).update(Text("computing…", style="italic"))
        self._advise(advice_request(session, choices, actor), self.generation)

    def invalidate(self) -> None:
        """Forget the shown advice and drop the result of any worker still running."""
        self.generation += 1
        self.asked = None
        self.advice = None
        self.computing = False
        self.workers.cancel_group(self, "advisor")

    @work(thread=True, exclusive=True, group="advisor")
    def _advise(self, request: AdviceRequest, generation: int) -> None:
        worker = get_current_worker()
        try:
            advice = compute_advice(request)
        except Exception as exc:  # the engine's error is shown, not swallowed
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, exc, generation)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, advice, generation)

    def _failed(self, exc: Exception, generation: int) -> None:
        if generation != self.generation:
            return
        self.computing = False
        self.query_one("#advice", Static).update(Text(f"The advisor failed: {exc}", style="red"))
        self.app.notify(f"Advisor failed: {exc}", severity="error", title="Advisor", markup=False)

    def _show(self, advice: AdviceView, generation: int) -> None:
        if generation != self.generation:
            return
        self.computing = False
        self.advice = advice
        self._render_advice()

    def on_resize(self) -> None:
        self._render_advice()

    def _render_advice(self) -> None:
        if self.advice is not None:
            wide = self.scrollable_content_region.width >= WIDE
            self.query_one("#advice", Static).update(render_advice(self.advice, wide=wide))


def render_advice(advice: AdviceView, wide: bool = True) -> Group:
    """Per decision: each option's expected payoff to the end and its gain over the current choice
    with its 95% interval (paired, so a gain whose interval excludes 0 is real); then the stage games.

    Narrow panels leave out the expected payoff itself: the gain is what a choice changes.
    """
    parts: list[Text | Table] = [Text(advice.heading, style="bold")]
    for decision in advice.decisions:
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column(Text(decision.label), ratio=1, no_wrap=True, overflow="ellipsis")
        if wide:
            table.add_column("expected", justify="right", no_wrap=True)
        table.add_column("vs now", justify="right", no_wrap=True)
        table.add_column("± 95%", justify="right", no_wrap=True)
        for row in decision.rows:
            style = "bold green" if row.best else ("b" if row.chosen else "")
            gain = Text("now", style="dim") if row.chosen else _gain(row.diff, row.diff_half)
            cells: list[Text] = [
                Text(("★ " if row.best else "  ") + row.label + (" ◂" if row.chosen else ""), style=style)
            ]
            if wide:
                cells.append(Text(f"{row.mean:,.1f}", style=style))
            cells += [gain, Text("" if row.chosen else f"±{row.diff_half:,.1f}", style="dim")]
            table.add_row(*cells)
        parts += [Text(""), table]
    if advice.games:
        parts += [Text(""), Text("Stage games (one turn, expected payoffs)", style="bold")]
    for game in advice.games:
        parts.append(Text.assemble("\n", (game.title, "b"), " — ", (game.kind, "italic")))
        for equilibrium in game.equilibria or ["none found"]:
            parts.append(Text.assemble(("  equilibrium: ", "dim"), equilibrium))
        parts.append(Text.assemble(("  dominant: ", "dim"), "; ".join(game.dominant) or "none"))
    if advice.note:
        parts += [Text(""), Text(advice.note, style="dim italic")]
    return Group(*parts)


def _gain(diff: float, half: float) -> Text:
    """`+20.4` green when surely better, red when surely worse, dim when the interval holds 0."""
    style = "green" if diff - half > 0 else "red" if diff + half < 0 else "dim"
    return Text(f"{diff:+,.1f}", style=style)
