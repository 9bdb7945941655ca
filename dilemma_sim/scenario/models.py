"""Typed, immutable models of a scenario file.

The models are the single source of truth for the format: the loader validates
YAML against them, `dilemma-sim schema` exports their JSON Schema, and the
format reference in `docs/format.md` is tested against them. Every model is
frozen and rejects unknown keys, so a typo is an error, never a silent default.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

IDENT = r"^[a-z_][a-z0-9_]*$"
SLUG = r"^[a-z0-9][a-z0-9_-]*$"
LEVER_MOVES = ("lower", "hold", "raise")
"""The per-turn options of every lever decision, in index order."""


class StrictModel(BaseModel):
    """Frozen, rejects unknown keys and non-finite numbers, documents fields by docstring."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        populate_by_name=True,
    )


# --------------------------------------------------------------------------- quantities


class Fixed(StrictModel):
    """A fixed number that carries its provenance."""

    value: float
    """The number."""
    source: str | None = None
    """Id of the entry in `sources` this number rests on."""
    note: str | None = None
    """Why this value: the reasoning or the assumption behind it."""


class _Dist(StrictModel):
    source: str | None = None
    """Id of the entry in `sources` this range rests on."""
    note: str | None = None
    """Why this range: the reasoning or the assumption behind it."""


class Uniform(_Dist):
    """Uniform between `low` and `high`, sampled once per run."""

    dist: Literal["uniform"]
    low: float
    """Lower bound."""
    high: float
    """Upper bound (at least `low`)."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self


class Normal(_Dist):
    """Normal with `mean` and `sd`, optionally clipped to [`low`, `high`], sampled once per run."""

    dist: Literal["normal"]
    mean: float
    """Mean."""
    sd: float = Field(ge=0)
    """Standard deviation (non-negative)."""
    low: float | None = None
    """Optional lower clip."""
    high: float | None = None
    """Optional upper clip."""


class Beta(_Dist):
    """Beta(a, b) rescaled to [`low`, `high`], sampled once per run."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    """First shape parameter (positive)."""
    b: float = Field(gt=0)
    """Second shape parameter (positive)."""
    low: float = 0.0
    """Value at 0 of the unit interval."""
    high: float = 1.0
    """Value at 1 of the unit interval."""


class Triangular(_Dist):
    """Triangular between `low` and `high` with peak at `mode`, sampled once per run."""

    dist: Literal["triangular"]
    low: float
    """Lower bound."""
    mode: float
    """Most likely value."""
    high: float
    """Upper bound."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("triangular needs low <= mode <= high")
        return self


Distribution = Annotated[
    Annotated[Uniform, Tag("uniform")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Triangular, Tag("triangular")],
    Discriminator("dist"),
]


def _quantity_tag(value: Any) -> str:
    if isinstance(value, dict):
        if "dist" in value:
            return str(value["dist"]) if value["dist"] in ("uniform", "normal", "beta", "triangular") else "bad"
        return "fixed"
    if isinstance(value, BaseModel):
        return getattr(value, "dist", "fixed")
    return "number"


Quantity = Annotated[
    Annotated[float, Tag("number")]
    | Annotated[Fixed, Tag("fixed")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Triangular, Tag("triangular")],
    Discriminator(
        _quantity_tag,
        custom_error_type="quantity",
        custom_error_message="expected a number, {value: ...} or {dist: uniform|normal|beta|triangular, ...}",
    ),
]
"""A number, a number with provenance, or a distribution sampled once per run."""

Expression = str
"""Source text of an expression (see docs/format.md#expressions)."""


class EffectSpec(StrictModel):
    """An additive change with optional per-turn Gaussian noise."""

    add: Quantity | Expression
    """The change: a number, a distribution (sampled per run) or an expression over the state."""
    noise: Quantity = 0.0
    """Standard deviation of Gaussian noise added to the change each turn it applies."""


def _effect_tag(value: Any) -> str:
    if isinstance(value, str):
        return "expr"
    if isinstance(value, dict) and "add" in value:
        return "spec"
    if isinstance(value, EffectSpec):
        return "spec"
    return "quantity"


Effect = Annotated[
    Annotated[Expression, Tag("expr")] | Annotated[EffectSpec, Tag("spec")] | Annotated[Quantity, Tag("quantity")],
    Discriminator(_effect_tag),
]
"""A change to one state variable: number, distribution, expression or {add, noise}."""

