"""The parties to a dilemma: actors, the decisions they take (choices with options, levers with
levels), the policies that take them when no person plays, and named strategies."""

# ruff: noqa: RUF012  (pydantic copies mutable defaults; ruff cannot see StrictModel is a BaseModel)

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from dilemma_sim.scenario.quantities import Effects, Expression, Quantity, Weight
from dilemma_sim.scenario.strict_model import StrictModel

LEVER_MOVES = ("lower", "hold", "raise")
"""The per-turn options of every lever decision, in index order."""
BUILTIN_STRATEGIES = ("default", "random", "human", "reciprocity", "greedy")
"""Strategy ids the tools give a meaning of their own (`--policy`, `tournament`): a scenario cannot
define a strategy with one of them (E420), so a built-in never silently stands in for the author's."""


# --------------------------------------------------------------------------- decisions


class Option(StrictModel):
    """One option of a choice decision."""

    label: str
    """Short name shown on buttons and in tables."""
    description: str = ""
    """What choosing it means."""
    effects: Effects = {}
    """Changes to the state in the turn it is chosen."""
    cost: Weight = 0.0
    """Payoff cost to the choosing actor in the turn it is chosen (a quantity or a parameter's name)."""
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
    cost: Weight = 0.0
    """Payoff cost to the actor every turn the lever stays at this level (a quantity or a parameter's
    name)."""


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
                raise ValueError(
                    "a lever's per-turn options are always lower/hold/raise; list `levels` instead"
                )
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


def probabilities(v: dict[str, float]) -> dict[str, float]:
    """`v` if it is a probability for each option, within [0, 1] and summing to 1; else ValueError."""
    if any(p < 0 or p > 1 for p in v.values()):
        raise ValueError("each probability must be within [0, 1]")
    if abs(sum(v.values()) - 1.0) > 1e-6:
        raise ValueError(f"probabilities must sum to 1 (they sum to {sum(v.values()):g})")
    return v


class MixedPolicy(StrictModel):
    """Options drawn at random with fixed probabilities (summing to 1)."""

    kind: Literal["mixed"]
    probabilities: dict[str, float]
    """Option id -> probability."""

    @field_validator("probabilities")
    @classmethod
    def _sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        return probabilities(v)


Choice = str | dict[str, float]
"""What a rule chooses: an option id, or option id -> probability (a draw, summing to 1)."""


def choice_text(choice: Choice) -> str:
    """`defect`, or `cooperate 0.9, defect 0.1` for a draw."""
    if isinstance(choice, str):
        return choice
    return ", ".join(f"{option} {p:g}" for option, p in choice.items())


def _choice(v: Choice) -> Choice:
    return v if isinstance(v, str) else probabilities(v)


class Rule(StrictModel):
    """Choose `choose` when `when` holds."""

    when: Expression
    """Condition over the state, lever levels and the history of choices (`prev.`, `count.`, `last(k).`)."""
    choose: Choice
    """Option id taken when the condition holds, or option id -> probability for a random draw."""

    @field_validator("choose")
    @classmethod
    def _draw_sums_to_one(cls, v: Choice) -> Choice:
        return _choice(v)


class RulesPolicy(StrictModel):
    """The first rule whose condition holds decides; otherwise `otherwise`."""

    kind: Literal["rules"]
    rules: list[Rule]
    """Rules, tried in order."""
    otherwise: Choice
    """Option id (or option id -> probability) when no rule holds."""

    @field_validator("otherwise")
    @classmethod
    def _draw_sums_to_one(cls, v: Choice) -> Choice:
        return _choice(v)


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
    utility: dict[str, Weight] = {}
    """Payoff weights: state variable name or `actor.lever` (level index) -> weight per unit, per turn
    (a quantity or a parameter's name)."""
    decisions: dict[str, Decision] = {}
    """The decisions it takes every turn, by id."""
    policy: dict[str, Policy] = {}
    """Decision id -> how it is taken when no person plays this actor (default: the default option)."""


class Strategy(StrictModel):
    """A named way to play an actor, for batch runs, tournaments and the advisor."""

    label: str | None = None
    """Short name (required, except for a `library:` import, which takes the library's)."""
    description: str = ""
    """What the strategy does and why someone would try it."""
    actor: str | None = None
    """The actor it plays (defaults to the scenario's `player`); none for a relative strategy."""
    relative: bool = False
    """Written relative to the seat that plays it (`self`, `opponent`, `others`, roles): any seat may."""
    library: str | None = None
    """Import this strategy of the built-in library (relative; see docs/games.md) instead of a `policy`."""
    rename: dict[str, str] = {}
    """Relative strategies: the strategy's decision and option ids -> this scenario's (`move: stance`)."""
    roles: dict[str, str] = {}
    """Relative strategies: a role name used in its rules -> the actor it stands for (or `others`)."""
    policy: dict[str, Policy] = {}
    """Decision id -> policy; decisions left out take their default option."""

    @property
    def is_relative(self) -> bool:
        """Whether any seat may play it (`relative: true` or a library import)."""
        return self.relative or self.library is not None

    @model_validator(mode="after")
    def _one_source(self) -> Strategy:
        if self.library is not None and self.policy:
            raise ValueError("give either `library:` (import a strategy) or `policy:`, not both")
        if self.library is None and not self.policy:
            raise ValueError("a strategy needs a `policy` (or `library:` to import one)")
        if self.library is None and not self.label:
            raise ValueError("a strategy needs a `label`")
        if self.is_relative and self.actor is not None:
            raise ValueError("a relative strategy plays any seat: drop `actor` (or `relative`)")
        if (self.rename or self.roles) and not self.is_relative:
            raise ValueError(
                "`rename` and `roles` belong to relative strategies (`relative: true` or `library:`)"
            )
        return self
