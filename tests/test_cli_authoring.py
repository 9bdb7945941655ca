"""The authoring commands: validate, lint, schema, new, list and explain.

Results go to stdout and diagnostics to stderr, so each test checks the stream it expects.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dilemma_sim.cli import main
from dilemma_sim.scenario.models import Scenario

DEFAULT_ID = "pakistan-ttp"

THREE_MISTAKES = """\
id: three-mistakes
title: Three mistakes
summary: A file with three different mistakes.
turns: many
player: onne
state:
  x:
    label: X
    colour: red
actors:
  one:
    name: One
    utility:
      x: 1
"""
"""Line 4: `turns` is not an integer; line 5: `player` names no actor; line 9: unknown key."""

TINY = """\
id: tiny
title: Tiny
summary: One actor, one lever.
turns: 3
player: one
actors:
  one:
    name: One
    utility:
      x: 1
    decisions:
      dial:
        label: Dial
        kind: lever
        levels:
          low: {label: Low}
          high: {label: High, effects: {x: 1}}
state:
  x:
    label: X
"""
"""A valid scenario ending inside `state:`, so tests can append state variables."""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    result = invoke("new", "water-rights", "--dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    return tmp_path / "water-rights.yaml"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(THREE_MISTAKES)
    return path


# --------------------------------------------------------------------------- validate


def test_validate_reports_every_mistake_with_its_position(broken: Path) -> None:
    result = invoke("validate", broken)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    diagnostics, summary = lines[:-1], lines[-1]
    assert len(diagnostics) == 3, result.stderr
    positions = [line.split(": ", 1)[0] for line in diagnostics]
    assert positions == [f"{broken}:4:8", f"{broken}:5:9", f"{broken}:9:5"]
    assert [line.split(": ", 2)[1] for line in diagnostics] == ["error[E202]", "error[E409]", "error[E201]"]
    assert diagnostics[1].endswith("(did you mean 'one'?)")
    assert summary == "1 file, 3 errors, 0 warnings"


def test_validate_json_lists_files_and_diagnostics(broken: Path, starter: Path) -> None:
    result = invoke("validate", "--format", "json", starter, broken)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files"] == [
        {"file": str(starter), "ok": True, "errors": 0, "warnings": 0},
        {"file": str(broken), "ok": False, "errors": 3, "warnings": 0},
    ]
    assert len(report["diagnostics"]) == 3
    for d in report["diagnostics"]:
        assert set(d) == {"file", "line", "column", "code", "severity", "message", "suggestion"}
        assert d["file"] == str(broken)
        assert d["severity"] == "error"
    assert [(d["line"], d["column"], d["code"]) for d in report["diagnostics"]] == [
        (4, 8, "E202"),
        (5, 9, "E409"),
        (9, 5, "E201"),
    ]
    assert report["diagnostics"][1]["suggestion"] == "one"
    assert result.stderr.strip().splitlines()[-1] == "2 files, 3 errors, 0 warnings"


def test_validate_valid_file_exits_0(starter: Path) -> None:
    result = invoke("validate", starter)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "1 file, 0 errors, 0 warnings"


def test_validate_accepts_builtin_id() -> None:
    result = invoke("validate", DEFAULT_ID)
    assert result.exit_code == 0, result.stderr


def test_validate_unknown_reference_is_invalid_input(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path / "missing.yaml")
    assert result.exit_code == 1
    assert "error" in result.stderr


def test_validate_without_paths_is_a_usage_error() -> None:
    assert invoke("validate").exit_code == 2


# --------------------------------------------------------------------------- lint


def test_lint_json_counts_warnings_and_strict_fails_on_them(tmp_path: Path) -> None:
    path = tmp_path / "unused.yaml"
    path.write_text(TINY + "  unused:\n    label: Unused\n")
    result = invoke("lint", "--format", "json", path)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    codes = [d["code"] for d in report["diagnostics"]]
    assert "W501" in codes  # a state variable nothing uses
    assert all(d["severity"] == "warning" for d in report["diagnostics"])
    assert report["files"] == [{"file": str(path), "ok": True, "errors": 0, "warnings": len(codes)}]
    strict = invoke("lint", "--strict", "--format", "json", path)
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["files"][0]["ok"] is False


def test_lint_starter_is_clean_even_strict(starter: Path) -> None:
    result = invoke("lint", "--strict", starter)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == "1 file, 0 errors, 0 warnings"


def test_lint_reports_errors_like_validate(broken: Path) -> None:
    result = invoke("lint", broken)
    assert result.exit_code == 1
    assert result.stderr.count(": error[") == 3


# --------------------------------------------------------------------------- schema


def test_schema_is_json_schema_of_scenario() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"]
    assert set(schema["properties"]) == set(Scenario.model_fields)
    assert set(schema["required"]) == {n for n, f in Scenario.model_fields.items() if f.is_required()}


def test_schema_out_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "scenario.schema.json"
    result = invoke("schema", "--out", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text())["$schema"]


def test_schema_help_explains_editor_setup() -> None:
    text = invoke("schema", "--help").stdout
    assert "yaml-language-server: $schema=" in text
    assert "yaml.schemas" in text


# --------------------------------------------------------------------------- new


def test_new_writes_a_starter_that_validates_lints_and_loads(starter: Path) -> None:
    from dilemma_sim.scenario.loader import load_or_raise, load_scenario
    from dilemma_sim.scenario.models import is_distribution

    result = load_scenario(starter)
    assert result.ok, [d.format() for d in result.diagnostics]
    scenario = load_or_raise(starter)
    assert scenario.id == "water-rights"
    assert len(scenario.actors) == 2
    kinds = {d.kind for a in scenario.actors.values() for d in a.decisions.values()}
    assert kinds == {"choice", "lever"}
    assert {v.kind for v in scenario.state.values()} == {"level", "count"}
    assert scenario.events and scenario.endings and scenario.strategies and scenario.sources
    sampled = [q for q in scenario.parameters.values() if is_distribution(q)]
    assert any(getattr(q, "source", None) in scenario.sources for q in sampled)
    assert "#" in starter.read_text()  # commented for the author


def test_new_starter_runs_in_the_engine(starter: Path) -> None:
    import numpy as np

    from dilemma_sim.engine import compile_scenario
    from dilemma_sim.executor import run_batch
    from dilemma_sim.scenario.loader import load_or_raise

    compiled = compile_scenario(load_or_raise(starter))
    result = run_batch(compiled, runs=64, seed=1)
    assert result.totals.shape == (64, 2)
    assert np.isfinite(result.totals).all()
    assert (result.ended_turn < compiled.turns).all()


def test_new_refuses_to_overwrite_without_force(starter: Path) -> None:
    starter.write_text("# mine\n")
    result = invoke("new", "water-rights", "--dir", starter.parent)
    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert starter.read_text() == "# mine\n"
    assert invoke("new", "water-rights", "--dir", starter.parent, "--force").exit_code == 0
    assert starter.read_text() != "# mine\n"


def test_new_title_with_yaml_syntax_is_kept_verbatim(tmp_path: Path) -> None:
    from dilemma_sim.scenario.loader import load_or_raise

    title = 'Water: "rights" # and #wrongs'
    assert invoke("new", "indus", "--dir", tmp_path, "--title", title).exit_code == 0
    assert load_or_raise(tmp_path / "indus.yaml").title == title


@pytest.mark.parametrize("name", ["Water", "water rights", "../up", "-x"])
def test_new_rejects_names_that_are_not_slugs(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["new", "--dir", str(tmp_path), "--", name])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- list


def test_list_shows_builtin_and_local_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # local scenarios are those under ./scenarios
    assert invoke("new", "water-rights").exit_code == 0
    table = invoke("list")
    assert table.exit_code == 0
    assert DEFAULT_ID in table.stdout
    assert "water-rights" in table.stdout
    rows = {row["id"]: row for row in json.loads(invoke("list", "--json").stdout)}
    assert rows[DEFAULT_ID]["builtin"] is True
    assert rows["water-rights"]["builtin"] is False
    assert rows["water-rights"]["actors"] == ["The Government", "The Armed Group"]


# --------------------------------------------------------------------------- explain


def test_explain_json_describes_the_scenario(starter: Path) -> None:
    result = invoke("explain", starter, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {
        "id",
        "title",
        "turns",
        "state",
        "actors",
        "events",
        "parameters",
        "strategies",
        "endings",
    } <= set(data)
    assert data["id"] == "water-rights"
    assert [v["name"] for v in data["state"]] == ["security", "attacks"]
    government = data["actors"][0]
    assert {"id", "name", "decisions"} <= set(government)
    lever = next(d for d in government["decisions"] if d["kind"] == "lever")
    assert [lv["index"] for lv in lever["levels"]] == [0, 1, 2]
    assert lever["initial_level"] == "medium"
    assert [e["id"] for e in data["events"]] == ["backlash"]
    assert data["parameters"][0]["distribution"] is True
    assert data["strategies"][0]["actor"] == "government"  # defaulted to the player


def test_explain_json_includes_the_engine_hash(starter: Path) -> None:
    pytest.importorskip("dilemma_sim.engine")
    data = json.loads(invoke("explain", starter, "--json").stdout)
    assert isinstance(data.get("hash"), str) and data["hash"]


def test_explain_fills_in_defaults() -> None:
    from dilemma_sim.scenario.explain import describe, quantity_text
    from dilemma_sim.scenario.models import Uniform

    scenario = Scenario.model_validate(
        {
            "id": "tiny",
            "title": "Tiny",
            "summary": "s",
            "turns": 2,
            "player": "a",
            "state": {"x": {"label": "X", "initial": 5, "persistence": 0.5}},
            "actors": {
                "a": {"name": "A", "decisions": {"d": {"label": "D", "options": {"o": {"label": "O"}}}}}
            },
        }
    )
    data = describe(scenario)
    assert data["state"][0]["baseline"] == 5.0 and data["state"][0]["baseline_defaulted"] is True
    decision = data["actors"][0]["decisions"][0]
    assert decision["default_option"] == "o"
    assert decision["policy"]["kind"] == "default"
    assert "hash" not in data
    assert quantity_text(Uniform(dist="uniform", low=1, high=3, source="s")) == "uniform(low=1, high=3) [s]"


def test_explain_builtin_renders_tables() -> None:
    result = invoke("explain", DEFAULT_ID)
    assert result.exit_code == 0, result.stderr
    for heading in ("State", "Actor", "Events"):
        assert heading in result.stdout


def test_explain_invalid_file_prints_diagnostics_and_exits_1(broken: Path) -> None:
    result = invoke("explain", broken)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{broken}:4:8: error[" in result.stderr


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["validate", "lint", "schema", "new", "list", "explain"])
def test_help_has_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"dilemma-sim {command}" in result.stdout


def test_python_m_dilemma_sim_help() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "dilemma_sim", "--help"], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr
    for command in ("validate", "lint", "schema", "new", "list", "explain"):
        assert command in proc.stdout
