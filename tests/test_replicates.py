"""Engine support for `check`: runs that share parameter samples (`replicates`), and parameter columns
named by the exact YAML path of their number."""

from __future__ import annotations

import numpy as np
from engine_scenarios import CRISIS, crisis

from dilemma_sim.batch.posterior import locate
from dilemma_sim.engine import compile_scenario, run_batch


def test_replicated_runs_share_the_parameters_of_run_j() -> None:
    cs = compile_scenario(crisis())
    plain = run_batch(cs, 10, 7)
    grouped = run_batch(cs, 40, 7, replicates=4)
    assert np.array_equal(grouped.params, np.repeat(plain.params, 4, axis=0))
    # replicates differ in their turn draws, so their outcomes differ
    totals = grouped.counts_per_turn.sum(axis=(1, 2)).reshape(10, 4)
    assert (totals.max(axis=1) > totals.min(axis=1)).any()


def test_replicates_do_not_depend_on_chunking() -> None:
    cs = compile_scenario(crisis())
    whole = run_batch(cs, 2100, 3, replicates=3, chunk_runs=65536)
    chunked = run_batch(cs, 2100, 3, replicates=3, chunk_runs=1024)
    assert np.array_equal(whole.params, chunked.params)
    assert np.array_equal(whole.counts_per_turn, chunked.counts_per_turn)
    assert np.array_equal(whole.params[1023], whole.params[1025])  # sample 341 straddles a chunk edge


def test_one_replicate_is_the_plain_batch() -> None:
    cs = compile_scenario(crisis())
    assert np.array_equal(run_batch(cs, 50, 1, replicates=1).totals, run_batch(cs, 50, 1).totals)


def test_every_parameter_column_is_named_by_the_yaml_path_of_a_distribution() -> None:
    cs = compile_scenario(crisis())
    paths = [p for p, _ in cs.param_specs]
    assert len(set(paths)) == len(paths)
    for path in paths:
        at = locate(CRISIS, path)
        assert at is not None, path
        node = CRISIS
        for key in at:
            node = node[key]
        assert isinstance(node, dict) and "dist" in node, path
    # an effect written as {add, noise} is named down to the key; a bare quantity by its variable
    assert "actors.state.decisions.posture.options.talk.effects.economy.noise" in paths
    assert "events.windfall.effects.economy" in paths
