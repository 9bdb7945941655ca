"""The commands that run the engine: run, batch, sweep, tournament, analyze and explore.

`--json` puts exactly one JSON document on stdout; people get tables on stdout and notes on stderr.
Most tests use the small starter scenario so the suite stays fast.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dilemma_sim.batch import summary as summary_module
from dilemma_sim.batch.outputs import read_metadata
from dilemma_sim.cli import main
from dilemma_sim.scenario.starter import starter_yaml

SUMMARY_KEYS = ["runs", "seed", "turns", "scenario", "hash", "payoff", "final_state", "counts", "endings"]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return path


# --------------------------------------------------------------------------- batch


def test_batch_json_is_the_summary_and_nothing_else(starter: Path) -> None:
    data = json_of(invoke("batch", starter, "--runs", "3000", "--seed", "4", "--json"))
    assert list(data) == SUMMARY_KEYS
    assert data["runs"] == 3000 and data["seed"] == 4 and data["scenario"] == "starter"
    assert set(data["payoff"]["government"]) == {"mean", "sd", "p5", "p50", "p95"}
    assert sum(data["endings"].values()) == pytest.approx(1.0)


def test_batch_results_do_not_depend_on_workers_or_chunks(starter: Path) -> None:
    one = json_of(invoke("batch", starter, "--runs", "5000", "--json"))
    two = json_of(
        invoke("batch", starter, "--runs", "5000", "--json", "--workers", "2", "--chunk-runs", "1024")
    )
    assert one == two


def test_batch_writes_one_row_per_run(starter: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs.csv"
    result = invoke("batch", starter, "--runs", "1500", "--policy", "government=hard_line", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "Total payoff" in result.stdout and "1,500 runs written" in result.stderr
    meta = read_metadata(out)
    assert meta["complete"] is True and meta["runs"] == 1500 and meta["scenario"] == "starter"
    assert json.loads(meta["policies"]) == {"government": "hard_line"}
    rows = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert len(rows) == 1 + 1500


@pytest.mark.parametrize("presses", [1, 2], ids=["one-ctrl-c", "two-ctrl-c"])
def test_ctrl_c_keeps_the_finished_runs_in_a_file_marked_incomplete(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, presses: int
) -> None:
    # a real SIGINT to this process, delivered while the second chunk is being written and counted:
    # the chunk in hand is kept whole, no other starts, and file, summary and message agree
    add = summary_module.Summary.add
    seen: list[int] = []

    def ctrl_c_during_the_second_chunk(self: summary_module.Summary, result: Any) -> None:
        seen.append(1)
        if len(seen) == 2:
            for _ in range(presses):
                os.kill(os.getpid(), signal.SIGINT)
        add(self, result)

    monkeypatch.setattr(summary_module.Summary, "add", ctrl_c_during_the_second_chunk)
    out = tmp_path / "runs.jsonl"
    result = invoke("batch", starter, "--runs", "8192", "--chunk-runs", "1024", "--out", out, "--json")
    assert result.exit_code == 130
    assert "interrupted: 2,048 of 8,192 runs finished" in result.stderr
    assert json.loads(result.stdout)["runs"] == 2048
    meta = read_metadata(out)
    assert meta["complete"] is False and meta["runs"] == 2048
    assert len(out.read_text().splitlines()) == 1 + 2048
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.jsonl"]


def test_bad_input_exits_1_with_a_message(starter: Path, tmp_path: Path) -> None:
    result = invoke("batch", starter, "--runs", "10", "--policy", "government=no_such_strategy")
    assert result.exit_code == 1 and "no_such_strategy" in result.stderr
    result = invoke("batch", tmp_path / "missing.yaml", "--runs", "10")
    assert result.exit_code == 1 and "E107" in result.stderr
    assert invoke("batch", starter, "--out", tmp_path / "x.xlsx").exit_code == 2


# --------------------------------------------------------------------------- run


def test_run_shows_every_turn_and_replays_exactly(starter: Path, tmp_path: Path) -> None:
    shown = invoke("run", starter, "--seed", "2", "--run-index", "7")
    assert shown.exit_code == 0
    assert "2024-Q1" in shown.stdout and "Totals:" in shown.stdout
    transcript = tmp_path / "run.json"
    data = json_of(
        invoke("run", starter, "--seed", "2", "--run-index", "7", "--transcript", transcript, "--json")
    )
    assert data["seed"] == 2 and data["run"] == 7 and 1 <= len(data["turns"]) <= 12
    assert set(data["totals"]) == {"government", "group"}
    ok = invoke("run", starter, "--check", transcript)
    assert ok.exit_code == 0 and "replays exactly" in ok.stderr
    tampered = json.loads(transcript.read_text())
    tampered["turns"][0]["payoffs"]["government"] += 1.0
    transcript.write_text(json.dumps(tampered))
    bad = invoke("run", starter, "--check", transcript)
    assert bad.exit_code == 1 and "turn 0 payoffs.government" in bad.stderr


# --------------------------------------------------------------------------- sweep, tournament


def test_sweep_reports_each_points_best_strategy_and_a_sensitivity_ranking(starter: Path) -> None:
    data = json_of(
        invoke(
            "sweep",
            starter,
            "--param",
            "parameters.base_attack_rate=1:6:3",
            "--param",
            "actors.government.utility.security=0.05:0.3:2",
            "--runs",
            "300",
            "--json",
        )
    )
    assert len(data["points"]) == 6
    assert {p["best"] for p in data["points"]} <= set(data["strategies"])
    assert data["points"][0]["values"] == {
        "parameters.base_attack_rate": 1.0,
        "actors.government.utility.security": 0.05,
    }
    assert [s["path"] for s in data["sensitivity"]] and len(data["sensitivity"]) == 2
    bad = invoke("sweep", starter, "--param", "parameters.base_attack_rate=1:6")
    assert bad.exit_code == 2 and "PATH=LO:HI:STEPS" in bad.stderr
    missing = invoke("sweep", starter, "--param", "parameters.nope=1:2:2")
    assert missing.exit_code == 1 and "parameters.nope" in missing.stderr


def test_tournament_ranks_scenario_strategies_and_builtins(starter: Path) -> None:
    data = json_of(invoke("tournament", starter, "--runs", "400", "--json"))
    ranking = data["ranking"]
    assert {e["strategy"] for e in ranking} == {"hard_line", "reciprocity", "random", "greedy"}
    means = [e["mean"] for e in ranking]
    assert means == sorted(means, reverse=True)
    for e in ranking:
        assert e["ci95"][0] <= e["mean"] <= e["ci95"][1]
    assert ranking[0]["diff_to_best"] == 0.0
    table = invoke("tournament", starter, "--runs", "200")
    assert table.exit_code == 0 and "reciprocity" in table.stdout


# --------------------------------------------------------------------------- analyze, explore


def test_analyze_json_has_the_documented_shape(starter: Path, tmp_path: Path) -> None:
    data = json_of(invoke("analyze", starter, "--json", "--nfg", tmp_path / "nfg"))
    assert list(data) == ["games", "game"]
    game = data["games"][0]
    assert list(game) == [
        "turn",
        "row_actor",
        "col_actor",
        "row_options",
        "col_options",
        "row_payoffs",
        "col_payoffs",
        "equilibria",
        "qre",
        "type",
    ]
    assert all(list(e) == ["row", "col"] for e in game["equilibria"])
    assert len(list((tmp_path / "nfg").glob("*.nfg"))) == len(data["games"])
    assert invoke("analyze", starter, "--turn", "3").exit_code == 0
    assert invoke("analyze", starter, "--turn", "12").exit_code == 2


def test_explore_reports_what_never_happens(starter: Path) -> None:
    data = json_of(invoke("explore", starter, "--runs", "300", "--json"))
    for key in (
        "events_never_fired",
        "endings_never_reached",
        "options_never_chosen",
        "pinned_state",
        "non_finite",
    ):
        assert isinstance(data[key], list)
    assert data["non_finite"] == []
    assert "backlash" not in data["events_never_fired"]
    assert set(data["ending_shares"]) == {"collapse", "horizon"}


@pytest.mark.parametrize("width", [80, 250])
def test_sweep_tables_fit_the_terminal_without_cutting_a_number(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pakistan-ttp has 11 strategies of its own: a column each cut every mean to `-3…` at 80 columns."""
    from dilemma_sim.cli import console

    monkeypatch.setattr(console.out, "width", width)
    result = invoke(
        "sweep",
        "pakistan-ttp",
        "--param",
        "parameters.value_of_life=0.15:1.4:2",
        "--param",
        "parameters.truce_regroup=0.5:2:2",
        "--runs",
        "40",
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    assert "…" not in result.stdout, result.stdout  # no number, name or header cut
    one_row_of_names = any("always-appease" in line and "always-confront" in line for line in lines)
    assert one_row_of_names == (width == 250)  # a column per strategy only where it fits
    if width == 80:
        assert any(line.startswith("Each strategy over the 4 points") for line in lines)
