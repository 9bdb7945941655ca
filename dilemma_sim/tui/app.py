"""The Textual app: which screen shows when, opening scenarios and games, save and load.

Screens show a `GameSession`; all loading, compiling and replaying runs in thread workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from dilemma_sim.tui.opening import OpenedScenario, open_save, open_scenario, start_game
from dilemma_sim.tui.savefile import (
    SaveError,
    SaveExists,
    ScenarioChanged,
    default_save_path,
    read_save,
    write_save,
    write_text_file,
)
from dilemma_sim.tui.screens.briefing import BriefingScreen
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.help import HelpGroups, HelpScreen
from dilemma_sim.tui.screens.modals import ConfirmModal, ErrorModal, PathModal
from dilemma_sim.tui.screens.picker import PickerScreen
from dilemma_sim.tui.screens.table import FacilitatorScreen, HandOverScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.watch import FileStamp, file_stamp
from dilemma_sim.tui.widgets.decisions import ChoiceSet, LeverControl

WATCH_INTERVAL = 1.0
"""Seconds between checks of the open scenario file's modification time."""


class DilemmaApp(App[None]):
    """`dilemma-sim play`: pick a scenario, read the briefing, play turns, read the debrief."""

    CSS_PATH = "app.tcss"
    TITLE = "dilemma-sim"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "scenarios", "Scenarios"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+o", "load", "Load", show=False),  # in help and the palette: the footer fits 80 columns
        Binding("q", "request_quit", "Quit"),
    ]

    def __init__(
        self,
        scenario: str | Path | None = None,
        seed: int = 0,
        human: str | None = None,
        *,
        humans: Sequence[str] = (),
        facilitator: bool = False,
        watch: bool = True,
        animations: bool = True,
        on_first_screen: Callable[[DilemmaApp], None] | None = None,
    ) -> None:
        super().__init__()
        self.scenario_ref = scenario
        self.seed = seed
        self.humans: tuple[str, ...] = tuple(humans) or ((human,) if human else ())
        """The actors people play (empty: the scenario's player)."""
        self.facilitator = facilitator
        """Whether a facilitator sits at the table (sees everything, can force events)."""
        self.opened_paths: set[Path] = set()
        """Scenario files opened in this session: the only paths a save may name (besides built-ins)."""
        self.watch_file = watch
        self.opened: OpenedScenario | None = None
        self.session: GameSession | None = None
        self._stamp: FileStamp | None = None
        self._facilitated = -1
        """The turn whose start the facilitator has seen (at a table with a facilitator)."""
        self._on_first_screen = on_first_screen
        """Called once, after the first screen (briefing or turn) is painted; the benchmark's probe."""
        if not animations:
            self.animation_level = "none"

    def on_mount(self) -> None:
        if self.scenario_ref is None:
            self.action_scenarios()
        else:
            self.open_scenario(self.scenario_ref)
        if self.watch_file:
            self.set_interval(WATCH_INTERVAL, self.check_scenario_file)

    # ------------------------------------------------------------------ screens

    def _show(self, screen: Screen[Any]) -> None:
        """Make `screen` the current mode (replacing the previous one)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        if self._on_first_screen is not None:
            hook, self._on_first_screen = self._on_first_screen, None
            self.call_after_refresh(hook, self)

    @property
    def at_table(self) -> bool:
        """Several people share this terminal: players hand over, perhaps a facilitator watches."""
        return len(self.humans) > 1 or self.facilitator

    def _show_session(self, session: GameSession) -> None:
        self.session = session
        self._facilitated = -1
        if session.done:
            self._show(DebriefScreen(session))
        elif self.at_table:
            self._next_seat()
        else:
            self._show(TurnScreen(session))

    # ------------------------------------------------------------------ several people at one table

    def _next_seat(self) -> None:
        """Whose screen comes next: the facilitator's at the start of a turn, then each player who has
        not decided (behind a hand-over screen); when all have, the turn resolves."""
        session = self.session
        if session is None:
            return
        if session.done:
            self._show(DebriefScreen(session))
            return
        if self.facilitator and self._facilitated != session.turn:
            self._show(FacilitatorScreen(session))
            return
        waiting = session.waiting()
        if waiting:
            self._show(HandOverScreen(session, waiting[0]))
            return
        session.resolve()
        self._next_seat()

    def on_hand_over_screen_ready(self, message: HandOverScreen.Ready) -> None:
        if self.session is not None:
            self._show(TurnScreen(self.session, message.seat, table=True))

    def on_turn_screen_decided(self, message: TurnScreen.Decided) -> None:
        if self.session is not None:
            self.session.decide(message.seat, message.choices)
            self._next_seat()

    def on_turn_screen_took_back(self) -> None:
        """At a table, undo takes the turn back for everyone: start the turn's round again."""
        self._facilitated = -1
        self._next_seat()

    def on_facilitator_screen_done(self) -> None:
        if self.session is not None:
            self._facilitated = self.session.turn
            self._next_seat()

    def on_facilitator_screen_transcript_asked(self) -> None:
        session = self.session
        if session is None:
            return

        def write(path: Path | None, replace: bool = False) -> None:
            if path is None:
                return
            try:
                write_text_file(path, session.transcript_json(), replace=replace)
            except SaveExists as exc:
                self.push_screen(
                    ConfirmModal(exc.title, str(exc), yes="Replace", no="Cancel"),
                    lambda yes: write(path, replace=True) if yes else None,
                )
                return
            except SaveError as exc:
                self._show_error(exc)
                return
            self.notify(f"Transcript of {session.turn} turn(s) written to {path}.", markup=False)

        default = Path(f"{session.scenario_id}.transcript.json")
        self.push_screen(PathModal("Write the transcript to", str(default), action="Write"), write)

    def on_briefing_screen_start(self) -> None:
        if self.opened is not None:
            self._show_session(start_game(self.opened, self.seed, self.humans))

    def on_turn_screen_game_over(self) -> None:
        if self.session is not None:
            self._show(DebriefScreen(self.session))

    def on_debrief_screen_play_again(self) -> None:
        if self.opened is not None:
            self.session = None  # the finished game is left behind: quitting need not warn about it
            self._show(BriefingScreen(self.opened.scenario, self._player()))

    def on_debrief_screen_take_back(self) -> None:
        if self.session is not None and self.session.undo():
            if self.at_table:
                self._facilitated = -1
                self._next_seat()
            else:
                self._show(TurnScreen(self.session))

    # ------------------------------------------------------------------ opening (in workers)

    def _in_worker(
        self,
        job: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run `job` in a thread; call `done(result)` or `failed(error)` back on the UI thread."""

        def run() -> None:
            try:
                result = job()
            except Exception as exc:  # every failure is shown in the app
                self.call_from_thread(failed or self._show_error, exc)
            else:
                self.call_from_thread(done, result)

        self.run_worker(run, thread=True, exclusive=True, group="open", name="open")

    def _show_error(self, exc: Exception) -> None:
        """Show `exc`; closed over an empty screen (nothing opened yet), the picker follows."""
        title = getattr(exc, "title", "Error")
        details = getattr(exc, "details", None)

        def closed(_: None) -> None:
            if len(self.screen_stack) <= 1:
                self.action_scenarios()

        self.push_screen(ErrorModal(title, str(exc), details), closed)

    def open_scenario(self, ref: str | Path) -> None:
        """Load a scenario in a worker, then show its briefing."""
        self._in_worker(lambda: open_scenario(ref), self._opened, self._open_failed)

    def _open_failed(self, exc: Exception) -> None:
        self._show_error(exc)  # closing it over nothing opens the picker

    def _player(self) -> str | None:
        return self.humans[0] if self.humans else None

    def _opened(self, opened: OpenedScenario) -> None:
        self.opened = opened
        self.opened_paths.add(opened.path.resolve())
        self.session = None
        self._stamp = file_stamp(opened.path)
        self._show(BriefingScreen(opened.scenario, self._player()))

    # ------------------------------------------------------------------ live authoring

    def check_scenario_file(self) -> None:
        """Revalidate the open scenario file when its modification time or size changed."""
        if self.opened is None:
            return
        path = self.opened.path
        stamp = file_stamp(path)
        if stamp is None or stamp == self._stamp:
            return
        self._stamp = stamp
        self._in_worker(lambda: open_scenario(path), self._scenario_edited, self._scenario_broken)

    def _scenario_broken(self, exc: Exception) -> None:
        details = getattr(exc, "details", [])
        self.notify(
            "\n".join([str(exc), *details[:3]]),
            title="Scenario file has errors",
            severity="error",
            timeout=8,
            markup=False,
        )
        if isinstance(self.screen, TurnScreen):
            self.screen.show_scenario_errors(details or [str(exc)])

    def _scenario_edited(self, new: OpenedScenario) -> None:
        if isinstance(self.screen, TurnScreen):
            self.screen.show_scenario_errors([])
        old, session = self.opened, self.session
        if old is not None and new.scenario_hash == old.scenario_hash:
            return
        self.opened = new
        if session is None:
            self._show(BriefingScreen(new.scenario, self._player()))
            return
        question = (
            f"{new.path.name} was edited and is valid. Replay seed {session.seed} and your "
            f"{session.turn} turn(s) on the new version?"
        )

        def answer(replay: bool | None) -> None:
            if replay:
                self._in_worker(
                    lambda: start_game(
                        new, session.seed, session.humans, session.player_choices(), session.forced()
                    ),
                    self._show_session,
                )

        self.push_screen(ConfirmModal("Scenario changed", question, yes="Replay", no="Keep playing"), answer)

    # ------------------------------------------------------------------ save and load

    def action_save(self) -> None:
        session = self.session
        if session is None:
            self.notify("There is no game to save yet.", severity="warning")
            return

        def save(path: Path | None, replace: bool = False) -> None:
            if path is None:
                return
            try:
                write_save(path, session.to_save(), replace=replace)
            except SaveExists as exc:
                self.push_screen(
                    ConfirmModal(exc.title, str(exc), yes="Replace", no="Cancel"),
                    lambda yes: save(path, replace=True) if yes else None,
                )
                return
            except SaveError as exc:
                self._show_error(exc)
                return
            session.saved_turns = session.turn
            self.notify(f"Saved {session.turn} turn(s) to {path}.", title="Saved", markup=False)

        default = default_save_path(session.scenario_id)
        self.push_screen(PathModal("Save game to", str(default), action="Save"), save)

    def action_load(self) -> None:
        scenario_id = self.opened.scenario.id if self.opened else "game"

        def ask_path() -> None:
            modal = PathModal("Load game from", str(default_save_path(scenario_id)), action="Load")
            self.push_screen(modal, self._load)

        self._unless_unsaved(ask_path, "Load another game?")

    def _unless_unsaved(self, then: Callable[[], None], title: str) -> None:
        """Call `then`, after asking first when the game in progress has unsaved turns."""
        session = self.session
        if session is None or not session.dirty:
            then()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                then()

        message = f"Your {session.turn} turn(s) are not saved (ctrl+s saves)."
        self.push_screen(ConfirmModal(title, message, yes="Leave this game", no="Stay"), answer)

    def _load(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            game = read_save(path)
        except SaveError as exc:
            self._show_error(exc)
            return

        def loaded(session: GameSession) -> None:
            self.opened = OpenedScenario(session.scenario, session.compiled, session.path)
            self.humans = session.humans
            self._stamp = file_stamp(session.path)
            self._show_session(session)
            self.notify(f"Loaded {session.turn} turn(s) from {path}.", title="Loaded", markup=False)

        def refused(exc: Exception) -> None:
            if not isinstance(exc, ScenarioChanged):
                self._show_error(exc)
                return

            def anyway(replay: bool | None) -> None:
                if replay:
                    self._in_worker(lambda: open_save(game, paths, force=True), loaded)

            message = (
                f"{exc}\n\nReplay the saved choices on the current version anyway? The game will differ."
            )
            self.push_screen(
                ConfirmModal(exc.title, message, yes="Replay anyway", no="Cancel", error=True), anyway
            )

        paths = set(self.opened_paths)
        self._in_worker(lambda: open_save(game, paths), loaded, refused)

    # ------------------------------------------------------------------ other actions

    def action_scenarios(self) -> None:
        if isinstance(self.screen, PickerScreen):
            return

        def picked(ref: str | None) -> None:
            if not ref:
                if self.opened is None and len(self.screen_stack) <= 1:
                    self.action_scenarios()
                return
            self._unless_unsaved(lambda: self.open_scenario(ref), "Leave this game?")

        self.push_screen(PickerScreen(self.opened.scenario.id if self.opened else None), picked)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_groups()))

    def help_groups(self) -> HelpGroups:
        """Every key, by where it works, with the player's real controls named."""
        decisions = self.session.decisions() if self.session is not None else []
        choices = ", ".join(d.label for d in decisions if d.kind == "choice") or "a list of options"
        levers = ", ".join(d.label for d in decisions if d.kind == "lever") or "a graded lever"
        return [
            ("Anywhere", list(self.BINDINGS)),
            ("Briefing", list(BriefingScreen.BINDINGS)),
            ("Turn", list(TurnScreen.BINDINGS)),
            (f"A choice ({choices})", [b for b in ChoiceSet.BINDINGS if isinstance(b, Binding)]),
            (f"A lever ({levers})", list(LeverControl.BINDINGS)),
            ("Debrief", list(DebriefScreen.BINDINGS)),
            ("Hand-over (several players)", list(HandOverScreen.BINDINGS)),
            ("Facilitator", list(FacilitatorScreen.BINDINGS)),
            ("This help", list(HelpScreen.BINDINGS)),
            (
                "Everywhere",
                [Binding("tab", "", "Next control"), Binding("ctrl+p", "", "Command palette, themes")],
            ),
        ]

    def action_request_quit(self) -> None:
        session = self.session
        if session is None or not session.dirty:
            self.exit()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmModal(
                "Quit?",
                f"You have {session.turn} turn(s) not saved (ctrl+s saves).",
                yes="Quit",
                no="Keep playing",
            ),
            answer,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, TurnScreen):
            yield SystemCommand(
                "End turn", "Resolve this turn with the chosen policy (n)", screen.action_end_turn
            )
            yield SystemCommand("Undo", "Take back the last turn (u)", screen.action_undo)
            yield SystemCommand("Advisor", "Show or hide the advisor (a)", screen.action_toggle_advisor)
        yield SystemCommand("Scenarios", "Pick another scenario (s)", self.action_scenarios)
        yield SystemCommand("Save game", "Save this game to a file (ctrl+s)", self.action_save)
        yield SystemCommand("Load game", "Load a saved game (ctrl+o)", self.action_load)
        yield SystemCommand("Help", "Every key of the app (?)", self.action_help)
