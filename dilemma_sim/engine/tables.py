"""The compiled form of a scenario: index tables, constant effect tables and compiled closures.

`compile.compile_scenario` builds these; the engine reads them. Shapes use S state variables,
D decisions, L levers, A actors, E events, C count variables and P per-run parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dilemma_sim.errors import NonFiniteError
from dilemma_sim.scenario import expressions as ex
from dilemma_sim.scenario.models import Beta, Normal, Scenario, Triangular, Uniform
from dilemma_sim.scenario.yaml_marks import Marks

Dist = Uniform | Normal | Beta | Triangular
ExprFn = Callable[[Mapping[str, "np.ndarray | float"]], "np.ndarray | float"]

STATE, PARAM, LEVER, CHOICE, PREV, TURN, COUNT, LAST = range(8)
"""Kinds of names an expression may use (first item of `CompiledScenario.names` values). COUNT names
are (COUNT, column of `BatchState.choice_counts`, 0); LAST names (LAST, decision, option) with their k
in `CompiledScenario.last_k`."""
HORIZON = "horizon"
"""Id of the ending reached when the last turn passes without another ending."""


CHECKING: ContextVar[bool] = ContextVar("dilemma_sim_checking", default=False)
"""True while the engine replays a turn to find which value went non-finite (see `engine.finite`)."""


@dataclass(frozen=True, eq=False)
class Value:
    """A compiled number: a constant, a per-run parameter column, or an expression over the env."""

    const: float = 0.0
    param: int = -1
    expr: ExprFn | None = None
    origin: str = ""
    """YAML path it was compiled from (`state.attacks.rate`), for errors."""
    source: str = ""
    """The expression's text, for errors."""

    @property
    def is_const(self) -> bool:
        """Whether the value is the same in every run and turn."""
        return self.param < 0 and self.expr is None

    def __call__(self, env: Mapping[str, Any], params: np.ndarray) -> np.ndarray | float:
        """The value: a float, or an array (runs,) for parameters and expressions."""
        if self.expr is not None:
            value = self.expr(env)
        elif self.param >= 0:
            value = params[:, self.param]
        else:
            return self.const
        if CHECKING.get():
            require_finite(value, self.origin, self.source)
        return value


def require_finite(value: np.ndarray | float, origin: str, source: str = "") -> None:
    """Raise NonFiniteError naming `origin` when any element of `value` is NaN or infinite."""
    arr = np.asarray(value, dtype=np.float64)
    if np.isfinite(arr).all():
        return
    bad = arr[~np.isfinite(arr)].ravel()[0]
    what = f"{origin} ({source!r})" if source else (origin or "a value")
    raise NonFiniteError(f"{what} evaluated to {bad}", path=origin)


@dataclass(frozen=True, eq=False)
class EffectTerm:
    """A non-constant change to one state column, applied where its owner applies."""

    target: int
    """State column."""
    value: Value
    """The change (its constant part is in the owner's table only when `value` is constant)."""
    noise: Value | None
    """Noise standard deviation, if the effect has noise."""
    slot: int
    """Normal slot of the noise draw (-1 without noise)."""
    option: int = -1
    """Option or level index the term belongs to (-1 for interactions and events)."""


@dataclass(frozen=True, eq=False)
class Effects:
    """Constant changes as a table (rows: options or levels; one row otherwise) plus terms."""

    table: np.ndarray
    """(rows, S) constant parts."""
    terms: tuple[EffectTerm, ...]
    columns: tuple[int, ...]
    """State columns with a nonzero constant somewhere in the table."""


@dataclass(frozen=True, eq=False)
class DecisionInfo:
    """One decision, flattened over actors (actor order, then decision order)."""

    index: int
    actor: str
    actor_index: int
    id: str
    key: str
    """`actor.decision`."""
    label: str
    kind: str
    option_ids: tuple[str, ...]
    option_labels: tuple[str, ...]
    default: int
    """Index of the default option (levers: hold)."""
    lever: int = -1
    """Lever index for lever decisions, else -1."""
    level_ids: tuple[str, ...] = ()
    level_labels: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class EventInfo:
    """A random event: probability, once flag and effects."""

    id: str
    label: str
    probability: Value
    once: bool
    effects: Effects


