"""Random streams, per-run parameter sampling and exact count inversion.

Runs are grouped in blocks of `BLOCK` consecutive run indices; block `b` has its own generator
(`block_generator`). A block first draws its parameter uniforms `(BLOCK, P)`, then every turn
`random((BLOCK, U))` and `standard_normal((BLOCK, Z))`, whole blocks always; a run uses its own row.
With `prob_end`, each block's second stream (`end_generator`) draws `random((BLOCK, 1))` a turn.
So a run's draws depend only on the seed and its run index, never on how runs are chunked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from dilemma_sim.engine.counts import count_ppf
from dilemma_sim.scenario.models import Beta, Normal, Triangular, Uniform

__all__ = [
    "BLOCK",
    "HALF_STEP",
    "RunStreams",
    "TurnDraws",
    "block_generator",
    "count_ppf",
    "end_generator",
    "quantile",
    "sample_parameters",
]
"""`count_ppf` lives in `counts.py` and is re-exported: the engine draws counts through this module."""

BLOCK = 1024
"""Run indices per random-stream block."""
HALF_STEP = 2.0**-54
"""Added to parameter uniforms (multiples of 2**-53) so no quantile is infinite."""


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of block `block`: `Generator(PCG64(SeedSequence(seed, spawn_key=(block,))))`."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


END_STREAM = 1
"""Second spawn-key entry of the stream that draws `prob_end`'s uniforms (see `end_generator`)."""
NOISE_STREAM = 2
"""Second spawn-key entry of the stream that draws `noise`'s uniforms."""


def end_generator(seed: int, block: int, stream: int = END_STREAM) -> np.random.Generator:
    """The generator of block `block`'s `prob_end` (or, `stream=NOISE_STREAM`, `noise`) draws, apart from
    its other draws so none of them shift: `Generator(PCG64(SeedSequence(seed, spawn_key=(block, stream))))`.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, stream))))


@dataclass(frozen=True)
class TurnDraws:
    """One turn's draws for a range of runs."""

    uniforms: np.ndarray
    """(N, U) in [0, 1): decisions, then events, then count variables."""
    normals: np.ndarray
    """(N, Z) standard normals: one per noisy effect term."""
    end: np.ndarray | None = None
    """(N,) with `prob_end`: the uniform that stops a run after the turn (from the block's end stream)."""
    noise: np.ndarray | None = None
    """(N, 2D) with `noise`: per decision, the uniform that flips its choice, then the one that picks
    the replacement (from the block's noise stream)."""

    def take(self, rows: np.ndarray) -> TurnDraws:
        """The draws of the given rows."""
        end = None if self.end is None else self.end[rows]
        noise = None if self.noise is None else np.asfortranarray(self.noise[rows])
        uniforms, normals = np.asfortranarray(self.uniforms[rows]), np.asfortranarray(self.normals[rows])
        return TurnDraws(uniforms, normals, end, noise)

    def forcing(self, slots: Sequence[int]) -> TurnDraws:
        """These draws with the uniforms of `slots` (event slots) at -inf, below any probability: a
        forced event fires whatever its probability, except a `once` event that already fired.
        Only those slots change, so everything else in the turn draws as it would have."""
        if not slots:
            return self
        uniforms = self.uniforms.copy(order="F")
        uniforms[:, list(slots)] = -np.inf
        return TurnDraws(uniforms, self.normals)


