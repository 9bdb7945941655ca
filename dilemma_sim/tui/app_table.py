"""Several people at one game: players at one terminal (hand-over between secret decisions, a
facilitator) and a game shared by browsers (`serve --session`), where a coordinator holds the game and
each browser's app replays its turns."""

from __future__ import annotations

from pathlib import Path

from dilemma_sim.tui.app_base import AppBase
from dilemma_sim.tui.opening import OpenError, start_game
from dilemma_sim.tui.savefile import write_text_file
from dilemma_sim.tui.screens.debrief import DebriefScreen
from dilemma_sim.tui.screens.modals import PathModal
from dilemma_sim.tui.screens.table import FacilitatorScreen, HandOverScreen, WaitingScreen
from dilemma_sim.tui.screens.turn import TurnScreen
from dilemma_sim.tui.session import GameSession
from dilemma_sim.tui.shared import SharedError, SharedState, catch_up

SHARED_POLL = 0.25
"""Seconds between looks at a shared game's coordinator (a local socket call of a millisecond)."""


class TableApp(AppBase):
    """The flows of a game with several people in it."""

    _fetching = False
    """A worker is fetching stakes from the shared game's coordinator."""
    _stakes_failed = False
    """The coordinator's failure to compute the stakes has been shown."""

    @property
    def at_table(self) -> bool:
        """Several people share this terminal: players hand over, perhaps a facilitator watches."""
        return len(self.humans) > 1 or self.facilitator

    def _show_session(self, session: GameSession) -> None:
        self.session = session
        self._facilitated = -1
        self._compute_stakes(session)
        if session.done:
            self._show(DebriefScreen(session))
        elif self.at_table:
            self._next_seat()
        else:
            self._show(TurnScreen(session))

    # ------------------------------------------------------------------ a game shared by browsers

    def _join_shared(self) -> None:
        """Replay the shared game so far on a session of our own, then show our seat's screen."""
        shared, opened = self.shared, self.opened
        assert shared is not None and opened is not None
        try:
            state = shared.state()
            session = start_game(opened, self.seed, state.humans, state.choices, state.forced)
        except (SharedError, OpenError) as exc:
            self._show_error(exc)
            return
        self.session = session
        self._shared_state = state
        catch_up(session, state)
        session.saved_turns = session.turn
        self._shared_screen()
        self._fetch_stakes(state)
        self.set_interval(SHARED_POLL, self._poll_shared)

    def _fetch_stakes(self, state: SharedState) -> None:
        """Fetch, in a worker, the stakes this seat shows (its own player's; the facilitator's: every
        player's) that the coordinator has computed and this app has not got yet; the coordinator
        computes them once for every browser, so no app plays 1,000 runs of every strategy itself."""
        session, shared = self.session, self.shared
        if session is None or shared is None:
            return
        if state.stakes_error and not self._stakes_failed:
            self._stakes_failed = True
            self.notify(state.stakes_error, severity="error", title="Shared game", markup=False)
        wanted = session.humans if shared.facilitator else (shared.seat,)
        missing = [a for a in wanted if a in state.stakes_ready and a not in session.stakes]
        if not missing or self._fetching:
            return
        self._fetching = True

        def fetch() -> None:
            try:
                for actor in missing:
                    stakes = shared.stakes(actor)
                    self.call_from_thread(self._stakes_ready, session, actor, stakes)
            except SharedError as exc:
                self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            finally:
                self.call_from_thread(setattr, self, "_fetching", False)

        self.run_worker(fetch, thread=True, group="stakes", name="stakes")

    def _shared_screen(self) -> None:
        """Our seat's screen for the shared game as it is now."""
        session, shared, state = self.session, self.shared, self._shared_state
        if session is None or shared is None or state is None:
            return
        if session.done:
            self._show(DebriefScreen(session, None if shared.facilitator else shared.seat))
        elif shared.facilitator:
            self._show(self._keep("facilitator", "*", lambda: FacilitatorScreen(session, shared=True)))
        elif shared.seat in state.decided:
            self._show(
                WaitingScreen(session, shared.seat, [a for a in state.humans if a not in state.decided])
            )
        else:
            seat = shared.seat
            self._show(
                self._keep("turn", seat, lambda: TurnScreen(session, seat, table=True, can_undo=False))
            )

    def _poll_shared(self) -> None:
        """Follow the shared game: replay turns resolved by the others, show who is still deciding."""
        shared, session, before = self.shared, self.session, self._shared_state
        if shared is None or session is None or before is None:
            return
        try:
            state = shared.state()
        except SharedError as exc:
            self.notify(str(exc), severity="error", title="Shared game", markup=False, timeout=3)
            return
        self._shared_state = state
        self._fetch_stakes(state)
        moved = catch_up(session, state)
        session.saved_turns = session.turn
        if moved or (state.decided != before.decided and not isinstance(self.screen, TurnScreen)):
            self._shared_screen()
        elif isinstance(self.screen, FacilitatorScreen) and state.forced_next != before.forced_next:
            self.screen.show_forced()

    def _shared_decided(self, choices: dict[str, str]) -> None:
        shared, session = self.shared, self.session
        assert shared is not None and session is not None
        try:
            state = shared.decide(session.turn, choices)
        except SharedError as exc:
            self._show_error(exc)
            return
        self._shared_state = state
        catch_up(session, state)
        session.saved_turns = session.turn
        self._shared_screen()

    def on_facilitator_screen_forced_changed(self) -> None:
        if self.shared is not None and self.session is not None:
            try:
                self._shared_state = self.shared.force(self.session.turn, self.session.forced_next)
            except SharedError as exc:
                self._show_error(exc)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A shared game stays on its scenario and its course: no loading, no other scenario."""
        return not (self.shared is not None and action in ("load", "scenarios"))

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
            self._show(self._keep("facilitator", "*", lambda: FacilitatorScreen(session)))
            return
        waiting = session.waiting()
        if waiting:
            seat = waiting[0]
            self._show(self._keep("hand-over", seat, lambda: HandOverScreen(session, seat)))
            return
        session.resolve()
        self._next_seat()

    def on_hand_over_screen_ready(self, message: HandOverScreen.Ready) -> None:
        session, seat = self.session, message.seat
        if session is not None:
            self._show(self._keep("turn", seat, lambda: TurnScreen(session, seat, table=True)))

    def on_turn_screen_decided(self, message: TurnScreen.Decided) -> None:
        if self.shared is not None:
            self._shared_decided(message.choices)
            return
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

        def write(text: str | None) -> None:
            self._write_asking(
                text,
                lambda path, replace: write_text_file(path, session.transcript_json(), replace=replace),
                lambda path: self.notify(
                    f"Transcript of {session.turn} turn(s) written to {path}.", markup=False
                ),
            )

        default = Path(f"{session.scenario_id}.transcript.json")
        self.push_screen(PathModal("Write the transcript to", str(default), action="Write"), write)
