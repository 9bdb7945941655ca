"""Typed, immutable models of a scenario file.

The models are the single source of truth for the format: the loader validates
YAML against them, `dilemma-sim schema` exports their JSON Schema, and the
format reference in `docs/format.md` is tested against them. Every model is
frozen and rejects unknown keys, so a typo is an error, never a silent default.
"""

# ruff: noqa: RUF012  (pydantic copies mutable defaults; ruff cannot see StrictModel is a BaseModel)

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dilemma_sim.scenario.actors import (
    LEVER_MOVES,
    Actor,
    BestResponsePolicy,
    Decision,
    DefaultPolicy,
    FixedPolicy,
    Level,
    LogitPolicy,
    MixedPolicy,
    Option,
    Policy,
    Rule,
    RulesPolicy,
    Strategy,
)
from dilemma_sim.scenario.observations import Observations, ObservedValue, Period
from dilemma_sim.scenario.quantities import (
    Beta,
    Distribution,
    Effect,
    Effects,
    EffectSpec,
    Expression,
    Fixed,
    Normal,
    Quantity,
    Triangular,
    Uniform,
    is_distribution,
)
from dilemma_sim.scenario.strict_model import StrictModel

__all__ = [
    "IDENT",
    "LEVER_MOVES",
    "SLUG",
    "Actor",
    "BestResponsePolicy",
    "Beta",
    "Calendar",
    "Decision",
    "DefaultPolicy",
    "Distribution",
    "Effect",
    "EffectSpec",
    "Effects",
    "Ending",
    "Event",
    "Expression",
    "Figure",
    "Fixed",
    "FixedPolicy",
    "Influence",
    "Interaction",
    "Level",
    "LogitPolicy",
    "MixedPolicy",
    "Normal",
    "Observations",
    "ObservedValue",
    "Option",
    "Period",
    "Policy",
    "Quantity",
    "Rule",
    "RulesPolicy",
    "Scenario",
    "Source",
    "StateVar",
    "Strategy",
    "StrictModel",
    "Triangular",
    "Uniform",
    "is_distribution",
]

IDENT = r"^[a-z_][a-z0-9_]*$"
SLUG = r"^[a-z0-9][a-z0-9_-]*$"


# --------------------------------------------------------------------------- metadata


class Figure(StrictModel):
    """One figure a source gives, and where in the document it is."""

    what: str
    """The figure as the document states it, e.g. `306 militant attacks in 2023`."""
    where: str
    """Where in the document: table, page, paragraph or section (`Table 1, p. 5`)."""


class Source(StrictModel):
    """A citation and the facts it supports."""

    citation: str
    """Author, title, publisher, date."""
    url: str | None = None
    """Where to read it: the document itself, not the publisher's home page."""
    supports: list[str] = []
    """The facts or figures in this scenario that rest on this source."""
    figures: list[Figure] = []
    """The figures this scenario takes from it, each with its place in the document (lint W509 without)."""


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
    """Counts: expected count per turn over the state after events; earlier counts are this turn's draws."""
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
            fixed = self.dispersion.value if isinstance(self.dispersion, Fixed) else self.dispersion
            if isinstance(fixed, int | float) and not fixed > 0:
                raise ValueError(f"a dispersion must be above 0 (it is {fixed:g})")
        elif isinstance(self.initial, (int, float)) and not lo <= self.initial <= hi:
            raise ValueError(f"initial {self.initial:g} is outside range [{lo:g}, {hi:g}]")
        return self


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
    observations: Observations | None = None
    """Observed figures and the policy path followed, for `dilemma-sim check`."""

    @field_validator("state", "actors")
    @classmethod
    def _not_empty(cls, v: dict[str, Any]) -> dict[str, Any]:
        if not v:
            raise ValueError("must not be empty")
        return v
