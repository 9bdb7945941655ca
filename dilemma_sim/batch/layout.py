"""The per-run row of a batch: its columns, named from the compiled scenario, and a chunk's rows as
columns.

One row per run: run index, seed, the sampled parameters, each actor's total and discounted payoff,
the final state, each count variable's total over the run, the ending id and the turn it ended.
`batch.outputs` writes these rows to files; summaries and robust results name their columns with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypedDict

import numpy as np

from dilemma_sim.limits import check_seed

if TYPE_CHECKING:
    from dilemma_sim.engine.tables import CompiledScenario


class RunRows(Protocol):
    """One chunk of per-run results, as `run_columns` reads them (an engine `BatchResult` is one)."""

    @property
    def totals(self) -> np.ndarray: ...
    @property
    def discounted(self) -> np.ndarray: ...
    @property
    def final_state(self) -> np.ndarray: ...
    @property
    def counts_per_turn(self) -> np.ndarray: ...
    @property
    def endings(self) -> np.ndarray: ...
    @property
    def ended_turn(self) -> np.ndarray: ...
    @property
    def params(self) -> np.ndarray: ...


class ScenarioFacts(TypedDict):
    """Identity of a compiled scenario as written into output metadata (see `scenario_facts`)."""

    scenario: str
    hash: str
    version: str
    turns: int
    turns_per_year: int


@dataclass(frozen=True)
class Layout:
    """Names of the per-run columns, in the order of the engine's arrays."""

    actors: tuple[str, ...]
    state: tuple[str, ...]
    counts: tuple[str, ...]
    parameters: tuple[str, ...]
    endings: tuple[str, ...]
    """Ending ids by ending code; the engine's code `len(endings)` (or -1) means `horizon`."""

    def columns(self) -> list[str]:
        """Column names of one row."""
        return [
            "run",
            "seed",
            *(param_column(p) for p in self.parameters),
            *(f"total.{a}" for a in self.actors),
            *(f"discounted.{a}" for a in self.actors),
            *(f"final.{s}" for s in self.state),
            *(f"count.{c}" for c in self.counts),
            "ending",
            "ended_turn",
        ]

    def ending_names(self, codes: np.ndarray) -> np.ndarray:
        """Ending ids for an array of ending codes (`horizon` for any code that is not an ending)."""
        names = np.array([*self.endings, "horizon"], dtype=object)
        codes = np.asarray(codes)
        if codes.dtype.kind in "OUS":
            return codes.astype(object)
        idx = codes.astype(np.int64)
        idx = np.where((idx < 0) | (idx >= len(self.endings)), len(self.endings), idx)
        return names[idx]


def param_column(path: str) -> str:
    """Column of a sampled parameter: `param.<name>` for named parameters, `param.<path>` otherwise."""
    return "param." + path.removeprefix("parameters.")


def layout_of(cs: CompiledScenario) -> Layout:
    """The column layout of a compiled scenario's batch results."""
    endings = tuple(cs.ending_ids)
    return Layout(
        actors=tuple(cs.actors),
        state=tuple(cs.state_names),
        counts=tuple(cs.state_names[int(i)] for i in cs.count_idx),
        parameters=tuple(path for path, _ in cs.param_specs),
        endings=endings[:-1] if endings and endings[-1] == "horizon" else endings,
    )


def scenario_facts(cs: CompiledScenario) -> ScenarioFacts:
    """Identity of a compiled scenario as written into output metadata."""
    sc = cs.scenario
    return {
        "scenario": cs.scenario_id,
        "hash": cs.scenario_hash,
        "version": sc.version,
        "turns": int(cs.turns),
        "turns_per_year": sc.calendar.turns_per_year(),
    }


def run_columns(result: RunRows, layout: Layout, *, first_run: int, seed: int) -> dict[str, np.ndarray]:
    """The rows of one chunk as columns: name -> array of shape (runs,).

    `result` holds `totals (N, A)`, `discounted (N, A)`, `final_state (N, S)`,
    `counts_per_turn (N, T, C)`, `endings (N,)`, `ended_turn (N,)` and `params (N, P)`.
    """
    totals = np.asarray(result.totals, dtype=np.float64)
    n = totals.shape[0]
    check_seed(int(seed))
    cols: dict[str, np.ndarray] = {
        "run": np.arange(first_run, first_run + n, dtype=np.int64),
        "seed": np.full(n, seed, dtype=np.int64),
    }
    params = np.asarray(result.params, dtype=np.float64).reshape(n, -1)
    for j, name in enumerate(layout.parameters):
        cols[param_column(name)] = params[:, j]
    discounted = np.asarray(result.discounted, dtype=np.float64)
    for j, name in enumerate(layout.actors):
        cols[f"total.{name}"] = totals[:, j]
    for j, name in enumerate(layout.actors):
        cols[f"discounted.{name}"] = discounted[:, j]
    final = np.asarray(result.final_state, dtype=np.float64)
    for j, name in enumerate(layout.state):
        cols[f"final.{name}"] = final[:, j]
    count_totals = np.asarray(result.counts_per_turn, dtype=np.float64).sum(axis=1)
    for j, name in enumerate(layout.counts):
        cols[f"count.{name}"] = count_totals[:, j]
    cols["ending"] = layout.ending_names(result.endings)
    cols["ended_turn"] = np.asarray(result.ended_turn, dtype=np.int64)
    return cols
