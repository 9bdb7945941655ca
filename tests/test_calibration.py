"""Where a figure falls in the runs: percentiles, predictive intervals and CRPS, with the figure's own
uncertainty taken into account (dilemma_sim/batch/calibration.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from dilemma_sim.batch.calibration import (
    ObservationError,
    calibrated_range,
    crps,
    percentile,
    predictive_quantiles,
)

EXACT = ObservationError("exact", 5.0)


def test_an_exact_figure_counts_ties_half() -> None:
    runs = np.array([1.0, 5.0, 5.0, 9.0])
    assert percentile(runs, EXACT) == pytest.approx(0.25 + 0.5 * 0.5)
    assert percentile(np.zeros(10), ObservationError("exact", 0.0)) == 0.5  # a quiet year matched exactly


def test_a_normal_error_averages_the_normal_cdf_over_the_runs() -> None:
    runs = np.array([0.0, 10.0])
    error = ObservationError("normal", 5.0, sd=5.0)
    assert percentile(runs, error) == pytest.approx((stats.norm.cdf(1) + stats.norm.cdf(-1)) / 2)


def test_a_range_is_a_uniform_truth() -> None:
    runs = np.array([0.0, 22.0, 100.0])
    error = ObservationError("uniform", 23.0, low=20.0, high=26.0)
    # P(run <= T) for T uniform on [20, 26]: 1, 4/6, 0
    assert percentile(runs, error) == pytest.approx((1 + 4 / 6 + 0) / 3)
    assert error.variance == pytest.approx(36 / 12)


def test_predictive_quantiles_add_the_observation_error() -> None:
    constant = np.full(50, 10.0)
    normal = predictive_quantiles(constant, ObservationError("normal", 10.0, sd=2.0), np.array([0.05, 0.95]))
    assert normal == pytest.approx(10 + 2 * stats.norm.ppf([0.05, 0.95]), abs=1e-9)
    uniform = predictive_quantiles(
        constant, ObservationError("uniform", 10.0, low=7, high=13), np.array([0.25])
    )
    assert uniform == pytest.approx([8.5], abs=1e-9)
    runs = np.arange(101.0)
    assert predictive_quantiles(runs, EXACT, np.array([0.05, 0.5])) == pytest.approx([5.0, 50.0])


def test_a_figure_inside_the_interval_has_a_percentile_inside_it() -> None:
    runs = np.random.default_rng(0).poisson(30, 4000).astype(float)
    error = ObservationError("normal", 0.0, sd=3.0)
    lo, hi = predictive_quantiles(runs, error, np.array([0.05, 0.95]))
    for value, inside in ((lo + 0.5, True), (hi - 0.5, True), (lo - 0.5, False), (hi + 0.5, False)):
        p = percentile(runs, ObservationError("normal", value, sd=3.0))
        assert (0.05 <= p <= 0.95) == inside


def test_figures_drawn_from_the_runs_own_distribution_are_covered_about_90_percent() -> None:
    rng = np.random.default_rng(1)
    runs = rng.gamma(3.0, 10.0, 4000)
    truths = rng.gamma(3.0, 10.0, 400)
    reported = truths + rng.normal(0.0, 4.0, truths.size)  # each figure carries its own error, sd 4
    pits = np.array([percentile(runs, ObservationError("normal", v, sd=4.0)) for v in reported])
    inside90 = ((pits >= 0.05) & (pits <= 0.95)).mean()
    inside50 = ((pits >= 0.25) & (pits <= 0.75)).mean()
    assert 0.85 <= inside90 <= 0.95 and 0.43 <= inside50 <= 0.57
    lo, hi = calibrated_range(400, 0.9)
    assert lo <= round(inside90 * 400) <= hi


def test_crps_is_the_distance_for_a_point_forecast_and_rewards_sharpness() -> None:
    assert crps(np.full(10, 3.0), 7.0) == pytest.approx(4.0)
    assert crps(np.array([0.0, 2.0]), 1.0) == pytest.approx(1.0 - 0.5 * 1.0)
    wide = np.random.default_rng(2).normal(0, 10, 5000)
    sharp = np.random.default_rng(2).normal(0, 1, 5000)
    assert crps(sharp, 0.0) < crps(wide, 0.0)
    assert crps(sharp, 0.0) == pytest.approx(
        (np.sqrt(2) - 1) / np.sqrt(np.pi), rel=0.05
    )  # N(0,1) at its mean


def test_calibrated_range_is_a_binomial_range() -> None:
    assert calibrated_range(10, 0.9) == (7, 10)  # P(X <= 6) = 0.013 < 0.05 <= P(X <= 7) = 0.070
    assert calibrated_range(4, 0.5) == (0, 4)
