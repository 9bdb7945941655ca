"""Exact count draws: the Poisson and negative-binomial inverse CDF at a uniform, vectorized.

Split from `sampling.py` because it is the engine's hot spot: a certified Cornish-Fisher guess, a pmf
from a cached log-gamma table, and a step or walk for the few wrong guesses; equal to `scipy.stats` ppf.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import overload

import numpy as np
from scipy import special


def _cdf(k: np.ndarray, mu: np.ndarray, r: np.ndarray | float | None) -> np.ndarray:
    c: np.ndarray = special.pdtr(k, mu) if r is None else special.betainc(r, k + 1.0, r / (r + mu))
    return c


def count_ppf(
    u: np.ndarray, mu: np.ndarray, dispersion: np.ndarray | float | None = None, cap: float = np.inf
) -> np.ndarray:
    """Smallest k >= 0 with CDF(k) >= u, at most `ceil(cap)`, vectorized and exact.

    Poisson with mean `mu`, or negative binomial with mean `mu` and size `dispersion`
    (`scipy.stats.nbinom(n=dispersion, p=dispersion / (dispersion + mu))`); CDF is
    `scipy.special.pdtr` / `betainc`. One exact CDF at a Cornish-Fisher guess, then a walk by the
    pmf recurrence; a draw whose answer the walk cannot certify (u within a rigorous error bound
    of a CDF step, or a long walk) is settled by an exact search on the CDF itself.
    """
    u, mu = np.broadcast_arrays(np.asarray(u, np.float64), np.asarray(mu, np.float64))
    shape = u.shape
    u, mu = u.ravel(), mu.ravel()
    r: np.ndarray | float | None = None
    if dispersion is not None:
        d = np.asarray(dispersion, np.float64)
        r = float(d) if d.ndim == 0 else np.broadcast_to(d, shape).ravel()
    cap = float(np.ceil(cap)) if np.isfinite(cap) else np.inf
    live_mask = (mu > 0) & (u > 0)
    if live_mask.all():  # the usual case: no gather, no scatter
        kk, sure = _walk(u, mu, r, cap)
        if not sure.all():
            todo = np.flatnonzero(~sure)
            kk[todo] = _invert(u[todo], mu[todo], _rows(r, todo), cap)
        return kk.reshape(shape)
    k = np.zeros(u.shape)
    live = np.flatnonzero(live_mask)
    if live.size:
        uu, mm, rr = u[live], mu[live], _rows(r, live)
        kk, sure = _walk(uu, mm, rr, cap)
        if not sure.all():
            todo = np.flatnonzero(~sure)
            kk[todo] = _invert(uu[todo], mm[todo], _rows(rr, todo), cap)
        k[live] = kk
    return k.reshape(shape)


@overload
def _rows(r: np.ndarray | float, idx: np.ndarray) -> np.ndarray | float: ...
@overload
def _rows(r: None, idx: np.ndarray) -> None: ...
def _rows(r: np.ndarray | float | None, idx: np.ndarray) -> np.ndarray | float | None:
    """The dispersion of the elements `idx` (a scalar dispersion is shared)."""
    return r[idx] if isinstance(r, np.ndarray) else r


_TABLE_MAX = 1 << 16
"""Largest cap for which the log-gamma part of the log-pmf is tabulated over k = 0..cap."""


@functools.lru_cache(maxsize=32)
def _lgamma_table(r: float | None, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-only part of the log-pmf for k = 0..cap and the sum of its terms' magnitudes.

    Poisson (`r` None): `-gammaln(k + 1)`; negative binomial: `gammaln(k + r) - gammaln(r) - gammaln(k + 1)`,
    each computed exactly as the per-element formula would, so the rounding bound is unchanged.
    """
    k = np.arange(cap + 1, dtype=np.float64)
    g1 = special.gammaln(k + 1.0)
    if r is None:
        return -g1, np.abs(g1)
    gr = special.gammaln(k + r)
    g0 = float(special.gammaln(r))
    return (gr - g0) - g1, np.abs(gr) + abs(g0) + np.abs(g1)


_WALK_STEPS = 48
_EPS = float(np.finfo(np.float64).eps)


