"""Cross-reference checks: every name a scenario uses must be defined, with a suggestion when it is not.

The checks read the raw (merged) data rather than the validated model, so they also run when the
model does not validate and the author sees every problem in one pass. Anything of the wrong shape
is skipped here: the schema validation reports it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from dilemma_sim.scenario import expressions
from dilemma_sim.scenario.diagnostics import Diagnostic, ScenarioError
from dilemma_sim.scenario.models import Scenario, Strategy
from dilemma_sim.scenario.observation_checks import check_observations
from dilemma_sim.scenario.raw_data import (
    ExpressionSite,
    Names,
    as_dict,
    as_list,
    cited_sources,
    effects_blocks,
    expression_sites,
    names_of,
)
from dilemma_sim.scenario.yamlio import Marks, YamlPath

__all__ = [
    "IDENTIFIER",
    "RESERVED",
    "ExpressionSite",
    "Names",
    "check_data",
    "check_scenario",
    "cited_sources",
    "close_match",
    "effects_blocks",
    "expression_sites",
    "find_strategy",
    "names_of",
]

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
"""What state, parameter, actor, decision, option and level ids must match in full."""
RESERVED = frozenset({"turn", "prev", *expressions.KEYWORDS})
"""Names an id cannot take because expressions already give them a meaning."""


def close_match(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate (difflib ratio at least 0.6), or None."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


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
        check_observations(self.data, self.names, self.report)
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
        for name in as_dict(data.get("state")):
            self.identifier(("state", name), "state variable")
        for name in as_dict(data.get("parameters")):
            self.identifier(("parameters", name), "parameter")
            if name in as_dict(data.get("state")):
                self.report(
                    ("parameters", name),
                    "E406",
                    f"parameter '{name}' has the same name as a state variable",
                    key=True,
                )
        for actor, spec in as_dict(data.get("actors")).items():
            self.identifier(("actors", actor), "actor")
            for decision, dspec in as_dict(as_dict(spec).get("decisions")).items():
                base = ("actors", actor, "decisions", decision)
                self.identifier(base, "decision")
                for group, what in (("options", "option"), ("levels", "level")):
                    for item in as_dict(as_dict(dspec).get(group)):
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
        for name, spec in as_dict(self.data.get("dynamics")).items():
            target = as_dict(spec).get("target")
            if isinstance(target, str):
                self.state_target(("dynamics", name, "target"), target, key=False)
        for actor, spec in as_dict(self.data.get("actors")).items():
            for key in as_dict(as_dict(spec).get("utility")):
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
        for actor, spec in as_dict(self.data.get("actors")).items():
            for decision, dspec in as_dict(as_dict(spec).get("decisions")).items():
                default = as_dict(dspec).get("default")
                if not isinstance(default, str):
                    continue
                lever = as_dict(dspec).get("kind") == "lever"
                group = as_dict(as_dict(dspec).get("levels" if lever else "options"))
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
        for decision, policy in as_dict(policies).items():
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
            policy = as_dict(policy)
            refs: list[tuple[YamlPath, Any, bool]] = [
                ((*path, decision, "option"), policy.get("option"), False),
                ((*path, decision, "otherwise"), policy.get("otherwise"), False),
            ]
            refs += [
                ((*path, decision, "probabilities", o), o, True) for o in as_dict(policy.get("probabilities"))
            ]
            refs += [
                ((*path, decision, "rules", i, "choose"), as_dict(rule).get("choose"), False)
                for i, rule in enumerate(as_list(policy.get("rules")))
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
        for actor, spec in as_dict(self.data.get("actors")).items():
            self.policy_block(("actors", actor, "policy"), actor, as_dict(spec).get("policy"))

    def strategies(self) -> None:
        for name, spec in as_dict(self.data.get("strategies")).items():
            spec = as_dict(spec)
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
        known = as_dict(self.data.get("sources"))
        for path, source in cited_sources(self.data):
            if source not in known:
                self.report(
                    (*path, "source"), "E405", f"undefined source '{source}'", close_match(source, known)
                )

    def probabilities(self) -> None:
        for name, spec in as_dict(self.data.get("events")).items():
            path: YamlPath = ("events", name, "probability")
            value = as_dict(spec).get("probability")
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
