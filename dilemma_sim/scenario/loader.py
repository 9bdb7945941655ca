"""Load a scenario: read YAML, resolve `extends:`, validate against the models, check references.

`load_scenario(ref)` never raises on bad input: every problem in the file (and in the files it
extends) comes back at once as a diagnostic at the line and column where the offending text was
written. Reference checks run even when the model does not validate, so one pass shows everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dilemma_sim.scenario import checks, registry
from dilemma_sim.scenario.binding import check_bindings
from dilemma_sim.scenario.diagnostics import Diagnostic, ScenarioError, sorted_unique
from dilemma_sim.scenario.extends import MAX_EXTENDS, deep_merge, resolve_extends
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.schema_errors import schema_diagnostics, value_kind
from dilemma_sim.scenario.yamlio import Document, Marks, YamlPath, load_yaml, read_yaml

__all__ = [
    "MAX_EXTENDS",
    "LoadResult",
    "deep_merge",
    "load_or_raise",
    "load_scenario",
    "load_text",
    "validate_data",
]


@dataclass(frozen=True)
class LoadResult:
    """What loading produced: the scenario when there is no error, and every diagnostic."""

    scenario: Scenario | None
    """The validated scenario; None when any error was found."""
    diagnostics: tuple[Diagnostic, ...]
    """All problems, sorted by file, line and column."""
    path: Path
    """The file loaded (`<string>` for text)."""
    data: dict[str, Any] | None = None
    """The raw data after `extends:` was merged (None when the YAML could not be read)."""
    marks: Marks = field(default_factory=Marks)
    """Positions of every key and value of `data`, each in the file it was written in."""

    @property
    def ok(self) -> bool:
        """Whether no error was found (warnings do not count)."""
        return not any(d.is_error for d in self.diagnostics)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Only the errors."""
        return tuple(d for d in self.diagnostics if d.is_error)


# --------------------------------------------------------------------------- public API


def load_scenario(ref: str | Path) -> LoadResult:
    """Load a scenario by path, built-in id or local id; never raises on bad input."""
    try:
        path = Path(ref) if isinstance(ref, Path) else registry.resolve(ref)
    except ScenarioError as error:
        return LoadResult(None, sorted_unique(error.diagnostics), Path(str(ref)))
    document = read_yaml(path, str(path))
    return _finish(document, path.parent, path, str(path), (path.resolve(),))


def load_text(text: str, filename: str = "<string>") -> LoadResult:
    """Load a scenario from YAML text; `extends:` paths are relative to the current directory."""
    document = load_yaml(text, filename)
    return _finish(document, Path.cwd(), Path(filename), filename, ())


def load_or_raise(ref: str | Path) -> Scenario:
    """Load a scenario or raise ScenarioError with every diagnostic."""
    result = load_scenario(ref)
    if result.scenario is None:
        raise ScenarioError(result.diagnostics)
    return result.scenario


def validate_data(
    data: Any,
    marks: Marks | None = None,
    filename: str = "<string>",
    *,
    skip: Iterable[YamlPath] = (),
    earlier: Iterable[Diagnostic] = (),
) -> LoadResult:
    """Validate in-memory data (e.g. with a parameter overridden) and run the reference checks.

    `skip` lists paths already reported (their schema errors are dropped); `earlier` diagnostics are
    included in the result.
    """
    marks = marks if marks is not None else Marks()
    diagnostics = list(earlier)
    scenario: Scenario | None = None
    if not isinstance(data, dict):
        if not any(d.is_error for d in diagnostics):
            what = "empty" if data is None else f"a {value_kind(data)}"
            message = f"a scenario must be a mapping of keys (id:, title:, state:, ...); this file is {what}"
            diagnostics.append(Diagnostic(filename, 1, 1, "E202", "error", message))
        return LoadResult(None, sorted_unique(diagnostics), Path(filename), None, marks)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        diagnostics.extend(schema_diagnostics(error, data, marks, filename, frozenset(skip)))
    diagnostics.extend(checks.check_data(data, marks, filename))
    if scenario is not None:
        diagnostics.extend(check_bindings(scenario, marks, filename))
    result = sorted_unique(diagnostics)
    if any(d.is_error for d in result):
        scenario = None
    return LoadResult(scenario, result, Path(filename), data, marks)


def _finish(
    document: Document, base_dir: Path, path: Path, filename: str, chain: tuple[Path, ...]
) -> LoadResult:
    data, marks, diagnostics, bad = resolve_extends(document, base_dir, filename, chain)
    result = validate_data(data, marks, filename, skip=bad, earlier=diagnostics)
    return LoadResult(result.scenario, result.diagnostics, path, result.data, result.marks)
