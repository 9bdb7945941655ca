"""The debrief: the outcome, the player's game against the status quo and the built-in strategies
(score, counts such as attacks and deaths, endings; a chart of the player's path against the
strategies' bands), what mattered most, and the trends."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderResult
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

from dilemma_sim.text import safe as clean
from dilemma_sim.tui.screens.turn import trend_rows, trend_series
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.widgets.scores import Breakdown
from dilemma_sim.tui.widgets.trends import Trends

if TYPE_CHECKING:  # the strategies' runs load the executor: imported when the debrief computes
    from dilemma_sim.tui.benchmarks import Band, Benchmark
    from dilemma_sim.tui.stakes import Stakes

OUTCOME_STYLE = {"win": "bold green", "loss": "bold red", "draw": "bold yellow", "neutral": "bold"}


class DebriefScreen(Screen[None]):
    """Shown when the run ends; `r` plays the scenario again, `u` takes back the last turn, and with
    several players `v` shows the next player's debrief."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "again", "Play again"),
        Binding("u", "undo", "Undo", tooltip="Undo last turn"),  # "Undo last turn" cut the footer at 80
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
        """The strategies' outcomes against the player's, once computed."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_player":
            return len(self.session.humans) > 1
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        yield self._body()
        yield Footer(compact=True)  # every key fits at 80 columns

    def _body(self) -> VerticalScroll:
        """Everything but the header and the footer: the viewer's debrief (`v` swaps it for the next
        player's; recomposing the whole screen left the footer without its keys)."""
        from dilemma_sim.tui.widgets.charts import PathChart  # plotext and numpy: loaded for the debrief

        session = self.session
        return VerticalScroll(
            Static(self._outcome(), id="outcome"),
            Label("Your path against the strategies, on your luck", classes="section"),
            PathChart(id="path-chart"),
            Static("", id="chart-legend"),
            Label("You against the status quo and the built-in strategies", classes="section"),
            Static(Text("computing…", style="italic"), id="benchmarks"),
            Label("What mattered most", classes="section"),
            Breakdown(limit=8, id="mattered"),
            Label("How it went", classes="section"),
            Trends(trend_rows(session, self.viewer), session.scenario.turns + 1, id="trends"),
            id="debrief",
        )

    def on_mount(self) -> None:
        session = self.session
        self.title = f"Debrief — {clean(session.scenario.title)}"
        self.sub_title = f"{session.calendar_label(0)} to {session.calendar_label(max(session.turn - 1, 0))}"
        self.query_one(Trends).show(trend_series(session, self.viewer))
        self.query_one("#mattered", Breakdown).show(
            session.what_mattered(actor=self.viewer),
            title="Summed over the game",
            total="= your score",
        )
        if self.viewer in session.stakes:
            self.show_stakes()
        else:
            self._compute(session, self.viewer)

    async def action_next_player(self) -> None:
        humans = self.session.humans
        self.viewer = humans[(humans.index(self.viewer) + 1) % len(humans)]
        self.benchmarks = None
        await self.query_one("#debrief", VerticalScroll).remove()
        await self.mount(self._body(), before=self.query_one(Footer))
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
            turns = session.scenario.turns
            if session.scenario.endings:
                head = Text("Full term: no early ending", style="bold")
                body = Text(f"The game ran all its {turns} turns, to {last}.")
            else:  # the scenario has no early endings: nothing to say about one
                head = Text(f"The game ran its {turns} turns, {session.calendar_label(0)} to {last}.")
                body = Text("")
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
        return Group(*(part for part in (head, body) if part.plain), Text(""), score)

    @work(thread=True, exclusive=True, group="benchmark")
    def _compute(self, session: GameSession, viewer: str) -> None:
        from dilemma_sim.tui.stakes import compute_stakes

        try:
            stakes = compute_stakes(session.compiled, viewer, session.seed)
        except Exception as exc:  # shown in the screen, never printed
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._failed, exc)
            return
        if not get_current_worker().is_cancelled:
            session.stakes.setdefault(viewer, stakes)
            self.app.call_from_thread(self.show_stakes)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#benchmarks", Static).update(
            Text(f"Could not run the strategies: {exc}", style="red")
        )

    def show_stakes(self) -> None:
        """The chart and the table, once the strategies have played (see `stakes.py`)."""
        stakes = self.session.stakes.get(self.viewer)
        if stakes is None:
            return
        payoffs = self.session.payoffs(self.viewer)
        total = self.session.history[-1].totals[self.viewer] if self.session.history else 0.0
        from dilemma_sim.tui.benchmarks import strategy_benchmarks

        self.benchmarks = strategy_benchmarks(stakes, total)
        from dilemma_sim.tui.widgets.charts import PathChart

        legend = self.query_one(PathChart).show(
            stakes, payoffs, [self.session.calendar_label(t) for t in range(len(payoffs) + 1)]
        )
        self.query_one("#chart-legend", Static).update(legend)
        self.query_one("#benchmarks", Static).update(self._tables(stakes, total))

    def _tables(self, stakes: Stakes, total: float) -> Group:
        """How the player did against the status quo in words, then each way to play over the runs
        (score, and its usual ending when the scenario has early endings), then what each way to play
        counted over a game (attacks, deaths, ...); the player's own game last in both."""
        assert self.benchmarks is not None
        sc = self.session.scenario
        endings = bool(sc.endings)
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("way to play", ratio=1, min_width=16, overflow="fold")
        table.add_column("mean", justify="right", no_wrap=True)
        table.add_column("score p10–p90", justify="right", no_wrap=True)
        table.add_column("you beat", justify="right", no_wrap=True)
        if endings:
            table.add_column("usual ending", ratio=1, overflow="fold")
        for bench in self.benchmarks:
            ending, share = next(iter(bench.endings.items()))
            table.add_row(
                Text(bench.label),
                f"{bench.mean:,.0f}",
                f"{bench.total.p10:,.0f} to {bench.total.p90:,.0f}",
                Text(f"{bench.share_below:.0%}", style="green" if bench.share_below >= 0.5 else "red"),
                *([Text(f"{self._ending_label(ending)} {share:.0%}")] if endings else []),
            )
        table.add_row(
            Text("you", style="bold"),
            "",
            Text(f"{total:,.0f}", style="bold"),
            "",
            *([Text(self._ending_label(self.session.ending), style="bold")] if endings else []),
        )
        sq = self.benchmarks[stakes.reference]
        ahead = total - sq.same_luck
        verdict = (
            ("level with it", "bold")
            if abs(ahead) < 0.5
            else (
                f"{abs(ahead):,.0f} points {'better' if ahead > 0 else 'worse'}",
                "bold green" if ahead > 0 else "bold red",
            )
        )
        best = self.benchmarks[stakes.best]
        summary = Text.assemble(
            f"On your own luck, {sq.label} would have scored {sq.same_luck:,.0f}: you did ",
            verdict,
            f". Over {stakes.runs:,} games it is expected to score {sq.mean:,.0f} ±{sq.half:,.0f}",
            ""
            if stakes.best == stakes.reference
            else f"; the best built-in way to play, {best.label}, {best.mean:,.0f} ±{best.half:,.0f}",
            ". Higher is better.",
        )
        parts: list[Text | Table | CountsTable] = [summary, Text(""), table]
        if stakes.count_names:
            parts += [Text(""), self._counts_table(stakes)]
        return Group(*parts)

    def _counts_table(self, stakes: Stakes) -> CountsTable:
        """Each count over a game: the median and, under it, p10 to p90 of each way to play; yours."""
        assert self.benchmarks is not None
        sc = self.session.scenario
        names = stakes.count_names
        mine = [sum(view.counts.get(n, 0.0) for view in self.session.history) for n in names]
        return CountsTable(
            [clean(sc.state[name].label) for name in names],
            [(bench.label, [bench.counts[n] for n in names]) for bench in self.benchmarks],
            mine,
        )

    def _ending_label(self, ending: str | None) -> str:
        spec = self.session.scenario.endings.get(ending) if ending else None
        return clean(spec.label) if spec is not None else "full term"

    def action_again(self) -> None:
        self.post_message(self.PlayAgain())

    def action_undo(self) -> None:
        self.post_message(self.TakeBack())


