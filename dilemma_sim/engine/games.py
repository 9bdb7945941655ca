"""Two-player normal-form (bimatrix) game analysis: equilibria, dominance, Pareto cells, logit QRE, 2x2 types.

Pure numpy functions over payoff arrays ``A, B: (m, n)``: ``A`` holds the row player's payoffs and ``B``
the column player's, so cell ``(i, j)`` is the outcome of row option ``i`` against column option ``j``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

_TIE_RTOL = 1e-12
"""Payoffs closer than this (relative to the largest magnitude) count as ties in best responses."""
_BATCH = 50_000
"""Bases solved per numpy batch in vertex enumeration; bounds memory for larger games."""

__all__ = [
    "Equilibrium",
    "best_responses",
    "dominance",
    "dominant_option",
    "logit_qre",
    "nash_equilibria",
    "pareto_optimal",
    "pure_equilibria",
]


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One Nash equilibrium: mixed strategies ``row: (m,)`` and ``col: (n,)`` and their expected payoffs.

    Compared by identity (``eq=False``): ``==`` on arrays has no single truth value. Arrays are read-only.
    """

    row: np.ndarray
    """Row player's probabilities over the m row options."""
    col: np.ndarray
    """Column player's probabilities over the n column options."""
    row_payoff: float
    """Row player's expected payoff ``row @ A @ col``."""
    col_payoff: float
    """Column player's expected payoff ``row @ B @ col``."""
    pure: bool
    """Both players put all weight on a single option."""


