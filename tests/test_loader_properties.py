"""Property: `load_text` always returns a LoadResult (a scenario or diagnostics) and never raises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dilemma_sim.scenario.lint import lint
from dilemma_sim.scenario.loader import LoadResult, load_text, validate_data
from dilemma_sim.scenario.yamlio import dump_yaml, load_yaml
from tests.strategies import mutated_documents, mutated_texts, yamlish_documents

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text()
MINIMAL_DATA = load_yaml(MINIMAL).data

SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def assert_well_formed(result: LoadResult) -> None:
    """Exactly one of: a scenario without errors, or at least one error; every position is real."""
    assert isinstance(result, LoadResult)
    assert (result.scenario is not None) == result.ok
    assert result.scenario is not None or result.errors
    for d in result.diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.code[0] in "EW" and d.message
    lint(result)  # lint never raises on anything that loaded


def _dump(data: Any) -> str:
    try:
        return dump_yaml(data)
    except yaml.YAMLError:
        return "{}"


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    assert_well_formed(load_text(text))


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},'\"&*!#|>\n \t.0123456789")), max_size=200))
def test_yaml_punctuation_soup_never_raises(text: str) -> None:
    assert_well_formed(load_text(text))


@SETTINGS
@given(yamlish_documents())
def test_random_yamlish_documents_never_raise(data: Any) -> None:
    assert_well_formed(load_text(_dump(data)))
    assert_well_formed(validate_data(data))


@SETTINGS
@given(mutated_documents(MINIMAL_DATA))
def test_mutated_minimal_scenario_never_raises(data: Any) -> None:
    assert_well_formed(load_text(_dump(data)))


@SETTINGS
@given(mutated_texts(MINIMAL))
def test_mutated_minimal_text_never_raises(text: str) -> None:
    assert_well_formed(load_text(text, "minimal.yaml"))
