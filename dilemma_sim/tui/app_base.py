"""The app's state and the helpers every part of it uses: showing a screen, an error, a worker, a file.

`DilemmaApp` (app.py) builds on it through `TableApp` (app_table.py); the split keeps each file to one
concern: state and helpers here, several players and shared games there, opening, saving and the
keys in app.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.app import App
from textual.screen import Screen

from dilemma_sim.tui.files import FileRules, PathRefused
from dilemma_sim.tui.opening import OpenedScenario
from dilemma_sim.tui.savefile import SaveError, SaveExists
from dilemma_sim.tui.screens.modals import ConfirmModal, ErrorModal
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.shared import SharedClient, SharedState
from dilemma_sim.tui.watch import FileStamp

if TYPE_CHECKING:  # the strategies' runs load the executor: imported in the worker
    from dilemma_sim.tui.stakes import Stakes

S = TypeVar("S", bound=Screen[Any])


class AppBase(App[None]):
    """The state of `dilemma-sim play` and its shared helpers."""

    def __init__(
        self,
        scenario: str | Path | None = None,
        seed: int = 0,
        human: str | None = None,
        *,
        humans: Sequence[str] = (),
        facilitator: bool = False,
        files: FileRules | None = None,
        shared: SharedClient | None = None,
        watch: bool = True,
        animations: bool = True,
        on_first_screen: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.scenario_ref = scenario
        self.seed = seed
        self.humans: tuple[str, ...] = tuple(humans) or ((human,) if human else ())
        """The actors people play (empty: the scenario's player)."""
        self.facilitator = facilitator
        """Whether a facilitator sits at the table (sees everything, can force events)."""
        self.files = files or FileRules()
        """Where scenarios and saves may be (confined to a folder when served)."""
        self.shared = shared
        """The line to a shared game's coordinator (`serve --session`), or None."""
        self.opened_paths: set[Path] = set()
        """Scenario files opened in this session: the only paths a save may name (besides built-ins)."""
        self.watch_file = watch
        self.opened: OpenedScenario | None = None
        self.session: GameSession | None = None
        self._stamp: FileStamp | None = None
        self._facilitated = -1
        """The turn whose start the facilitator has seen (at a table with a facilitator)."""
        self._shared_state: SharedState | None = None
        self._on_first_screen = on_first_screen
        """Called once, after the first screen (briefing or turn) is painted; the benchmark's probe."""
        self._kept: dict[tuple[str, str], Screen[Any]] = {}
        """Screens kept alive for the game `_kept_for` (by kind and seat): see `_keep`."""
        self._kept_for: GameSession | None = None
        self._dropped: list[Screen[Any]] = []
        """Kept screens of an earlier game, removed once they are off the screen stack."""
        if not animations:
            self.animation_level = "none"

    def _keep(self, kind: str, seat: str, make: Callable[[], S]) -> S:
        """The screen of `kind` for `seat` in this game, made by `make` the first time and kept alive
        after: at a table the same screens come back every turn, and showing a kept screen refreshes
        it instead of composing and laying out a new one (tens of milliseconds a turn)."""
        self._drop_kept_of_other_games()
        screen = self._kept.get((kind, seat))
        if screen is None:
            screen = make()
            self._kept[kind, seat] = screen
            self.install_screen(screen, name=f"kept-{kind}-{seat}-{id(screen)}")
        return screen  # type: ignore[return-value]

    def _drop_kept_of_other_games(self) -> None:
        if self._kept_for is not self.session:
            self._dropped += self._kept.values()
            self._kept.clear()
            self._kept_for = self.session

    def _show(self, screen: Screen[Any]) -> None:
        """Make `screen` the current mode (replacing the previous one)."""
        self._drop_kept_of_other_games()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        previous = self.screen if len(self.screen_stack) > 1 else None
        if screen is previous:  # a kept screen shown again while current: it refreshes as on a resume
            screen.post_message(events.ScreenResume())
        elif len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        for old in [s for s in self._dropped if s not in self.screen_stack]:
            self._dropped.remove(old)
            self.uninstall_screen(old)
            if old is not previous:  # the screen switched away from is removed by the switch itself
                old.remove()
        if self._on_first_screen is not None:
            hook, self._on_first_screen = self._on_first_screen, None
            self.call_after_refresh(hook, self)
        if self.shared is not None:  # the coordinator shows the table who is where
            self.call_after_refresh(self.shared.seen, type(screen).__name__)

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

    def _compute_stakes(self, session: GameSession, actors: Sequence[str] | None = None) -> None:
        """Play the status quo and the built-in strategies for each of `actors` (default: every human;
        a thread worker, about a second each), then show them on the current screen."""
        actors = list(session.humans if actors is None else actors)

        def run() -> None:
            from dilemma_sim.tui.stakes import compute_stakes

            for actor in actors:
                if actor in session.stakes:
                    continue
                try:
                    stakes = compute_stakes(session.compiled, actor, session.seed)
                except Exception as exc:  # shown, never printed
                    self.call_from_thread(self.notify, f"Could not compute the stakes: {exc}", markup=False)
                    return
                self.call_from_thread(self._stakes_ready, session, actor, stakes)

        self.run_worker(run, thread=True, group="stakes", name="stakes")

    def _stakes_ready(self, session: GameSession, actor: str, stakes: Stakes) -> None:
        session.stakes[actor] = stakes
        show = getattr(self.screen, "show_stakes", None)
        if show is not None and getattr(self.screen, "session", None) is session:
            show()

    def _show_error(self, exc: Exception) -> None:
        """Show `exc`; closed over an empty screen (nothing opened yet), the picker follows."""
        title = getattr(exc, "title", "Error")
        details = getattr(exc, "details", None)

        def closed(_: None) -> None:
            if len(self.screen_stack) <= 1:
                self.action_scenarios()

        self.push_screen(ErrorModal(title, str(exc), details), closed)

    def _file(self, text: str | None) -> Path | None:
        """The file `text` names under the app's file rules; None (after showing why) when refused."""
        if text is None:
            return None
        try:
            return self.files.file(text)
        except PathRefused as exc:
            self._show_error(exc)
            return None

    def _write_asking(
        self, text: str | None, write: Callable[[Path, bool], None], done: Callable[[Path], None]
    ) -> None:
        """`write(path, replace)` to the file `text` names; asks before replacing a file, shows errors.

        Saves and transcripts share it: a file is never replaced without a yes, and a refused or
        failed write is a message, never a traceback."""

        def attempt(replace: bool) -> None:
            path = self._file(text)
            if path is None:
                return
            try:
                write(path, replace)
            except SaveExists as exc:
                self.push_screen(
                    ConfirmModal(exc.title, str(exc), yes="Replace", no="Cancel"),
                    lambda yes: attempt(True) if yes else None,
                )
                return
            except SaveError as exc:
                self._show_error(exc)
                return
            done(path)

        attempt(False)

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

    def action_scenarios(self) -> None:
        """Pick another scenario (app.py)."""
        raise NotImplementedError
