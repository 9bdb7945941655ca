"""Opening a game: load and compile a scenario, start a session, replay saved choices.

Runs in the app's thread workers (loading, compiling and replaying take longer than a frame),
so it does not import Textual; problems come back as `OpenError` with `file:line:col` details.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.registry import builtin_path
from dilemma_sim.tui.savefile import SaveError, SaveGame, check_scenario
from dilemma_sim.tui.session import GameSession


class OpenError(Exception):
    """A scenario or game that cannot be opened; `details` are diagnostics, one per line."""

    def __init__(self, title: str, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.title = title
        self.details = list(details)


@dataclass(frozen=True)
class OpenedScenario:
    """A valid scenario, compiled, and where it was read from."""

    scenario: Scenario
    compiled: Any
    path: Path

    @property
    def scenario_hash(self) -> str:
        return str(self.compiled.scenario_hash)


def open_scenario(ref: str | Path) -> OpenedScenario:
    """Load (with the loader's checks) and compile a scenario by id or path."""
    from dilemma_sim.engine import compile_scenario
    from dilemma_sim.scenario.loader import load_scenario

    result = load_scenario(ref)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if not result.ok or result.scenario is None:
        raise OpenError(
            "Scenario has errors",
            f"{ref} could not be loaded ({len(errors)} error{'s' if len(errors) != 1 else ''}).",
            [d.format() for d in errors] or [d.format() for d in result.diagnostics],
        )
    try:
        compiled = compile_scenario(result.scenario)
    except Exception as exc:  # the engine's message is the best we have
        raise OpenError("Scenario does not compile", f"{ref}: {exc}") from exc
    return OpenedScenario(result.scenario, compiled, Path(result.path))


def start_game(
    opened: OpenedScenario,
    seed: int,
    humans: Sequence[str] = (),
    choices: Sequence[Mapping[str, str]] = (),
    forced: Sequence[Sequence[str]] = (),
) -> GameSession:
    """A new session of `opened` played by `humans` (default: the scenario's player), with `choices`
    (and the facilitator's `forced` events) replayed turn by turn."""
    try:
        session = GameSession(opened.scenario, opened.path, opened.compiled, seed=seed, humans=tuple(humans))
    except ValueError as exc:
        raise OpenError("Cannot start the game", str(exc)) from exc
    try:
        session.replay(choices, forced)
    except Exception as exc:  # an option the new version no longer has, for example
        raise OpenError(
            "Cannot replay",
            f"Replaying turn {session.turn + 1} failed on this version of the scenario: {exc}",
        ) from exc
    session.saved_turns = session.turn
    return session


def save_scenario_ref(game: SaveGame, opened_paths: Collection[Path]) -> str | Path:
    """What a save may open: its scenario file when the player opened that file in this session or
    it is a built-in file, else the built-in scenario of its id; a save never opens any other path."""
    try:
        path = Path(game.scenario_path).resolve()
    except (OSError, ValueError):
        path = None
    if path is not None and path.is_file():
        builtin = builtin_path(path.stem)
        if path in {p.resolve() for p in opened_paths} or (builtin is not None and builtin.resolve() == path):
            return path
    if builtin_path(game.scenario_id) is not None:
        return game.scenario_id
    raise SaveError(
        "Scenario not opened",
        f"The save is a game of {game.scenario_path}, which is not a built-in scenario and was not opened "
        "in this session. Open that scenario first (s), then load the save again.",
    )


def open_save(game: SaveGame, opened_paths: Collection[Path] = (), force: bool = False) -> GameSession:
    """The session a save describes, replayed; raises `ScenarioChanged` unless `force`d."""
    opened = open_scenario(save_scenario_ref(game, opened_paths))
    if not force:
        check_scenario(game, opened.scenario.id, opened.scenario_hash)
    return start_game(opened, game.seed, game.humans, game.choices, game.forced)