def as_bimatrix(A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate and convert a bimatrix game, so every function fails the same way on bad input."""
    a = np.asarray(A, dtype=np.float64)
    b = np.asarray(B, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape or a.size == 0:
        raise ValueError(f"A and B must be non-empty 2-D arrays of one shape, got {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("payoffs must be finite")
    return a, b


def _unit_range(M: FloatArray) -> FloatArray:
    """Map payoffs affinely onto [0, 1] (a constant matrix becomes zeros); equilibria are unchanged."""
    span = float(M.max() - M.min())
    return (M - M.min()) / span if span > 0 else np.zeros_like(M)


def _maximisers(M: FloatArray, axis: int) -> NDArray[np.bool_]:
    """Cells attaining the max along ``axis``, with float-noise ties (``_TIE_RTOL``) included."""
    atol = _TIE_RTOL * max(1.0, float(np.abs(M).max()))
    top = M.max(axis=axis, keepdims=True)
    return np.asarray(top - atol <= M)


def best_responses(A: ArrayLike, B: ArrayLike) -> tuple[list[list[int]], list[list[int]]]:
    """Row best responses to each column ``(n lists)`` and column best responses to each row ``(m lists)``.

    Ties are all included, so a weakly dominated option can still appear.
    """
    a, b = as_bimatrix(A, B)
    row_best = _maximisers(a, axis=0)
    col_best = _maximisers(b, axis=1)
    return (
        [np.flatnonzero(row_best[:, j]).tolist() for j in range(a.shape[1])],
        [np.flatnonzero(col_best[i, :]).tolist() for i in range(a.shape[0])],
    )


def pure_equilibria(A: ArrayLike, B: ArrayLike) -> list[tuple[int, int]]:
    """Cells ``(i, j)`` where each option is a best response to the other, in row-major order."""
    a, b = as_bimatrix(A, B)
    both = _maximisers(a, axis=0) & _maximisers(b, axis=1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(both), strict=True)]


def _polytope_vertices(M: FloatArray, tol: float) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Nonzero vertices ``(V, d)`` of ``{z >= 0, M z <= 1}`` (``M: (r, d)``, positive) and their labels.

    Labels ``(V, d + r)`` mark ``z_i = 0`` then ``(M z)_j = 1``, read from the point itself, so a degenerate
    vertex reached from several bases is kept once with every constraint tight at it. A basis with
    support S (the nonzero coordinates) and tight rows J, |S| = |J| = k, is the k x k system
    ``M[J, S] z_S = 1``; solving those by size keeps the linear algebra small.
    """
    r, d = M.shape
    points: list[FloatArray] = []
    for k in range(1, min(r, d) + 1):
        supports = np.array(list(itertools.combinations(range(d), k)), dtype=np.intp)
        tights = np.array(list(itertools.combinations(range(r), k)), dtype=np.intp)
        per_batch = max(1, _BATCH // len(supports))
        for start in range(0, len(tights), per_batch):
            rows = tights[start : start + per_batch]
            systems = M[rows[:, None, :, None], supports[None, :, None, :]].reshape(-1, k, k)
            support_of = np.tile(supports, (len(rows), 1))
            # |det| over the product of row norms (Hadamard's bound) flags singular bases cheaply.
            bound = np.prod(np.linalg.norm(systems, axis=2), axis=1)
            regular = np.abs(np.linalg.det(systems)) > 1e-12 * bound
            z_support = np.linalg.solve(systems[regular], np.ones((int(regular.sum()), k, 1)))[..., 0]
            z = np.zeros((len(z_support), d))
            np.put_along_axis(z, support_of[regular], z_support, axis=1)
            feasible = np.all(z_support >= -tol, axis=1) & np.all(z @ M.T <= 1 + tol, axis=1)
            points.extend(z[feasible])
    vertices = np.array(points, dtype=np.float64).reshape(len(points), d)
    # Bases of one degenerate vertex agree to float noise; a key rounded far above it merges them.
    _, first = np.unique(np.round(vertices, 8), axis=0, return_index=True)
    vertices = vertices[np.sort(first)]
    labels = np.hstack([np.abs(vertices) <= 10 * tol, np.abs(vertices @ M.T - 1) <= 10 * tol])
    return vertices, labels


def _sort_key(eq: Equilibrium) -> tuple[bool, tuple[float, ...], tuple[float, ...]]:
    """Pure first, then by descending probabilities, which puts pure profiles in (i, j) index order."""
    return (not eq.pure, tuple(np.round(-eq.row, 9)), tuple(np.round(-eq.col, 9)))


def nash_equilibria(A: ArrayLike, B: ArrayLike, tol: float = 1e-9) -> list[Equilibrium]:
    """Every extreme Nash equilibrium (all equilibria if the game is nondegenerate), pure ones first.

    Vertex enumeration of the best-response polytopes P = {x >= 0, B'ᵀx <= 1} and Q = {A'y <= 1, y >= 0},
    with payoffs rescaled to [1, 2] so both are bounded; completely labelled vertex pairs are exactly the
    extreme equilibria, also in degenerate games. Sorted pure first, then by descending probabilities (pure
    profiles in (i, j) order). Cost grows like C(m+n, m): about 2 s at 10x10, so keep games small.
    """
    a, b = as_bimatrix(A, B)
    n = a.shape[1]
    a_pos, b_pos = 1.0 + _unit_range(a), 1.0 + _unit_range(b)
    # Labels 0..m-1 are row options and m..m+n-1 column options, in both polytopes.
    x_vertices, x_labels = _polytope_vertices(b_pos.T, tol)
    y_vertices, y_labels = _polytope_vertices(a_pos, tol)
    y_labels = np.hstack([y_labels[:, n:], y_labels[:, :n]])
    # A pair is completely labelled when no label is missing from both; counted by a matrix product.
    missing_x, missing_y = (~x_labels).astype(np.float32), (~y_labels).astype(np.float32)
    pairs = [
        (start + xi, yi)
        for start in range(0, len(missing_x), 1024)
        for xi, yi in zip(*np.nonzero(missing_x[start : start + 1024] @ missing_y.T == 0), strict=True)
    ]

    found: list[Equilibrium] = []
    for xi, yi in pairs:
        row = _clean_distribution(x_vertices[xi], tol)
        col = _clean_distribution(y_vertices[yi], tol)
        if any(np.allclose(row, e.row, atol=1e-7) and np.allclose(col, e.col, atol=1e-7) for e in found):
            continue
        pure = int(np.count_nonzero(row)) == 1 and int(np.count_nonzero(col)) == 1
        found.append(Equilibrium(row, col, float(row @ a @ col), float(row @ b @ col), pure))
    return sorted(found, key=_sort_key)


def _clean_distribution(v: FloatArray, tol: float) -> FloatArray:
    """Normalise a polytope vertex to probabilities, zeroing float dust so pure profiles read as pure."""
    p: FloatArray = np.where(np.abs(v) <= tol, 0.0, np.maximum(v, 0.0))
    p = p / p.sum()
    p.setflags(write=False)
    return p


def dominance(M: ArrayLike, strict: bool = True) -> list[tuple[int, int]]:
    """Pairs ``(dominated, dominating)`` among rows of ``M: (m, n)``, pure options only; ``B.T`` for columns.

    Strict: better against every column. Weak (``strict=False``): never worse and better somewhere.
    """
    mat = np.asarray(M, dtype=np.float64)
    if mat.ndim != 2 or mat.size == 0:
        raise ValueError(f"M must be a non-empty 2-D array, got shape {mat.shape}")
    diff = mat[None, :, :] - mat[:, None, :]  # diff[lo, hi] = row hi minus row lo
    if strict:
        dominated_by = np.all(diff > 0, axis=2)
    else:
        dominated_by = np.all(diff >= 0, axis=2) & np.any(diff > 0, axis=2)
    return [(int(lo), int(hi)) for lo, hi in zip(*np.nonzero(dominated_by), strict=True)]


def dominant_option(M: ArrayLike) -> int | None:
    """The row of ``M: (m, n)`` that weakly dominates every other row, or None.

    Weakly dominates = never worse against any column and strictly better against at least one, for each
    other row; at most one row can qualify. A single-row matrix returns 0 (nothing to dominate).
    """
    mat = np.asarray(M, dtype=np.float64)
    dominated = dominance(mat, strict=False)
    for candidate in range(mat.shape[0]):
        beaten = {lo for lo, hi in dominated if hi == candidate}
        if len(beaten) == mat.shape[0] - 1:
            return candidate
    return None


def pareto_optimal(A: ArrayLike, B: ArrayLike) -> NDArray[np.bool_]:
    """Mask ``(m, n)`` of cells no other cell Pareto-dominates (both players at least as well, one better)."""
    a, b = as_bimatrix(A, B)
    pa, pb = a.ravel(), b.ravel()
    # by[k, c]: cell c is at least as good for both as cell k, and better for one of them.
    by = (pa[None, :] >= pa[:, None]) & (pb[None, :] >= pb[:, None])
    by &= (pa[None, :] > pa[:, None]) | (pb[None, :] > pb[:, None])
    return np.asarray(~by.any(axis=1)).reshape(a.shape)


def _softmax(u: FloatArray) -> FloatArray:
    """Numerically stable softmax of logits ``u: (k,)``."""
    e = np.exp(u - u.max())
    return np.asarray(e / e.sum())


def logit_qre(
    A: ArrayLike, B: ArrayLike, rationality: float, tol: float = 1e-10, max_iter: int = 10_000
) -> tuple[np.ndarray, np.ndarray]:
    """Logit quantal response equilibrium ``(row: (m,), col: (n,))`` on the principal branch.

    Each player's payoffs are first mapped onto [0, 1] by their own range, so ``rationality`` means the
    same for any payoff units and the result is invariant to positive affine payoff changes. The branch is
    traced from uniform play at rationality 0 by arc-length predictor-corrector continuation on the logits
    ``u = λ A σ(v), v = λ Bᵀ σ(u)``, which passes turning points that plain fixed-point iteration cannot.
    The answer is where the branch first reaches ``rationality``, so it can jump where the branch folds.
    """
    a, b = as_bimatrix(A, B)
    if not np.isfinite(rationality) or rationality < 0:
        raise ValueError(f"rationality must be finite and >= 0, got {rationality}")
    a, b = _unit_range(a), _unit_range(b)
    m, n = a.shape
    k = m + n

    def residual(z: FloatArray, lam: float) -> FloatArray:
        x, y = _softmax(z[:m]), _softmax(z[m:])
        return np.concatenate([z[:m] - lam * (a @ y), z[m:] - lam * (b.T @ x)])

    def jacobian(z: FloatArray, lam: float) -> FloatArray:
        """``(k, k+1)``: derivative of the residual in the logits, then in λ."""
        x, y = _softmax(z[:m]), _softmax(z[m:])
        jx, jy = np.diag(x) - np.outer(x, x), np.diag(y) - np.outer(y, y)
        jac = np.eye(k, k + 1)
        jac[:m, m:k] = -lam * (a @ jy)
        jac[m:k, :m] = -lam * (b.T @ jx)
        jac[:, k] = -np.concatenate([a @ y, b.T @ x])
        return jac

    def tangent(z: FloatArray, lam: float, previous: FloatArray) -> FloatArray:
        t = np.linalg.svd(jacobian(z, lam))[2][-1]
        return np.asarray(t if t @ previous >= 0 else -t)

    point = np.zeros(k + 1)  # logits then λ; uniform play at λ = 0
    direction = tangent(point[:k], 0.0, np.eye(1, k + 1, k)[0])
    step, iterations = 0.05, 0
    while point[k] < rationality:
        # Stop the predictor at the target rather than past it, so the final solve starts on the branch.
        reach = (rationality - point[k]) / direction[k] if direction[k] > 0 else np.inf
        length = min(step, reach)
        trial = point + length * direction
        corrections = 0
        while corrections < 7:  # Gauss-Newton back onto the curve with minimum-norm steps
            corrections += 1
            res = residual(trial[:k], trial[k])
            trial = trial - np.linalg.lstsq(jacobian(trial[:k], trial[k]), res, rcond=None)[0]
            if np.linalg.norm(res) < tol:
                break
        iterations += corrections
        accepted = False
        if np.linalg.norm(residual(trial[:k], trial[k])) < max(tol, 1e-9):
            ahead = tangent(trial[:k], trial[k], direction)
            # A sharp turn means the step cut across a fold and may have reversed along the branch.
            accepted = bool(ahead @ direction > 0.95 and np.linalg.norm(trial - point) < 2 * length)
        if accepted:
            point, direction = trial, ahead
            if reach <= step:
                break
            step = min(step * (1.5 if corrections <= 3 else 1.0), 0.5)
        else:
            step /= 2
        if step < 1e-12 or iterations > max_iter:
            raise RuntimeError(f"logit QRE continuation stalled at rationality {point[k]:.6g}")
    z = point[:k]
    for _ in range(50):  # Newton at exactly the target rationality, from the branch point beside it
        res = residual(z, rationality)
        if np.linalg.norm(res) < tol:
            break
        z = z - np.linalg.solve(jacobian(z, rationality)[:, :k], res)
    else:
        raise RuntimeError(f"logit QRE did not converge at rationality {rationality}")
    return _softmax(z[:m]), _softmax(z[m:])