Effects = dict[str, Effect]
"""State variable name -> change."""


# --------------------------------------------------------------------------- metadata


class Source(StrictModel):
    """A citation and the facts it supports."""

    citation: str
    """Author, title, publisher, date."""
    url: str | None = None
    """Where to read it."""
    supports: list[str] = []
    """The facts or figures in this scenario that rest on this source."""


class Calendar(StrictModel):
    """Maps turn numbers to dates shown to the player."""

    start: str = Field(pattern=r"^\d{4}(-(Q[1-4]|\d{2}))?$")
    """First turn: `2023`, `2023-Q1` or `2023-01`."""
    step: Literal["year", "quarter", "month"] = "quarter"
    """Length of one turn."""

    def turns_per_year(self) -> int:
        """How many turns make one simulated year."""
        return {"year": 1, "quarter": 4, "month": 12}[self.step]

    def label(self, turn: int) -> str:
        """The calendar label of a 0-based turn, e.g. `2023-Q3`."""
        m = re.match(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$", self.start)
        assert m is not None
        year = int(m.group(1))
        sub = m.group(2)
        if self.step == "year":
            return str(year + turn)
        if self.step == "quarter":
            q0 = int(sub[1]) - 1 if sub and sub.startswith("Q") else (int(sub) - 1) // 3 if sub else 0
            q = q0 + turn
            return f"{year + q // 4}-Q{q % 4 + 1}"
        m0 = int(sub) - 1 if sub and not sub.startswith("Q") else (int(sub[1]) - 1) * 3 if sub else 0
        mm = m0 + turn
        return f"{year + mm // 12}-{mm % 12 + 1:02d}"


# --------------------------------------------------------------------------- state


class StateVar(StrictModel):
    """A state variable: a bounded level that persists, or a count drawn afresh each turn."""

    label: str
    """Short name shown in tables and the dashboard."""
    description: str = ""
    """What the variable measures and how to read it."""
    unit: str = ""
    """Unit shown after values (`index`, `attacks`, `deaths`)."""
    kind: Literal["level", "count"] = "level"
    """`level`: persists and moves by effects; `count`: drawn each turn from a count distribution."""
    range: tuple[float, float] = (0.0, 100.0)
    """Lowest and highest value; levels are clipped to it at the end of every turn."""
    initial: Quantity = 0.0
    """Value before the first turn (levels only)."""
    higher_is_better: bool = True
    """Colours the dashboard: whether a rise is good news for the player."""
    persistence: Quantity = 1.0
    """Levels: share of the gap to `baseline` kept each turn (1 = no decay)."""
    baseline: Quantity | None = None
    """Levels: where the variable drifts when nothing acts on it (defaults to `initial`)."""
    distribution: Literal["poisson", "negative_binomial"] = "poisson"
    """Counts: the count distribution."""
    rate: Quantity | Expression | None = None
    """Counts: expected count per turn, an expression over the state after events."""
    dispersion: Quantity | None = None
    """Counts with `negative_binomial`: the size parameter (smaller = burstier)."""

    @model_validator(mode="after")
    def _consistent(self) -> StateVar:
        lo, hi = self.range
        if hi <= lo:
            raise ValueError("range must be [low, high] with low < high")
        if self.kind == "count":
            if self.rate is None:
                raise ValueError("a count variable needs a `rate`")
            if self.distribution == "negative_binomial" and self.dispersion is None:
                raise ValueError("a negative_binomial count needs a `dispersion`")
        elif isinstance(self.initial, (int, float)) and not lo <= self.initial <= hi:
            raise ValueError(f"initial {self.initial:g} is outside range [{lo:g}, {hi:g}]")
        return self


# --------------------------------------------------------------------------- decisions


class Option(StrictModel):
    """One option of a choice decision."""

    label: str
    """Short name shown on buttons and in tables."""
    description: str = ""
    """What choosing it means."""
    effects: Effects = {}
    """Changes to the state in the turn it is chosen."""
    cost: Quantity = 0.0
    """Payoff cost to the choosing actor in the turn it is chosen."""
    text: str = ""
    """News line when chosen; `{actor}` is replaced by the actor's name."""


class Level(StrictModel):
    """One named level of a lever decision."""

    label: str
    """Short name, e.g. `$50M pledged`."""
    description: str = ""
    """What this level means in practice."""
    effects: Effects = {}
    """Changes to the state every turn the lever stays at this level."""
    cost: Quantity = 0.0
    """Payoff cost to the actor every turn the lever stays at this level."""


class Decision(StrictModel):
    """A decision an actor takes every turn: a choice among options, or a graded lever."""

    label: str
    """Short name shown in the TUI."""
    description: str = ""
    """What is being decided."""
    kind: Literal["choice", "lever"] = "choice"
    """`choice`: pick one option each turn; `lever`: move a graded level down, hold or up one step."""
    options: dict[str, Option] = {}
    """Choice decisions: the options, by id."""
    levels: dict[str, Level] = {}
    """Lever decisions: the levels in increasing order, by id."""
    default: str | None = None
    """Choice: option used when no policy says otherwise (first option if unset). Lever: starting level."""
    step_cost: Quantity = 0.0
    """Lever decisions: payoff cost of each step moved, up or down."""

    @model_validator(mode="after")
    def _shape(self) -> Decision:
        if self.kind == "choice":
            if not self.options:
                raise ValueError("a choice decision needs at least one option")
            if self.levels:
                raise ValueError("`levels` belongs to lever decisions; use `options` for a choice")
        else:
            if len(self.levels) < 2:
                raise ValueError("a lever decision needs at least two levels")
            if self.options:
                raise ValueError("a lever's per-turn options are always lower/hold/raise; list `levels` instead")
        return self

    def option_ids(self) -> tuple[str, ...]:
        """The ids of the per-turn options, in index order."""
        return tuple(self.options) if self.kind == "choice" else LEVER_MOVES

    def default_option(self) -> str:
        """The option taken when nothing else decides."""
        if self.kind == "lever":
            return "hold"
        return self.default if self.default is not None else next(iter(self.options))

    def initial_level(self) -> str:
        """Lever decisions: the starting level id."""
        return self.default if self.default is not None else next(iter(self.levels))


# --------------------------------------------------------------------------- policies


class FixedPolicy(StrictModel):
    """Always the same option."""

    kind: Literal["fixed"]
    option: str
    """The option id (for levers: lower, hold or raise)."""


class MixedPolicy(StrictModel):
    """Options drawn at random with fixed probabilities (summing to 1)."""

    kind: Literal["mixed"]
    probabilities: dict[str, float]
    """Option id -> probability."""

    @field_validator("probabilities")
    @classmethod
    def _sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        if any(p < 0 or p > 1 for p in v.values()):
            raise ValueError("each probability must be within [0, 1]")
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"probabilities must sum to 1 (they sum to {sum(v.values()):g})")
        return v


