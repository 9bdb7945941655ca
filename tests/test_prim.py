"""PRIM finds boxes where an outcome is common: a known region is recovered, and the boxes equal the
EMA Workbench's PRIM on the same data (the Workbench is a test-only dependency)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from dilemma_sim.batch.prim import find_boxes, get_quantile


def _region(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in the unit cube (4 parameters); the outcome holds where x0 < 0.4 and x1 > 0.6."""
    x = np.random.default_rng(seed).random((n, 4))
    return x, (x[:, 0] < 0.4) & (x[:, 1] > 0.6)


def test_a_known_box_is_recovered_with_only_its_two_parameters() -> None:
    x, y = _region(1000, 0)
    (box,) = find_boxes(x, y, max_boxes=1)
    assert box.coverage > 0.9 and box.density > 0.9
    cut = {r.column: r for r in box.restrictions}
    assert set(cut) == {0, 1}
    assert cut[0].cuts_high and not cut[0].cuts_low and abs(cut[0].high - 0.4) < 0.05
    assert cut[1].cuts_low and not cut[1].cuts_high and abs(cut[1].low - 0.6) < 0.05
    for r in box.restrictions:
        assert r.density_without < box.density and r.qp < 1e-6
    inside = box.contains(x)
    assert inside.sum() == box.n and y[inside].sum() == box.hits


def test_covering_finds_a_second_region_among_the_points_the_first_box_left() -> None:
    x = np.random.default_rng(1).random((1500, 3))
    y = (x[:, 0] < 0.3) | (x[:, 1] > 0.85)
    first, second = find_boxes(x, y, max_boxes=3)
    assert [r.column for r in first.restrictions] == [0] and first.restrictions[0].cuts_high
    assert [r.column for r in second.restrictions] == [1] and abs(second.restrictions[0].low - 0.85) < 0.05
    assert second.density > 0.95 and first.coverage + second.coverage == pytest.approx(1.0, abs=0.02)


def test_no_box_for_an_outcome_that_never_happens_or_has_no_structure() -> None:
    x = np.random.default_rng(2).random((400, 3))
    assert find_boxes(x, np.zeros(400, dtype=bool)) == []
    noise = np.random.default_rng(3).random(400) < 0.3
    assert find_boxes(x, noise) == []  # nothing reaches density 0.8


def test_quantiles_fall_between_distinct_values() -> None:
    assert get_quantile(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0.25) == 2.5  # between the 2nd and 3rd
    assert get_quantile(np.array([1.0, 2.0, 2.0, 2.0, 5.0]), 0.75) == 1.5  # ties are not split


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("seed", range(4))
def test_boxes_equal_the_ema_workbench_prim_on_the_same_data(seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pytest.importorskip("pandas")
        from ema_workbench.analysis import prim as ema_prim
    logging.getLogger("EMA").setLevel(logging.CRITICAL)
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(150, 600)), int(rng.integers(2, 6))
    x = rng.random((n, p))
    y = [(x[:, 0] < 0.5) & (x[:, 1] > 0.3), (x[:, 0] - 0.5) ** 2 + (x[:, 1] - 0.5) ** 2 < 0.1][seed % 2]
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)])
    reference = ema_prim.Prim(
        frame, y.astype(int), threshold=0.5, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05
    )
    theirs = reference.find_box()
    ours = find_boxes(x, y, threshold=0.5, max_boxes=1, select="last", prune=False)
    assert len(ours) == 1
    limits = theirs.box_lims[-1].to_numpy()
    np.testing.assert_array_equal(ours[0].low, limits[0])
    np.testing.assert_array_equal(ours[0].high, limits[1])
    assert ours[0].coverage == pytest.approx(theirs.coverage, abs=1e-12)
    assert ours[0].density == pytest.approx(theirs.density, abs=1e-12)
    assert ours[0].mass == pytest.approx(theirs.mass, abs=1e-12)
