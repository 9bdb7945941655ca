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
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean
from dilemma_sim.tui.advice import option_labels
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
        self.levels = dict(session.current_levels())
        """Lever levels this turn: a move is named by the level it leads to."""

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
        self.query_one("#whatif-report", Static).update(
            render_what_if(result, self.views, self.levels, self.session.scenario)
        )


def _label(view: DecisionView | None, option: str, levels: Mapping[str, int]) -> str:
    """An option's label; a lever's move with the level it leads to (`raise → Offensive`)."""
    if view is None or option not in view.option_ids:
        return option
    return option_labels(view, levels.get(view.key, 0))[view.option_ids.index(option)]


def uncertainty_label(scenario: Scenario, path: str) -> str:
    """A varied number in words: a parameter by its name; a cost, a weight or an initial value by
    what it belongs to (`cost of Talks through Kabul`, not `cost`)."""
    parts = path.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        return parts[1]
    if parts[0] == "state" and len(parts) == 3 and parts[1] in scenario.state:
        return f"{parts[2]} {clean(scenario.state[parts[1]].label)}"
    if parts[0] == "actors" and len(parts) >= 4 and parts[1] in scenario.actors:
        actor = scenario.actors[parts[1]]
        if parts[2] == "utility" and parts[3] in scenario.state:
            return f"{clean(actor.name)}'s weight on {clean(scenario.state[parts[3]].label)}"
        if parts[2] == "decisions" and len(parts) == 7 and parts[3] in actor.decisions:
            decision = actor.decisions[parts[3]]
            kind, item, field = parts[4], parts[5], parts[6]
            if kind == "options" and item in decision.options:
                return f"{field} of {clean(decision.options[item].label)}"
            if kind == "levels" and item in decision.levels:
                return f"{field} of {clean(decision.label)}: {clean(decision.levels[item].label)}"
    return path


def render_what_if(
    result: WhatIf,
    views: Mapping[str, DecisionView],
    levels: Mapping[str, int] | None = None,
    scenario: Scenario | None = None,
) -> Group:
    """Per decision: the recommendation, how often it holds, and where another option wins; a
    lever's moves named by the level they lead to from `levels`, the varied numbers in words."""
    levels = levels or {}
    k = len(result.points)
    names = [
        uncertainty_label(scenario, u.path) if scenario is not None else u.name for u in result.uncertainties
    ]
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
                (_label(view, d.recommended, levels), "bold green"),
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
                "  ", (_label(view, alt.option, levels), "bold"), f" would be better in {alt.best_share:.0%}"
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
    if scenario is not None:
        parts += [
            Text(""),
            Text(
                f"What each parameter means and why it ranges as it does: dilemma-sim explain {scenario.id}",
                style="dim",
            ),
        ]
    return Group(*parts)
