"""N-player normal-form games: pure equilibria, dominance, social dilemmas, the logit QRE, Gambit `.nfg`
and, through pygambit when it is installed, mixed equilibria.

Pure numpy over a payoff array ``P: (m1, ..., mn, n)``: ``P[o1, ..., on, i]`` is player i's payoff when
player j plays option oj. Two-player games are also analysed by `games` (vertex enumeration); these
functions are the ones that scale to three and more players.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from dilemma_sim.engine.game_types import _nfg_label, _nfg_number, classify_2x2
from dilemma_sim.errors import MissingDependency

SOCIAL_DILEMMAS = ("prisoner's dilemma", "chicken", "stag hunt")
"""2x2 types that are social dilemmas: individually rational play leaves everyone worse off, or risks it."""
_TIE = 1e-12


def as_game(P: ArrayLike) -> np.ndarray:
    """Validate a payoff array (m1, ..., mn, n)."""
    arr = np.asarray(P, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-1] != arr.ndim - 1 or 0 in arr.shape:
        raise ValueError(f"payoffs must have shape (m1, ..., mn, n) with n players, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("payoffs must be finite")
    return arr


def _best(P: np.ndarray, i: int) -> np.ndarray:
    """Mask of the profiles where player i's option is a best response to the others'."""
    u = P[..., i]
    atol = _TIE * max(1.0, float(np.abs(u).max()))
    return np.asarray(u >= u.max(axis=i, keepdims=True) - atol)


def pure_equilibria(P: ArrayLike) -> list[tuple[int, ...]]:
    """Profiles where every player's option is a best response to the others', in index order."""
    arr = as_game(P)
    n = arr.shape[-1]
    both = np.ones(arr.shape[:-1], dtype=bool)
    for i in range(n):
        both &= _best(arr, i)
    return [tuple(int(x) for x in p) for p in zip(*np.nonzero(both), strict=True)]


def dominated(P: ArrayLike, strict: bool = True) -> list[tuple[int, int, int]]:
    """(player, dominated option, dominating option) for every pure-option dominance."""
    arr = as_game(P)
    out = []
    for i in range(arr.shape[-1]):
        u = np.moveaxis(arr[..., i], i, 0).reshape(arr.shape[i], -1)  # (m_i, other profiles)
        for lo, hi in itertools.permutations(range(u.shape[0]), 2):
            diff = u[hi] - u[lo]
            if np.all(diff > 0) if strict else (np.all(diff >= 0) and np.any(diff > 0)):
                out.append((i, lo, hi))
    return out


def dominant_options(P: ArrayLike) -> list[int | None]:
    """Each player's strictly dominant option, or None."""
    arr = as_game(P)
    strict = dominated(arr)
    out: list[int | None] = []
    for i in range(arr.shape[-1]):
        m = arr.shape[i]
        found = [k for k in range(m) if sum(1 for p, lo, hi in strict if p == i and hi == k) == m - 1]
        out.append(found[0] if found and m > 1 else None)
    return out


def social_dilemma(P: ArrayLike) -> str | None:
    """The kind of social dilemma the game is, or None.

    Two players with two options each: a prisoner's dilemma, chicken or stag hunt (`classify_2x2`).
    Any number of players: an *N-player prisoner's dilemma* (public goods games are one) when every player
    has a strictly dominant option yet another profile pays every player strictly more than the
    dominant one; with two options each, a *stag hunt* when all-first and all-second are both strict
    equilibria and every player prefers one of them.
    """
    arr = as_game(P)
    n = arr.shape[-1]
    if n == 2 and arr.shape[:2] == (2, 2):
        kind = classify_2x2(arr[..., 0], arr[..., 1])
        return kind if kind in SOCIAL_DILEMMAS else None
    dominant = dominant_options(arr)
    if all(d is not None for d in dominant):
        at = arr[tuple(dominant)]
        better = np.all(arr > at, axis=-1)
        if better.any():
            return "N-player prisoner's dilemma"
        return None
    if all(m == 2 for m in arr.shape[:-1]):
        pure = set(pure_equilibria(arr))
        first, second = (0,) * n, (1,) * n
        if first in pure and second in pure:
            a, b = arr[first], arr[second]
            if np.all(a > b) or np.all(b > a):
                return "stag hunt"
    return None


