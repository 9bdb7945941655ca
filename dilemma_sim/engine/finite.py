"""Non-finite numbers never pass silently: detect them each turn, then find the value to blame.

Detection is cheap and always on: after a turn, the state and payoffs of all runs are checked
(a sum is finite only if every term is; the exact check runs only when it is not). Diagnosis runs
only after a detection: the turn is replayed on the bad runs with every compiled value checked as
it is evaluated (`tables.CHECKING`), so the error names the first expression, parameter or
condition that produced NaN or infinity, by YAML path, which the caller turns into `file:line:col`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from dilemma_sim.engine.tables import CHECKING, CompiledScenario, require_finite
from dilemma_sim.errors import NonFiniteError
from dilemma_sim.scenario.lint import MAX_RATE

MAX_COUNT_RATE = MAX_RATE
"""Largest expected count per turn a count variable may have; beyond it a draw is an error, not a wait
(lint warns with W531 where the declared ranges allow more)."""


def all_finite(*arrays: np.ndarray) -> bool:
    """Whether every element of every array is finite (fast path: one sum per array)."""
    with np.errstate(all="ignore"):
        return all(np.isfinite(a.sum()) or np.isfinite(a).all() for a in arrays)


@contextlib.contextmanager
def checking() -> Iterator[None]:
    """Every compiled value checks its result while the block runs."""
    token = CHECKING.set(True)
    try:
        yield
    finally:
        CHECKING.reset(token)


def check_rate(rate: np.ndarray, origin: str, source: str) -> None:
    """A count's rate must be finite and at most `MAX_COUNT_RATE` (no draw can be trusted otherwise)."""
    if not all_finite(rate):
        require_finite(rate, origin, source)
    top = float(rate.max()) if rate.size else 0.0
    if top > MAX_COUNT_RATE:
        what = f"{origin} ({source!r})" if source else origin
        raise NonFiniteError(
            f"{what} evaluated to {top:g}, above the largest count rate per turn ({MAX_COUNT_RATE:g})",
            path=origin,
        )


def check_dispersion(dispersion: np.ndarray | float, origin: str) -> None:
    """A negative binomial's size must be finite and positive."""
    d = np.asarray(dispersion, dtype=np.float64)
    if d.size and not (np.isfinite(d).all() and (d > 0).all()):
        bad = d[~(np.isfinite(d) & (d > 0))].ravel()[0]
        raise NonFiniteError(f"{origin} is {bad:g}; a dispersion must be finite and above 0", path=origin)


def diagnose(
    cs: CompiledScenario,
    turn: int,
    run_index: np.ndarray,
    replay: Callable[[], tuple[np.ndarray, np.ndarray]],
    *,
    expected_payoffs: bool = False,
) -> NonFiniteError:
    """The error for a turn whose results were not finite: `replay()` runs the turn again on the bad
    runs with checking on and returns (state, payoffs); a value that goes non-finite raises there.

    `expected_payoffs`: the replay computes expected one-turn payoffs (for deciding or analysis)."""
    where = f"in run {int(run_index[0])}, turn {turn + 1}"
    if expected_payoffs:
        where += " (expected payoffs)"
    try:
        with checking(), np.errstate(all="ignore"):
            state, payoffs = replay()
    except NonFiniteError as exc:
        return NonFiniteError(f"{exc.message} {where}", path=exc.path)
    for s, name in enumerate(cs.state_names):
        col = state[:, s]
        if not np.isfinite(col).all():
            bad = col[~np.isfinite(col)][0]
            return NonFiniteError(
                f"state variable {name!r} became {bad} {where} (a sum of finite changes overflowed)",
                path=f"state.{name}",
            )
    for a, actor in enumerate(cs.actors):
        col = payoffs[:, a]
        if not np.isfinite(col).all():
            return NonFiniteError(
                f"the payoff of {actor!r} became {col[~np.isfinite(col)][0]} {where} (utility weights "
                "times state overflowed)",
                path=f"actors.{actor}.utility",
            )
    return NonFiniteError(f"a value became NaN or infinite {where}")
