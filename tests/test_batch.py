"""Batch runs: task planning, the executor's backends, per-run output files and summaries.

The executor's contract is determinism: the same seed gives the same runs bit for bit, whatever
the number of workers or the chunk size. Output files are written atomically and say whether they
are complete.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dilemma_sim.batch.design import SweepParam, design_points
from dilemma_sim.batch.layout import Layout
from dilemma_sim.batch.outputs import RunWriter, read_metadata
from dilemma_sim.batch.summary import Summary, summarize
from dilemma_sim.batch.sweep import standardized_coefficients
from dilemma_sim.engine import BLOCK
from dilemma_sim.errors import InvalidInput
from dilemma_sim.executor import Execution, Job, JobRun, ScenarioRef, StopFlag, plan_tasks, run_batch
from dilemma_sim.executor.jobs import TaskSpec
from dilemma_sim.executor.worker import run_task
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


def test_tasks_cover_the_runs_once_and_start_on_block_boundaries(starter_ref: ScenarioRef) -> None:
    cs = starter_ref.compile()
    for runs, size, first in [
        (10_000, 4096, 0),
        (5000, 1000, 0),
        (3000, 2048, 1500),
        (1, 65536, 0),
        (0, 10, 0),
    ]:
        tasks = plan_tasks([Job(cs, 0, runs, first_run=first)], size)
        covered = [r for t in tasks for r in range(t.first_run, t.first_run + t.runs)]
        assert covered == list(range(first, first + runs))
        assert all(t.first_run % BLOCK == 0 for t in tasks[1:])


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


def test_summary_accumulated_by_chunk_is_bit_identical_to_the_summary_of_the_whole(
    starter_ref: ScenarioRef,
) -> None:
    cs = starter_ref.compile()
    whole = run_batch(cs, 5000, 3)
    one = Summary(cs, 3)
    one.add(whole)
    for chunk in (1024, 2048, 3000):
        acc = Summary(cs, 3)
        for part in reversed(list(JobRun([Job(cs, 3, 5000)], Execution(chunk_runs=chunk)))):
            acc.add(part.value)  # chunks may arrive in any order
        assert acc.result() == one.result()
    r = one.result()
    assert len(r["counts"]["attacks"]["per_year_mean"]) == 3  # 12 quarterly turns are 3 years
    assert sum(r["counts"]["attacks"]["per_year_mean"]) == pytest.approx(r["counts"]["attacks"]["total_mean"])
    assert sum(r["endings"].values()) == pytest.approx(1.0)
    column = cs.state_names.index("security")
    assert r["final_state"]["security"]["mean"] == pytest.approx(whole.final_state[:, column].mean())
    assert r["final_state"]["security"]["sd"] == pytest.approx(whole.final_state[:, column].std(ddof=1))


def test_a_summary_sized_in_advance_gives_the_same_result_for_a_prefix_or_chunks_out_of_order(
    starter_ref: ScenarioRef,
) -> None:
    cs = starter_ref.compile()
    parts = [p.value for p in JobRun([Job(cs, 3, 5000)], Execution(chunk_runs=1024))]
    for chosen in (parts, parts[:2], [parts[3], parts[0], parts[4], parts[1], parts[2]]):
        sized, plain = Summary(cs, 3, runs=5000), Summary(cs, 3)
        for part in chosen:
            sized.add(part)
            plain.add(part)
        assert sized.result() == plain.result()
        assert sized.runs == sum(p.runs for p in chosen)


def test_summary_sd_does_not_cancel_for_large_values_with_small_spread(starter_ref: ScenarioRef) -> None:
    # a naive sum-of-squares formula loses every digit here (1e9**2 dwarfs the variance)
    from dilemma_sim.executor.stats import Moments

    x = 1e9 + np.arange(10.0).reshape(-1, 1)
    merged = Moments.of(x[:3]).merge(Moments.of(x[3:7])).merge(Moments.of(x[7:]))
    assert merged.sd()[0] == pytest.approx(np.arange(10.0).std(ddof=1), rel=1e-12)


def test_summary_has_exactly_the_documented_keys(starter_ref: ScenarioRef) -> None:
    cs = starter_ref.compile()
    result = run_batch(cs, 2000, 3)
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
    cs = starter_ref.compile()
    runs, seed = 5000, 11
    reference = run_batch(cs, runs, seed)
    assert reference.totals.shape == (runs, 2)
    assert_same_results(reference, run_batch(cs, runs, seed, execution=Execution(chunk_runs=1024)))
    assert_same_results(reference, run_batch(cs, runs, seed, execution=Execution(workers=2, chunk_runs=2048)))
    tail = run_batch(cs, 1500, seed, first_run=3500, execution=Execution(chunk_runs=1024))
    np.testing.assert_array_equal(tail.totals, reference.totals[3500:])


def test_policies_reach_the_workers(starter_ref: ScenarioRef) -> None:
    cs = starter_ref.compile()
    base = run_batch(cs, 2048, 5)
    hard = run_batch(
        cs, 2048, 5, {"government": "hard_line"}, execution=Execution(workers=2, chunk_runs=1024)
    )
    assert_same_results(hard, run_batch(cs, 2048, 5, {"government": "hard_line"}))
    assert not np.array_equal(base.totals, hard.totals)


class FlakyTask:
    """Runs tasks, but the first attempt at `fail_at` fails (or kills its worker process)."""

    def __init__(self, marker: Path, fail_at: int, kill: bool) -> None:
        self.marker, self.fail_at, self.kill = marker, fail_at, kill

    def __call__(self, spec: TaskSpec) -> Any:
        if spec.first_run == self.fail_at and not self.marker.exists():
            self.marker.write_text("failed once")
            if self.kill:
                os._exit(3)  # the worker process dies mid-batch
            raise OSError("transient failure")
        return run_task(spec)


@pytest.mark.parametrize("kill", [False, True], ids=["task-fails", "worker-dies"])
def test_a_failed_task_or_a_lost_worker_does_not_change_the_results(
    starter_ref: ScenarioRef, tmp_path: Path, kill: bool
) -> None:
    cs = starter_ref.compile()
    reference = run_batch(cs, 4096, 2)
    flaky = FlakyTask(tmp_path / "marker", fail_at=2048, kill=kill)
    run = JobRun([Job(cs, 2, 4096)], Execution(workers=2, chunk_runs=1024), fn=flaky)
    parts = list(run)
    assert (tmp_path / "marker").exists()
    assert run.complete
    assert [p.task.first_run for p in parts] == [0, 1024, 2048, 3072]
    np.testing.assert_array_equal(np.concatenate([p.value.totals for p in parts]), reference.totals)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stop_keeps_a_prefix_of_finished_tasks_and_marks_the_run_incomplete(
    starter_ref: ScenarioRef, workers: int
) -> None:
    cs = starter_ref.compile()
    stop = StopFlag()
    run = JobRun([Job(cs, 1, 8192)], Execution(workers=workers, chunk_runs=1024), stop=stop)
    got = []
    for part in run:
        got.append(part.task.first_run)
        stop.set()
    assert got == list(range(0, 1024 * len(got), 1024)), "a stopped run keeps a prefix, never a gap"
    assert 1 <= len(got) < 8 and not run.complete and run.rows_done == 1024 * len(got)


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
    with pytest.raises(InvalidInput, match="PATH=LO:HI:STEPS"):
        SweepParam.parse("parameters.rate=1:2")


def test_standardized_coefficients_rank_the_parameter_that_matters() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(200, 3))
    y = 5 * x[:, 1] + 0.5 * x[:, 0] + rng.normal(scale=0.1, size=200)
    src = standardized_coefficients(x, y)
    assert np.argmax(np.abs(src)) == 1 and abs(src[2]) < 0.1


@pytest.mark.parametrize("n", [2, 5, 30, 1000, 10**6])
def test_the_one_interval_formula_is_students_t(n: int) -> None:
    from scipy import stats

    from dilemma_sim.executor.stats import mean_ci, t_factor

    assert t_factor(n) == pytest.approx(stats.t.ppf(0.975, n - 1), rel=1e-12)
    x = np.random.default_rng(n).normal(size=min(n, 5000))
    mean, sd, half = mean_ci(x)
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert sd == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert half == pytest.approx(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size), rel=1e-12)
