"""Reusable strategies: the built-in library, and binding a strategy written relative to a seat to one.

A *relative* strategy (`relative: true`, or imported with `library:`) names the actor that plays it
`self` and the others `opponent` (the other actor; in a game of more than two, the other actors
together, summed) or `others` (always the other actors together), or a role given in the strategy's
`roles:`. Its decision and option ids may be mapped onto the scenario's by `rename:`. Binding it to a
seat rewrites its policy into the seat's own terms: decision and option ids renamed, and every
`self.`/`opponent.`/`others.`/role name in its rules (after `prev.`, `count.` or `last(k).` too)
replaced by the actor's name, or a parenthesised sum over several actors. A name the seat does not
have is a `BindingProblem`, located at the strategy in the scenario file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dilemma_sim.scenario import expressions as ex
from dilemma_sim.scenario.actors import (
    FixedPolicy,
    MixedPolicy,
    Policy,
    Rule,
    RulesPolicy,
    Strategy,
)
from dilemma_sim.scenario.diagnostics import Diagnostic, Severity
from dilemma_sim.scenario.raw_data import Names, names_of
from dilemma_sim.scenario.strict_model import StrictModel
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import Marks, YamlPath, read_yaml

LIBRARY_FILE = Path(__file__).with_name("strategy_library.yaml")
"""The built-in library, shipped as package data."""
SEATS = ("self", "opponent", "others")
"""Names a relative strategy gives the actors (besides its own roles)."""


class LibraryStrategy(StrictModel):
    """One strategy of the built-in library, written relative to `self` and `opponent`."""

    label: str
    """Short name."""
    axelrod: str
    """The strategy's name in the Axelrod library."""
    description: str
    """What it does."""
    policy: dict[str, Policy]
    """Decision id -> policy, in relative names."""


@cache
def library() -> dict[str, LibraryStrategy]:
    """The built-in library, by id (read once)."""
    document = read_yaml(LIBRARY_FILE, str(LIBRARY_FILE))
    if not document.ok or not isinstance(document.data, dict):
        raise RuntimeError(f"the strategy library {LIBRARY_FILE} does not load: {document.diagnostics}")
    try:
        return {sid: LibraryStrategy.model_validate(spec) for sid, spec in document.data.items()}
    except ValidationError as error:  # pragma: no cover - the shipped file is tested
        raise RuntimeError(f"the strategy library {LIBRARY_FILE} is invalid: {error}") from error


# --------------------------------------------------------------------------- what a strategy says


def label_of(strategy: Strategy) -> str:
    """The strategy's label, or its library entry's."""
    if strategy.label:
        return strategy.label
    entry = library().get(strategy.library or "")
    return entry.label if entry is not None else str(strategy.library)


def own_policy(strategy: Strategy) -> dict[str, Policy]:
    """The policy as written (library entries resolved), in the strategy's own names."""
    if strategy.library is not None:
        entry = library().get(strategy.library)
        return dict(entry.policy) if entry is not None else {}
    return dict(strategy.policy)


def expression_sources(strategies: Mapping[str, Strategy]) -> Iterator[str]:
    """Every rule condition of the strategies, library entries included (relative names unbound)."""
    for strategy in strategies.values():
        for policy in own_policy(strategy).values():
            if isinstance(policy, RulesPolicy):
                yield from (rule.when for rule in policy.rules)


# --------------------------------------------------------------------------- binding


@dataclass(frozen=True)
class BindingProblem:
    """A name a relative strategy needs that the seat does not have."""

    path: YamlPath
    """Where in the scenario file: the strategy's own text, or its `library:` line."""
    message: str
    suggestion: str | None = None
    offset: int | None = None
    """Character offset in the expression at `path`, for a name in a rule."""


class StrategyBindingError(ValueError):
    """A strategy cannot play a seat; carries every problem, located in the scenario file."""

    def __init__(self, strategy: str, seat: str, problems: list[BindingProblem]) -> None:
        self.strategy, self.seat, self.problems = strategy, seat, problems
        reasons = "; ".join(p.message for p in problems)
        super().__init__(f"strategy {strategy!r} cannot play {seat!r}: {reasons}")


