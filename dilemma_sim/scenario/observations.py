"""What really happened, in the scenario's own terms: observed figures over calendar periods and the
policy path that was followed, so that `dilemma-sim check` can replay the path and compare.

An observed figure names one state variable, a statistic over a period (a count's `total`, a
variable's value at the `end` of the period, or its `mean`), the figure itself, its uncertainty and
its source. Periods are calendar periods (`2023`, `2023-Q2`, `2023-05`, or a span
`2022-Q3..2023-Q2`) that must cover whole turns of the scenario's calendar; `turns_of_period` maps
one to turn indices. Observations are a mapping by id, so an `extends:` variant adds, replaces or
deletes (`null`) them one by one.
"""

# ruff: noqa: RUF012  (pydantic copies mutable defaults; ruff cannot see StrictModel is a BaseModel)

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from dilemma_sim.scenario.strict_model import StrictModel

__all__ = [
    "PERIOD_PATTERN",
    "STATS",
    "Observations",
    "ObservedValue",
    "Period",
    "PeriodError",
    "period_span",
    "turn_span",
    "turns_of_period",
]

_ONE = r"\d{4}(?:-(?:Q[1-4]|0[1-9]|1[0-2]))?"
PERIOD_PATTERN = rf"^{_ONE}(?:\.\.{_ONE})?$"
"""A year, quarter or month, or an inclusive span of two of them joined by `..`."""
STATS = ("total", "end", "mean")
"""The statistics an observation can name."""
_MONTHS_PER_TURN = {"year": 12, "quarter": 3, "month": 1}


def _as_text(value: Any) -> Any:
    # YAML reads `period: 2023` as an integer; a period is always text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Period = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(pattern=PERIOD_PATTERN),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": PERIOD_PATTERN}]}),
]
"""A calendar period: `2023`, `2023-Q2`, `2023-05` or a span `2022-Q3..2023-Q2` (inclusive)."""


class PeriodError(ValueError):
    """A period that is malformed, outside the calendar, or not a whole number of turns."""


# --------------------------------------------------------------------------- periods and turns


def _one_span(text: str) -> tuple[int, int]:
    """[first month, month after the last) of one year, quarter or month, months counted from year 0."""
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|\d{2}))?", text)
    if m is None:
        raise PeriodError(f"'{text}' is not a year (2023), quarter (2023-Q2) or month (2023-05)")
    year, sub = int(m.group(1)), m.group(2)
    if sub is None:
        return 12 * year, 12 * year + 12
    if sub.startswith("Q"):
        first = 12 * year + 3 * (int(sub[1]) - 1)
        return first, first + 3
    month = int(sub)
    if not 1 <= month <= 12:
        raise PeriodError(f"'{text}': month {month} is not 01-12")
    return 12 * year + month - 1, 12 * year + month


def period_span(period: str) -> tuple[int, int]:
    """[first month, month after the last) of a period or span, months counted from year 0."""
    first, _, last = str(period).partition("..")
    lo, hi = _one_span(first)
    if last:
        hi = _one_span(last)[1]
        if hi <= lo:
            raise PeriodError(f"span '{period}' ends before it starts")
    return lo, hi


def turn_span(calendar: Any, turn: int) -> tuple[int, int]:
    """[first month, month after the last) of a turn: the period its calendar label names."""
    return _one_span(calendar.label(turn))


def turns_of_period(calendar: Any, turns: int, period: str) -> range:
    """The 0-based turns a period covers; PeriodError unless it covers whole turns inside the calendar.

    `calendar` is the scenario's `Calendar`: turn `t` is the period its label names (`2023-Q3` for a
    quarterly calendar), so a period must start and end on turn boundaries.
    """
    lo, hi = period_span(period)
    first, last = turn_span(calendar, 0)[0], turn_span(calendar, turns - 1)[1]
    covered = f"the turns cover {calendar.label(0)} to {calendar.label(turns - 1)}"
    if lo < first or hi > last:
        raise PeriodError(f"period '{period}' is outside the simulated calendar ({covered})")
    k = _MONTHS_PER_TURN[calendar.step]
    if (lo - first) % k or (hi - lo) % k:
        raise PeriodError(
            f"period '{period}' is not a whole number of turns (one turn is a {calendar.step}; {covered})"
        )
    return range((lo - first) // k, (hi - first) // k)


# --------------------------------------------------------------------------- models


class ObservedValue(StrictModel):
    """One observed figure: a state variable's total, end value or mean over a calendar period."""

    variable: str
    """The state variable observed (a name in `state`)."""
    period: Period
    """Calendar period covering whole turns: `2023`, `2023-Q2`, `2023-05`, or a span `2022-Q3..2023-Q2`."""
    stat: Literal["total", "end", "mean"] | None = None
    """`total`: sum of a count's draws over the period (counts only; their default); `end`: the value
    after the period's last turn (the default for levels); `mean`: the mean over the period's turns."""
    value: float | None = None
    """The figure as observed; may be left out when `range` is given (it is then the range's midpoint)."""
    sd: float | None = Field(default=None, ge=0)
    """Uncertainty as an absolute standard deviation (0 = exact); give one of `sd`, `relative_sd`, `range`."""
    relative_sd: float | None = Field(default=None, ge=0)
    """Uncertainty as a standard deviation relative to `value` (0.1 = 10%)."""
    range: tuple[float, float] | None = None
    """Uncertainty as [low, high] (e.g. where datasets disagree): the true figure is uniform on it."""
    source: str
    """Id of the entry in `sources` that gives this figure."""
    note: str = ""
    """How the figure was read: table or page, what it counts (which groups, which deaths)."""

    @model_validator(mode="after")
    def _one_uncertainty(self) -> ObservedValue:
        given = [k for k in ("sd", "relative_sd", "range") if getattr(self, k) is not None]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise ValueError(f"give exactly one uncertainty (`sd`, `relative_sd` or `range`), not {what}")
        if self.range is not None:
            lo, hi = self.range
            if hi <= lo:
                raise ValueError("range must be [low, high] with low < high")
            if self.value is not None and not lo <= self.value <= hi:
                raise ValueError(f"value {self.value:g} is outside its range [{lo:g}, {hi:g}]")
        elif self.value is None:
            raise ValueError("`value` is required unless a `range` is given")
        return self

    @property
    def central(self) -> float:
        """The figure compared with the runs: `value`, or the range's midpoint without one."""
        if self.value is not None:
            return self.value
        assert self.range is not None
        return (self.range[0] + self.range[1]) / 2

    @property
    def error_sd(self) -> float:
        """The standard deviation of the observation's error (a range counts as uniform: width / sqrt 12)."""
        if self.sd is not None:
            return self.sd
        if self.relative_sd is not None:
            return self.relative_sd * abs(self.central)
        assert self.range is not None
        return (self.range[1] - self.range[0]) / math.sqrt(12)

    def statistic(self, kind: Literal["level", "count"]) -> Literal["total", "end", "mean"]:
        """`stat`, or the default for a variable of this kind (`total` for counts, `end` for levels)."""
        if self.stat is not None:
            return self.stat
        return "total" if kind == "count" else "end"


class Observations(StrictModel):
    """What really happened: the policy path actors followed and the figures observed."""

    followed: dict[str, str] = {}
    """Actor id -> id of the strategy (in `strategies`) that played out; others play their `policy:`."""
    data: dict[str, ObservedValue]
    """Observed figures, by id; an `extends:` variant adds, replaces or deletes (`null`) them by id."""
