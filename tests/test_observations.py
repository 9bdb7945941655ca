"""`observations:` in the scenario language: periods map to whole turns of the calendar, every
mistake is reported at its line and column with a suggestion, variants add, replace and delete
observations, and lint asks every `source:` to say which figure it gives (W509) from which
document (W510)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dilemma_sim.scenario.lint import lint
from dilemma_sim.scenario.loader import LoadResult, load_scenario, load_text
from dilemma_sim.scenario.models import Calendar, ObservedValue
from dilemma_sim.scenario.observations import PeriodError, period_span, turns_of_period

FIXTURES = Path(__file__).parent / "fixtures"
OBSERVED_PATH = FIXTURES / "observed.yaml"
OBSERVED = OBSERVED_PATH.read_text()


def broken(*replacements: tuple[str, str]) -> LoadResult:
    """The observed fixture with pieces of text replaced."""
    text = OBSERVED
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return load_text(text, "observed.yaml")


def line_of(needle: str, text: str = OBSERVED) -> int:
    """1-based line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def only(result: LoadResult, code: str) -> tuple[int, int, str | None, str]:
    """(line, column, suggestion, message) of the only diagnostic, which must have `code`."""
    (d,) = result.diagnostics
    assert d.code == code, d.format()
    return d.line, d.column, d.suggestion, d.message


# --------------------------------------------------------------------------- periods


QUARTERS_2020 = Calendar(start="2020-Q1", step="quarter")


@pytest.mark.parametrize(
    ("period", "turns"),
    [
        ("2020", range(0, 4)),
        ("2021-Q3", range(6, 7)),
        ("2021-Q3..2022-Q2", range(6, 10)),
        ("2020..2022", range(0, 12)),
    ],
)
def test_a_period_covers_the_turns_inside_it(period: str, turns: range) -> None:
    assert turns_of_period(QUARTERS_2020, 12, period) == turns


def test_a_turn_is_the_period_its_calendar_label_names() -> None:
    yearly = Calendar(start="2019", step="year")
    assert turns_of_period(yearly, 5, "2021") == range(2, 3)
    monthly = Calendar(start="2023-11", step="month")
    assert turns_of_period(monthly, 6, "2024-Q1") == range(2, 5)
    late = Calendar(start="2021-Q4", step="quarter")
    assert turns_of_period(late, 8, "2022") == range(1, 5)


@pytest.mark.parametrize(
    ("calendar", "turns", "period", "words"),
    [
        (QUARTERS_2020, 12, "2019", "outside the simulated calendar"),
        (QUARTERS_2020, 12, "2022-Q4..2023-Q1", "outside the simulated calendar"),
        (QUARTERS_2020, 12, "2021-02", "not a whole number of turns"),
        (Calendar(start="2020", step="year"), 3, "2021-Q2", "not a whole number of turns"),
        (Calendar(start="2021-Q4", step="quarter"), 8, "2021", "outside the simulated calendar"),
    ],
)
def test_a_period_must_cover_whole_turns_inside_the_calendar(
    calendar: Calendar, turns: int, period: str, words: str
) -> None:
    with pytest.raises(PeriodError, match=words):
        turns_of_period(calendar, turns, period)


def test_a_span_that_ends_before_it_starts_is_refused() -> None:
    assert period_span("2022-05") == (12 * 2022 + 4, 12 * 2022 + 5)
    with pytest.raises(PeriodError, match="ends before it starts"):
        period_span("2023..2022")


# --------------------------------------------------------------------------- the model


def test_the_fixture_loads_with_its_observations() -> None:
    result = load_scenario(OBSERVED_PATH)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.scenario is not None and result.scenario.observations is not None
    obs = result.scenario.observations
    assert obs.followed == {"state": "crackdown_from_2021"}
    assert list(obs.data) == ["incidents_2020", "incidents_2021", "incidents_2022", "militancy_end_2022"]
    assert obs.data["incidents_2020"].period == "2020"  # YAML's integer 2020 is read as a period


