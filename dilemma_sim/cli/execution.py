"""The options every command that plays many runs shares: --workers, --scheduler, --chunk-runs.

They only say where runs are played; results are the same to the bit whatever they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from dilemma_sim.limits import DEFAULT_CHUNK_RUNS

if TYPE_CHECKING:  # the executor loads numpy and the engine: only when a command runs
    from dilemma_sim.executor import Execution

F = TypeVar("F", bound=Callable[..., object])


def execution_options(command: F) -> F:
    """Add --workers, --scheduler and --chunk-runs to a command (as `workers`, `scheduler`, `chunk_runs`)."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1, max=256),
            default=1,
            show_default=True,
            help="Local worker processes (results do not depend on it).",
        ),
        click.option(
            "--scheduler",
            metavar="ADDR",
            help="A running Dask scheduler (tcp://host:8786) instead of local workers (dilemma-sim[dask]).",
        ),
        click.option(
            "--chunk-runs",
            type=click.IntRange(min=1),
            default=DEFAULT_CHUNK_RUNS,
            show_default=True,
            help="Runs per task, rounded up to whole blocks of 1,024 and lowered to fit "
            "DILEMMA_SIM_CHUNK_MEMORY (results do not depend on it).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def execution_of(workers: int, scheduler: str | None, chunk_runs: int) -> Execution:
    """The executor settings the options gave."""
    from dilemma_sim.executor import Execution

    return Execution(workers=workers, scheduler=scheduler, chunk_runs=chunk_runs)