@dataclass(frozen=True, eq=False)
class InteractionInfo:
    """Effects applied in the turns `when` holds."""

    id: str
    label: str
    when: ExprFn
    effects: Effects


@dataclass(frozen=True, eq=False)
class CountInfo:
    """A count variable: state column, rate and (negative binomial) dispersion."""

    column: int
    rate: Value
    dispersion: Value | None
    low: float
    high: float


@dataclass(frozen=True, eq=False)
class PayoffInfo:
    """A payoff table: each player's payoff for every profile of the players' options, as one dense array."""

    id: str
    label: str
    decisions: tuple[int, ...]
    """Decision index of each player."""
    actors: tuple[int, ...]
    """Actor index of each player."""
    shape: tuple[int, ...]
    """Options of each player."""
    table: np.ndarray
    """(prod(shape), players) constant payoffs; row = `ravel_multi_index(option indices, shape)`."""
    terms: tuple[tuple[int, int, Value], ...] = ()
    """(row, player, value) of the payoffs sampled per run or given by an expression."""


@dataclass(frozen=True, eq=False)
class EndingInfo:
    """An early ending, checked in file order on the end-of-turn state."""

    id: str
    label: str
    outcome: str
    when: ExprFn
    min_turn: int


@dataclass(frozen=True, eq=False)
class CompiledScenario:
    """Index tables and compiled closures for one scenario; shapes use S state, D decisions, L levers."""

    scenario: Scenario
    scenario_id: str
    scenario_hash: str
    turns: int
    discount: float
    state_names: tuple[str, ...]
    level_mask: np.ndarray
    """(S,) bool: level variables (the rest are counts)."""
    count_idx: np.ndarray
    """(C,) state columns of the count variables."""
    lows: np.ndarray
    highs: np.ndarray
    initial: tuple[Value, ...]
    """Per state column (parameters only, no expressions)."""
    actors: tuple[str, ...]
    decisions: tuple[DecisionInfo, ...]
    decision_index: Mapping[str, int]
    """`actor.decision` -> decision index."""
    lever_decisions: np.ndarray
    """(L,) decision index of each lever."""
    n_levels: np.ndarray
    """(L,) number of levels of each lever."""
    initial_levels: np.ndarray
    """(L,) starting level index."""
    defaults: np.ndarray
    """(D,) default option index."""
    option_effects: tuple[Effects | None, ...]
    """Per decision: effects of each option (None for levers and decisions without effects)."""
    level_effects: tuple[Effects | None, ...]
    """Per lever: effects of each level at the lever's new level."""
    interactions: tuple[InteractionInfo, ...]
    persistence_m1: np.ndarray
    """(S,) constant `persistence - 1` (0 for counts and where `persistence_terms` applies)."""
    baseline: np.ndarray
    """(S,) constant baselines."""
    persistence_terms: tuple[tuple[int, Value, Value], ...]
    """(column, persistence, baseline) where either is sampled per run."""
    influences: tuple[tuple[str, int, Value], ...]
    """(id, target column, change) of the dynamics."""
    events: tuple[EventInfo, ...]
    counts: tuple[CountInfo, ...]
    endings: tuple[EndingInfo, ...]
    ending_ids: tuple[str, ...]
    """Scenario endings then `horizon` (index len(endings))."""
    w_state: np.ndarray
    """(A, S) constant utility weights on the state."""
    w_lever: np.ndarray
    """(A, L) constant utility weights on lever level indices."""
    weight_terms: tuple[tuple[int, int, int, int], ...]
    """(actor, 0 state / 1 lever, column, param column) of sampled weights."""
    option_cost: tuple[np.ndarray, ...]
    """Per decision: (n_options,) constant cost (zeros for levers)."""
    level_cost: tuple[np.ndarray, ...]
    """Per lever: (n_levels,) constant cost."""
    cost_terms: tuple[tuple[int, int, int], ...]
    """(decision, option or level, param column) of sampled option/level costs."""
    step_cost: tuple[Value, ...]
    """Per lever."""
    param_specs: tuple[tuple[str, Dist], ...]
    """(path, distribution) of every parameter column, in sampling order."""
    param_values: Mapping[str, Value]
    """Named scenario parameters."""
    rationality: Mapping[tuple[str, str, str], Value]
    """(`actor` or `strategy:<id>`, actor, decision) -> compiled logit rationality."""
    names: Mapping[str, tuple[int, int, int]]
    """Expression name -> (kind, index, option)."""
    n_uniform: int
    n_normal: int
    conditions: dict[str, ExprFn] = field(default_factory=dict)
    """Compiled expressions by source (policy rules compile through `expression`)."""
    prob_end: float = 0.0
    """Chance that a run still going stops after each turn (Axelrod's `prob_end`); 0: it never does."""
    noise: float = 0.0
    """Chance that each choice is replaced by another of its decision's options (Axelrod's `noise`)."""
    payoff_tables: tuple[PayoffInfo, ...] = ()
    """The scenario's `payoffs`, compiled."""
    option_offset: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(D,) column of each decision's first option in `BatchState.choice_counts` (all options, in order)."""
    track_counts: bool = False
    """Whether some expression reads `count.*`: the engine then keeps `BatchState.choice_counts`."""
    history_k: int = 0
    """The largest k of a `last(k).*` name (0: none); the engine keeps the last k choices."""
    last_k: Mapping[str, int] = field(default_factory=dict)
    """k of each `last(k).*` name."""
    marks: Marks | None = None
    """Where each value was written (when compiled from a file): errors say `file:line:col`.
    Not sent to worker processes; the parent locates their errors."""

    def locate(self, path: str) -> str:
        """`file:line:col` of the value at a dotted YAML path, or '' when unknown."""
        return locate(self.marks, path)

    @property
    def n_params(self) -> int:
        """Number of per-run parameter columns (P)."""
        return len(self.param_specs)

    @property
    def n_end(self) -> int:
        """Uniforms drawn per turn to stop runs (1 with `prob_end`, else 0)."""
        return 1 if self.prob_end > 0 else 0

    @property
    def n_noise(self) -> int:
        """Noise uniforms drawn per turn (two per decision with `noise`, else 0)."""
        return 2 * len(self.decisions) if self.noise > 0 else 0

    @property
    def n_levers(self) -> int:
        """Number of lever decisions (L)."""
        return len(self.lever_decisions)

    def event_slot(self, e: int) -> int:
        """Uniform slot of event `e`."""
        return len(self.decisions) + e

    def count_slot(self, c: int) -> int:
        """Uniform slot of count variable `c`."""
        return len(self.decisions) + len(self.events) + c

    def expression(self, source: str) -> ExprFn:
        """Compile an expression over this scenario's names (cached); unknown names raise ValueError."""
        fn = self.conditions.get(source)
        if fn is None:
            fn = compile_source(source, self.names)
            self.conditions[source] = fn
        return fn


def locate(marks: Marks | None, path: str) -> str:
    """`file:line:col` of a dotted YAML path (or of its nearest marked parent), '' when unknown."""
    if marks is None:
        return ""
    parts: tuple[str | int, ...] = tuple(path.split("."))
    while parts:
        mark = marks.values.get(parts) or marks.keys.get(parts)
        if mark is not None:
            return f"{mark.file}:{mark.line}:{mark.column}"
        parts = parts[:-1]
    return ""


def compile_source(source: str, names: Mapping[str, Any]) -> ExprFn:
    node = ex.parse(source)
    unknown = [n for n, _ in ex.name_refs(node) if n not in names]
    if unknown:
        raise ValueError(f"unknown name {unknown[0]!r} in expression {source!r}")
    return ex.compile_expr(node)
