"""Batch runs: chunking, the parallel runner, per-run output files and summaries.

The runner's contract is determinism: the same seed gives the same runs bit for bit, whatever the
number of workers or the chunk size. Output files are written atomically and say whether they are
complete.
"""

from __future__ import annotations

import csv
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dilemma_sim.batch.outputs import Layout, RunWriter, read_metadata
from dilemma_sim.batch.runner import BLOCK, ChunkStream, ScenarioRef, plan_chunks, run_chunk, run_parallel
from dilemma_sim.batch.summary import Summary, summarize
from dilemma_sim.batch.sweep import SweepParam, design_points, standardized_coefficients
from dilemma_sim.scenario.starter import starter_yaml

LAYOUT = Layout(
    actors=("gov", "group"),
    state=("security", "attacks"),
    counts=("attacks",),
    parameters=("parameters.rate",),  # column param.rate
    endings=("collapse",),
)


@dataclass
class FakeResult:
    """A result with the engine's array shapes: N runs, 2 actors, 2 state variables, T turns, 1 count."""

    totals: np.ndarray
    discounted: np.ndarray
    final_state: np.ndarray
    counts_per_turn: np.ndarray
    endings: np.ndarray
    ended_turn: np.ndarray
    params: np.ndarray


def fake_result(n: int, turns: int = 8, seed: int = 0) -> FakeResult:
    rng = np.random.default_rng(seed)
    return FakeResult(
        totals=rng.normal(size=(n, 2)),
        discounted=rng.normal(size=(n, 2)),
        final_state=rng.uniform(0, 100, size=(n, 2)),
        counts_per_turn=rng.poisson(3.0, size=(n, turns, 1)).astype(float),
        endings=rng.integers(0, 2, size=n),
        ended_turn=rng.integers(0, turns, size=n),
        params=rng.uniform(size=(n, 1)),
    )


META = {"scenario": "fake", "hash": "0123456789abcdef", "seed": 7, "version": "1"}


