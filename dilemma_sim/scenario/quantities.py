"""Numbers of a scenario file and the changes built from them: fixed values with provenance,
distributions sampled once per run (Uniform, Normal, Beta, Triangular), the Quantity union, and
Effect, a change to one state variable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from dilemma_sim.scenario.strict_model import StrictModel

if TYPE_CHECKING:
    from typing_extensions import TypeIs


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
            return (
                str(value["dist"]) if value["dist"] in ("uniform", "normal", "beta", "triangular") else "bad"
            )
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


def _weight_tag(value: Any) -> str:
    return "name" if isinstance(value, str) else _quantity_tag(value)


Weight = Annotated[
    Annotated[float, Tag("number")]
    | Annotated[Fixed, Tag("fixed")]
    | Annotated[Uniform, Tag("uniform")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[str, Tag("name")],
    Discriminator(
        _weight_tag,
        custom_error_type="weight",
        custom_error_message=(
            "expected a number, {value: ...}, {dist: uniform|normal|beta|triangular, ...} "
            "or the name of a parameter"
        ),
    ),
]
"""A quantity, or the name of a scenario parameter (sampled once per run when it is a distribution),
so a sweep or a variant can move one named number that several weights and costs share."""


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
    Annotated[Expression, Tag("expr")]
    | Annotated[EffectSpec, Tag("spec")]
    | Annotated[Quantity, Tag("quantity")],
    Discriminator(_effect_tag),
]
"""A change to one state variable: number, distribution, expression or {add, noise}."""

Effects = dict[str, Effect]
"""State variable name -> change."""


def is_distribution(q: object) -> TypeIs[Uniform | Normal | Beta | Triangular]:
    """Whether a quantity is sampled per run."""
    return isinstance(q, (Uniform, Normal, Beta, Triangular))