class Rule(StrictModel):
    """Choose `choose` when `when` holds."""

    when: Expression
    """Condition over the state, lever levels and previous choices (`prev.actor.decision.option`)."""
    choose: str
    """Option id taken when the condition holds."""


class RulesPolicy(StrictModel):
    """The first rule whose condition holds decides; otherwise `otherwise`."""

    kind: Literal["rules"]
    rules: list[Rule]
    """Rules, tried in order."""
    otherwise: str
    """Option id when no rule holds."""


class BestResponsePolicy(StrictModel):
    """Myopic best response: the option with the highest expected payoff this turn."""

    kind: Literal["best_response"]


class LogitPolicy(StrictModel):
    """Logit quantal response: P(option) proportional to exp(rationality * expected payoff this turn)."""

    kind: Literal["logit"]
    rationality: Quantity = 1.0
    """0 = uniformly random; large = best response."""


class DefaultPolicy(StrictModel):
    """The decision's default option (a lever holds)."""

    kind: Literal["default"]


Policy = Annotated[
    FixedPolicy | MixedPolicy | RulesPolicy | BestResponsePolicy | LogitPolicy | DefaultPolicy,
    Field(discriminator="kind"),
]
"""How an actor not played by a person takes one decision."""


class Actor(StrictModel):
    """A party to the dilemma: what it wants, what it decides, and how it plays when no person does."""

    name: str
    """Display name."""
    description: str = ""
    """Who the actor is."""
    motives: list[str] = []
    """What drives it, in prose (shown in the briefing)."""
    fears: list[str] = []
    """What it dreads, in prose (shown in the briefing)."""
    demands: list[str] = []
    """What it asks of others, in prose (shown in the briefing)."""
    utility: dict[str, Quantity] = {}
    """Payoff weights: state variable name or `actor.lever` (level index) -> weight per unit, per turn."""
    decisions: dict[str, Decision] = {}
    """The decisions it takes every turn, by id."""
    policy: dict[str, Policy] = {}
    """Decision id -> how it is taken when no person plays this actor (default: the default option)."""


