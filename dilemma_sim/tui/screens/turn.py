"""The main screen: dashboard, news, decisions, scores, trends and the advisor."""

from __future__ import annotations

import gc
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Label, Static

from dilemma_sim.text import safe as clean
from dilemma_sim.tui.screens.whatif import WhatIfScreen
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.widgets.advisor import AdvisorPanel
from dilemma_sim.tui.widgets.dashboard import Dashboard
from dilemma_sim.tui.widgets.decisions import DecisionPanel, LeverControl
from dilemma_sim.tui.widgets.news import NewsLog
from dilemma_sim.tui.widgets.scores import Breakdown, ScoreBoard
from dilemma_sim.tui.widgets.stakes import StakesPanel
from dilemma_sim.tui.widgets.trends import TrendRow, Trends


def trend_rows(session: GameSession, actor: str | None = None) -> list[TrendRow]:
    """The series charted: the variables a player's score weighs (levels and counts), each on its own
    range, and the player's total score on a scale from 0 to its largest value."""
    rows = []
    for name in session.key_variables(actor=actor):
        spec = session.scenario.state[name]
        rows.append(TrendRow(name, clean(spec.label), *spec.range))
    rows.append(TrendRow("score", "Your score"))
    return rows


def trend_series(session: GameSession, actor: str | None = None) -> dict[str, list[float | None]]:
    """Every level variable and the player's total, from the start through each turn played; every
    count (drawn in each turn played, none at the start)."""
    series: dict[str, list[float | None]] = {
        name: [session.initial_state[name], *(view.state[name] for view in session.history)]
        for name in session.initial_state
    }
    for name, spec in session.scenario.state.items():
        if spec.kind == "count":
            series[name] = [None, *(view.counts.get(name, 0.0) for view in session.history)]
    series["score"] = [0.0, *(view.totals[actor or session.human] for view in session.history)]
    return series