def _scaled(arr: np.ndarray) -> np.ndarray:
    """Each player's payoffs mapped onto [0, 1] by their own range (QRE rationality means the same)."""
    out = np.empty_like(arr)
    for i in range(arr.shape[-1]):
        u = arr[..., i]
        span = float(u.max() - u.min())
        out[..., i] = (u - u.min()) / span if span > 0 else 0.0
    return out


def _expected(arr: np.ndarray, sigma: Sequence[np.ndarray], i: int) -> np.ndarray:
    """(m_i,) player i's expected payoff of each option against the others' mixed strategies."""
    u = arr[..., i]
    for j in reversed(range(arr.shape[-1])):
        if j != i:
            u = np.tensordot(u, sigma[j], axes=([j], [0]))
    return np.asarray(u)


def logit_qre(P: ArrayLike, rationality: float, steps: int = 200, tol: float = 1e-10) -> list[np.ndarray]:
    """The logit quantal response equilibrium on the principal branch, one distribution per player.

    Payoffs are scaled to [0, 1] per player first. Traced from uniform play at rationality 0 in `steps`
    increments, each solved by damped fixed-point iteration from the last; RuntimeError if it fails.
    """
    arr = _scaled(as_game(P))
    n = arr.shape[-1]
    sigma = [np.full(arr.shape[i], 1.0 / arr.shape[i]) for i in range(n)]
    for lam in np.linspace(0.0, rationality, steps + 1)[1:]:
        for _ in range(2000):
            new = []
            for i in range(n):
                v = lam * _expected(arr, sigma, i)
                e = np.exp(v - v.max())
                new.append(e / e.sum())
            change = max(float(np.abs(a - b).max()) for a, b in zip(new, sigma, strict=True))
            sigma = [0.5 * a + 0.5 * b for a, b in zip(new, sigma, strict=True)]
            if change < tol:
                break
        else:
            raise RuntimeError(f"logit QRE did not converge at rationality {lam:g}")
    return sigma


def mixed_equilibria(P: ArrayLike) -> list[list[np.ndarray]]:
    """Nash equilibria (mixed included) by Gambit's polynomial enumeration; MissingDependency without
    pygambit (`pip install dilemma-sim[gambit]`)."""
    try:
        import pygambit as gbt
    except ImportError as exc:
        raise MissingDependency(
            "pygambit", "gambit", "mixed equilibria of games of three or more players"
        ) from exc
    arr = as_game(P)
    game = gbt.Game.from_arrays(*(np.ascontiguousarray(arr[..., i]) for i in range(arr.shape[-1])))
    result = gbt.nash.enumpoly_solve(game)
    return [
        [np.array([float(eq[s]) for s in player.strategies]) for player in game.players]
        for eq in result.equilibria
    ]


def to_nfg(P: ArrayLike, options: Sequence[Sequence[str]], players: Sequence[str], title: str) -> str:
    """The game as a Gambit .nfg file (payoff version), for any number of players: profiles with the
    first player's option changing fastest, each followed by every player's payoff."""
    arr = as_game(P)
    n = arr.shape[-1]
    if (
        len(options) != n
        or len(players) != n
        or any(len(o) != m for o, m in zip(options, arr.shape, strict=False))
    ):
        raise ValueError("need one name and one option list per player, matching the payoff array")
    lines = [
        f"NFG 1 R {_nfg_label(title)} {{ {' '.join(_nfg_label(p) for p in players)} }}",
        "",
        "{ " + "\n".join("{ " + " ".join(_nfg_label(o) for o in opts) + " }" for opts in options),
        "}",
        '""',
        "",
    ]
    values = []
    for profile in itertools.product(*(range(m) for m in reversed(arr.shape[:-1]))):
        cell = arr[tuple(reversed(profile))]
        values += [_nfg_number(float(x)) for x in cell]
    lines.append(" ".join(values))
    return "\n".join(lines) + "\n"