@pytest.fixture(scope="module")
def starter_ref(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRef:
    path = tmp_path_factory.mktemp("scenarios") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return ScenarioRef.of(path)


# --------------------------------------------------------------------------- chunks


def test_chunks_cover_the_runs_once_and_start_on_block_boundaries() -> None:
    for runs, size, first in [
        (10_000, 4096, 0),
        (5000, 1000, 0),
        (3000, 2048, 1500),
        (1, 65536, 0),
        (0, 10, 0),
    ]:
        chunks = plan_chunks(runs, size, first)
        covered = [r for start, n in chunks for r in range(start, start + n)]
        assert covered == list(range(first, first + runs))
        assert all(start % BLOCK == 0 for start, _ in chunks[1:])


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_output_has_one_row_per_run_with_named_columns_and_metadata(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"runs{ext}"
    a, b = fake_result(5, seed=1), fake_result(3, seed=2)
    with RunWriter(path, LAYOUT, META) as writer:
        writer.write(a, first_run=0, seed=7)
        writer.write(b, first_run=5, seed=7)
    meta = read_metadata(path)
    assert meta["complete"] is True and meta["runs"] == 8
    assert meta["scenario"] == "fake" and meta["hash"] == "0123456789abcdef"
    assert "dilemma_sim_version" in meta
    rows = read_rows(path)
    assert [int(r["run"]) for r in rows] == list(range(8))
    assert set(rows[0]) == set(LAYOUT.columns())
    assert float(rows[6]["total.group"]) == b.totals[1, 1]  # floats survive the round trip exactly
    assert float(rows[2]["count.attacks"]) == a.counts_per_turn[2].sum()
    assert {r["ending"] for r in rows} <= {"collapse", "horizon"}
    assert not list(tmp_path.glob(".*tmp")), "the temporary file was left behind"


def test_interrupted_output_is_complete_for_the_finished_runs_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    writer = RunWriter(path, LAYOUT, META)
    writer.write(fake_result(4), first_run=0, seed=7)
    assert not path.exists(), "the target appears only when the file is closed"
    writer.close(complete=False)
    meta = read_metadata(path)
    assert meta["complete"] is False and meta["runs"] == 4
    assert len(read_rows(path)) == 4


def test_a_failed_write_leaves_an_existing_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text("previous\n")
    with pytest.raises(RuntimeError), RunWriter(path, LAYOUT, META) as writer:
        writer.write(fake_result(2), first_run=0, seed=7)
        raise RuntimeError("boom")
    assert path.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["runs.jsonl"]


def test_non_finite_numbers_become_null_in_json_lines(tmp_path: Path) -> None:
    result = fake_result(3)
    result.totals[1, 0] = np.nan
    path = tmp_path / "runs.jsonl"
    with RunWriter(path, LAYOUT, META) as writer:
        writer.write(result, first_run=0, seed=7)
    rows = read_rows(path)
    assert rows[1]["total.gov"] is None and rows[0]["total.gov"] == result.totals[0, 0]
    assert rows[0]["param.rate"] == result.params[0, 0]


def test_unknown_output_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.csv, \.jsonl or \.parquet"):
        RunWriter(tmp_path / "runs.xlsx", LAYOUT, META)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    with open(path) as f:
        if path.suffix == ".jsonl":
            f.readline()
            return [json.loads(line) for line in f]
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


# --------------------------------------------------------------------------- summary


def test_summary_accumulated_by_chunk_equals_summary_of_the_whole() -> None:
    whole = fake_result(1000, turns=8)
    parts = [
        FakeResult(**{k: v[lo:hi] for k, v in vars(whole).items()})
        for lo, hi in [(0, 300), (300, 301), (301, 1000)]
    ]
    acc = Summary(LAYOUT, scenario="fake", scenario_hash="h", seed=7, turns=8, turns_per_year=4)
    for p in parts:
        acc.add(p)
    one = Summary(LAYOUT, scenario="fake", scenario_hash="h", seed=7, turns=8, turns_per_year=4)
    one.add(whole)
    a, b = acc.result(), one.result()
    assert a["payoff"] == b["payoff"]
    assert a["endings"] == b["endings"]
    assert a["counts"]["attacks"]["per_year_mean"] == pytest.approx(b["counts"]["attacks"]["per_year_mean"])
    assert len(a["counts"]["attacks"]["per_year_mean"]) == 2  # 8 quarterly turns are 2 years
    assert sum(a["counts"]["attacks"]["per_year_mean"]) == pytest.approx(a["counts"]["attacks"]["total_mean"])
    assert sum(a["endings"].values()) == pytest.approx(1.0)
    assert a["final_state"]["security"]["mean"] == pytest.approx(whole.final_state[:, 0].mean())


def test_summary_has_exactly_the_documented_keys(starter_ref: ScenarioRef) -> None:
    cs = starter_ref.compile()
    result = run_parallel(starter_ref, 2000, 3)
    s = summarize(result, cs, seed=3)
    assert list(s) == [
        "runs",
        "seed",
        "turns",
        "scenario",
        "hash",
        "payoff",
        "final_state",
        "counts",
        "endings",
    ]
    assert s["runs"] == 2000 and s["seed"] == 3 and s["turns"] == 12 and s["scenario"] == "starter"
    assert set(s["payoff"]) == set(cs.actors)
    assert set(s["payoff"]["government"]) == {"mean", "sd", "p5", "p50", "p95"}
    assert len(s["counts"]["attacks"]["per_year_mean"]) == 3
    json.dumps(s, allow_nan=False)


# --------------------------------------------------------------------------- runner


def assert_same_results(a: Any, b: Any) -> None:
    for name in ("totals", "discounted", "final_state", "counts_per_turn", "endings", "ended_turn", "params"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_results_do_not_depend_on_workers_or_chunk_size(starter_ref: ScenarioRef) -> None:
    runs, seed = 5000, 11
    reference = run_parallel(starter_ref, runs, seed, chunk_runs=65536)
    assert reference.totals.shape == (runs, 2)
    assert_same_results(reference, run_parallel(starter_ref, runs, seed, chunk_runs=1024))
    assert_same_results(reference, run_parallel(starter_ref, runs, seed, workers=2, chunk_runs=2048))
    tail = run_parallel(starter_ref, 1500, seed, first_run=3500, chunk_runs=1024)
    np.testing.assert_array_equal(tail.totals, reference.totals[3500:])


def test_policies_reach_the_workers(starter_ref: ScenarioRef) -> None:
    base = run_parallel(starter_ref, 2048, 5)
    hard = run_parallel(starter_ref, 2048, 5, {"government": "hard_line"}, workers=2, chunk_runs=1024)
    assert_same_results(hard, run_parallel(starter_ref, 2048, 5, {"government": "hard_line"}))
    assert not np.array_equal(base.totals, hard.totals)


class FlakyChunk:
    """Runs chunks, but the first attempt at `fail_at` fails (or kills its worker process)."""

    def __init__(self, marker: Path, fail_at: int, kill: bool) -> None:
        self.marker, self.fail_at, self.kill = marker, fail_at, kill

    def __call__(self, ref: ScenarioRef, seed: int, first_run: int, runs: int, policies: Any = ()) -> Any:
        if first_run == self.fail_at and not self.marker.exists():
            self.marker.write_text("failed once")
            if self.kill:
                os._exit(3)  # the worker process dies mid-batch
            raise OSError("transient failure")
        return run_chunk(ref, seed, first_run, runs, policies)


@pytest.mark.parametrize("kill", [False, True], ids=["chunk-fails", "worker-dies"])
def test_a_failed_chunk_or_a_lost_worker_does_not_change_the_results(
    starter_ref: ScenarioRef, tmp_path: Path, kill: bool
) -> None:
    reference = run_parallel(starter_ref, 4096, 2)
    flaky = FlakyChunk(tmp_path / "marker", fail_at=2048, kill=kill)
    stream = ChunkStream(starter_ref, 4096, 2, workers=2, chunk_runs=1024, chunk_fn=flaky)
    chunks = list(stream)
    assert (tmp_path / "marker").exists() and stream.resubmitted >= 1
    assert stream.complete
    assert [c.first_run for c in chunks] == [0, 1024, 2048, 3072]
    np.testing.assert_array_equal(np.concatenate([c.result.totals for c in chunks]), reference.totals)


def test_stop_event_keeps_finished_chunks_and_marks_the_stream_incomplete(starter_ref: ScenarioRef) -> None:
    stop = threading.Event()
    stream = ChunkStream(starter_ref, 8192, 1, chunk_runs=1024, stop_event=stop)
    got = []
    for chunk in stream:
        got.append(chunk)
        stop.set()
    assert len(got) == 1 and not stream.complete and stream.runs_done == 1024


# --------------------------------------------------------------------------- sweep designs


def test_sweep_specs_parse_and_designs_stay_in_bounds() -> None:
    a = SweepParam.parse("parameters.rate=0.5:2:3")
    b = SweepParam.parse("actors.gov.utility.security=-1:1:4")
    assert (a.path, a.low, a.high, a.steps) == ("parameters.rate", 0.5, 2.0, 3)
    grid = design_points([a, b], "grid")
    assert grid.shape == (12, 2) and sorted(set(grid[:, 0])) == [0.5, 1.25, 2.0]
    for design in ("lhs", "sobol"):
        pts = design_points([a, b], design, points=16, seed=1)
        assert pts.shape == (16, 2)
        assert (pts[:, 0] >= 0.5).all() and (pts[:, 0] <= 2).all() and (pts[:, 1] >= -1).all()
    with pytest.raises(ValueError, match="PATH=LO:HI:STEPS"):
        SweepParam.parse("parameters.rate=1:2")


def test_standardized_coefficients_rank_the_parameter_that_matters() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(200, 3))
    y = 5 * x[:, 1] + 0.5 * x[:, 0] + rng.normal(scale=0.1, size=200)
    src = standardized_coefficients(x, y)
    assert np.argmax(np.abs(src)) == 1 and abs(src[2]) < 0.1
