"""Reading raw (merged) scenario data without trusting its shape: the names it defines, and where its
expressions, `effects:` blocks and cited sources sit. Anything of the wrong shape is passed over."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dilemma_sim.scenario.models import LEVER_MOVES
from dilemma_sim.scenario.yamlio import YamlPath

_EFFECT_OWNERS = ("interactions", "events")


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """The value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class ExpressionSite:
    """An expression in the file: its path, its text and whether this turn's choices are in scope."""

    path: YamlPath
    source: str
    choices_in_scope: bool


@dataclass(frozen=True)
class Names:
    """The names a scenario defines."""

    levels: tuple[str, ...]
    counts: tuple[str, ...]
    parameters: tuple[str, ...]
    actors: tuple[str, ...]
    decisions: dict[str, dict[str, tuple[str, ...]]]
    """actor -> decision -> per-turn option ids (levers: lower, hold, raise)."""
    levers: tuple[str, ...]
    """`actor.lever` for every lever decision."""

    @property
    def state(self) -> tuple[str, ...]:
        """Every state variable, levels then counts."""
        return self.levels + self.counts

    def choice_names(self, prefix: str = "") -> set[str]:
        """`actor.decision.option` for every option, with `prefix` (e.g. `prev.`) in front."""
        return {
            f"{prefix}{actor}.{decision}.{option}"
            for actor, decisions in self.decisions.items()
            for decision, options in decisions.items()
            for option in options
        }

    def expression_names(self, choices_in_scope: bool) -> set[str]:
        """The names an expression may use; this turn's choices only where `choices_in_scope`."""
        names = {*self.state, *self.parameters, *self.levers, "turn", *self.choice_names("prev.")}
        return names | self.choice_names() if choices_in_scope else names


def names_of(data: Any) -> Names:
    """The names defined by raw scenario data (whatever of it has the right shape)."""
    data = as_dict(data)
    levels: list[str] = []
    counts: list[str] = []
    for name, var in as_dict(data.get("state")).items():
        (counts if as_dict(var).get("kind") == "count" else levels).append(name)
    decisions: dict[str, dict[str, tuple[str, ...]]] = {}
    levers = []
    for actor, spec in as_dict(data.get("actors")).items():
        decisions[actor] = {}
        for decision, dspec in as_dict(as_dict(spec).get("decisions")).items():
            if as_dict(dspec).get("kind") == "lever":
                decisions[actor][decision] = LEVER_MOVES
                levers.append(f"{actor}.{decision}")
            else:
                decisions[actor][decision] = tuple(as_dict(as_dict(dspec).get("options")))
    return Names(
        tuple(levels),
        tuple(counts),
        tuple(as_dict(data.get("parameters"))),
        tuple(as_dict(data.get("actors"))),
        decisions,
        tuple(levers),
    )


def _effects_sites(effects: Any, path: YamlPath, in_scope: bool) -> Iterator[ExpressionSite]:
    for var, effect in as_dict(effects).items():
        if isinstance(effect, str):
            yield ExpressionSite((*path, var), effect, in_scope)
        elif isinstance(effect, dict) and isinstance(effect.get("add"), str):
            yield ExpressionSite((*path, var, "add"), effect["add"], in_scope)


def _rules_sites(policies: Any, path: YamlPath) -> Iterator[ExpressionSite]:
    for decision, policy in as_dict(policies).items():
        for i, rule in enumerate(as_list(as_dict(policy).get("rules"))):
            when = as_dict(rule).get("when")
            if isinstance(when, str):
                yield ExpressionSite((*path, decision, "rules", i, "when"), when, False)


def effects_blocks(data: Any) -> Iterator[tuple[YamlPath, dict[str, Any]]]:
    """Every `effects:` mapping: of options, levels, interactions and events."""
    data = as_dict(data)
    for actor, spec in as_dict(data.get("actors")).items():
        for decision, dspec in as_dict(as_dict(spec).get("decisions")).items():
            for group in ("options", "levels"):
                for item, ispec in as_dict(as_dict(dspec).get(group)).items():
                    if "effects" in as_dict(ispec):
                        path = ("actors", actor, "decisions", decision, group, item, "effects")
                        yield path, as_dict(ispec["effects"])
    for owner in _EFFECT_OWNERS:
        for item, spec in as_dict(data.get(owner)).items():
            if "effects" in as_dict(spec):
                yield (owner, item, "effects"), as_dict(spec["effects"])


def expression_sites(data: Any) -> Iterator[ExpressionSite]:
    """Every expression string in raw scenario data, in file-section order."""
    data = as_dict(data)
    for name, var in as_dict(data.get("state")).items():
        if isinstance(as_dict(var).get("rate"), str):
            yield ExpressionSite(("state", name, "rate"), var["rate"], True)
    for path, effects in effects_blocks(data):
        yield from _effects_sites(effects, path, True)
    for actor, spec in as_dict(data.get("actors")).items():
        yield from _rules_sites(as_dict(spec).get("policy"), ("actors", actor, "policy"))
    for name, spec in as_dict(data.get("strategies")).items():
        yield from _rules_sites(as_dict(spec).get("policy"), ("strategies", name, "policy"))
    for section, key in (
        ("interactions", "when"),
        ("dynamics", "add"),
        ("events", "probability"),
        ("endings", "when"),
    ):
        for name, spec in as_dict(data.get(section)).items():
            if isinstance(as_dict(spec).get(key), str):
                yield ExpressionSite((section, name, key), spec[key], True)


def _cited_sources(data: Any, path: YamlPath = ()) -> Iterator[tuple[YamlPath, str]]:
    """`(path of the quantity, source id)` for every number, distribution or observation naming a source."""
    if isinstance(data, dict):
        source = data.get("source")
        figure = "value" in data or "dist" in data or _is_observation(path)
        if path and path[0] != "sources" and isinstance(source, str) and figure:
            yield path, source
        for key, value in data.items():
            if not (not path and key == "sources"):
                yield from _cited_sources(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _cited_sources(value, (*path, i))


def _is_observation(path: YamlPath) -> bool:
    return len(path) == 3 and path[:2] == ("observations", "data")


def cited_sources(data: Any) -> Iterator[tuple[YamlPath, str]]:
    """Every `source:` id a number, distribution or observed figure cites, with the path of that number."""
    return _cited_sources(data)