class RunStreams:
    """The random streams of runs `first_run .. first_run + runs - 1` (whole blocks drawn, rows kept)."""

    def __init__(
        self,
        seed: int,
        first_run: int,
        runs: int,
        n_params: int,
        n_uniform: int,
        n_normal: int,
        n_end: int = 0,
        n_noise: int = 0,
    ):
        """`n_end` (0 or 1): whether each turn also draws the `prob_end` uniform, from each block's own end
        stream (`end_generator`), so a scenario's other draws are the same with and without it; `n_noise`
        (2D or 0) likewise the `noise` uniforms, from a third stream."""
        if runs < 1 or first_run < 0:
            raise ValueError("need runs >= 1 and first_run >= 0")
        self.seed, self.first_run, self.runs = int(seed), int(first_run), int(runs)
        self.n_uniform, self.n_normal, self.n_end, self.n_noise = n_uniform, n_normal, n_end, n_noise
        first_block, last_block = first_run // BLOCK, (first_run + runs - 1) // BLOCK
        self._gens = [block_generator(self.seed, b) for b in range(first_block, last_block + 1)]
        blocks = range(first_block, last_block + 1) if n_end else range(0)
        self._end_gens = [end_generator(self.seed, b) for b in blocks]
        noisy = range(first_block, last_block + 1) if n_noise else range(0)
        self._noise_gens = [end_generator(self.seed, b, NOISE_STREAM) for b in noisy]
        # (row offset in the block, rows, offset in the output) of each block
        self._spans: list[tuple[int, int, int]] = []
        out = 0
        for b in range(first_block, last_block + 1):
            lo = max(first_run, b * BLOCK)
            hi = min(first_run + runs, (b + 1) * BLOCK)
            self._spans.append((lo - b * BLOCK, hi - lo, out))
            out += hi - lo
        self.parameter_uniforms = self._draw(n_params, normal=False)
        """(N, P) uniforms for the per-run parameters (drawn first, once)."""

    def _draw(self, width: int, normal: bool, gens: list[np.random.Generator] | None = None) -> np.ndarray:
        out = np.empty((width, self.runs))  # transposed: the result is (N, width) in Fortran order
        buf = np.empty((BLOCK, width))
        for gen, (row, n, at) in zip(self._gens if gens is None else gens, self._spans, strict=True):
            if normal:
                gen.standard_normal(out=buf)
            else:
                gen.random(out=buf)
            out[:, at : at + n] = buf[row : row + n].T
        return out.T

    def draw_turn(self) -> TurnDraws:
        """The next turn's uniforms and normals."""
        u = self._draw(self.n_uniform, normal=False)
        z = self._draw(self.n_normal, normal=True)
        end = self._draw(1, normal=False, gens=self._end_gens)[:, 0] if self.n_end else None
        noise = self._draw(self.n_noise, normal=False, gens=self._noise_gens) if self.n_noise else None
        return TurnDraws(u, z, end, noise)


def sample_parameters(specs: Sequence[object], uniforms: np.ndarray) -> np.ndarray:
    """Per-run parameter values (N, P) by inverse CDF of each column's uniform (N, P)."""
    n = uniforms.shape[0]
    out = np.empty((n, len(specs)), order="F")
    with np.errstate(all="ignore"):  # a draw that overflows is caught by `init_batch`, with its path
        for k, spec in enumerate(specs):
            u = uniforms[:, k] + HALF_STEP
            out[:, k] = quantile(spec, u)
    return out


def quantile(spec: object, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a scenario distribution at `u` in (0, 1)."""
    if isinstance(spec, Uniform):
        return spec.low + u * (spec.high - spec.low)
    if isinstance(spec, Normal):
        v = spec.mean + spec.sd * special.ndtri(u)
        if spec.low is not None or spec.high is not None:
            v = np.clip(v, spec.low, spec.high)
        return np.asarray(v, dtype=np.float64)
    if isinstance(spec, Beta):
        return spec.low + (spec.high - spec.low) * special.betaincinv(spec.a, spec.b, u)
    if isinstance(spec, Triangular):
        lo, mode, hi = spec.low, spec.mode, spec.high
        width = hi - lo
        if width <= 0:
            return np.full_like(u, lo)
        c = (mode - lo) / width
        left = lo + np.sqrt(u * width * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * width * (hi - mode))
        return np.where(u < c, left, right)
    raise TypeError(f"not a distribution: {spec!r}")


# --------------------------------------------------------------------------- count inversion