class Strategy(StrictModel):
    """A named way to play an actor, for batch runs, tournaments and the advisor."""

    label: str
    """Short name."""
    description: str = ""
    """What the strategy does and why someone would try it."""
    actor: str | None = None
    """The actor it plays (defaults to the scenario's `player`)."""
    policy: dict[str, Policy]
    """Decision id -> policy; decisions left out take their default option."""


# --------------------------------------------------------------------------- world rules


class Interaction(StrictModel):
    """Effects that apply only when a combination of choices or conditions holds."""

    label: str
    """Short name shown in score breakdowns."""
    when: Expression
    """Condition over this turn's choices (`actor.decision.option`), levers and the start-of-turn state."""
    effects: Effects
    """Changes applied in the turns the condition holds."""
    text: str = ""
    """News line shown when it applies."""


class Influence(StrictModel):
    """A dynamic applied every turn: one variable pulls on another."""

    label: str
    """Short name shown in score breakdowns."""
    target: str
    """The state variable that changes."""
    add: Quantity | Expression
    """The change per turn, usually an expression over the start-of-turn state."""


class Event(StrictModel):
    """A random event whose probability depends on the state."""

    label: str
    """Headline."""
    probability: Quantity | Expression
    """Chance per turn, evaluated after choices and dynamics; must lie within [0, 1]."""
    effects: Effects = {}
    """Changes when it fires."""
    text: str = ""
    """The news story shown to the player when it fires."""
    once: bool = False
    """Fires at most once per run."""


class Ending(StrictModel):
    """A condition that ends a run early."""

    label: str
    """Headline."""
    when: Expression
    """Condition over the end-of-turn state."""
    text: str
    """Debrief text."""
    outcome: Literal["win", "loss", "draw", "neutral"] = "neutral"
    """How the ending reads for the player."""
    min_turn: int = Field(default=0, ge=0)
    """Earliest 0-based turn at which the ending may trigger."""


# --------------------------------------------------------------------------- scenario


class Scenario(StrictModel):
    """A complete policy dilemma."""

    id: str = Field(pattern=SLUG)
    """Stable identifier, e.g. `pakistan-ttp`."""
    title: str
    """Title shown in lists."""
    summary: str
    """One paragraph: the dilemma in brief."""
    author: str = ""
    """Who wrote it."""
    version: str = "1"
    """Version of the scenario content."""
    extends: str | None = None
    """Id or relative path of a scenario this one overrides (merged before validation)."""
    briefing: str = ""
    """Longer prose shown before the first turn: situation and objectives."""
    turns: int = Field(ge=1, le=400)
    """Number of turns."""
    calendar: Calendar = Calendar(start="2023-Q1", step="quarter")
    """Turn dates."""
    discount: float = Field(default=1.0, gt=0, le=1)
    """Per-turn discount factor on payoffs."""
    player: str
    """Actor a person plays by default."""
    sources: dict[str, Source] = {}
    """Citations, by id; numbers point at them with `source:`."""
    parameters: dict[str, Quantity] = {}
    """Named numbers usable in expressions; distributions are sampled once per run."""
    state: dict[str, StateVar]
    """State variables, by name."""
    actors: dict[str, Actor]
    """Actors, by id."""
    interactions: dict[str, Interaction] = {}
    """Combination effects, by id."""
    dynamics: dict[str, Influence] = {}
    """Influences between variables applied every turn, by id."""
    events: dict[str, Event] = {}
    """Random events, by id."""
    strategies: dict[str, Strategy] = {}
    """Named strategies, by id."""
    endings: dict[str, Ending] = {}
    """Early endings, by id, checked in order."""

    @field_validator("state", "actors")
    @classmethod
    def _not_empty(cls, v: dict[str, Any]) -> dict[str, Any]:
        if not v:
            raise ValueError("must not be empty")
        return v


def is_distribution(q: object) -> bool:
    """Whether a quantity is sampled per run."""
    return isinstance(q, (Uniform, Normal, Beta, Triangular))