class TurnScreen(Screen[None]):
    """One game in progress, seen by one player (`seat`); everything shown is rebuilt from the session
    after each change.

    Alone at the table, `n` plays the turn. At a table of several (`table=True`), `n` hands this
    player's choices to the app (`Decided`), which asks the next player; the turn resolves when all
    have decided, and each player's screen shows the news as that player may know it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "end_turn", "End turn"),
        Binding("n", "decide", "Decide"),  # at a table: the turn ends when every player has decided
        Binding("u", "undo", "Undo"),
        Binding("a", "toggle_advisor", "Advisor"),
        Binding("w", "what_if", "What if?", show=False),  # in help: the footer fits 80 columns
    ]

    class GameOver(Message):
        """The run ended (an ending fired or the last turn was played)."""

    class TookBack(Message):
        """At a table: the last turn was taken back for everyone."""

    class Decided(Message):
        """At a table: this player has chosen for this turn (the choices stay secret)."""

        def __init__(self, seat: str, choices: dict[str, str]) -> None:
            super().__init__()
            self.seat = seat
            self.choices = choices

    def __init__(
        self, session: GameSession, seat: str | None = None, *, table: bool = False, can_undo: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.can_undo = can_undo
        """False in a shared game: a turn played by several browsers is not taken back by one."""
        self.seat = seat or session.human
        """The actor whose decisions, score and news this screen shows."""
        self.table = table
        self._shown: tuple[int, int] | None = None
        """The game as last shown (turns played, identity of the last turn's view)."""

    def compose(self) -> ComposeResult:
        session = self.session
        yield Header()
        with Vertical(id="left"):
            yield DecisionPanel(session.decisions(self.seat), id="decisions")
            label = "Decide  [b]n[/b]" if self.table else "End turn  [b]n[/b]"
            yield Button(label, id="end-turn", variant="primary", compact=True)
        with VerticalScroll(id="right"):
            yield StakesPanel(id="stakes")  # first: what is at stake, readable at 80x24 without scrolling
            yield Label("Situation", classes="section")
            yield Dashboard(session.scenario, id="dashboard")
            yield Label("News", classes="section")
            yield NewsLog(id="news")
            yield ScoreBoard(session.scenario, self.seat, id="scores")
            yield Breakdown(id="breakdown")
            yield Label("Trends", classes="section")
            yield Trends(trend_rows(session, self.seat), session.scenario.turns + 1, id="trends")
        yield AdvisorPanel(id="advisor")
        yield Static("", id="details")
        yield Static("", id="scenario-errors", markup=False)
        yield Footer(compact=True)  # every key fits at 80 columns

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one(DecisionPanel).focus_first()
        # Everything built so far (app, scenario, compiled tables, widgets) lives as long as the game:
        # moving it out of the collector's reach stops full collections pausing turns for 100+ ms.
        gc.freeze()

    def on_screen_resume(self) -> None:
        """Shown again: at a table the app keeps each player's screen from turn to turn, so a turn
        played (or taken back) since it was last shown is shown now; after a dialog, nothing changes
        (the controls keep what the player set)."""
        if self.is_mounted and self._shown != self._game_now():
            self.refresh_view()
            self.query_one(DecisionPanel).focus_first()

    def _game_now(self) -> tuple[int, int]:
        history = self.session.history
        return len(history), id(history[-1]) if history else 0

    # ------------------------------------------------------------------ showing

    def refresh_view(self) -> None:
        """Show the session as it is now (after a turn, an undo, a replay)."""
        session = self.session
        history = session.history
        turns = session.scenario.turns
        shown_turn = min(session.turn, turns - 1)
        # the turn first: the header cuts the end of a long title at 80 columns
        self.title = f"{session.calendar_label(shown_turn)} · turn {min(session.turn + 1, turns)}/{turns}"
        who = clean(session.scenario.actors[self.seat].name)
        self.sub_title = (
            f"{who} — {clean(session.scenario.title)}" if self.table else clean(session.scenario.title)
        )
        previous = history[-2].state if len(history) > 1 else session.initial_state
        last = history[-1] if history else None
        self.query_one(Dashboard).show(session.current_state(), previous, last.counts if last else {})
        self.query_one(NewsLog).show(
            history, lambda view: session.news(view, self.seat), opening=_opening(session, self.seat)
        )
        self.query_one(ScoreBoard).show(last.payoffs if last else {}, last.totals if last else {})
        self.query_one(Breakdown).show_terms(last.terms.get(self.seat, ()) if last else ())
        self.show_stakes()
        self.query_one(Trends).show(trend_series(session, self.seat))
        self.query_one(DecisionPanel).set_policy(session.current_policy(self.seat), session.current_levels())
        self.query_one("#end-turn", Button).disabled = session.done
        advisor = self.query_one(AdvisorPanel)
        if advisor.display:
            self.run_advisor()
        else:
            advisor.invalidate()  # the turn changed: advice still being computed is stale
        self._shown = self._game_now()

    def show_stakes(self) -> None:
        """This turn and the game so far against the status quo (once the stakes are computed)."""
        stakes = self.session.stakes.get(self.seat)
        self.query_one(StakesPanel).show(stakes, self.session.payoffs(self.seat))

    def show_scenario_errors(self, lines: list[str]) -> None:
        """Show (or, with no lines, hide) the problems found in the scenario file on disk."""
        panel = self.query_one("#scenario-errors", Static)
        panel.update(
            "Scenario file has errors (game continues on the last good version):\n" + "\n".join(lines)
            if lines
            else ""
        )
        panel.display = bool(lines)

    # ------------------------------------------------------------------ actions

    def action_end_turn(self) -> None:
        if self.session.done:
            self.post_message(self.GameOver())
            return
        if self.table:
            self.post_message(self.Decided(self.seat, self.query_one(DecisionPanel).choices))
            return
        self.session.play(self.query_one(DecisionPanel).choices)
        self.refresh_view()
        self.query_one(DecisionPanel).focus_first()
        if self.session.done:
            self.post_message(self.GameOver())

    @on(Button.Pressed, "#end-turn")
    def _end_turn_pressed(self) -> None:
        self.action_end_turn()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("end_turn", "decide"):  # one `n` in the footer, named as on the button
            return (action == "decide") == self.table
        return self.can_undo or action != "undo"

    def action_decide(self) -> None:
        self.action_end_turn()

    def action_undo(self) -> None:
        if self.table:
            if self.session.undo():
                self.post_message(self.TookBack())
            else:
                self.notify("Nothing to undo.", severity="warning", timeout=3)
            return
        if self.session.undo():
            self.refresh_view()
            self.notify(f"Took back the last turn; back to {self.session.calendar_label()}.", timeout=3)
        else:
            self.notify("Nothing to undo.", severity="warning", timeout=3)

    def action_what_if(self) -> None:
        self.app.push_screen(WhatIfScreen(self.session, self.query_one(DecisionPanel).choices))

    def action_toggle_advisor(self) -> None:
        advisor = self.query_one(AdvisorPanel)
        advisor.display = not advisor.display
        self.set_class(advisor.display, "-advising")
        if advisor.display:
            self.run_advisor()
        else:
            advisor.invalidate()

    def on_resize(self) -> None:
        """Levers pick their layout from the terminal's height: lay them out again."""
        for lever in self.query(LeverControl):
            lever.refresh(layout=True)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self._describe(event.widget)

    def _describe(self, widget: Widget | None) -> None:
        """Show the full name and description of what the focused control has chosen."""
        panel = self.query_one(DecisionPanel)
        if widget is not None and panel in widget.ancestors:
            self.query_one("#details", Static).update(panel.describe(widget))

    @on(DecisionPanel.Changed)
    def _controls_changed(self) -> None:
        self._describe(self.focused)
        advisor = self.query_one(AdvisorPanel)
        # setting the controls after a turn posts changes too: ask again only for new choices
        if advisor.display and advisor.asked != self.query_one(DecisionPanel).choices:
            self.run_advisor()

    def run_advisor(self) -> None:
        """Ask the engine's advisor about the controls' current state (in a thread worker)."""
        self.query_one(AdvisorPanel).compute(self.session, self.query_one(DecisionPanel).choices, self.seat)


def _opening(session: GameSession, seat: str) -> str:
    return f"{clean(session.scenario.title)} — you play {clean(session.scenario.actors[seat].name)}."
