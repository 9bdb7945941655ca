"""The scenarios a user can pick: built-in ones, then local ones, each once, with their titles.

Separate from `registry` because it loads every file (the loader imports the registry).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dilemma_sim.scenario.loader import load_scenario
from dilemma_sim.scenario.registry import LOCAL_DIR, builtin_dir, files_in, is_builtin_file, local_dir


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


def list_scenarios(local: Path | None = LOCAL_DIR) -> list[ScenarioInfo]:
    """Built-in scenarios, then local ones, each once; files that do not load are listed as invalid."""
    infos: list[ScenarioInfo] = []
    builtins = files_in(builtin_dir())
    sources: list[tuple[Path, bool]] = [(p, True) for p in builtins]
    for directory in [d for d in dict.fromkeys([local, local_dir()]) if d is not None]:
        sources += [(p, False) for p in files_in(directory) if not is_builtin_file(p, builtins)]
    seen: set[Path] = set()
    for path, is_builtin in sources:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
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