@dataclass(frozen=True)
class BoundStrategy:
    """A strategy in a seat's own terms."""

    policy: dict[str, Policy]
    """The seat's decision id -> policy."""
    source: dict[str, str] = field(default_factory=dict)
    """The seat's decision id -> the decision id as the strategy wrote it."""


def plays(scenario: Any, strategy_id: str, seat: str) -> bool:
    """Whether the strategy can play the seat (absolute strategies: only their own actor)."""
    try:
        bind_strategy(scenario, strategy_id, seat)
    except StrategyBindingError:
        return False
    return True


def bind_strategy(scenario: Any, strategy_id: str, seat: str, names: Names | None = None) -> BoundStrategy:
    """The strategy's policy for `seat`; StrategyBindingError with every problem when it cannot play it."""
    strategy: Strategy = scenario.strategies[strategy_id]
    if not strategy.is_relative:
        actor = strategy.actor or scenario.player
        if actor != seat:
            where = ("strategies", strategy_id, "actor") if strategy.actor else ("strategies", strategy_id)
            message = f"strategy '{strategy_id}' plays {actor}, not {seat} (a relative strategy plays any)"
            raise StrategyBindingError(strategy_id, seat, [BindingProblem(where, message)])
        return BoundStrategy(dict(strategy.policy), {did: did for did in strategy.policy})
    binder = _Binder(scenario, strategy_id, strategy, seat, names or names_of(scenario.model_dump()))
    bound = binder.bind()
    if binder.problems:
        raise StrategyBindingError(strategy_id, seat, binder.problems)
    return bound


