"""The debrief: outcome, trajectories, the player against the built-in strategies, what mattered."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static
from textual.worker import get_current_worker

from dilemma_sim.engine.turn_view import clean
from dilemma_sim.tui.benchmarks import Benchmark, strategy_benchmarks
from dilemma_sim.tui.screens.turn import trend_rows, trend_series
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.widgets.scores import Breakdown
from dilemma_sim.tui.widgets.trends import Trends

OUTCOME_STYLE = {"win": "bold green", "loss": "bold red", "draw": "bold yellow", "neutral": "bold"}


class DebriefScreen(Screen[None]):
    """Shown when the run ends; `r` plays the scenario again, `u` takes back the last turn, and with
    several players `v` shows the next player's debrief."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "again", "Play again"),
        Binding("u", "undo", "Undo last turn"),
        Binding("v", "next_player", "Next player"),
    ]

    class PlayAgain(Message):
        """Start a new game of the same scenario."""

    class TakeBack(Message):
        """Undo the last turn and go back to the turn screen."""

    def __init__(self, session: GameSession, viewer: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.viewer = viewer or session.human
        """The player whose debrief is shown."""
        self.benchmarks: list[Benchmark] | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_player":
            return len(self.session.humans) > 1
        return True

    def compose(self) -> ComposeResult:
        session = self.session
        yield Header()
        with VerticalScroll(id="debrief"):
            yield Static(self._outcome(), id="outcome")
            yield Label("How it went", classes="section")
            yield Trends(trend_rows(session, self.viewer), session.scenario.turns + 1, id="trends")
            yield Label("You against the built-in strategies", classes="section")
            yield Static(Text("computing…", style="italic"), id="benchmarks")
            yield Label("What mattered most", classes="section")
            yield Breakdown(limit=8, id="mattered")
        yield Footer(compact=True)  # every key fits at 80 columns

    def on_mount(self) -> None:
        session = self.session
        self.title = f"Debrief — {clean(session.scenario.title)}"
        self.sub_title = f"{session.calendar_label(0)} to {session.calendar_label(max(session.turn - 1, 0))}"
        self.query_one(Trends).show(trend_series(session, self.viewer))
        self.query_one("#mattered", Breakdown).show(
            session.what_mattered(actor=self.viewer),
            title="Summed over the game",
            total="= what moved your score",
        )
        self._benchmark(session, self.viewer)

    async def action_next_player(self) -> None:
        humans = self.session.humans
        self.viewer = humans[(humans.index(self.viewer) + 1) % len(humans)]
        self.benchmarks = None
        await self.recompose()
        self.on_mount()

    def _outcome(self) -> Group:
        session = self.session
        ending = session.ending_spec()
        total = session.history[-1].totals[self.viewer] if session.history else 0.0
        if ending is not None:
            head = Text.assemble(
                (ending.outcome.capitalize(), OUTCOME_STYLE.get(ending.outcome, "bold")),
                ": ",
                (clean(ending.label), "bold"),
            )
            body = Text(clean(ending.text))
        else:
            last = session.calendar_label(session.scenario.turns - 1)
            head = Text("Full term: no early ending", style="bold")
            body = Text(f"The game ran all its {session.scenario.turns} turns, to {last}.")
        who = "Your" if len(session.humans) == 1 else f"{clean(session.scenario.actors[self.viewer].name)}'s"
        score = Text.assemble(
            f"{who} total score: ", (f"{total:,.1f}", "bold"), f" after {session.turn} turns."
        )
        if len(session.humans) > 1:
            others = ", ".join(
                f"{clean(session.scenario.actors[a].name)} {session.history[-1].totals[a]:,.1f}"
                for a in session.humans
                if a != self.viewer and session.history
            )
            score.append(f"\nThe other players: {others} (v shows the next player's debrief).", style="dim")
        return Group(head, body, Text(""), score)

    @work(thread=True, exclusive=True, group="benchmark")
    def _benchmark(self, session: GameSession, viewer: str) -> None:
        try:
            benchmarks = strategy_benchmarks(session, actor=viewer)
        except Exception as exc:  # shown in the screen, never printed
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._benchmark_failed, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_benchmarks, benchmarks)

    def _benchmark_failed(self, exc: Exception) -> None:
        self.query_one("#benchmarks", Static).update(
            Text(f"Could not run the strategies: {exc}", style="red")
        )

    def _show_benchmarks(self, benchmarks: list[Benchmark]) -> None:
        self.benchmarks = benchmarks
        total = self.session.history[-1].totals[self.viewer] if self.session.history else 0.0
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("strategy", ratio=1, no_wrap=True, overflow="ellipsis")
        for name in ("mean", "p10", "p50", "p90"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("you beat", justify="right", no_wrap=True)
        for bench in benchmarks:
            table.add_row(
                Text(bench.label),
                f"{bench.mean:,.1f}",
                f"{bench.p10:,.1f}",
                f"{bench.p50:,.1f}",
                f"{bench.p90:,.1f}",
                Text(f"{bench.share_below:.0%}", style="green" if bench.share_below >= 0.5 else "red"),
            )
        table.add_row(Text(f"you: {total:,.1f}", style="bold"), "", "", "", "", "")
        self.query_one("#benchmarks", Static).update(table)

    def action_again(self) -> None:
        self.post_message(self.PlayAgain())

    def action_undo(self) -> None:
        self.post_message(self.TakeBack())
