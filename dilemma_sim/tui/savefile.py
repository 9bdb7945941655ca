"""Saved games: a versioned JSON file that replays a game exactly.

A save holds what the engine needs to replay a run (scenario hash, seed, run index and the
player's choices turn by turn), never the state itself. Loading validates the file against a
strict model and never writes to it; saving writes a temp file and renames it over the target,
so a crash mid-write cannot leave a half-written save. This module does not import Textual.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT: Literal["dilemma-sim-save"] = "dilemma-sim-save"
VERSION: Literal[1] = 1
MAX_BYTES = 4 * 1024 * 1024
"""Refuse to read anything larger: a save is a few kilobytes."""


class SaveError(Exception):
    """A save that cannot be read or used; `title` and `str(self)` are shown to the player."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


class ScenarioChanged(SaveError):
    """The save was made on another version of the scenario (its hash differs)."""


class SaveGame(BaseModel):
    """One saved game."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    format: Literal["dilemma-sim-save"] = FORMAT
    """Marks the file as a dilemma-sim save."""
    version: Literal[1] = VERSION
    """Format version; bumped when the layout changes."""
    scenario_id: str = Field(min_length=1)
    """The scenario's `id`."""
    scenario_path: str
    """Where the scenario file was when the game was saved (absolute)."""
    scenario_hash: str = Field(min_length=1)
    """The engine's hash of the compiled scenario: replays are exact only on the same hash."""
    seed: int = Field(ge=0)
    """Seed of the random streams."""
    run_index: int = Field(default=0, ge=0)
    """Which run of the seed's streams was played."""
    human: str = Field(min_length=1)
    """The actor the player played."""
    choices: list[dict[str, str]] = []
    """The player's choices, one mapping `actor.decision -> option id` per turn played."""


def write_save(path: Path, game: SaveGame) -> None:
    """Write `game` to `path` atomically (temp file in the same folder, then `os.replace`)."""
    path = Path(path)
    text = game.model_dump_json(indent=2) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SaveError("Cannot save", f"{path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SaveError("Cannot save", f"{path}: {exc.strerror or exc}") from exc


def read_save(path: Path) -> SaveGame:
    """Read and validate a save; raise `SaveError` with a readable message if it is damaged."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SaveError("Not a save file", f"{path} is {size} bytes; a save is at most {MAX_BYTES}.")
        raw = path.read_bytes()
    except OSError as exc:
        raise SaveError("Cannot open save", f"{path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SaveError("Damaged save", f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SaveError("Not a save file", f"{path} is not a dilemma-sim save (no format: {FORMAT}).")
    if data.get("version") != VERSION:
        raise SaveError(
            "Unsupported save version",
            f"{path} has save format version {data.get('version')!r}; "
            f"this dilemma-sim reads version {VERSION}.",
        )
    try:
        return SaveGame.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
        )
        raise SaveError("Damaged save", f"{path}: {problems}") from exc


def check_scenario(game: SaveGame, scenario_id: str, scenario_hash: str) -> None:
    """Raise `ScenarioChanged` unless the save was made on this exact scenario version."""
    if game.scenario_id != scenario_id:
        raise SaveError(
            "Different scenario",
            f"The save is a game of '{game.scenario_id}', not of '{scenario_id}'.",
        )
    if game.scenario_hash != scenario_hash:
        raise ScenarioChanged(
            "Scenario changed",
            f"The save was made on another version of '{scenario_id}' "
            f"(hash {game.scenario_hash[:12]}, now {scenario_hash[:12]}): "
            "replaying it would not reproduce the same game.",
        )


def default_save_path(scenario_id: str, directory: Path | None = None) -> Path:
    """`./<scenario-id>.save.json`, the path offered when saving."""
    return (directory or Path(".")) / f"{scenario_id}.save.json"
