"""Every kind of problem is reported at the exact line and column where the author wrote it."""

from __future__ import annotations

import time
from pathlib import Path
from textwrap import dedent

import pytest

from dilemma_sim.scenario.diagnostics import Diagnostic
from dilemma_sim.scenario.loader import LoadResult, load_scenario, load_text
from dilemma_sim.scenario.yamlio import load_yaml

MINIMAL = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text()


def located(result: LoadResult) -> list[str]:
    """`line:col code` of every diagnostic, in order."""
    return [f"{d.line}:{d.column} {d.code}" for d in result.diagnostics]


def broken(old: str, new: str) -> LoadResult:
    """The minimal scenario with one piece of text replaced."""
    assert old in MINIMAL
    return load_text(MINIMAL.replace(old, new, 1), "minimal.yaml")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` in the minimal scenario after a replacement."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# --------------------------------------------------------------------------- diagnostics themselves


def test_format_is_gcc_style_with_the_suggestion() -> None:
    d = Diagnostic("a.yaml", 3, 7, "E201", "error", "unknown key 'lable'", "label")
    assert d.format() == "a.yaml:3:7: error[E201]: unknown key 'lable' (did you mean 'label'?)"
    assert d.to_dict()["suggestion"] == "label"
    assert Diagnostic("a.yaml", 1, 1, "W501", "warning", "x").format() == "a.yaml:1:1: warning[W501]: x"


# --------------------------------------------------------------------------- YAML level (E1xx)


def test_syntax_error_is_at_pyyamls_problem_mark() -> None:
    result = load_text("id: x\ntitle: [a, b\nsummary: s\n")
    assert located(result) == ["3:8 E101"]
    assert result.scenario is None and result.data is None


def test_tab_in_indentation_gets_a_clear_message() -> None:
    result = load_text("state:\n\tsecurity: 1\n")
    assert located(result) == ["2:1 E102"]
    assert "tab" in result.diagnostics[0].message


def test_duplicate_key_is_reported_at_the_second_key_naming_the_first_line() -> None:
    result = load_yaml(
        dedent("""\
        id: x
        title: a
        summary: s

        title: b
    """)
    )
    (d,) = result.diagnostics
    assert (d.line, d.column, d.code) == (5, 1, "E103")
    assert "line 2" in d.message
    assert result.data["title"] == "a"


def test_non_string_key_is_rejected() -> None:
    (d,) = load_yaml("options:\n  1: x\n").diagnostics
    assert (d.line, d.column, d.code) == (2, 3, "E202")


def test_python_tag_is_refused_without_running_anything() -> None:
    result = load_text("id: !!python/object/apply:os.system ['echo hacked']\n")
    assert "1:5 E105" in located(result)
    assert not any(d.message.startswith("'id'") for d in result.diagnostics)  # reported once


@pytest.mark.parametrize("text", ["x: !custom 1\n", "x: !!set {a: null}\n", "x: !!binary aGk=\n"])
def test_non_standard_tags_are_refused(text: str) -> None:
    assert [d.code for d in load_yaml(text).diagnostics] == ["E105"]


def test_merge_keys_are_refused() -> None:
    assert [d.code for d in load_yaml("a: &a {x: 1}\nb:\n  <<: *a\n").diagnostics] == ["E105"]


@pytest.mark.parametrize("literal", [".nan", ".inf", "-.Inf", "1e999"])
def test_non_finite_number_is_reported_at_its_position_once(literal: str) -> None:
    result = broken("initial: 50", f"initial: {literal}")
    assert located(result) == [f"{line_of(MINIMAL, 'initial: 50')}:14 E106"]


def test_dates_and_yes_no_stay_strings_and_1e5_is_a_number() -> None:
    data = load_yaml("a: 2023-01\nb: 2023-01-15\nc: no\nd: 1e5\ne: 0x10\nf: 1:30\n").data
    assert data == {"a": "2023-01", "b": "2023-01-15", "c": "no", "d": 100000.0, "e": 16, "f": "1:30"}


def test_billion_laughs_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    start = time.perf_counter()
    result = load_text("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert [d.code for d in result.diagnostics] == ["E104"]
    assert "expand" in result.diagnostics[0].message


def test_more_than_100_aliases_is_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    (d,) = load_text(text).diagnostics
    assert d.code == "E104" and "aliases" in d.message


def test_200_deep_nesting_is_refused_at_the_51st_level() -> None:
    result = load_text("x: " + "[" * 200 + "]" * 200 + "\n")
    assert located(result) == ["1:53 E104"]


def test_2_mib_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (2 << 20) + "\n")
    start = time.perf_counter()
    result = load_scenario(path)
    assert time.perf_counter() - start < 1
    assert located(result) == ["1:1 E104"]


def test_missing_file_is_e107_with_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "water.yaml").write_text("id: water\n")
    result = load_scenario(tmp_path / "nope.yaml")
    assert [d.code for d in result.diagnostics] == ["E107"]


def test_non_utf8_file_is_e107(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"id: caf\xe9\n")
    assert located(load_scenario(path)) == ["1:8 E107"]


def test_empty_file_and_top_level_list_say_what_a_scenario_is() -> None:
    assert located(load_text("")) == ["1:1 E202"]
    assert located(load_text("- a\n- b\n")) == ["1:1 E202"]


# --------------------------------------------------------------------------- schema (E2xx)


def test_unknown_key_points_at_the_key_with_a_suggestion_from_the_model() -> None:
    result = broken("        label: Posture", "        lable: Posture")
    line = line_of(MINIMAL, "label: Posture")
    assert f"{line}:9 E201" in located(result)
    unknown = next(d for d in result.diagnostics if d.code == "E201")
    assert unknown.suggestion == "label"
    # ... and the missing `label` is reported at the key of the mapping that lacks it.
    missing = next(d for d in result.diagnostics if d.code == "E204")
    assert (missing.line, missing.column) == (line - 1, 7)
    assert "label" in missing.message


def test_unknown_top_level_key_suggests_a_scenario_field() -> None:
    result = broken("turns: 4", "turns: 4\nauthr: x")
    d = next(d for d in result.diagnostics if d.code == "E201")
    assert (d.line, d.column, d.suggestion) == (line_of(MINIMAL, "turns: 4") + 1, 1, "author")


def test_unknown_key_inside_a_union_member_uses_that_members_fields() -> None:
    result = broken("cost: 1\n", "cost: {valeu: 1}\n")
    d = next(d for d in result.diagnostics if d.code == "E201")
    assert d.suggestion == "value"
    assert (d.line, d.column) == (line_of(MINIMAL, "cost: 1"), 20)


def test_wrong_type_is_at_the_value() -> None:
    result = broken("turns: 4", "turns: many")
    assert located(result) == [f"{line_of(MINIMAL, 'turns: 4')}:8 E202"]


def test_number_where_text_belongs_suggests_quoting() -> None:
    result = broken("start: 2023-01", "start: 2023")
    (d,) = result.diagnostics
    assert d.code == "E202" and 'quote it: "2023"' in d.message


def test_out_of_range_is_e203_at_the_value() -> None:
    assert located(broken("turns: 4", "turns: 0")) == [f"{line_of(MINIMAL, 'turns: 4')}:8 E203"]


def test_bad_literal_suggests_the_closest_allowed_value() -> None:
    result = broken("kind: count", "kind: cuont")
    (d,) = result.diagnostics
    assert (d.line, d.column, d.code, d.suggestion) == (line_of(MINIMAL, "kind: count"), 11, "E202", "count")


def test_bad_policy_kind_points_at_the_kind_value() -> None:
    result = broken("{kind: fixed, option: raise}", "{kind: fxed, option: raise}")
    (d,) = result.diagnostics
    assert (d.line, d.column, d.code, d.suggestion) == (
        line_of(MINIMAL, "option: raise"),
        22,
        "E202",
        "fixed",
    )


def test_bad_distribution_name_points_at_dist() -> None:
    result = broken("initial: 50", "initial: {dist: unifrom, low: 0, high: 1}")
    (d,) = result.diagnostics
    assert (d.line, d.column, d.code, d.suggestion) == (
        line_of(MINIMAL, "initial: 50"),
        21,
        "E202",
        "uniform",
    )


def test_model_consistency_error_is_e205_at_the_mapping() -> None:
    result = broken("    range: [0, 100]\n    initial: 50", "    range: [0, 100]\n    initial: 500")
    (d,) = result.diagnostics
    assert (d.line, d.code) == (line_of(MINIMAL, "label: Security"), "E205")
    assert "outside range" in d.message


def test_lever_with_one_level_is_e408() -> None:
    result = broken("          high:\n            label: High\n", "")
    assert "E408" in [d.code for d in result.diagnostics]


# ---------------------------------------------------------------------- expressions (E3xx) inside strings


def test_unknown_name_in_a_plain_expression_is_at_the_name() -> None:
    result = broken("when: security < 10", "when: security < 10 and secrity > 0")
    (d,) = result.diagnostics
    assert (d.line, d.column, d.code, d.suggestion) == (
        line_of(MINIMAL, "when: security < 10"),
        29,
        "E302",
        "security",
    )
    assert d.message == "unknown name 'secrity'"


def test_position_accounts_for_the_opening_quote() -> None:
    for quoted, column in (("'min(security, sekurity)'", 26), ('"min(security, sekurity)"', 26)):
        result = broken("when: security < 10", f"when: {quoted}")
        (d,) = result.diagnostics
        assert (d.column, d.code) == (column, "E302"), quoted


def test_position_accounts_for_escapes_in_quoted_strings() -> None:
    (d,) = broken("when: security < 10", "when: 'security < 10 and seurity < 1'").diagnostics
    assert d.column == line_of_col("when: 'security < 10 and seurity < 1'", "seurity")
    for text in ('when: "security\\t< 10 and seurity > 1"', 'when: "security\\x20< 10 and seurity > 1"'):
        (d,) = broken("when: security < 10", text).diagnostics
        assert d.column == line_of_col(text, "seurity"), text


def line_of_col(line_text: str, needle: str) -> int:
    """1-based column of `needle` in an ending's `when:` line (indented by four spaces)."""
    return 4 + line_text.index(needle) + 1


def test_block_scalar_expression_points_at_the_first_line_of_its_text() -> None:
    result = broken("when: security < 10", "when: >-\n      security < 10 and nope")
    (d,) = result.diagnostics
    assert (d.line, d.column) == (line_of(MINIMAL, "when: security < 10") + 1, 7)


def test_syntax_unknown_function_and_arity_codes() -> None:
    assert [d.code for d in broken("when: security < 10", "when: security <").diagnostics] == ["E301"]
    (d,) = broken("when: security < 10", "when: clamp(security, 0, 1)").diagnostics
    assert (d.code, d.suggestion, d.column) == ("E303", "clip", 11)
    assert [d.code for d in broken("when: security < 10", "when: exp(1, 2)").diagnostics] == ["E304"]
