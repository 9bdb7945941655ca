"""The posterior of a history-matching wave as a scenario variant: a file that `extends:` the scenario
and gives every parameter the observations narrowed a uniform range over its survivors.

A uniform over the survivors' min-max (or 5-95%) is an approximation of the posterior: it keeps
the region not ruled out but forgets the prior's shape inside it and every correlation between
parameters. The file says so in its header, and `write_variant` validates it before it lands, so a
written variant always loads; running `check --filter` on it is the next wave.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from dilemma_sim.batch.history_match import FilterReport, ParameterRange
from dilemma_sim.errors import EnvironmentProblem, InvalidInput
from dilemma_sim.scenario import registry
from dilemma_sim.scenario.extends import EXTENDS_PATH_ENV, allowed_roots
from dilemma_sim.scenario.loader import LoadResult, load_scenario
from dilemma_sim.scenario.yamlio import YamlPath, dump_yaml

_DIGITS = 4
"""Significant digits of the written bounds (rounded outward, so every survivor stays inside)."""


def posterior_variant(
    base: LoadResult, report: FilterReport, target: Path, *, command: str, variant_id: str | None = None
) -> str:
    """YAML text of the variant of `base` that `report` gives, to be written at `target`."""
    if base.scenario is None or base.data is None:
        raise InvalidInput(f"{base.path}: the scenario does not load, so no variant can extend it")
    if report.survivors == 0:
        raise InvalidInput(
            "no parameter sample is consistent with the observations, so there is no posterior to write",
            hint="check the observations and their uncertainties, or widen the parameter ranges",
        )
    sc = base.scenario
    narrowed = [p for p in report.parameters if p.narrowed]
    kept = [p.path for p in report.parameters if not p.narrowed]
    overrides: dict[str, Any] = {}
    for p in narrowed:
        path = locate(base.data, p.path)
        if path is None:
            raise InvalidInput(f"cannot find the number at '{p.path}' in {base.path} to narrow it")
        _put(overrides, path, _narrowed_spec(p, _at(base.data, path), report))
    data = {
        "id": variant_id or f"{sc.id}-matched",
        "extends": _extends_ref(base.path, sc.id, target.parent),
        "title": f"{sc.title} (history-matched)",
        **overrides,
    }
    what = "min-max" if report.bounds == "minmax" else "5-95% range"
    text = (
        f"One wave of history matching of '{sc.id}' against its observations: {report.survivors} of "
        f"{report.samples} parameter samples ({report.replicates} runs each) have implausibility below "
        f"{report.cutoff:g} for every observation (docs/format.md, 'Observations and check'). Each "
        f"parameter they narrowed is a uniform over the survivors' {what}: an approximation that keeps "
        "the region not ruled out but forgets the prior's shape and the correlations between "
        "parameters. Run `dilemma-sim check --filter` on this file for a second wave."
    )
    if kept:
        text += " Not narrowed, kept as in the base: " + ", ".join(kept) + "."
    if not narrowed:
        text += " The observations narrowed no parameter: this variant changes nothing."
    lines = [f"Written by: {command}", *textwrap.wrap(text, width=96, break_on_hyphens=False)]
    comment = "".join(f"# {line}\n" for line in lines)
    return comment + dump_yaml(data)


def write_variant(text: str, path: Path) -> LoadResult:
    """Write the variant atomically once it validates; InvalidInput (with the diagnostics) if not."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".yaml", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {path}: {error.strerror or error}") from None
    tmp = Path(tmp_name)
    try:
        result = load_scenario(tmp)
        if not result.ok:
            problems = "\n".join(d.format() for d in result.errors)
            raise InvalidInput(
                f"the variant for {path} does not validate, so it was not written:\n{problems}"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return load_scenario(path)


def locate(data: Any, dotted: str) -> YamlPath | None:
    """The YAML path of a parameter column's dotted name (keys may hold dots: `utility.a.lever`)."""
    parts = dotted.split(".")

    def walk(node: Any, rest: list[str]) -> YamlPath | None:
        if not rest:
            return ()
        if not isinstance(node, dict):
            return None
        for n in range(len(rest), 0, -1):
            key = ".".join(rest[:n])
            if key in node:
                tail = walk(node[key], rest[n:])
                if tail is not None:
                    return (key, *tail)
        return None

    return walk(data, parts)


def _at(data: Any, path: YamlPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _put(tree: dict[str, Any], path: YamlPath, value: Any) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(str(part), {})
    node[str(path[-1])] = value


def _narrowed_spec(p: ParameterRange, old: Any, report: FilterReport) -> dict[str, Any]:
    """The override of one distribution: uniform on the new range, the base's other keys deleted."""
    low, high = _round_out(p.new_low, p.new_high)
    hard_low, hard_high = getattr(p.prior, "low", None), getattr(p.prior, "high", None)
    low = low if hard_low is None else max(low, float(hard_low))  # rounding never leaves the support
    high = high if hard_high is None else min(high, float(hard_high))
    prior = ", ".join(f"{k} {v:g}" for k, v in _numbers(p.prior).items())
    what = "min-max" if report.bounds == "minmax" else "5-95%"
    note = (
        f"History-matched: {report.survivors} of {report.samples} samples kept (cutoff {report.cutoff:g}); "
        f"survivors' {what} {p.new_low:.6g} to {p.new_high:.6g}, median {p.p50:.6g}; "
        f"prior {p.prior.dist} ({prior})."
    )
    if isinstance(old, dict) and isinstance(old.get("note"), str):
        note += f" Before: {old['note']}"
    spec: dict[str, Any] = {"dist": "uniform", "low": low, "high": high}
    if isinstance(old, dict):
        if isinstance(old.get("source"), str):
            spec["source"] = old["source"]
        for key in old:
            if key not in ("dist", "low", "high", "source", "note"):
                spec[key] = None  # `null` deletes the base's key in the merge (mean, sd, a, b, mode)
    spec["note"] = note
    return spec


def _numbers(spec: Any) -> dict[str, float]:
    fields = spec.model_dump(exclude_none=True)
    return {k: v for k, v in fields.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _round_out(low: float, high: float) -> tuple[float, float]:
    """`low` rounded down and `high` rounded up to `_DIGITS` significant digits."""

    def step(x: float) -> float:
        return 10.0 ** (math.floor(math.log10(abs(x))) - _DIGITS + 1) if x else 10.0**-_DIGITS

    lo = math.floor(low / step(low)) * step(low)
    hi = math.ceil(high / step(high)) * step(high)
    return float(f"{lo:.{_DIGITS + 2}g}"), float(f"{hi:.{_DIGITS + 2}g}")


def _extends_ref(base: Path, scenario_id: str, directory: Path) -> str:
    """A built-in id when `base` is that built-in and nothing nearer shadows it, else a relative path."""
    builtin = registry.builtin_path(scenario_id)
    shadowed = (directory / scenario_id).exists() or (directory / f"{scenario_id}.yaml").exists()
    if builtin is not None and builtin.resolve() == base.resolve() and not shadowed:
        return scenario_id
    roots = [r.resolve() for r in allowed_roots(directory.resolve())]
    if not any(base.resolve() == r or r in base.resolve().parents for r in roots):
        raise InvalidInput(
            f"a variant in {directory} cannot extend {base}: `extends:` stays inside the variant's folder "
            "tree and the built-in scenarios",
            hint=f"write the variant in {base.parent} (or a folder above it), or add that folder to "
            f"{EXTENDS_PATH_ENV}",
        )
    return Path(os.path.relpath(base.resolve(), directory.resolve())).as_posix()
