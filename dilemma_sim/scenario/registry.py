"""Built-in scenarios (shipped in the wheel as `dilemma_sim/scenarios/`) and local ones under `./scenarios`.

`resolve(ref)` turns what a user types into a file: an existing path first, then a built-in id, then
the id of a file in the local scenarios directory.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dilemma_sim.scenario.diagnostics import Diagnostic, ScenarioError

DEFAULT_SCENARIO = "pakistan-ttp"
"""The scenario opened when none is named."""
LOCAL_DIR = Path("scenarios")
"""Where a user's own scenarios live, relative to the working directory."""


@dataclass(frozen=True)
class ScenarioInfo:
    """One line of the scenario list."""

    id: str
    title: str
    """The title, or `(invalid: N errors)` when the file does not load."""
    summary: str
    turns: int
    actors: tuple[str, ...]
    """Actor display names."""
    path: Path
    builtin: bool


def builtin_dir() -> Path:
    """The directory of built-in scenarios: package data when installed, `<repo>/scenarios` in a checkout."""
    try:
        packaged = Path(str(resources.files("dilemma_sim") / "scenarios"))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace or zip imports
        packaged = None
    if packaged is not None and any(packaged.glob("*.yaml")):
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def builtin_ids() -> set[str]:
    """Ids (file stems) of the built-in scenarios."""
    return {p.stem for p in _files(builtin_dir())}


def builtin_path(scenario_id: str) -> Path | None:
    """The file of a built-in scenario, or None."""
    for path in _files(builtin_dir()):
        if path.stem == scenario_id:
            return path
    return None


def resolve(ref: str, local_dir: Path | None = LOCAL_DIR) -> Path:
    """The file `ref` names: an existing path, a built-in id or a local id; else ScenarioError (E107)."""
    path = Path(ref)
    if path.is_file():
        return path
    builtin = builtin_path(ref)
    if builtin is not None:
        return builtin
    local = _files(local_dir) if local_dir is not None else []
    for candidate in local:
        if candidate.stem == ref:
            return candidate
    known = sorted(builtin_ids() | {p.stem for p in local})
    matches = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
    listing = f"; known scenarios: {', '.join(known)}" if known else ""
    message = f"no scenario file or id '{ref}'{listing}"
    raise ScenarioError([Diagnostic(ref, 1, 1, "E107", "error", message, matches[0] if matches else None)])


def list_scenarios(local_dir: Path | None = LOCAL_DIR) -> list[ScenarioInfo]:
    """Built-in scenarios, then local ones; files that do not load are listed as invalid."""
    from dilemma_sim.scenario.loader import load_scenario  # the loader imports this module

    infos: list[ScenarioInfo] = []
    builtin = builtin_dir()
    sources: list[tuple[Path, bool]] = [(p, True) for p in _files(builtin)]
    if local_dir is not None and local_dir.resolve() != builtin.resolve():
        sources += [(p, False) for p in _files(local_dir)]
    for path, is_builtin in sources:
        result = load_scenario(path)
        scenario = result.scenario
        if scenario is None:
            count = len(result.errors)
            title = f"(invalid: {count} error{'s' if count != 1 else ''})"
            infos.append(ScenarioInfo(path.stem, title, "", 0, (), path, is_builtin))
            continue
        actors = tuple(actor.name for actor in scenario.actors.values())
        infos.append(
            ScenarioInfo(
                scenario.id, scenario.title, scenario.summary, scenario.turns, actors, path, is_builtin
            )
        )
    return infos
