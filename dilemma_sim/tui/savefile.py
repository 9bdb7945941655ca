"""Saved games: a versioned JSON file that replays a game exactly, read and written defensively.

A save holds what the engine needs to replay a run (scenario hash, seed, run index, every human's
choices turn by turn and the events forced by a facilitator), never the state itself.

Reading: only a regular file (checked with `stat` before opening, and again on the open descriptor,
which is opened non-blocking so a FIFO cannot hang the app), at most `MAX_BYTES`, nesting at most
`MAX_DEPTH`, validated against a strict model. Version 1 saves (one human) are read and upgraded.

Writing: never over anything but a regular file the user may write (a symlink, device node, FIFO or
folder is refused: `lstat`, and `O_NOFOLLOW` on the temp file); an existing file is replaced only
when the caller says so (`SaveExists` asks first) and keeps its mode; the text goes to a temp file in
the same folder, then `os.replace`, so a crash mid-write cannot leave a half-written save.
This module does not import Textual.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT: Literal["dilemma-sim-save"] = "dilemma-sim-save"
VERSION: Literal[2] = 2
"""2: several humans (`humans`), facilitator's forced events (`forced`). 1: one `human`."""
MAX_BYTES = 1024 * 1024
"""Refuse to read anything larger: a save is a few kilobytes."""
MAX_DEPTH = 8
"""Refuse deeper JSON nesting than this (a save nests three levels)."""


class SaveError(Exception):
    """A save that cannot be read, used or written; `title` and `str(self)` are shown to the player."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


class ScenarioChanged(SaveError):
    """The save was made on another version of the scenario (its hash differs)."""


class SaveExists(SaveError):
    """The target of a save is an existing regular file: ask, then save again with `replace=True`."""


class SaveGame(BaseModel):
    """One saved game."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    format: Literal["dilemma-sim-save"] = FORMAT
    """Marks the file as a dilemma-sim save."""
    version: Literal[2] = VERSION
    """Format version; bumped when the layout changes."""
    scenario_id: str = Field(min_length=1, max_length=200)
    """The scenario's `id`."""
    scenario_path: str = Field(max_length=4096)
    """Where the scenario file was when the game was saved (absolute). Loading uses it only when it
    is a built-in scenario or a file the player opened in this session."""
    scenario_hash: str = Field(min_length=1, max_length=200)
    """The engine's hash of the compiled scenario: replays are exact only on the same hash."""
    seed: int = Field(ge=0, lt=2**63)
    """Seed of the random streams."""
    run_index: int = Field(default=0, ge=0, lt=2**63)
    """Which run of the seed's streams was played."""
    humans: list[str] = Field(default=[], max_length=64)
    """The actors played by people (none: a facilitator watching the policies play)."""
    choices: list[dict[str, str]] = Field(default=[], max_length=10_000)
    """Every human's choices, one mapping `actor.decision -> option id` per turn played."""
    forced: list[list[str]] = Field(default=[], max_length=10_000)
    """Events forced by the facilitator, one list of event ids per turn played (may be shorter)."""

    @property
    def human(self) -> str:
        """The first human (the one a single-player game plays)."""
        return self.humans[0] if self.humans else ""


class SaveGameV1(BaseModel):
    """Version 1: one human; read and upgraded to `SaveGame`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["dilemma-sim-save"] = FORMAT
    version: Literal[1] = 1
    scenario_id: str = Field(min_length=1, max_length=200)
    scenario_path: str = Field(max_length=4096)
    scenario_hash: str = Field(min_length=1, max_length=200)
    seed: int = Field(ge=0, lt=2**63)
    run_index: int = Field(default=0, ge=0, lt=2**63)
    human: str = Field(min_length=1)
    choices: list[dict[str, str]] = Field(default=[], max_length=10_000)

    def upgraded(self) -> SaveGame:
        data = self.model_dump(exclude={"version", "human"})
        return SaveGame(**data, humans=[self.human])


# --------------------------------------------------------------------------- writing


def write_save(path: Path, game: SaveGame, *, replace: bool = False) -> None:
    """Write `game` to `path` atomically; raise `SaveExists` for an existing file unless `replace`."""
    write_text_file(path, game.model_dump_json(indent=2) + "\n", replace=replace)


def write_text_file(path: Path, text: str, *, replace: bool = False) -> None:
    """Write `text` to `path` as a save is written (see the module): atomically, asking before
    replacing (`SaveExists`), never over a link, device, FIFO or folder, keeping an existing mode."""
    path = Path(path)
    mode = 0o666  # as any new file: the umask applies
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise SaveError("Cannot save", f"{path}: {exc.strerror or exc}") from exc
    if existing is not None:
        if not stat.S_ISREG(existing.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(existing.st_mode) else "not a regular file"
            raise SaveError("Cannot save", f"{path} is {kind}; a save only replaces a regular file.")
        if not os.access(path, os.W_OK, follow_symlinks=False):
            raise SaveError("Cannot save", f"{path} is not writable.")
        if not replace:
            raise SaveExists("Replace the file?", f"{path} exists. Replace it with this game?")
        mode = stat.S_IMODE(existing.st_mode)
    directory = path.parent if str(path.parent) else Path(".")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, mode)
    except OSError as exc:
        raise SaveError("Cannot save", f"{path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if existing is not None:
                os.fchmod(handle.fileno(), mode)  # the umask must not change an existing file's mode
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SaveError("Cannot save", f"{path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- reading


def read_save(path: Path) -> SaveGame:
    """Read and validate a save; raise `SaveError` with a readable message if it is not a good one."""
    path = Path(path)
    raw = _read_bounded(path)
    depth = _nesting(raw)
    if depth > MAX_DEPTH:
        raise SaveError(
            "Not a save file", f"{path} nests {depth} levels deep; a save nests at most {MAX_DEPTH}."
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SaveError("Damaged save", f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SaveError("Not a save file", f"{path} is not a dilemma-sim save (no format: {FORMAT}).")
    version = data.get("version")
    if version not in (1, VERSION):
        raise SaveError(
            "Unsupported save version",
            f"{path} has save format version {str(version)[:20]!r}; "
            f"this dilemma-sim reads versions 1 and {VERSION}.",
        )
    try:
        if version == 1:
            return SaveGameV1.model_validate(data).upgraded()
        return SaveGame.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise SaveError("Damaged save", f"{path}: {problems}") from exc


def _read_bounded(path: Path) -> bytes:
    """At most `MAX_BYTES` of a regular file (never a device, FIFO or folder), or `SaveError`."""
    try:
        before = os.stat(path)
    except OSError as exc:
        raise SaveError("Cannot open save", f"{path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(before.st_mode):
        raise SaveError("Not a save file", f"{path} is not a regular file.")
    if before.st_size > MAX_BYTES:
        raise SaveError(
            "Not a save file", f"{path} is {before.st_size:,} bytes; a save is at most {MAX_BYTES:,}."
        )
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise SaveError("Cannot open save", f"{path}: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the stat
            raise SaveError("Not a save file", f"{path} is not a regular file.")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise SaveError("Cannot open save", f"{path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise SaveError("Not a save file", f"{path} grew past {MAX_BYTES:,} bytes while being read.")
    return b"".join(chunks)


def _nesting(raw: bytes) -> int:
    """The deepest nesting of `[` and `{` outside JSON strings (a bound checked before parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


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
