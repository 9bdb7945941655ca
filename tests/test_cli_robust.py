"""`dilemma-sim robust`: a table for people, one JSON document for programs, per-point rows with
provenance, and a self-contained HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dilemma_sim.batch.outputs import read_metadata
from dilemma_sim.cli import main

THRESHOLD = Path(__file__).parent / "fixtures" / "threshold.yaml"
BASE = ["robust", str(THRESHOLD), "--samples", "40", "--runs", "4", "--strategies", "always-a,always-b"]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_table_ranks_strategies_and_fits_80_columns() -> None:
    result = invoke(*BASE)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "max regret" in out and "p90 regret" in out and "always-a" in out and "always-b" in out
    assert "Most robust" in out and "Scenario discovery (PRIM)" in out
    assert "p <= 0.5" in out or "p <= 0.4" in out  # the region where always-a wins
    assert "Regret of Government's strategies" in out and "Who wins where" in out  # the pictures
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    assert too_wide == []


def test_no_plots_leaves_the_pictures_out() -> None:
    out = invoke(*BASE, "--no-plots").stdout
    assert "Who wins where" not in out and "max regret" in out


def test_json_is_one_document_with_every_metric() -> None:
    doc = json_of(invoke(*BASE, "--json"))
    assert doc["samples"] == 40 and doc["runs"] == 4 and doc["scenario"] == "threshold"
    a, b = doc["strategies"]
    assert a["id"] == "always-a" and a["best_share"] == 0.5 and b["best_share"] == 0.5
    for key in ("mean", "worst", "p10", "mean_regret", "max_regret", "p90_regret", "within_tolerance_share"):
        assert isinstance(a[key], float)
    assert doc["tolerance"]["value"] == 0.0 and "paired" in doc["tolerance"]["rule"]
    assert doc["decisive"][0]["path"] == "parameters.p"
    assert doc["sobol"] is None


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_writes_one_row_per_point_and_strategy_with_provenance(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"points{suffix}"
    result = invoke(*BASE, "--seed", "2", "--out", out, "--json")
    json.loads(result.stdout)
    meta = read_metadata(out)
    assert meta["complete"] is True and meta["runs"] == 80  # rows: 40 points x 2 strategies
    assert meta["command"] == "robust" and str(meta["seed"]) == "2" and meta["scenario"] == "threshold"
    if suffix == ".csv":
        lines = [line for line in out.read_text().splitlines() if not line.startswith("#")]
        header = lines[0].split(",")
        assert header[:3] == ["point", "param.p", "param.q"]
        assert {"strategy", "mean", "ci95", "regret", "regret_ci95", "best", "within_tolerance"} <= set(
            header
        )
        assert len(lines) == 81


def test_report_is_one_self_contained_html_file(tmp_path: Path) -> None:
    path = tmp_path / "robust.html"
    result = invoke(*BASE, "--report", path, "--no-plots")
    assert result.exit_code == 0, result.stderr
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "always-a" in page and "max regret" in page and "Scenario discovery" in page
    assert not re.search(r"<script|<link|src=|https?://", page)  # nothing loads from anywhere


def test_an_unknown_strategy_or_ending_exits_1_with_the_choices() -> None:
    result = invoke("robust", str(THRESHOLD), "--samples", "8", "--runs", "2", "--strategies", "always-c")
    assert result.exit_code == 1 and "always-a" in result.stderr
    result = invoke("robust", str(THRESHOLD), "--samples", "8", "--runs", "2", "--where", "nowhere")
    assert result.exit_code == 1 and "horizon" in result.stderr


def test_a_bad_param_range_is_a_usage_error_with_the_expected_form() -> None:
    result = invoke("robust", str(THRESHOLD), "--samples", "8", "--runs", "2", "--param", "parameters.p=1")
    assert result.exit_code == 1 and "PATH=LO:HI" in result.stderr


def test_sweep_calls_its_ranking_standardized_regression_and_keeps_the_old_json_key() -> None:
    args = ["sweep", str(THRESHOLD), "--param", "parameters.p=0:1:4", "--param", "parameters.q=0:1:2"]
    doc = json_of(invoke(*args, "--runs", "2", "--json"))
    assert doc["standardized_regression"] == doc["sensitivity"]
    assert doc["standardized_regression"][0]["path"] == "parameters.p"
    table = " ".join(invoke(*args, "--runs", "2", "--design", "sobol", "--points", "8").stdout.split())
    assert "Standardized regression coefficients" in table and "not Sobol indices" in table
