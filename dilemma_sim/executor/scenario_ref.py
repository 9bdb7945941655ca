"""A scenario named by file and YAML-path overrides (`ScenarioRef`), loaded and compiled with
bounded per-process caches: what commands resolve a SCENARIO argument into."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from dilemma_sim.engine.compile import compile_scenario
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.errors import InvalidInput
from dilemma_sim.scenario import loader
from dilemma_sim.scenario.diagnostics import ScenarioError
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.registry import resolve
from dilemma_sim.scenario.yamlio import get_path, parse_path, replace_at

Overrides = tuple[tuple[str, float], ...]
"""(YAML path, value) pairs applied to the scenario data before validation."""

CACHE_SIZE = 16
"""Loaded files and compiled scenarios each process keeps (least recently used dropped first)."""

K = TypeVar("K")
V = TypeVar("V")


class _Lru(OrderedDict[K, V]):
    """A small least-recently-used cache."""

    def get_or(self, key: K, make: Callable[[], V]) -> V:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value: V = make()
        self[key] = value
        if len(self) > CACHE_SIZE:
            self.popitem(last=False)
        return value


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario file and YAML-path overrides: how a sweep point or a command names a scenario."""

    path: str
    overrides: Overrides = ()

    @classmethod
    def of(cls, ref: str | os.PathLike[str], overrides: Mapping[str, float] | Overrides = ()) -> ScenarioRef:
        """A reference to a path or built-in id, resolved to an absolute path."""
        items = tuple(overrides.items()) if isinstance(overrides, Mapping) else tuple(overrides)
        return cls(str(Path(resolve(str(ref))).resolve()), tuple((str(k), float(v)) for k, v in items))

    def with_overrides(self, overrides: Mapping[str, float]) -> ScenarioRef:
        """The same file with more overrides (later ones win)."""
        merged = dict(self.overrides)
        merged.update({str(k): float(v) for k, v in overrides.items()})
        return ScenarioRef(self.path, tuple(merged.items()))

    def load(self) -> Scenario:
        """The validated `Scenario` with the overrides applied (raises ScenarioError when invalid)."""
        return load_with_overrides(self.path, dict(self.overrides))

    def compile(self) -> CompiledScenario:
        """The compiled scenario (with the file's marks, so run-time errors say where), cached per process."""
        return _COMPILED.get_or(self, self._compile)

    def _compile(self) -> CompiledScenario:
        result = _load(self.path, dict(self.overrides))
        assert result.scenario is not None
        return compile_scenario(result.scenario, marks=result.marks)


def load_with_overrides(path: str | os.PathLike[str], overrides: Mapping[str, float]) -> Scenario:
    """Load a scenario file with values replaced at YAML paths (`parameters.x`, `turns`, ...).

    A distribution at an overridden path is replaced by the fixed number. The overridden data is
    validated again, so an out-of-range override is reported like a mistake in the file.
    """
    result = _load(path, overrides)
    assert result.scenario is not None
    return result.scenario


def _load(path: str | os.PathLike[str], overrides: Mapping[str, float]) -> loader.LoadResult:
    """The load result of a file with overrides; raises ScenarioError when it has errors."""
    if not overrides:
        result = loader.load_scenario(Path(path))
        if result.scenario is None:
            raise ScenarioError(result.diagnostics)
        return result
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    base = _LOADED.get_or(key, lambda: loader.load_scenario(Path(path)))
    if base.scenario is None or base.data is None:
        raise ScenarioError(base.diagnostics)
    data: Any = base.data
    for text, value in overrides.items():
        yaml_path = parse_path(text)
        try:
            get_path(data, yaml_path)
        except (KeyError, IndexError, TypeError):
            raise InvalidInput(f"{path}: no value at {text!r} to override") from None
        data = replace_at(data, yaml_path, int(value) if text == "turns" else float(value))
    result = loader.validate_data(data, base.marks, str(path))
    if result.scenario is None:
        raise ScenarioError(result.diagnostics)
    return result


_LOADED: _Lru[tuple[str, int, int], loader.LoadResult] = _Lru()
"""Loaded base files by (path, mtime, size): a sweep validates each point, but reads the file once."""
_COMPILED: _Lru[ScenarioRef, CompiledScenario] = _Lru()
