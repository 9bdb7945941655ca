"""Several people at one table: the hand-over screen between players, and the facilitator's view.

The hand-over screen hides the game while the keyboard passes from one player to the next, so each
decides in secret; it says who has decided, never what. The facilitator sees every actor's state,
choices and score, and may force scenario events in the coming turn (recorded in saves and transcripts).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from dilemma_sim.text import safe as clean
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.widgets.dashboard import Dashboard
from dilemma_sim.tui.widgets.news import NewsLog
from dilemma_sim.tui.widgets.scores import signed


class HandOverScreen(Screen[None]):
    """Pass the keyboard to `seat`'s player; `enter` when that player (alone) is ready."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "ready", "Ready", priority=True)]

    class Ready(Message):
        """The next player has the keyboard."""

        def __init__(self, seat: str) -> None:
            super().__init__()
            self.seat = seat

    def __init__(self, session: GameSession, seat: str) -> None:
        super().__init__()
        self.session = session
        self.seat = seat

    def compose(self) -> ComposeResult:
        name = clean(self.session.scenario.actors[self.seat].name)
        yield Header()
        with Vertical(id="handover"):
            yield Label("", id="handover-turn", classes="section")
            yield Static(
                Text.assemble("Pass the keyboard to ", (name, "bold"), "'s player."), id="handover-who"
            )
            yield Static(
                Text(
                    "Everyone else, look away: each player decides in secret, and all choices take "
                    "effect together when the last player has decided.",
                    style="italic",
                )
            )
            yield Static("", id="handover-decided")
            yield Button(
                f"I play {name}: show my screen  (enter)", id="ready", variant="primary", compact=True
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = "Hand over"
        self.sub_title = clean(self.session.scenario.title)
        self.refresh_view()

    def on_screen_resume(self) -> None:
        """Shown again (the app keeps one hand-over screen per seat): the turn and who has decided."""
        if self.is_mounted:
            self.refresh_view()

    def refresh_view(self) -> None:
        session = self.session
        turn = f"{session.calendar_label()} · turn {session.turn + 1} of {session.scenario.turns}"
        self.query_one("#handover-turn", Label).update(turn)
        decided = [clean(session.scenario.actors[a].name) for a in session.humans if a in session.pending]
        shown = self.query_one("#handover-decided", Static)
        shown.update(Text(f"Already decided: {', '.join(decided)}.", style="dim") if decided else "")
        shown.display = bool(decided)

    def action_ready(self) -> None:
        self.post_message(self.Ready(self.seat))

    @on(Button.Pressed, "#ready")
    def _pressed(self) -> None:
        self.action_ready()


class FacilitatorScreen(Screen[None]):
    """Every actor's choices and score, the state, all the news; events to force in the coming turn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "continue", "Continue", tooltip="Continue to the players"),  # Quit fits at 80 columns
        Binding("t", "transcript", "Transcript"),
    ]

    class Done(Message):
        """The facilitator hands the turn to the players."""

    class TranscriptAsked(Message):
        """The facilitator wants the game's transcript written to a file."""

    class ForcedChanged(Message):
        """The events to force in the coming turn changed."""

    def __init__(self, session: GameSession, *, shared: bool = False) -> None:
        super().__init__()
        self.session = session
        self.shared = shared
        """In a shared game the players decide in their own browsers: there is nothing to continue to."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.shared and action == "continue")

    def compose(self) -> ComposeResult:
        session = self.session
        yield Header()
        with VerticalScroll(id="facilitator"):
            if not self.shared:
                yield Button("Continue to the players  (c)", id="continue", variant="primary", compact=True)
            yield Label("Force events in the coming turn  (enter toggles)", classes="section")
            yield OptionList(*self._event_options(), id="events")
            yield Label("Actors", classes="section")
            yield Static("", id="actors")
            yield Label("Situation", classes="section")
            yield Dashboard(session.scenario, id="dashboard")
            yield Label("News, as everyone saw it", classes="section")
            yield NewsLog(id="news")
        yield Footer(compact=True)

    def _event_options(self) -> list[Option]:
        """One option per event: `[x]` when forced in the coming turn, `[ ]` when not."""
        forced = self.session.forced_next
        return [
            Option(
                Text.assemble(("[x] " if event_id in forced else "[ ] ", "bold"), clean(event.label)),
                event_id,
            )
            for event_id, event in self.session.scenario.events.items()
        ]

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        """Shown again at the start of the next turn (the app keeps the facilitator's screen)."""
        if self.is_mounted:
            self.refresh_view()
            self.query_one(OptionList).focus()

    def refresh_view(self) -> None:
        """Show the game as it is now: the turn, every actor, the state, the news, the forced events."""
        session = self.session
        self.title = (
            f"Facilitator — {session.calendar_label()} · turn {session.turn + 1}/{session.scenario.turns}"
        )
        self.sub_title = clean(session.scenario.title)
        history = session.history
        previous = history[-2].state if len(history) > 1 else session.initial_state
        last = history[-1] if history else None
        self.query_one("#actors", Static).update(self._actors())
        self.query_one(Dashboard).show(session.current_state(), previous, last.counts if last else {})
        self.query_one(NewsLog).show(history, lambda view: session.news(view, "*"))
        self.show_forced()

    def _actors(self) -> Table:
        """Who plays each actor, what it chose last turn, its payoff and total."""
        session = self.session
        sc = session.scenario
        last = session.history[-1] if session.history else None
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("actor", ratio=2, overflow="fold")
        table.add_column("last turn", ratio=3, overflow="fold")
        table.add_column("turn", justify="right", no_wrap=True)
        table.add_column("total", justify="right", no_wrap=True)
        for actor_id, actor in sc.actors.items():
            if actor_id in session.humans:
                status = "decided" if actor_id in session.pending else "to decide"
                who = Text.assemble((clean(actor.name), "bold"), (f"\nperson, {status}", "dim"))
            else:
                who = Text.assemble(clean(actor.name), ("\npolicy", "dim"))
            choices = []
            for decision_id, decision in actor.decisions.items():
                key = f"{actor_id}.{decision_id}"
                if last is None or key not in last.choices:
                    continue
                if decision.kind == "lever":
                    level = list(decision.levels.values())[last.levels[key]]
                    choices.append(f"{clean(decision.label)}: {clean(level.label)}")
                else:
                    choices.append(clean(decision.options[last.choices[key]].label))
            table.add_row(
                who,
                Text("; ".join(choices) or "–"),
                signed(last.payoffs[actor_id]) if last else Text("–", style="dim"),
                f"{last.totals[actor_id]:,.1f}" if last else "0.0",
            )
        return table

    @on(OptionList.OptionSelected, "#events")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        self.toggle_event(str(event.option.id))

    def toggle_event(self, event_id: str) -> None:
        """Force `event_id` in the coming turn, or no longer."""
        forced = self.session.forced_next
        if event_id in forced:
            forced.remove(event_id)
        else:
            forced.append(event_id)
        self.show_forced()
        self.post_message(self.ForcedChanged())

    def show_forced(self) -> None:
        """Mark the events the session will force in the coming turn."""
        options = self.query_one("#events", OptionList)
        for index, option in enumerate(self._event_options()):
            options.replace_option_prompt_at_index(index, option.prompt)

    def action_continue(self) -> None:
        self.post_message(self.Done())

    def action_transcript(self) -> None:
        self.post_message(self.TranscriptAsked())

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.action_continue()


class WaitingScreen(Screen[None]):
    """A player who has decided waits for the others (a shared game in the browser)."""

    def __init__(self, session: GameSession, seat: str, waiting_for: list[str]) -> None:
        super().__init__()
        self.session = session
        self.seat = seat
        self.waiting_for = waiting_for

    def compose(self) -> ComposeResult:
        sc = self.session.scenario
        names = ", ".join(clean(sc.actors[a].name) for a in self.waiting_for) or "the others"
        yield Header()
        with Vertical(id="handover"):
            yield Label(f"{self.session.calendar_label()} · turn {self.session.turn + 1}", classes="section")
            yield Static(
                Text.assemble("Your choices are in. Waiting for ", (names, "bold"), "…"), id="waiting"
            )
            yield Static(Text("The turn resolves when every player has decided.", style="italic"))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"{clean(self.session.scenario.actors[self.seat].name)} — waiting"
        self.sub_title = clean(self.session.scenario.title)
