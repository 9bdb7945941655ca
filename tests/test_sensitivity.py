"""Sobol indices: the Saltelli design and the estimates are SALib's, checked on the Ishigami
function (whose indices are known) and on a scenario whose payoff is a known function."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from dilemma_sim.batch.robust import robust
from dilemma_sim.batch.sensitivity import RESAMPLES, saltelli_base, saltelli_unit, sobol_indices
from dilemma_sim.executor import ScenarioRef

THRESHOLD = Path(__file__).parent / "fixtures" / "threshold.yaml"


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    y: np.ndarray = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    return y


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Analytic first-order and total indices of the Ishigami function on [-pi, pi]^3."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_ishigami_indices_equal_salibs_own_and_the_known_values() -> None:
    n, seed = 1024, 7
    unit = saltelli_unit(3, n, seed)
    x = -math.pi + 2 * math.pi * unit
    ours = sobol_indices(("x1", "x2", "x3"), ishigami(x), seed)
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x_salib = salib_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    np.testing.assert_allclose(x, x_salib, rtol=0, atol=1e-12)
    theirs = salib_analyze.analyze(
        problem, ishigami(x_salib), calc_second_order=False, num_resamples=RESAMPLES, seed=seed
    )
    for key, mine in (("S1", ours.s1), ("ST", ours.st), ("S1_conf", ours.s1_conf), ("ST_conf", ours.st_conf)):
        np.testing.assert_allclose(mine, theirs[key], rtol=1e-9, atol=1e-12, err_msg=key)
    s1, st = ishigami_indices()
    np.testing.assert_allclose(ours.s1, s1, atol=0.05)
    np.testing.assert_allclose(ours.st, st, atol=0.05)


def test_the_saltelli_design_has_n_times_p_plus_2_points_with_n_a_power_of_two() -> None:
    assert saltelli_base(100) == 128 and saltelli_base(3) == 8
    assert saltelli_unit(4, 100, 0).shape == (128 * 6, 4)


def test_a_constant_output_has_zero_indices() -> None:
    ix = sobol_indices(("a", "b"), np.ones(8 * 4))
    assert not ix.s1.any() and not ix.st.any()


def test_a_scenarios_indices_equal_salibs_on_its_known_payoff_function() -> None:
    result = robust(
        ScenarioRef.of(THRESHOLD),
        samples=8,
        runs=2,
        seed=3,
        strategies=["always-a", "always-b"],
        sobol=True,
        sobol_base=512,
    )
    assert result.sobol is not None
    values = result.sobol.values
    assert values.shape == (512 * 4, 2)
    problem = {"num_vars": 2, "names": ["p", "q"], "bounds": [[0.0, 1.0]] * 2}
    expected = salib_analyze.analyze(
        problem, 0.5 - values[:, 0], calc_second_order=False, num_resamples=RESAMPLES, seed=3
    )
    payoff = result.sobol.payoff[0]
    np.testing.assert_allclose(payoff.s1, expected["S1"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(payoff.st, expected["ST"], rtol=1e-9, atol=1e-12)
    # the payoff of always-a is 0.5 - p: p explains all of it, q nothing
    assert payoff.s1[0] == pytest.approx(1.0, abs=0.02) and payoff.st[1] == pytest.approx(0.0, abs=1e-9)
    # always-b pays 0 everywhere: no variance to split
    assert not result.sobol.payoff[1].st.any()
    # regret of always-b is max(0, 0.5 - p): p alone again
    assert result.sobol.regret[1].st[0] == pytest.approx(1.0, abs=0.05)
    doc = result.to_json()["sobol"]
    assert doc["points"] == 2048 and doc["regret"]["always-a"][0]["path"] == "parameters.p"


def test_without_salib_sobol_indices_name_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from dilemma_sim.errors import ExitCode, MissingDependency

    monkeypatch.setitem(sys.modules, "SALib.sample", None)  # import fails as if SALib were absent
    with pytest.raises(MissingDependency) as err:
        saltelli_unit(2, 8, 0)
    assert err.value.exit_code == ExitCode.MISSING_DEPENDENCY and "dilemma-sim[robust]" in str(err.value.hint)
