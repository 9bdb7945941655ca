"""Built-in scenarios (shipped in the wheel as `dilemma_sim/scenarios/`) and local ones under `./scenarios`.

`resolve(ref)` turns what a user types into a file: an existing path first, then a built-in id, then
the id of a file in the local scenarios directory. The list of scenarios with their titles, which
needs the loader, is `catalog.list_scenarios` (the loader imports this module, not the reverse).

In a clone of the repository, `./scenarios` *is* the built-in folder (an editable install) or a copy
of it (a plain install): `catalog.list_scenarios` lists each scenario once (a local file that
resolves to a built-in file, or has the same id and bytes, is the built-in: `is_builtin_file`), and
`local_dir()` is `./my-scenarios` there, so `dilemma-sim new` never writes into the package's own
folder.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from dilemma_sim.scenario.diagnostics import Diagnostic, ScenarioError

DEFAULT_SCENARIO = "pakistan-ttp"
"""The scenario opened when none is named."""
LOCAL_DIR = Path("scenarios")
"""Where a user's own scenarios live, relative to the working directory."""
CLONE_LOCAL_DIR = Path("my-scenarios")
"""Where they live instead when `./scenarios` is the built-in folder (run from a clone)."""


def builtin_dir() -> Path:
    """The directory of built-in scenarios: package data when installed, `<repo>/scenarios` in a checkout."""
    try:
        packaged = Path(str(resources.files("dilemma_sim") / "scenarios"))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace or zip imports
        packaged = None
    if packaged is not None and any(packaged.glob("*.yaml")):
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"


def is_builtin_dir(directory: Path) -> bool:
    """Whether `directory` is the built-in scenarios folder itself (not a copy)."""
    try:
        return directory.resolve() == builtin_dir().resolve()
    except OSError:
        return False


def local_dir() -> Path:
    """`./scenarios`, or `./my-scenarios` when `./scenarios` is the built-in folder (a clone)."""
    return CLONE_LOCAL_DIR if is_builtin_dir(LOCAL_DIR) else LOCAL_DIR


def files_in(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def builtin_ids() -> set[str]:
    """Ids (file stems) of the built-in scenarios."""
    return {p.stem for p in files_in(builtin_dir())}


def builtin_path(scenario_id: str) -> Path | None:
    """The file of a built-in scenario, or None."""
    for path in files_in(builtin_dir()):
        if path.stem == scenario_id:
            return path
    return None


def resolve(ref: str, local: Path | None = LOCAL_DIR) -> Path:
    """The file `ref` names: an existing path, a built-in id or a local id; else ScenarioError (E107)."""
    path = Path(ref)
    if path.is_file():
        return path
    builtin = builtin_path(ref)
    if builtin is not None:
        return builtin
    folders = [d for d in dict.fromkeys([local, local_dir()]) if d is not None]
    local_files = [p for d in folders for p in files_in(d)]
    for candidate in local_files:
        if candidate.stem == ref:
            return candidate
    known = sorted(builtin_ids() | {p.stem for p in local_files})
    matches = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
    listing = f"; known scenarios: {', '.join(known)}" if known else ""
    message = f"no scenario file or id '{ref}'{listing}"
    raise ScenarioError([Diagnostic(ref, 1, 1, "E107", "error", message, matches[0] if matches else None)])


def is_builtin_file(path: Path, builtins: list[Path]) -> bool:
    """Whether `path` is a built-in scenario: the same file, or a copy with the same name and bytes."""
    for builtin in builtins:
        if path.resolve() == builtin.resolve():
            return True
        if path.name == builtin.name:
            try:
                return path.read_bytes() == builtin.read_bytes()
            except OSError:
                return False
    return False
