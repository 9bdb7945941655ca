"""Cross-reference checks: every name a scenario uses must be defined, with a suggestion when it is not.

The checks read the raw (merged) data rather than the validated model, so they also run when the
model does not validate and the author sees every problem in one pass. Anything of the wrong shape
is skipped here: the schema validation reports it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dilemma_sim.scenario import expressions
from dilemma_sim.scenario.diagnostics import Diagnostic, ScenarioError
from dilemma_sim.scenario.models import LEVER_MOVES, Scenario, Strategy
from dilemma_sim.scenario.yamlio import Marks, YamlPath

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
"""What state, parameter, actor, decision, option and level ids must match in full."""
RESERVED = frozenset({"turn", "prev", *expressions.KEYWORDS})
"""Names an id cannot take because expressions already give them a meaning."""

_EFFECT_OWNERS = ("interactions", "events")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def close_match(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate (difflib ratio at least 0.6), or None."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


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
    data = _dict(data)
    levels: list[str] = []
    counts: list[str] = []
    for name, var in _dict(data.get("state")).items():
        (counts if _dict(var).get("kind") == "count" else levels).append(name)
    decisions: dict[str, dict[str, tuple[str, ...]]] = {}
    levers = []
    for actor, spec in _dict(data.get("actors")).items():
        decisions[actor] = {}
        for decision, dspec in _dict(_dict(spec).get("decisions")).items():
            if _dict(dspec).get("kind") == "lever":
                decisions[actor][decision] = LEVER_MOVES
                levers.append(f"{actor}.{decision}")
            else:
                decisions[actor][decision] = tuple(_dict(_dict(dspec).get("options")))
    return Names(
        tuple(levels),
        tuple(counts),
        tuple(_dict(data.get("parameters"))),
        tuple(_dict(data.get("actors"))),
        decisions,
        tuple(levers),
    )


# --------------------------------------------------------------------------- walking the data


def _effects_sites(effects: Any, path: YamlPath, in_scope: bool) -> Iterator[ExpressionSite]:
    for var, effect in _dict(effects).items():
        if isinstance(effect, str):
            yield ExpressionSite((*path, var), effect, in_scope)
        elif isinstance(effect, dict) and isinstance(effect.get("add"), str):
            yield ExpressionSite((*path, var, "add"), effect["add"], in_scope)


def _rules_sites(policies: Any, path: YamlPath) -> Iterator[ExpressionSite]:
    for decision, policy in _dict(policies).items():
        for i, rule in enumerate(_list(_dict(policy).get("rules"))):
            when = _dict(rule).get("when")
            if isinstance(when, str):
                yield ExpressionSite((*path, decision, "rules", i, "when"), when, False)


def effects_blocks(data: Any) -> Iterator[tuple[YamlPath, dict[str, Any]]]:
    """Every `effects:` mapping: of options, levels, interactions and events."""
    data = _dict(data)
    for actor, spec in _dict(data.get("actors")).items():
        for decision, dspec in _dict(_dict(spec).get("decisions")).items():
            for group in ("options", "levels"):
                for item, ispec in _dict(_dict(dspec).get(group)).items():
                    if "effects" in _dict(ispec):
                        path = ("actors", actor, "decisions", decision, group, item, "effects")
                        yield path, _dict(ispec["effects"])
    for owner in _EFFECT_OWNERS:
        for item, spec in _dict(data.get(owner)).items():
            if "effects" in _dict(spec):
                yield (owner, item, "effects"), _dict(spec["effects"])


def expression_sites(data: Any) -> Iterator[ExpressionSite]:
    """Every expression string in raw scenario data, in file-section order."""
    data = _dict(data)
    for name, var in _dict(data.get("state")).items():
        if isinstance(_dict(var).get("rate"), str):
            yield ExpressionSite(("state", name, "rate"), var["rate"], True)
    for path, effects in effects_blocks(data):
        yield from _effects_sites(effects, path, True)
    for actor, spec in _dict(data.get("actors")).items():
        yield from _rules_sites(_dict(spec).get("policy"), ("actors", actor, "policy"))
    for name, spec in _dict(data.get("strategies")).items():
        yield from _rules_sites(_dict(spec).get("policy"), ("strategies", name, "policy"))
    for section, key in (
        ("interactions", "when"),
        ("dynamics", "add"),
        ("events", "probability"),
        ("endings", "when"),
    ):
        for name, spec in _dict(data.get(section)).items():
            if isinstance(_dict(spec).get(key), str):
                yield ExpressionSite((section, name, key), spec[key], True)


# --------------------------------------------------------------------------- the checks


class _Checker:
    def __init__(self, data: dict[str, Any], marks: Marks, filename: str) -> None:
        self.data = data
        self.marks = marks
        self.filename = filename
        self.names = names_of(data)
        self.out: list[Diagnostic] = []

    def report(
        self,
        path: YamlPath,
        code: str,
        message: str,
        suggestion: str | None = None,
        *,
        key: bool = False,
        offset: int | None = None,
    ) -> None:
        mark = self.marks.nearest(path, prefer_key=key)
        if mark is None:
            line, column, file = 1, 1, self.filename
        else:
            line, column = mark.at_offset(offset) if offset is not None else (mark.line, mark.column)
            file = mark.file
        self.out.append(Diagnostic(file, line, column, code, "error", message, suggestion))

    def run(self) -> list[Diagnostic]:
        self.identifiers()
        self.player()
        self.effects()
        self.decisions()
        self.policies()
        self.strategies()
        self.sources()
        self.probabilities()
        self.all_expressions()
        return self.out

    def identifier(self, path: YamlPath, what: str) -> None:
        name = str(path[-1])
        if not IDENTIFIER.fullmatch(name):
            fixed = re.sub(r"[^a-z0-9_]", "_", name.lower())
            fixed = fixed if IDENTIFIER.fullmatch(fixed) else f"_{fixed}"
            self.report(
                path,
                "E406",
                f"{what} id '{name}' must be lower-case letters, digits and '_', not starting with a digit",
                fixed,
                key=True,
            )
        elif name in RESERVED:
            self.report(
                path, "E406", f"{what} id '{name}' is reserved in expressions; choose another", key=True
            )

    def identifiers(self) -> None:
        data = self.data
        for name in _dict(data.get("state")):
            self.identifier(("state", name), "state variable")
        for name in _dict(data.get("parameters")):
            self.identifier(("parameters", name), "parameter")
            if name in _dict(data.get("state")):
                self.report(
                    ("parameters", name),
                    "E406",
                    f"parameter '{name}' has the same name as a state variable",
                    key=True,
                )
        for actor, spec in _dict(data.get("actors")).items():
            self.identifier(("actors", actor), "actor")
            for decision, dspec in _dict(_dict(spec).get("decisions")).items():
                base = ("actors", actor, "decisions", decision)
                self.identifier(base, "decision")
                for group, what in (("options", "option"), ("levels", "level")):
                    for item in _dict(_dict(dspec).get(group)):
                        self.identifier((*base, group, item), what)

    def player(self) -> None:
        player = self.data.get("player")
        if isinstance(player, str) and self.names.actors and player not in self.names.actors:
            self.report(
                ("player",),
                "E409",
                f"player '{player}' is not an actor",
                close_match(player, self.names.actors),
            )

    def state_target(self, path: YamlPath, var: str, *, key: bool) -> None:
        if var in self.names.levels:
            return
        if var in self.names.counts:
            message = f"'{var}' is a count variable: effects cannot change it (change its rate instead)"
            self.report(path, "E401", message, close_match(var, self.names.levels), key=key)
        elif self.names.state:
            message = f"undefined state variable '{var}'"
            self.report(path, "E401", message, close_match(var, self.names.levels), key=key)

    def effects(self) -> None:
        for path, effects in effects_blocks(self.data):
            for var in effects:
                self.state_target((*path, var), var, key=True)
        for name, spec in _dict(self.data.get("dynamics")).items():
            target = _dict(spec).get("target")
            if isinstance(target, str):
                self.state_target(("dynamics", name, "target"), target, key=False)
        for actor, spec in _dict(self.data.get("actors")).items():
            for key in _dict(_dict(spec).get("utility")):
                self.utility_key(("actors", actor, "utility", key), key)

    def utility_key(self, path: YamlPath, key: str) -> None:
        if key in self.names.state or key in self.names.levers:
            return
        if "." not in key:
            if self.names.state:
                message = f"undefined state variable '{key}' in utility"
                self.report(path, "E401", message, close_match(key, self.names.state), key=True)
            return
        actor, _, decision = key.partition(".")
        suggestion = close_match(key, self.names.levers)
        if actor not in self.names.decisions:
            self.report(
                path, "E402", f"undefined actor '{actor}' in utility key '{key}'", suggestion, key=True
            )
        elif decision not in self.names.decisions[actor]:
            message = f"actor '{actor}' has no decision '{decision}'"
            self.report(path, "E403", message, suggestion, key=True)
        else:
            message = f"'{key}' is a choice; utility weights apply to state variables and levers only"
            self.report(path, "E403", message, suggestion, key=True)

    def decisions(self) -> None:
        for actor, spec in _dict(self.data.get("actors")).items():
            for decision, dspec in _dict(_dict(spec).get("decisions")).items():
                default = _dict(dspec).get("default")
                if not isinstance(default, str):
                    continue
                lever = _dict(dspec).get("kind") == "lever"
                group = _dict(_dict(dspec).get("levels" if lever else "options"))
                if group and default not in group:
                    what = "level" if lever else "option"
                    self.report(
                        ("actors", actor, "decisions", decision, "default"),
                        "E403",
                        f"default '{default}' is not a {what} of decision '{decision}'",
                        close_match(default, group),
                    )

    def policy_block(self, path: YamlPath, actor: str, policies: Any) -> None:
        decisions = self.names.decisions.get(actor, {})
        for decision, policy in _dict(policies).items():
            if decision not in decisions:
                if decisions:
                    self.report(
                        (*path, decision),
                        "E403",
                        f"actor '{actor}' has no decision '{decision}'",
                        close_match(decision, decisions),
                        key=True,
                    )
                continue
            options = decisions[decision]
            policy = _dict(policy)
            refs: list[tuple[YamlPath, Any, bool]] = [
                ((*path, decision, "option"), policy.get("option"), False),
                ((*path, decision, "otherwise"), policy.get("otherwise"), False),
            ]
            refs += [
                ((*path, decision, "probabilities", o), o, True) for o in _dict(policy.get("probabilities"))
            ]
            refs += [
                ((*path, decision, "rules", i, "choose"), _dict(rule).get("choose"), False)
                for i, rule in enumerate(_list(policy.get("rules")))
            ]
            for ref_path, option, key in refs:
                if isinstance(option, str) and options and option not in options:
                    self.report(
                        ref_path,
                        "E404",
                        f"'{option}' is not an option of decision '{actor}.{decision}'",
                        close_match(option, options),
                        key=key,
                    )

    def policies(self) -> None:
        for actor, spec in _dict(self.data.get("actors")).items():
            self.policy_block(("actors", actor, "policy"), actor, _dict(spec).get("policy"))

    def strategies(self) -> None:
        for name, spec in _dict(self.data.get("strategies")).items():
            spec = _dict(spec)
            actor = spec.get("actor", self.data.get("player"))
            if not isinstance(actor, str) or not self.names.actors:
                continue
            if actor not in self.names.actors:
                if "actor" in spec:
                    self.report(
                        ("strategies", name, "actor"),
                        "E402",
                        f"undefined actor '{actor}'",
                        close_match(actor, self.names.actors),
                    )
                continue
            self.policy_block(("strategies", name, "policy"), actor, spec.get("policy"))

    def sources(self) -> None:
        known = _dict(self.data.get("sources"))
        for path, source in _cited_sources(self.data):
            if source not in known:
                self.report(
                    (*path, "source"), "E405", f"undefined source '{source}'", close_match(source, known)
                )

    def probabilities(self) -> None:
        for name, spec in _dict(self.data.get("events")).items():
            path: YamlPath = ("events", name, "probability")
            value = _dict(spec).get("probability")
            for sub, number in _probability_numbers(value):
                if not 0 <= number <= 1:
                    self.report((*path, *sub), "E407", f"probability {number:g} is outside [0, 1]")

    def all_expressions(self) -> None:
        scoped = {True: self.names.expression_names(True), False: self.names.expression_names(False)}
        for site in expression_sites(self.data):
            for error in expressions.check(site.source, scoped[site.choices_in_scope]):
                message, suggestion = error.message, error.suggestion
                if suggestion:
                    message = message.removesuffix(f" (did you mean '{suggestion}'?)")
                if error.code == "E302":
                    name = site.source[error.offset : error.offset + error.length]
                    if name in scoped[True]:
                        message = f"'{name}' (this turn's choice) cannot be used in a policy rule"
                        suggestion = f"prev.{name}"
                self.report(site.path, error.code, message, suggestion, offset=error.offset)


def _probability_numbers(value: Any) -> Iterator[tuple[YamlPath, float]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield (), float(value)
    elif isinstance(value, dict):
        for key in ("value", "low", "high", "mode", "mean"):
            number = value.get(key)
            if isinstance(number, int | float) and not isinstance(number, bool):
                yield (key,), float(number)
    elif isinstance(value, str):
        try:
            constant = expressions.constant_value(expressions.parse(value))
        except expressions.ExpressionError:
            return
        if constant is not None:
            yield (), constant


def _cited_sources(data: Any, path: YamlPath = ()) -> Iterator[tuple[YamlPath, str]]:
    """`(path of the quantity, source id)` for every number or distribution that names a source."""
    if isinstance(data, dict):
        source = data.get("source")
        if path and path[0] != "sources" and isinstance(source, str) and ("value" in data or "dist" in data):
            yield path, source
        for key, value in data.items():
            if not (not path and key == "sources"):
                yield from _cited_sources(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _cited_sources(value, (*path, i))


def cited_sources(data: Any) -> Iterator[tuple[YamlPath, str]]:
    """Every `source:` id a number or distribution cites, with the path of that number."""
    return _cited_sources(data)


def check_data(data: Any, marks: Marks, filename: str = "<string>") -> list[Diagnostic]:
    """All reference problems in raw (merged) scenario data; never raises on bad shapes."""
    if not isinstance(data, dict):
        return []
    return _Checker(data, marks, filename).run()


def check_scenario(scenario: Scenario, marks: Marks, filename: str = "<string>") -> list[Diagnostic]:
    """All reference problems in a validated scenario."""
    return check_data(scenario.model_dump(exclude_unset=True), marks, filename)


def find_strategy(scenario: Scenario, strategy_id: str, filename: str = "<scenario>") -> Strategy:
    """The strategy with this id; ScenarioError (E404, with a did-you-mean) when there is none."""
    if strategy_id in scenario.strategies:
        return scenario.strategies[strategy_id]
    known = ", ".join(scenario.strategies) or "(none)"
    message = f"undefined strategy '{strategy_id}'; the scenario defines: {known}"
    suggestion = close_match(strategy_id, scenario.strategies)
    raise ScenarioError([Diagnostic(filename, 1, 1, "E404", "error", message, suggestion)])
