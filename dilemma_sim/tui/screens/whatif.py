"""What if? Which assumptions would change the advisor's recommendation this turn.

Opened from the turn screen (`w`). A small robustness study (`batch.whatif`: the advisor's
rollouts at 32 points of a design over every uncertain parameter) runs in a thread worker; the
screen shows its progress, then, for each decision, the advisor's recommendation, how often it
stays the best, and the regions of assumptions (PRIM boxes) where another option would be better.
Leaving the screen stops the study through the executor's `StopFlag`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import get_current_worker

from dilemma_sim.errors import Interrupted
from dilemma_sim.tui.session import DecisionView, GameSession

if TYPE_CHECKING:  # the study's modules (the executor, scipy.stats) load when it first runs, not at startup
    from dilemma_sim.batch.whatif import WhatIf
    from dilemma_sim.executor.stop import StopFlag


class WhatIfScreen(Screen[None]):
    """The What if? study of the current turn; `escape` goes back to the game."""

    CSS_PATH = "whatif.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,w", "back", "Back to the game"),
        Binding("r", "rerun", "Run again"),
    ]

    def __init__(self, session: GameSession, choices: Mapping[str, str]) -> None:
        super().__init__()
        self.session = session
        self.choices = dict(choices)
        self.result: WhatIf | None = None
        """The finished study (None while it runs)."""
        self.stop: StopFlag | None = None
        """The running study's stop flag."""
        self.views = {d.key: d for d in session.decisions()}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="whatif-title")
        yield ProgressBar(id="whatif-progress", show_eta=False)
        with VerticalScroll(id="whatif-body"):
            yield Static("", id="whatif-report")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#whatif-title", Static).update(
            f"What if? Assumptions that would change the advisor's advice, {self.session.calendar_label()}"
        )
        self.action_rerun()

    def action_rerun(self) -> None:
        """Start (or restart) the study."""
        from dilemma_sim.executor.stop import StopFlag

        if self.stop is not None:
            self.stop.set()  # a study still running stops at its next point
        self.stop = StopFlag()
        self.result = None
        self.query_one("#whatif-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#whatif-report", Static).update(
            Text("Playing the advisor in 32 worlds…", style="italic")
        )
        self._study(self.stop)

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_unmount(self) -> None:
        if self.stop is not None:
            self.stop.set()

    @work(thread=True, exclusive=True, group="whatif")
    def _study(self, stop: StopFlag) -> None:
        from dilemma_sim.batch.whatif import what_if

        session = self.session
        worker = get_current_worker()
        try:
            result = what_if(
                session.compiled,
                session.sim.snapshot(),
                session.human,
                choices=self.choices,
                seed=session.seed,
                stop=stop,
                progress=lambda done, total: self.app.call_from_thread(self._progress, stop, done, total),
            )
        except Interrupted:
            return
        except Exception as exc:  # the study's error is shown, not swallowed
            if not worker.is_cancelled and not stop.is_set():
                self.app.call_from_thread(self._failed, exc)
            return
        if not worker.is_cancelled and not stop.is_set():
            self.app.call_from_thread(self._show, result)

    def _progress(self, stop: StopFlag, done: int, total: int) -> None:
        if stop is self.stop:
            self.query_one("#whatif-progress", ProgressBar).update(total=total, progress=done)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#whatif-report", Static).update(Text(f"The study failed: {exc}", style="red"))

    def _show(self, result: WhatIf) -> None:
        self.result = result
        self.query_one("#whatif-progress", ProgressBar).display = False
        self.query_one("#whatif-report", Static).update(render_what_if(result, self.views))


def _label(view: DecisionView | None, option: str) -> str:
    if view is None or option not in view.option_ids:
        return option
    return view.option_labels[view.option_ids.index(option)]


def render_what_if(result: WhatIf, views: Mapping[str, DecisionView]) -> Group:
    """Per decision: the recommendation, how often it holds, and where another option wins."""
    k = len(result.points)
    names = [u.name for u in result.uncertainties]
    parts: list[Text] = [
        Text(
            f"Each uncertain parameter varied over its range ({k} worlds, {result.rollouts} rollouts per "
            "option in each); in each world the parameters are taken as known.",
            style="dim",
        )
    ]
    for d in result.decisions:
        view = views.get(d.decision)
        title = view.label if view is not None else d.decision
        rec = d.options.index(d.recommended)
        parts += [
            Text(""),
            Text.assemble(
                (title, "bold"),
                " — the advisor recommends ",
                (_label(view, d.recommended), "bold green"),
                f": still the best in {d.holds_share:.0%} of the worlds",
                f" (it loses at most {d.scores[rec].max_regret:,.1f} where it is not)."
                if d.holds_share < 1
                else ".",
            ),
        ]
        if not d.alternatives:
            parts.append(Text("  No assumption within the ranges changes it.", style="green"))
        for alt in d.alternatives:
            line = Text.assemble(
                "  ", (_label(view, alt.option), "bold"), f" would be better in {alt.best_share:.0%}"
            )
            if not alt.boxes:
                line.append(" of the worlds, in no simple region.", style="dim")
            else:
                box = alt.boxes[0]
                rules = ", ".join(box.describe(r, names[r.column]) for r in box.restrictions)
                line.append(f": where {rules}")
                line.append(f" (covers {box.coverage:.0%} of them, right in {box.density:.0%}).", style="dim")
            parts.append(line)
        ranked = sorted(range(len(names)), key=lambda j: -float(d.decisive[j]))[:3]
        if d.alternatives and ranked:
            parts.append(Text("  Decided most by: " + ", ".join(names[j] for j in ranked), style="dim"))
    return Group(*parts)
