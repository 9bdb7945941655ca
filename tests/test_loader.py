"""Loading scenarios: every problem in one pass, did-you-mean suggestions, `extends:`, the registry."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from dilemma_sim.scenario.catalog import list_scenarios
from dilemma_sim.scenario.checks import find_strategy
from dilemma_sim.scenario.diagnostics import ScenarioError
from dilemma_sim.scenario.loader import (
    LoadResult,
    deep_merge,
    load_or_raise,
    load_scenario,
    load_text,
    validate_data,
)
from dilemma_sim.scenario.registry import DEFAULT_SCENARIO, builtin_dir, resolve
from dilemma_sim.scenario.yamlio import dump_yaml, load_yaml, replace_at

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL_PATH = FIXTURES / "minimal.yaml"
MINIMAL = MINIMAL_PATH.read_text()


def broken(*replacements: tuple[str, str]) -> LoadResult:
    """The minimal scenario with pieces of text replaced."""
    text = MINIMAL
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return load_text(text, "minimal.yaml")


def line_of(needle: str) -> int:
    """1-based line of the first line of the minimal scenario containing `needle`."""
    return next(i for i, line in enumerate(MINIMAL.splitlines(), start=1) if needle in line)


def suggestion_for(result: LoadResult, code: str) -> str | None:
    """The suggestion of the only diagnostic with `code`."""
    (d,) = [d for d in result.diagnostics if d.code == code]
    return d.suggestion


# --------------------------------------------------------------------------- the happy path


def test_minimal_fixture_loads() -> None:
    result = load_scenario(MINIMAL_PATH)
    assert result.ok and result.diagnostics == ()
    assert result.scenario is not None and result.scenario.id == "minimal"
    assert result.scenario.calendar.start == "2023-01"  # a date stays a string
    assert result.data is not None and result.path == MINIMAL_PATH


def test_load_or_raise_returns_the_scenario_or_raises_with_every_diagnostic() -> None:
    assert load_or_raise(MINIMAL_PATH).title == "Minimal"
    bad = MINIMAL_PATH.parent / "does-not-exist.yaml"
    with pytest.raises(ScenarioError) as raised:
        load_or_raise(bad)
    assert [d.code for d in raised.value.diagnostics] == ["E107"]


# --------------------------------------------------------------------------- all at once


def test_three_mistakes_are_reported_in_one_pass_sorted_by_line() -> None:
    result = broken(
        ("turns: 4", "turns: -1"),
        ("        label: Posture", "        labl: Posture"),
        ("when: security < 10", "when: securty < 10"),
    )
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (line_of("turns: 4"), "E203"),
        (line_of("label: Posture") - 1, "E204"),  # `posture:` lacks a label
        (line_of("label: Posture"), "E201"),
        (line_of("when: security < 10"), "E302"),
    ]
    assert result.scenario is None and not result.ok


def test_reference_checks_run_even_when_the_schema_fails() -> None:
    result = broken(("turns: 4", "turns: lots"), ("option: talk", "option: tlak"))
    assert [d.code for d in result.diagnostics] == ["E202", "E404"]


# --------------------------------------------------------------------------- did you mean


def test_misspelt_state_variable_in_effects() -> None:
    result = broken(("              security: 3", "              securty: 3"))
    assert suggestion_for(result, "E401") == "security"


def test_effect_on_a_count_variable_is_an_error() -> None:
    result = broken(("              security: 3", "              attacks: 3"))
    (d,) = result.diagnostics
    assert (d.code, d.line, d.column) == ("E401", line_of("security: 3"), 15)
    assert "count" in d.message


def test_misspelt_actor_in_a_strategy() -> None:
    result = broken(("    label: Hard line", "    label: Hard line\n    actor: govenment"))
    assert suggestion_for(result, "E402") == "government"


def test_misspelt_option_in_a_policy() -> None:
    assert suggestion_for(broken(("option: talk", "option: tallk")), "E404") == "talk"


def test_misspelt_level_as_default() -> None:
    assert suggestion_for(broken(("default: low", "default: lwo")), "E403") == "low"


def test_misspelt_lever_move_in_a_strategy() -> None:
    assert suggestion_for(broken(("option: raise", "option: rasie")), "E404") == "raise"


def test_misspelt_strategy_id() -> None:
    scenario = load_or_raise(MINIMAL_PATH)
    with pytest.raises(ScenarioError) as raised:
        find_strategy(scenario, "hard_lin")
    (d,) = raised.value.diagnostics
    assert (d.code, d.suggestion) == ("E404", "hard_line")


def test_misspelt_unknown_key() -> None:
    assert suggestion_for(broken(("    initial: 50", "    inital: 50")), "E201") == "initial"


def test_misspelt_player_and_source_and_utility_lever() -> None:
    result = broken(
        ("player: government", "player: governmnt"),
        ("source: report", "source: reprot"),
        ("government.budget: -0.5", "government.budgt: -0.5"),
    )
    assert {d.code: d.suggestion for d in result.diagnostics} == {
        "E409": "government",
        "E405": "report",
        "E403": "government.budget",
    }


def test_current_choice_in_a_policy_rule_suggests_prev() -> None:
    result = broken(
        ("when: prev.government.approach.confront == 1", "when: government.approach.confront == 1")
    )
    assert suggestion_for(result, "E302") == "prev.government.approach.confront"


def test_bad_identifiers_and_constant_probability() -> None:
    result = broken(("  security:\n    label: Security", "  Security:\n    label: Security"))
    assert "E406" in [d.code for d in result.diagnostics]
    result = broken(("probability: clip((50 - security) / 100, 0, 1)", "probability: 1.5"))
    (d,) = result.diagnostics
    assert (d.code, d.line, d.column) == ("E407", line_of("probability:"), 18)


# --------------------------------------------------------------------------- extends


def test_extends_merges_deeply_and_null_deletes() -> None:
    merged = deep_merge({"a": {"x": 1, "y": 2}, "b": [1, 2], "c": 3}, {"a": {"y": 5}, "b": [9], "c": None})
    assert merged == {"a": {"x": 1, "y": 5}, "b": [9]}


def test_child_file_overrides_base_and_errors_point_at_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    # the child extends `../minimal.yaml`, outside its folder: allowed only when the user says so
    monkeypatch.setenv("DILEMMA_SIM_EXTENDS_PATH", str(FIXTURES))
    result = load_scenario(FIXTURES / "extends" / "child.yaml")
    assert result.data is not None
    assert result.data["turns"] == 8
    assert result.data["state"]["security"] == {"label": "Security", "range": [0, 100], "initial": 60}
    assert "calendar" not in result.data  # deleted by `calendar: null`
    (d,) = result.diagnostics
    assert (Path(d.file).name, d.line, d.column, d.code) == ("child.yaml", 11, 15, "E302")
    # values inherited from the base keep the base's positions
    summary = result.marks.value(("summary",))
    assert summary is not None and summary.file.endswith("minimal.yaml")


def test_error_in_the_base_is_reported_in_the_base_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(MINIMAL.replace("turns: 4", "turns: 4\ncolour: blue"))
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nid: child\n")
    (d,) = load_scenario(tmp_path / "child.yaml").diagnostics
    assert (Path(d.file).name, d.line, d.code) == ("base.yaml", line_of("turns: 4") + 1, "E201")


def test_extends_cycle_is_e108_with_the_chain(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nid: a\n")
    (tmp_path / "b.yaml").write_text("id: b\nextends: a.yaml\n")
    result = load_scenario(tmp_path / "a.yaml")
    (cycle,) = [d for d in result.diagnostics if d.code == "E108"]
    assert (Path(cycle.file).name, cycle.line, cycle.column) == ("b.yaml", 2, 10)
    assert "a.yaml -> b.yaml -> a.yaml" in cycle.message


def test_extends_target_not_found_is_e109_with_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "water.yaml").write_text(MINIMAL)
    (tmp_path / "child.yaml").write_text("id: child\nextends: watr\n")
    result = load_scenario(tmp_path / "child.yaml")
    (d,) = [d for d in result.diagnostics if d.code == "E109"]
    assert (d.line, d.column, d.suggestion) == (2, 10, "water")


# --------------------------------------------------------------------------- in-memory data


def test_validate_data_rechecks_an_overridden_value_at_its_original_position() -> None:
    document = load_yaml(MINIMAL, "minimal.yaml")
    data = replace_at(document.data, ("turns",), 0)
    (d,) = validate_data(data, document.marks, "minimal.yaml").diagnostics
    assert (d.line, d.column, d.code) == (line_of("turns: 4"), 8, "E203")
    assert validate_data(replace_at(document.data, ("turns",), 9), document.marks).ok


def test_dump_round_trips() -> None:
    document = load_yaml(MINIMAL)
    assert load_yaml(dump_yaml(document.data)).data == document.data


# --------------------------------------------------------------------------- registry


def test_resolve_prefers_existing_paths_then_ids(tmp_path: Path) -> None:
    assert resolve(str(MINIMAL_PATH)) == MINIMAL_PATH
    (tmp_path / "water-rights.yaml").write_text(MINIMAL)
    assert resolve("water-rights", tmp_path) == tmp_path / "water-rights.yaml"
    with pytest.raises(ScenarioError) as raised:
        resolve("water-right", tmp_path)
    (d,) = raised.value.diagnostics
    assert (d.code, d.suggestion) == ("E107", "water-rights")


def test_list_scenarios_marks_invalid_files_instead_of_crashing(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(MINIMAL)
    (tmp_path / "bad.yaml").write_text("id: bad\nturns: [\n")
    local = {info.path.name: info for info in list_scenarios(tmp_path) if not info.builtin}
    assert local["good.yaml"].title == "Minimal"
    assert local["good.yaml"].actors == ("The Government", "The Group")
    assert local["bad.yaml"].title == "(invalid: 1 error)"


def test_builtin_dir_and_default() -> None:
    assert builtin_dir().name == "scenarios"
    assert DEFAULT_SCENARIO == "pakistan-ttp"


def test_inline_text_with_dedent() -> None:
    result = load_text(
        dedent("""\
        id: tiny
        title: Tiny
        summary: s
        turns: 1
        player: a
        state: {x: {label: X}}
        actors: {a: {name: A, utility: {x: 1}}}
    """)
    )
    assert result.ok, [d.format() for d in result.diagnostics]
