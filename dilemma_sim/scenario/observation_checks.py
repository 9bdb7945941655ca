"""Cross-reference checks of `observations:`: the actors and strategies of the path followed, the
variables observed, the statistic each names and the calendar period each covers.

Like `checks`, they read raw (merged) data and pass over anything of the wrong shape (the schema
reports that); the source ids observations cite are checked with every other `source:` (E405).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from pydantic import ValidationError

from dilemma_sim.scenario.models import Calendar
from dilemma_sim.scenario.observations import PERIOD_PATTERN, PeriodError, turns_of_period
from dilemma_sim.scenario.raw_data import Names, as_dict
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import YamlPath


class Report(Protocol):
    """How a check reports one problem (the `_Checker.report` of `checks`)."""

    def __call__(
        self, path: YamlPath, code: str, message: str, suggestion: str | None = None, *, key: bool = False
    ) -> None: ...


def check_observations(data: dict[str, Any], names: Names, report: Report) -> None:
    """Report every undefined or ill-fitting name and every period outside the calendar."""
    observations = as_dict(data.get("observations"))
    if not observations:
        return
    _followed(data, as_dict(observations.get("followed")), names, report)
    calendar, turns = _calendar(data)
    for obs_id, spec in as_dict(observations.get("data")).items():
        base: YamlPath = ("observations", "data", obs_id)
        spec = as_dict(spec)
        variable = spec.get("variable")
        if isinstance(variable, str) and names.state and variable not in names.state:
            report(
                (*base, "variable"),
                "E401",
                f"observation '{obs_id}': undefined state variable '{variable}'",
                close_match(variable, names.state),
            )
        if spec.get("stat") == "total" and variable in names.levels:
            report(
                (*base, "stat"),
                "E411",
                f"observation '{obs_id}': `total` sums a count over the period's turns, but "
                f"'{variable}' is a level; use `end` (its value after the period) or `mean`",
                "end",
            )
        period = spec.get("period")
        if isinstance(period, int) and not isinstance(period, bool):
            period = str(period)
        if calendar is not None and isinstance(period, str) and re.fullmatch(PERIOD_PATTERN, period):
            try:
                turns_of_period(calendar, turns, period)
            except PeriodError as error:
                report((*base, "period"), "E410", f"observation '{obs_id}': {error}")


def _followed(data: dict[str, Any], followed: dict[str, Any], names: Names, report: Report) -> None:
    strategies = as_dict(data.get("strategies"))
    player = data.get("player")
    for actor, strategy in followed.items():
        path: YamlPath = ("observations", "followed", actor)
        if names.actors and actor not in names.actors:
            report(path, "E402", f"undefined actor '{actor}'", close_match(actor, names.actors), key=True)
            continue
        if not isinstance(strategy, str):
            continue
        own = [s for s, spec in strategies.items() if as_dict(spec).get("actor", player) == actor]
        if strategy not in strategies:
            known = ", ".join(own) or "none"
            message = f"undefined strategy '{strategy}' (strategies of '{actor}': {known})"
            report(path, "E404", message, close_match(strategy, own or strategies))
            continue
        plays = as_dict(strategies[strategy]).get("actor", player)
        if isinstance(plays, str) and plays != actor:
            message = f"strategy '{strategy}' plays '{plays}', not '{actor}'"
            report(path, "E412", message, close_match(strategy, own))


def _calendar(data: dict[str, Any]) -> tuple[Calendar | None, int]:
    """The scenario's calendar and number of turns, or None when either is malformed."""
    turns = data.get("turns")
    if not isinstance(turns, int) or isinstance(turns, bool) or turns < 1:
        return None, 0
    try:
        calendar = Calendar.model_validate(data.get("calendar", {"start": "2023-Q1"}))
    except ValidationError:
        return None, 0
    return calendar, turns
