"""A robustness study on a Dask cluster equals the same study played in this process, to the bit.

The cluster is a `LocalCluster` of two worker processes on 127.0.0.1, as in `test_dask.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dilemma_sim.batch.robust import robust
from dilemma_sim.executor import Execution, ScenarioRef
from dilemma_sim.scenario.starter import starter_yaml

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_study_on_dask_equals_the_local_study(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    ref = ScenarioRef.of(path)
    kwargs: dict[str, Any] = {"samples": 24, "runs": 200, "seed": 8, "strategies": ["greedy", "random"]}
    local = robust(ref, **kwargs)
    remote = robust(ref, execution=Execution(scheduler=client.scheduler.address, chunk_runs=1024), **kwargs)
    for name in ("means", "half", "regret", "regret_half", "best"):
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name), err_msg=name)
    assert local.to_json() == remote.to_json()