def _walk(
    u: np.ndarray, mu: np.ndarray, r: np.ndarray | float | None, cap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Answers from one exact CDF at the guess and the pmf recurrence, and whether each is certain.

    The walked CDF values differ from the exact ones by less than `tol` (the log-pmf's rounding
    plus one rounding per step, bounded over the whole batch), so an answer is certain when u is
    farther than `tol` from both CDF values it lies between. Guesses that are right are settled
    on whole arrays; the others (a quarter or so) walk on the gathered subset.
    """
    if r is None:
        q = mu
        k = np.minimum(_guess(u, mu, None, None), cap)
        c = special.pdtr(k, mu)
        rest_log = k * np.log(mu)
        rest_mag = float(np.max(np.abs(rest_log))) + float(np.max(mu))
        rest_log -= mu
    else:
        total = r + mu
        p = r / total
        q = mu / total  # 1 - p
        k = np.minimum(_guess(u, mu, r, p), cap)
        c = special.betainc(r, k + 1.0, p)
        rest_log = r * np.log(p)
        rest_log += k * np.log(q)
        rest_mag = -float(np.min(rest_log))  # both terms are <= 0
    if (r is None or not isinstance(r, np.ndarray)) and cap <= _TABLE_MAX:
        table, mag = _lgamma_table(None if r is None else float(r), int(cap))
        logpmf = table.take(k.astype(np.intp))
        log_mag = float(np.max(mag))
    else:
        g1 = special.gammaln(k + 1.0)
        if r is None:
            logpmf, log_mag = -g1, float(np.max(np.abs(g1)))
        else:
            gr, g0 = special.gammaln(k + r), special.gammaln(r)
            logpmf = (gr - g0) - g1
            log_mag = float(np.max(np.abs(gr) + np.abs(g0) + np.abs(g1)))
    logpmf += rest_log
    tol = 1e-12 + 8.0 * _EPS * (log_mag + rest_mag + 4.0 * _WALK_STEPS)
    pmf = np.exp(logpmf, out=logpmf)

    below = c - pmf  # CDF(k - 1)
    at_zero = k <= 0
    stays = (c >= u) & ((below < u) | at_zero)
    lo_gap = u - below
    lo_gap[at_zero] = np.inf
    sure = stays & (np.minimum(lo_gap, c - u) > tol)
    if stays.all():
        return k, sure
    idx = np.flatnonzero(~stays)
    k[idx], sure[idx] = _walk_rest(u[idx], k[idx], c[idx], pmf[idx], q[idx], _rows(r, idx), tol, cap)
    return k, sure


def _walk_rest(
    u: np.ndarray,
    k: np.ndarray,
    c: np.ndarray,
    pmf: np.ndarray,
    q: np.ndarray,
    r: np.ndarray | float | None,
    tol: float,
    cap: float,
) -> tuple[np.ndarray, np.ndarray]:
    """`_walk` for the guesses that were wrong: c = CDF(k), pmf = pmf(k), q = mu / (r + mu) (Poisson: mu)."""

    def up_ratio(idx: np.ndarray | slice, kk: np.ndarray) -> np.ndarray:  # pmf(k + 1) / pmf(k)
        if r is None:
            return q[idx] / (kk + 1.0)
        ratio: np.ndarray = (kk + (r if isinstance(idx, slice) else _rows(r, idx))) * q[idx] / (kk + 1.0)
        return ratio

    def down_ratio(idx: np.ndarray | slice, kk: np.ndarray) -> np.ndarray:  # pmf(k - 1) / pmf(k)
        ratio: np.ndarray
        if r is None:
            ratio = kk / q[idx]
        else:
            ratio = kk / ((kk - 1.0 + (r if isinstance(idx, slice) else _rows(r, idx))) * q[idx])
        return ratio

    # One step on the whole subset: most wrong guesses are one off.
    reached = c >= u
    below = c - pmf  # CDF(k - 1)
    above = c + pmf * up_ratio(slice(None), k)  # CDF(k + 1)
    rises = ~reached & (above >= u) & (k < cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        below2 = below - pmf * down_ratio(slice(None), k)  # CDF(k - 2)
    falls = reached & (below >= u) & (k >= 1) & ((below2 < u) | (k <= 1))
    out = np.where(rises, k + 1.0, np.where(falls, k - 1.0, k))
    lo = np.where(rises, c, np.where(falls, below2, below))  # CDF(out - 1)
    hi = np.where(rises, above, np.where(falls, below, c))  # CDF(out)
    lo_gap = u - lo
    lo_gap[out <= 0] = np.inf
    done = rises | falls
    sure = done & (np.minimum(lo_gap, hi - u) > tol)
    rest = ~done
    if not rest.any():
        return out, sure
    k_out = out

    # The rest walk step by step (a few percent of draws, from heavy-tailed guesses).
    idx = np.flatnonzero(rest & (c < u))
    kk, cc, pp = k[idx], c[idx], pmf[idx]
    for _ in range(_WALK_STEPS):
        if not idx.size:
            break
        gap = u[idx] - cc  # > 0: distance below u of the CDF at kk
        capped = kk >= cap
        k_out[idx[capped]] = kk[capped]
        sure[idx[capped]] = gap[capped] > tol
        go = ~capped
        idx, kk, cc, pp, gap = idx[go], kk[go], cc[go], pp[go], gap[go]
        pp = pp * up_ratio(idx, kk)
        kk, cc = kk + 1.0, cc + pp
        hit = cc >= u[idx]
        k_out[idx[hit]] = kk[hit]
        sure[idx[hit]] = np.minimum(gap[hit], cc[hit] - u[idx[hit]]) > tol
        idx, kk, cc, pp = idx[~hit], kk[~hit], cc[~hit], pp[~hit]
    sure[idx] = False

    idx = np.flatnonzero(rest & (c >= u))
    kk, cc, pp = k[idx], c[idx], pmf[idx]
    for _ in range(_WALK_STEPS):
        if not idx.size:
            break
        below = cc - pp  # CDF(kk - 1)
        stop = below < u[idx]
        k_out[idx[stop]] = kk[stop]
        sure[idx[stop]] = np.minimum(cc[stop] - u[idx[stop]], u[idx[stop]] - below[stop]) > tol
        go = ~stop
        idx, kk, cc, pp, below = idx[go], kk[go], cc[go], pp[go], below[go]
        pp = pp * down_ratio(idx, kk)
        kk, cc = kk - 1.0, below
        zero = kk <= 0.0
        k_out[idx[zero]] = 0.0
        sure[idx[zero]] = cc[zero] - u[idx[zero]] > tol
        idx, kk, cc, pp = idx[~zero], kk[~zero], cc[~zero], pp[~zero]
    sure[idx] = False
    return k_out, sure


def _guess(u: np.ndarray, mu: np.ndarray, r: np.ndarray | float | None, p: np.ndarray | None) -> np.ndarray:
    """Second-order Cornish-Fisher quantile with continuity correction (usually exact or off by one).

    `p` is `r / (r + mu)` for the negative binomial (None for Poisson).
    """
    z = special.ndtri(u)  # u in (0, 1): only live draws get here
    if r is None or p is None:
        sd = np.sqrt(mu)
        skew = 1.0 / sd
        kurt = 1.0 / mu
    else:
        q = np.maximum(1.0 - p, 1e-300)
        sd = np.sqrt(mu / p)
        rq = q * r
        skew = (2.0 - p) / np.sqrt(rq)
        kurt = (p * p - 6.0 * p + 6.0) / rq
    # z + skew (z^2 - 1) / 6 + kurt z (z^2 - 3) / 24 - skew^2 z (2 z^2 - 5) / 36, in place
    z2 = z * z
    w = z2 - 1.0
    w *= skew
    w /= 6.0
    w += z
    t = z2 - 3.0
    t *= kurt
    t /= 24.0
    skew *= skew
    z2 *= 2.0
    z2 -= 5.0
    z2 *= skew
    z2 /= 36.0
    t -= z2
    t *= z
    w += t
    w *= sd
    w += mu
    w -= 0.5
    np.clip(w, 0.0, 1e15, out=w)
    return np.ceil(w, out=w)


def _invert(u: np.ndarray, mu: np.ndarray, r: np.ndarray | float | None, cap: float) -> np.ndarray:
    k: np.ndarray = np.minimum(_guess(u, mu, r, None if r is None else r / (r + mu)), cap)

    def cdf(idx: np.ndarray, kk: np.ndarray) -> np.ndarray:
        return _cdf(kk, mu[idx], _rows(r, idx))

    # Upward: until CDF(k) >= u (or k hits the cap). Steps double, then bisect back.
    idx = np.flatnonzero((cdf(np.arange(k.size), k) < u) & (k < cap))
    step = np.ones(idx.size)
    lo = k[idx].copy()  # CDF(lo) < u
    while idx.size:
        trial = np.minimum(k[idx] + step, cap)
        ok = (cdf(idx, trial) >= u[idx]) | (trial >= cap)
        k[idx] = trial
        done = idx[ok]
        lo_done = np.where(ok, lo, trial)
        _bisect(k, done, lo[ok], u, cdf)
        lo, idx, step = lo_done[~ok], idx[~ok], step[~ok] * 2.0
    # Downward: while CDF(k - 1) >= u, with doubling steps and bisection.
    idx = np.flatnonzero(k > 0)
    idx = idx[cdf(idx, k[idx] - 1.0) >= u[idx]]
    step = np.ones(idx.size) * 2.0
    hi = k[idx] - 1.0  # CDF(hi) >= u
    while idx.size:
        trial = np.maximum(hi - step, -1.0)
        below = trial < 0
        ok = below.copy()
        inner = ~below
        ok[inner] = cdf(idx[inner], trial[inner]) < u[idx[inner]]
        # answer in (trial, hi]
        done = idx[ok]
        k[done] = hi[ok]
        _bisect(k, done, trial[ok], u, cdf)
        hi = np.where(ok, hi, trial)[~ok]
        idx, step = idx[~ok], step[~ok] * 2.0
    return k


def _bisect(
    k: np.ndarray,
    idx: np.ndarray,
    lo: np.ndarray,
    u: np.ndarray,
    cdf: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> None:
    """Narrow k[idx] to the smallest value in (lo, k] with CDF >= u; CDF(lo) < u (lo = -1 allowed)."""
    hi = k[idx].copy()
    lo = lo.copy()
    while idx.size:
        gap = hi - lo > 1
        if not gap.any():
            break
        sel = np.flatnonzero(gap)
        mid = np.floor((lo[sel] + hi[sel]) / 2.0)
        good = cdf(idx[sel], mid) >= u[idx[sel]]
        hi[sel[good]] = mid[good]
        lo[sel[~good]] = mid[~good]
    k[idx] = hi