def test_uncertainty_reads_as_the_error_of_the_true_figure() -> None:
    absolute = ObservedValue(variable="x", period="2020", value=30, sd=3, source="s")
    relative = ObservedValue(variable="x", period="2020", value=30, relative_sd=0.2, source="s")
    ranged = ObservedValue(variable="x", period="2020", range=(20, 26), source="s")
    assert (absolute.central, absolute.error_sd) == (30, 3)
    assert relative.central == 30 and relative.error_sd == pytest.approx(6)
    assert ranged.central == 23 and ranged.error_sd == pytest.approx(6 / 12**0.5)
    assert absolute.statistic("count") == "total" and absolute.statistic("level") == "end"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("      relative_sd: 0.1\n", "", "not none"),
        ("      relative_sd: 0.1\n", "      relative_sd: 0.1\n      sd: 1\n", "not sd and relative_sd"),
        ("      range: [20, 26]\n", "      range: [26, 20]\n", "low < high"),
        ("      range: [20, 26]\n", "      range: [20, 26]\n      value: 30\n", "outside its range"),
        ("      value: 28\n", "", "`value` is required"),
    ],
)
def test_an_observation_states_its_figure_and_exactly_one_uncertainty(old: str, new: str, words: str) -> None:
    (d,) = broken((old, new)).diagnostics
    assert d.code == "E205" and words in d.message


def test_a_malformed_period_says_what_a_period_looks_like() -> None:
    line, column, _, message = only(broken(("      period: 2021\n", "      period: 2021-13\n")), "E203")
    assert (line, column) == (line_of("period: 2021"), 15)
    assert "2023-Q2" in message and "2022-Q3..2023-Q2" in message


# --------------------------------------------------------------------------- cross references


def test_unknown_variable_is_e401_with_did_you_mean() -> None:
    line, column, suggestion, _ = only(broken(("variable: militancy", "variable: militansy")), "E401")
    assert (line, column, suggestion) == (line_of("variable: militancy"), 17, "militancy")


def test_unknown_strategy_in_the_followed_path_is_e404_with_did_you_mean() -> None:
    result = broken(("    state: crackdown_from_2021", "    state: crackdown_2021"))
    line, column, suggestion, message = only(result, "E404")
    assert (line, column, suggestion) == (
        line_of("    state: crackdown_from_2021"),
        12,
        "crackdown_from_2021",
    )
    assert "strategies of 'state': crackdown_from_2021" in message


def test_unknown_actor_in_the_followed_path_is_e402_at_the_key() -> None:
    line, column, suggestion, _ = only(
        broken(("    state: crackdown_from_2021", "    stat: crackdown_from_2021")), "E402"
    )
    assert (line, column, suggestion) == (line_of("    state: crackdown_from_2021"), 5, "state")


def test_a_strategy_of_another_actor_is_e412() -> None:
    result = broken(
        ("actors:\n", "actors:\n  rebels:\n    name: Rebels\n    utility: {militancy: 1}\n"),
        ("    label: Crackdown from 2021\n", "    label: Crackdown from 2021\n    actor: rebels\n"),
    )
    codes = {d.code for d in result.diagnostics}
    assert "E412" in codes
    (d,) = [d for d in result.diagnostics if d.code == "E412"]
    assert "plays 'rebels', not 'state'" in d.message
    assert (d.line, d.column) == (line_of("    state: crackdown_from_2021") + 4, 12)  # 4 lines inserted above


def test_a_period_outside_the_calendar_is_e410_at_the_period() -> None:
    line, column, _, message = only(broken(("      period: 2022\n", "      period: 2023\n")), "E410")
    assert (line, column) == (line_of("      period: 2022"), 15)
    assert "the turns cover 2020-Q1 to 2022-Q4" in message


def test_a_period_finer_than_a_turn_is_e410() -> None:
    line, _, _, message = only(broken(("      period: 2021\n", "      period: 2021-05\n")), "E410")
    assert line == line_of("      period: 2021") and "one turn is a quarter" in message