class _Binder:
    def __init__(self, scenario: Any, sid: str, strategy: Strategy, seat: str, names: Names) -> None:
        self.scenario, self.sid, self.strategy, self.seat, self.names = scenario, sid, strategy, seat, names
        self.rename = strategy.rename
        self.library = strategy.library
        self.problems: list[BindingProblem] = []

    def where(self, *path: str | int) -> YamlPath:
        if self.library is not None:
            return ("strategies", self.sid, "library")
        return ("strategies", self.sid, "policy", *path)

    def problem(
        self, path: YamlPath, message: str, suggestion: str | None = None, offset: int | None = None
    ) -> None:
        if self.library is not None:
            message = f"library strategy '{self.library}' playing '{self.seat}': {message}"
            offset = None
        self.problems.append(BindingProblem(path, message, suggestion, offset))

    def bind(self) -> BoundStrategy:
        policy: dict[str, Policy] = {}
        source: dict[str, str] = {}
        decisions = self.names.decisions.get(self.seat, {})
        for did, spec in own_policy(self.strategy).items():
            mine = self.rename.get(did, did)
            if mine not in decisions:
                self.problem(
                    self.where(did),
                    f"'{self.seat}' has no decision '{mine}'"
                    + ("" if mine == did else f" (renamed from '{did}')"),
                    close_match(mine, decisions),
                )
                continue
            policy[mine] = self.policy(did, mine, spec, decisions[mine])
            source[mine] = did
        return BoundStrategy(policy, source)

    def option(self, at: YamlPath, did: str, option: str, options: tuple[str, ...]) -> str:
        mine = self.rename.get(option, option)
        if mine not in options:
            self.problem(at, f"'{self.seat}.{did}' has no option '{mine}'", close_match(mine, options))
        return mine

    def choice(self, at: YamlPath, did: str, choice: Any, options: tuple[str, ...]) -> Any:
        if isinstance(choice, str):
            return self.option(at, did, choice, options)
        return {self.option(at, did, o, options): p for o, p in choice.items()}

    def policy(self, did: str, mine: str, spec: Policy, options: tuple[str, ...]) -> Policy:
        if isinstance(spec, FixedPolicy):
            return FixedPolicy(
                kind="fixed", option=self.option(self.where(did, "option"), mine, spec.option, options)
            )
        if isinstance(spec, MixedPolicy):
            at = self.where(did, "probabilities")
            probs = {self.option(at, mine, o, options): p for o, p in spec.probabilities.items()}
            return MixedPolicy(kind="mixed", probabilities=probs)
        if isinstance(spec, RulesPolicy):
            rules = [
                Rule(
                    when=self.expression(self.where(did, "rules", i, "when"), rule.when),
                    choose=self.choice(self.where(did, "rules", i, "choose"), mine, rule.choose, options),
                )
                for i, rule in enumerate(spec.rules)
            ]
            otherwise = self.choice(self.where(did, "otherwise"), mine, spec.otherwise, options)
            return RulesPolicy(kind="rules", rules=rules, otherwise=otherwise)
        return spec

    def expression(self, at: YamlPath, source: str) -> str:
        try:
            refs = ex.name_refs(ex.parse(source))
        except ex.ExpressionError:
            return source  # the checks report syntax errors at the text itself
        pieces: list[tuple[int, int, str]] = []
        for name, offset in refs:
            replacement = self.name(at, name, offset)
            if replacement is not None:
                pieces.append((offset, len(name), replacement))
        for offset, length, text in sorted(pieces, reverse=True):
            source = source[:offset] + text + source[offset + length :]
        return source

    def actors_for(self, who: str, decision: str) -> list[str] | None:
        """The actors a seat name stands for, among those with `decision`; None if it is no seat name."""
        roles = self.strategy.roles
        others = [
            a for a in self.names.actors if a != self.seat and decision in self.names.decisions.get(a, {})
        ]
        if who == "self":
            return [self.seat]
        if who in roles:
            return others if roles[who] == "others" else [roles[who]]
        if who in ("opponent", "others"):
            return others
        return None

    def name(self, at: YamlPath, name: str, offset: int) -> str | None:
        history = ex.history_name(name)
        prefix, rest = "", name
        if history is not None:
            prefix, rest = name[: len(name) - len(history[2])], history[2]
        elif name.startswith("prev."):
            prefix, rest = "prev.", name[5:]
        who, _, tail = rest.partition(".")
        if who not in (*SEATS, *self.strategy.roles) or not tail:
            known = self.names.expression_names(False)
            if name not in known and not (history is not None and f"prev.{history[2]}" in known):
                self.problem(at, f"unknown name '{name}'", close_match(name, known), offset)
            return None
        parts = tail.split(".")
        decision = self.rename.get(parts[0], parts[0])
        renamed = [decision, *(self.rename.get(p, p) for p in parts[1:])]
        actors = self.actors_for(who, decision)
        assert actors is not None
        if not actors:
            self.problem(at, f"'{name}': no other actor has a decision '{decision}'", offset=offset)
            return None
        known = self.names.choice_names() | set(self.names.levers)
        out = []
        for actor in actors:
            absolute = ".".join([actor, *renamed])
            if absolute not in known:
                hint = close_match(absolute, known)
                self.problem(at, f"'{name}' means '{absolute}', which does not exist", hint, offset)
            out.append(prefix + absolute)
        return out[0] if len(out) == 1 else "(" + " + ".join(out) + ")"


# --------------------------------------------------------------------------- diagnostics


def binding_diagnostics(
    problems: list[BindingProblem], marks: Marks, filename: str, severity: Severity = "error"
) -> list[Diagnostic]:
    """The problems as E421 diagnostics at their place in the scenario file."""
    out = []
    for p in problems:
        mark = marks.nearest(p.path, prefer_key=p.offset is None)
        if mark is None:
            file, line, column = filename, 1, 1
        else:
            file = mark.file
            line, column = mark.at_offset(p.offset) if p.offset is not None else (mark.line, mark.column)
        out.append(Diagnostic(file, line, column, "E421", severity, p.message, p.suggestion))
    return out


def check_bindings(scenario: Any, marks: Marks, filename: str) -> list[Diagnostic]:
    """E421 for each relative strategy that no seat can play: the problems of binding it to the player."""
    names = names_of(scenario.model_dump())
    out: list[Diagnostic] = []
    for sid, strategy in scenario.strategies.items():
        if not strategy.is_relative or (strategy.library is not None and strategy.library not in library()):
            continue
        failures: dict[str, StrategyBindingError] = {}
        for seat in scenario.actors:
            try:
                bind_strategy(scenario, sid, seat, names)
                break
            except StrategyBindingError as error:
                failures[seat] = error
        else:
            worst = failures.get(scenario.player) or next(iter(failures.values()))
            out += binding_diagnostics(worst.problems, marks, filename)
    return out
