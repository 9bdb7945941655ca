"""A NaN or an infinity never passes silently: the run stops with the value to blame and where it is written.

Each case breaks the minimal fixture in one way that validates (the loader cannot know) and then
goes wrong at run time; the error names the YAML path and `file:line:col` of the culprit, in this
process and from worker processes alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dilemma_sim.cli import main
from dilemma_sim.errors import ExitCode, NonFiniteError
from dilemma_sim.executor import Execution, ScenarioRef, run_batch
from dilemma_sim.scenario.loader import load_scenario

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text()
RATE = "rate: base_rate * (2 - security / 50)"
CONFRONT = "              security: 3\n            cost: 1"


def line_of(text: str, marker: str) -> int:
    """1-based number of the first line of `text` that contains `marker`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


CASES = {
    "a count rate that is infinite": (
        MINIMAL.replace(RATE, "rate: exp(1000)"),
        "state.attacks.rate",
        "exp(1000)",
    ),
    "a count rate too large to draw": (
        MINIMAL.replace(RATE, "rate: 1e16").replace("range: [0, 50]", "range: [0, 1.0e18]"),
        "state.attacks.rate",
        "rate: 1e16",
    ),
    "an effect that is inf - inf at run time": (
        MINIMAL.replace(
            CONFRONT,
            CONFRONT.replace(
                "security: 3", "security: security * exp(1000) * 10 - security * exp(1000) * 10"
            ),
        ),
        "actors.government.decisions.approach.options.confront.effects.security",
        "security * exp(1000)",
    ),
    "a dispersion drawn below zero": (
        MINIMAL.replace(
            "    kind: count\n",
            "    kind: count\n    distribution: negative_binomial\n"
            "    dispersion: {dist: uniform, low: -1, high: 1}\n",
        ),
        "state.attacks.dispersion",
        "dispersion: {dist",
    ),
    "a parameter whose draws overflow": (
        MINIMAL.replace(
            "  base_rate:\n    value: 2", "  base_rate:\n    dist: normal\n    mean: 0\n    sd: 1.0e308"
        ),
        "parameters.base_rate",
        "dist: normal",
    ),
    "a payoff that overflows": (
        MINIMAL.replace(CONFRONT, CONFRONT.replace("security: 3", "security: exp(1000)"))
        .replace("      security: 0.1\n", "      security: 10\n")
        .replace("range: [0, 100]", "range: [0, 1.0e308]"),
        "actors.government.utility",
        "      security: 10",
    ),
}


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "worker-processes"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_error_names_the_value_and_where_it_is_written(tmp_path: Path, case: str, workers: int) -> None:
    text, path, marker = CASES[case]
    file = tmp_path / "broken.yaml"
    file.write_text(text)
    cs = ScenarioRef.of(file).compile()
    with pytest.raises(NonFiniteError) as caught:
        run_batch(
            cs, 2048, 0, {"government": "hard_line"}, execution=Execution(workers=workers, chunk_runs=1024)
        )
    error = caught.value
    assert error.path == path
    assert error.exit_code == ExitCode.NUMERIC
    assert f"{file}:{line_of(text, marker)}:" in str(error), str(error)


@pytest.mark.parametrize("value", ["0", "-2"])
def test_a_fixed_dispersion_must_be_positive(tmp_path: Path, value: str) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(
        MINIMAL.replace(
            "    kind: count\n",
            f"    kind: count\n    distribution: negative_binomial\n    dispersion: {value}\n",
        )
    )
    result = load_scenario(file)
    text = file.read_text()
    assert [(d.code, d.line) for d in result.errors] == [("E205", line_of(text, "label: Attacks"))]
    assert "dispersion must be above 0" in result.errors[0].message


@pytest.mark.parametrize(
    ("change", "code", "marker"),
    [
        ((RATE, "rate: exp(1000)"), "W530", "rate: exp(1000)"),
        ((RATE, "rate: base_rate * security * 1e8"), "W531", "rate: base_rate * security"),
        (
            (CONFRONT, CONFRONT.replace("security: 3", "security: 1 / (security - 50)")),
            "W530",
            "1 / (security",
        ),
        (
            (
                CONFRONT,
                CONFRONT.replace(
                    "security: 3", "security: security * exp(1000) * 10 - security * exp(1000) * 10"
                ),
            ),
            "E601",
            "security * exp(1000)",
        ),
    ],
    ids=["saturated-exp", "rate-above-1e9", "division-by-a-range-through-zero", "nan-on-turn-one"],
)
def test_lint_warns_where_the_declared_ranges_let_an_expression_overflow(
    tmp_path: Path, change: tuple[str, str], code: str, marker: str
) -> None:
    file = tmp_path / "risky.yaml"
    file.write_text(MINIMAL.replace(*change))
    line = line_of(file.read_text(), marker)
    result = CliRunner().invoke(main, ["lint", str(file)])
    found = [ln for ln in result.stderr.splitlines() if f"[{code}]" in ln]
    assert found and found[0].startswith(f"{file}:{line}:"), result.stderr


def test_the_shipped_fixture_has_no_overflow_warning(tmp_path: Path) -> None:
    file = tmp_path / "minimal.yaml"
    file.write_text(MINIMAL)
    result = CliRunner().invoke(main, ["lint", str(file)])
    assert "W530" not in result.stderr and "W531" not in result.stderr and "E601" not in result.stderr


def test_a_constant_expression_that_is_not_finite_fails_when_compiled(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(
        MINIMAL.replace(
            CONFRONT, CONFRONT.replace("security: 3", "security: exp(1000) * 10 - exp(1000) * 10")
        )
    )
    line = line_of(file.read_text(), "exp(1000) * 10")
    with pytest.raises(
        NonFiniteError, match=rf"broken.yaml:{line}:25: .*confront.effects.security .* is nan"
    ):
        ScenarioRef.of(file).compile()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scale=st.sampled_from(["1", "1e150", "1e300", "1e308"]),
    op=st.sampled_from(["+", "-", "*", "/"]),
    dispersion=st.sampled_from(["", "    distribution: negative_binomial\n    dispersion: 0.5\n"]),
)
def test_results_are_finite_or_the_run_fails_with_a_non_finite_error(
    tmp_path: Path, scale: str, op: str, dispersion: str
) -> None:
    effect = f"security: (security {op} {scale}) * {scale} - {scale} * security"
    text = MINIMAL.replace(CONFRONT, CONFRONT.replace("security: 3", effect)).replace(
        "    kind: count\n", "    kind: count\n" + dispersion
    )
    file = tmp_path / "fuzzed.yaml"
    file.write_text(text)
    try:
        cs = ScenarioRef.of(file).compile()
        result = run_batch(cs, 300, 1, {"government": "hard_line"})
    except NonFiniteError as error:
        assert error.path and str(file) in str(error)
        return
    for name in ("totals", "discounted", "final_state", "counts_per_turn", "params"):
        assert np.isfinite(getattr(result, name)).all(), name
