"""Opening a game: load and compile a scenario, start a session, replay saved choices.

Runs in the app's thread workers (loading, compiling and replaying take longer than a frame),
so it does not import Textual; problems come back as `OpenError` with `file:line:col` details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dilemma_sim.scenario.models import Scenario


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
    human: str | None = None,
    choices: Sequence[Mapping[str, str]] = (),
) -> Any:
    """A new session of `opened`, with `choices` replayed turn by turn."""
    from dilemma_sim.tui.session import GameSession

    session = GameSession(opened.scenario, opened.path, opened.compiled, seed=seed, human=human or "")
    try:
        session.replay(choices)
    except Exception as exc:  # an option the new version no longer has, for example
        raise OpenError(
            "Cannot replay",
            f"Replaying turn {session.turn + 1} failed on this version of the scenario: {exc}",
        ) from exc
    session.saved_turns = session.turn
    return session


def open_save(game: Any, force: bool = False) -> Any:
    """The session a save describes, replayed; raises `ScenarioChanged` unless `force`d."""
    from dilemma_sim.tui.savefile import check_scenario

    path = Path(game.scenario_path)
    opened = open_scenario(path if path.is_file() else game.scenario_id)
    if not force:
        check_scenario(game, opened.scenario.id, opened.scenario_hash)
    return start_game(opened, game.seed, game.human, game.choices)
