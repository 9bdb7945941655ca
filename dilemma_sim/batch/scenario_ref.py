"""What a worker needs to rebuild a scenario: `ScenarioRef` (a file path plus YAML-path overrides),
loading a file with overrides applied, and the per-process caches of loaded and compiled scenarios."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Overrides = tuple[tuple[str, float], ...]
"""(YAML path, value) pairs applied to the scenario data before validation."""


@dataclass(frozen=True)
class ScenarioRef:
    """What a worker needs to rebuild a compiled scenario: a file and YAML-path overrides."""

    path: str
    overrides: Overrides = ()

    @classmethod
    def of(cls, ref: str | os.PathLike[str], overrides: Mapping[str, float] | Overrides = ()) -> ScenarioRef:
        """A reference to a path or built-in id, resolved to an absolute path."""
        from dilemma_sim.scenario.registry import resolve

        items = tuple(overrides.items()) if isinstance(overrides, Mapping) else tuple(overrides)
        return cls(str(Path(resolve(str(ref))).resolve()), tuple((str(k), float(v)) for k, v in items))

    def load(self) -> Any:
        """The validated `Scenario` with the overrides applied (raises ScenarioError when invalid)."""
        return load_with_overrides(self.path, dict(self.overrides))

    def compile(self) -> Any:
        """The compiled scenario, cached per process."""
        cs = _COMPILED.get(self)
        if cs is None:
            from dilemma_sim.engine import compile_scenario

            cs = _COMPILED[self] = compile_scenario(self.load())
        return cs


def load_with_overrides(path: str | os.PathLike[str], overrides: Mapping[str, float]) -> Any:
    """Load a scenario file with values replaced at YAML paths (`parameters.x`, `turns`, ...).

    A distribution at an overridden path is replaced by the fixed number. The overridden data is
    validated again, so an out-of-range override is reported like a mistake in the file.
    """
    from dilemma_sim.scenario import loader
    from dilemma_sim.scenario.diagnostics import ScenarioError
    from dilemma_sim.scenario.yamlio import get_path, parse_path, replace_at

    if not overrides:
        return loader.load_or_raise(Path(path))
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    base = _LOADED.get(key)
    if base is None:
        base = loader.load_scenario(Path(path))
        _LOADED[key] = base
    if base.scenario is None or base.data is None:
        raise ScenarioError(base.diagnostics)
    data: Any = base.data
    for text, value in overrides.items():
        yaml_path = parse_path(text)
        try:
            get_path(data, yaml_path)
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"{path}: no value at {text!r} to override") from None
        data = replace_at(data, yaml_path, int(value) if text == "turns" else float(value))
    result = loader.validate_data(data, base.marks, str(path))
    if result.scenario is None:
        raise ScenarioError(result.diagnostics)
    return result.scenario


_LOADED: dict[tuple[str, int, int], Any] = {}
"""Loaded base files by (path, mtime, size): a sweep validates each point, but reads the file once."""
_COMPILED: dict[ScenarioRef, Any] = {}
