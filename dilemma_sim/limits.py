"""The documented bounds on work a command may ask for: runs, seeds and memory per chunk.

A request beyond a bound fails at once with a `LimitExceeded` that names the bound and how to
change it, never with an allocation that takes the machine down. The memory budget is per chunk
of runs (one chunk per worker process); the engine's estimate of a scenario's bytes per run is in
`dilemma_sim.engine.footprint`. Imports nothing of the package but `errors`.
"""

from __future__ import annotations

import os
import re

from dilemma_sim.errors import LimitExceeded

MAX_RUNS = 10**9
"""Most runs one command may play (per strategy or design point for sweep and tournament)."""
MAX_SEED = 2**63 - 1
"""Largest seed: seeds are written as 64-bit signed integers in output files."""
DEFAULT_CHUNK_RUNS = 16384
"""Rows (point-runs) per task of the executor unless told otherwise: about 60 MB of engine arrays for
pakistan-ttp, and as fast as larger tasks (they fall out of the CPU caches); a million runs are 62 tasks."""
CHUNK_MEMORY_ENV = "DILEMMA_SIM_CHUNK_MEMORY"
"""Environment variable overriding `DEFAULT_CHUNK_MEMORY`: bytes, or a number with K, M or G (GiB)."""
DEFAULT_CHUNK_MEMORY = 2 << 30
"""Memory one chunk of runs may use (2 GiB): chunks are made smaller to fit, and a scenario whose
single block of runs would not fit is refused when it is compiled."""

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """Bytes from `123`, `512M`, `1.5G` or `2GiB`; ValueError for anything else."""
    m = _SIZE.match(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (use bytes, or a number with K, M or G)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def chunk_memory() -> int:
    """The memory budget of one chunk, in bytes (`DILEMMA_SIM_CHUNK_MEMORY` or 2 GiB)."""
    text = os.environ.get(CHUNK_MEMORY_ENV)
    if not text:
        return DEFAULT_CHUNK_MEMORY
    try:
        value = parse_size(text)
    except ValueError as exc:
        raise LimitExceeded(f"{CHUNK_MEMORY_ENV}: {exc}") from None
    if value <= 0:
        raise LimitExceeded(f"{CHUNK_MEMORY_ENV} must be a positive size, not {text!r}")
    return value


def check_runs(runs: int, what: str = "--runs") -> int:
    """`runs` when it is within 1..MAX_RUNS, else LimitExceeded naming the bound."""
    if not 1 <= runs <= MAX_RUNS:
        raise LimitExceeded(
            f"{what} {runs:,} is outside 1..{MAX_RUNS:,}",
            hint="split the work into several batches with different seeds",
        )
    return runs


def check_seed(seed: int) -> int:
    """`seed` when it is within 0..MAX_SEED, else LimitExceeded."""
    if not 0 <= seed <= MAX_SEED:
        raise LimitExceeded(f"seed {seed} is outside 0..2**63-1 (seeds are stored as 64-bit integers)")
    return seed


def human_bytes(n: float) -> str:
    """`n` bytes as `12.3 MiB` (for messages)."""
    if abs(n) < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if abs(n) < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} TiB"