def test_the_total_of_a_level_is_e411_suggesting_end() -> None:
    result = broken(("      value: 35.5\n", "      value: 35.5\n      stat: total\n"))
    line, column, suggestion, _ = only(result, "E411")
    assert (line, column, suggestion) == (line_of("      value: 35.5") + 1, 13, "end")


def test_unknown_source_of_an_observation_is_e405_even_without_a_value() -> None:
    result = broken(
        (
            "      range: [20, 26]\n      source: incident_log",
            "      range: [20, 26]\n      source: incident_lg",
        )
    )
    line, column, suggestion, _ = only(result, "E405")
    assert (line, column, suggestion) == (line_of("      range: [20, 26]") + 1, 15, "incident_log")


# --------------------------------------------------------------------------- extends


def test_a_variant_adds_replaces_and_deletes_observations_by_id(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(OBSERVED)
    (tmp_path / "variant.yaml").write_text(
        "id: variant\n"
        "extends: base.yaml\n"
        "observations:\n"
        "  data:\n"
        "    incidents_2020: {variable: incidents, period: 2020, value: 31, sd: 4, source: incident_log}\n"
        "    incidents_h1_2021: {variable: incidents, period: 2021-Q1..2021-Q2, value: 12, sd: 2,\n"
        "                        source: incident_log}\n"
        "    militancy_end_2022: null\n"
    )
    result = load_scenario(tmp_path / "variant.yaml")
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.scenario is not None and result.scenario.observations is not None
    data = result.scenario.observations.data
    assert list(data) == ["incidents_2020", "incidents_2021", "incidents_2022", "incidents_h1_2021"]
    assert (data["incidents_2020"].value, data["incidents_2020"].sd) == (31, 4)
    assert result.scenario.observations.followed == {"state": "crackdown_from_2021"}


def test_an_error_in_a_variants_observation_points_at_the_variant(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(OBSERVED)
    (tmp_path / "variant.yaml").write_text(
        "id: variant\nextends: base.yaml\nobservations:\n  data:\n"
        "    late: {variable: incidents, period: 2024, value: 1, sd: 1, source: incident_log}\n"
    )
    (d,) = load_scenario(tmp_path / "variant.yaml").diagnostics
    assert (Path(d.file).name, d.line, d.column, d.code) == ("variant.yaml", 5, 41, "E410")


# --------------------------------------------------------------------------- lint


def warnings_of(result: LoadResult) -> list[str]:
    assert result.ok, [d.format() for d in result.diagnostics]
    return [f"{d.line}:{d.column} {d.code}" for d in lint(result)]


def test_the_fixture_is_lint_clean() -> None:
    assert warnings_of(load_scenario(OBSERVED_PATH)) == []


def test_w509_every_source_tag_citing_a_source_without_figures() -> None:
    figures = (
        "    figures:\n"
        "      - {what: yearly incident totals 2020-2022, where: table 1}\n"
        "      - {what: militancy index at the end of 2022, where: table 2}\n"
    )
    tag = ("    note: Incidents per quarter", "    source: incident_log\n    note: Incidents per quarter")
    text = OBSERVED.replace(figures, "", 1).replace(*tag, 1)
    found = warnings_of(load_text(text, "observed.yaml"))
    lines = text.splitlines()
    tagged = [
        f"{i}:{len(line) - len(line.lstrip()) + 1} W509"
        for i, line in enumerate(lines, start=1)
        if line.strip() == "source: incident_log"
    ]
    assert found == tagged
    assert len(found) == 5  # the parameter and the four observations
    assert warnings_of(load_text(OBSERVED.replace(*tag, 1), "observed.yaml")) == []


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://www.pakpips.com/", True),
        ("https://www.pakpips.com", True),
        ("http://example.org/?lang=en", True),
        ("https://example.org/synthetic/incident-log.csv", False),
        ("https://www.pakpips.com/article/book/pakistan-security-report-2023", False),
    ],
)
def test_w510_a_url_without_a_path_is_a_home_page(url: str, home: bool) -> None:
    found = warnings_of(broken(("url: https://example.org/synthetic/incident-log.csv", f"url: {url}")))
    assert found == ([f"{line_of('    url: ')}:5 W510"] if home else [])