NAME_WIDTH = 16
"""Cells of the counts table's first column at least (a strategy's name, folded)."""


class CountsTable:
    """The debrief's counts: a column per count, a row per way to play (median over p10–p90) and the
    player's own. Whole numbers when they fit; else the ranges in thousands (`1.6k–2.8k`), so that a
    number is never folded over two lines at 80 columns."""

    def __init__(self, heads: list[str], rows: list[tuple[str, list[Band]]], mine: list[float]) -> None:
        self.heads, self.rows, self.mine = heads, rows, mine

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(short=self.width(short=False) > options.max_width)

    def width(self, short: bool) -> int:
        """Cells the table needs, ranges whole or `short` (a column: its widest number or word, padded)."""
        need = NAME_WIDTH + 2
        for c, head in enumerate(self.heads):
            cells = [_range(bands[c], short) for _, bands in self.rows] + [f"{self.mine[c]:,.0f}"]
            need += max(*(len(cell) for cell in cells), *(len(word) for word in head.split())) + 2
        return need

    def table(self, short: bool) -> Table:
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("over a game: median, p10–p90", ratio=1, min_width=NAME_WIDTH, overflow="fold")
        for head in self.heads:
            table.add_column(Text(head), justify="right", ratio=1, overflow="fold")
        for label, bands in self.rows:
            table.add_row(
                Text(label),
                *(Text.assemble(f"{band.p50:,.0f}\n", (_range(band, short), "dim")) for band in bands),
            )
        table.add_row(
            Text("you", style="bold"), *(Text(f"{value:,.0f}", style="bold") for value in self.mine)
        )
        return table


def _range(band: Band, short: bool) -> str:
    return f"{_number(band.p10, short)}–{_number(band.p90, short)}"


def _number(value: float, short: bool) -> str:
    """`1,556`, or in thousands when `short` (`1.6k`)."""
    return f"{value / 1000:.1f}k" if short and abs(value) >= 1000 else f"{value:,.0f}"
