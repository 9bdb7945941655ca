"""The Textual app: which screen shows when, opening scenarios and games, save and load.

Screens show a `GameSession`; all loading, compiling and replaying runs in thread workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from dilemma_sim.tui.app_table import TableApp
from dilemma_sim.tui.files import PathRefused
from dilemma_sim.tui.opening import OpenedScenario, open_save, open_scenario, start_game
from dilemma_sim.tui.savefile import (
    SaveError,
    ScenarioChanged,
    default_save_path,
    read_save,
    write_save,
)
from dilemma_sim.tui.screens.briefing import BriefingScreen
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.help import HelpGroups, HelpScreen
from dilemma_sim.tui.screens.modals import ConfirmModal, PathModal
from dilemma_sim.tui.screens.picker import PickerScreen
from dilemma_sim.tui.screens.table import FacilitatorScreen, HandOverScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.watch import file_stamp
from dilemma_sim.tui.widgets.decisions import ChoiceSet, LeverControl

WATCH_INTERVAL = 1.0
"""Seconds between checks of the open scenario file's modification time."""


class DilemmaApp(TableApp):
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

    def on_mount(self) -> None:
        if self.scenario_ref is None:
            self.action_scenarios()
        else:
            self.open_scenario(self.scenario_ref)
        if self.watch_file:
            self.set_interval(WATCH_INTERVAL, self.check_scenario_file)

    def on_briefing_screen_start(self) -> None:
        if self.opened is None:
            return
        if self.shared is not None:
            self._join_shared()
            return
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

    def open_scenario(self, ref: str | Path) -> None:
        """Load a scenario in a worker, then show its briefing (a served game checks `ref` first)."""
        try:
            allowed = self.files.scenario(str(ref)) if self.files.confined else ref
        except PathRefused as exc:
            self._open_failed(exc)
            return
        self._in_worker(lambda: open_scenario(allowed), self._opened, self._open_failed)

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

        def saved(path: Path) -> None:
            session.saved_turns = session.turn
            self.notify(f"Saved {session.turn} turn(s) to {path}.", title="Saved", markup=False)

        def save(text: str | None) -> None:
            self._write_asking(
                text, lambda path, replace: write_save(path, session.to_save(), replace=replace), saved
            )

        default = default_save_path(session.scenario_id)
        self.push_screen(PathModal("Save game to", str(default), action="Save"), save)

    def action_load(self) -> None:
        scenario_id = self.opened.scenario.id if self.opened else "game"

        def ask_path() -> None:
            modal = PathModal("Load game from", str(default_save_path(scenario_id)), action="Load")
            self.push_screen(modal, self._load)

        self._unless_unsaved(ask_path, "Load another game?")

    def _load(self, text: str | None) -> None:
        path = self._file(text)
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

        current = self.opened.scenario.id if self.opened else None
        self.push_screen(PickerScreen(current, self.files.listing_folder()), picked)

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
            (
                "Turn",
                [b for b in TurnScreen.BINDINGS if not (isinstance(b, Binding) and b.action == "decide")],
            ),
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
