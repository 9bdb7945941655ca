"""A utility weight as a person reads it: a number, or the range a sampled weight is drawn from.

pakistan-ttp 2 draws most of Pakistan's weights per run (a death counts 0.77 to 0.92 of a life): the
briefing shows that range, not the distribution's name, and the charts rank what the score weighs by
weights of any form. No Textual here.
"""

from __future__ import annotations

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.quantities import Beta, Fixed, Normal, Triangular, Uniform


def weight_range(scenario: Scenario, weight: object) -> tuple[float, float]:
    """(lowest, highest) value `weight` can take: equal for a fixed weight; for a normal without
    bounds, its mean ± 2 standard deviations; a parameter's name stands for the parameter's value."""
    if isinstance(weight, str):
        return weight_range(scenario, scenario.parameters.get(weight, 0.0))
    if isinstance(weight, (int, float)):
        return float(weight), float(weight)
    if isinstance(weight, Fixed):
        return weight.value, weight.value
    if isinstance(weight, (Uniform, Triangular, Beta)):
        return weight.low, weight.high
    if isinstance(weight, Normal):
        low = weight.low if weight.low is not None else weight.mean - 2 * weight.sd
        high = weight.high if weight.high is not None else weight.mean + 2 * weight.sd
        return low, high
    return 0.0, 0.0


def weight_text(scenario: Scenario, weight: object) -> str:
    """`-1`, `+0.5`, or a range from the end nearer zero: `-0.77 to -0.92`, `+0.5 to +4`."""
    low, high = weight_range(scenario, weight)
    if low == high:
        return f"{low:+g}"
    near, far = (high, low) if high <= 0 else (low, high)
    return f"{near:+g} to {far:+g}"
