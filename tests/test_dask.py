"""Batches on a Dask cluster give the same results as local runs, even when a worker dies.

The cluster is a `LocalCluster` of two worker processes on 127.0.0.1, started once for the module.
A worker is killed for real (its process exits in the middle of a chunk); Dask's nanny restarts
it and the scheduler runs the lost chunk again, so the results do not change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dilemma_sim.executor import Execution, Job, JobRun, ScenarioRef, run_batch
from dilemma_sim.executor.jobs import TaskSpec
from dilemma_sim.executor.worker import run_task
from dilemma_sim.scenario.starter import starter_yaml

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRef:
    path = tmp_path_factory.mktemp("dask") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return ScenarioRef.of(path)


def test_a_dask_batch_equals_the_local_batch(client: Any, ref: ScenarioRef) -> None:
    cs = ref.compile()
    local = run_batch(cs, 6000, 9)
    remote = run_batch(cs, 6000, 9, execution=Execution(scheduler=client.scheduler.address, chunk_runs=2048))
    for name in ("totals", "discounted", "final_state", "counts_per_turn", "endings", "ended_turn", "params"):
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name), err_msg=name)


class KillOnce:
    """Runs tasks; the first attempt at `fail_at` kills its worker process."""

    def __init__(self, marker: Path, fail_at: int) -> None:
        self.marker, self.fail_at = marker, fail_at

    def __call__(self, spec: TaskSpec) -> Any:
        if spec.first_run == self.fail_at and not self.marker.exists():
            self.marker.write_text("killed")
            os._exit(3)
        return run_task(spec)


def test_a_worker_lost_mid_batch_does_not_change_the_results(
    client: Any, ref: ScenarioRef, tmp_path: Path
) -> None:
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import the tests
    cs = ref.compile()
    local = run_batch(cs, 4096, 3)
    run = JobRun(
        [Job(cs, 3, 4096)], Execution(scheduler=client, chunk_runs=1024), fn=KillOnce(tmp_path / "m", 2048)
    )
    parts = list(run)
    assert (tmp_path / "m").exists(), "the worker was never killed"
    assert run.complete and [p.task.first_run for p in parts] == [0, 1024, 2048, 3072]
    np.testing.assert_array_equal(np.concatenate([p.value.totals for p in parts]), local.totals)
