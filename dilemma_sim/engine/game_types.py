"""The classic type of a 2x2 game and Gambit's `.nfg` text: naming and exporting a stage game."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dilemma_sim.engine.games import FloatArray, as_bimatrix, pure_equilibria


def _dense_ranks(M: FloatArray) -> NDArray[np.intp]:
    """Ordinal ranks (0 = worst, ties share a rank), shaped like M; equal ranks mean ordinally equal games."""
    return np.unique(M, return_inverse=True)[1].reshape(M.shape)


def _symmetric_type(R: float, S: float, T: float, P: float) -> str | None:
    """Classic symmetric type of ``A = [[R, S], [T, P]]`` (B = Aᵀ) with option 0 read as "cooperate"."""
    if T > R > P > S:
        return "prisoner's dilemma"
    if T > R > S > P:
        return "chicken"
    if R > T >= P > S:
        return "stag hunt"
    if T > P > R > S:
        return "deadlock"
    if R > T and S > P and R > S:
        return "harmony"
    if R > T and P > S:
        return "coordination"
    if T > R and S > P:
        return "battle of the sexes"
    return None


_SYMMETRIC_ORDER = (
    "prisoner's dilemma",
    "chicken",
    "stag hunt",
    "deadlock",
    "harmony",
    "coordination",
    "battle of the sexes",
)


def classify_2x2(A: ArrayLike, B: ArrayLike) -> str:
    """Classic type of a 2x2 game from its ordinal structure alone; option order and labels do not matter.

    Rules, first match wins:
    1. No pure equilibrium (best responses cycle): "matching pennies".
    2. Some relabelling of rows and/or columns makes the game ordinally symmetric (ranks of B = ranks of
       Aᵀ); with ``A = [[R, S], [T, P]]`` and option 0 as "cooperate", in this order: T>R>P>S "prisoner's
       dilemma"; T>R>S>P "chicken"; R>T>=P>S "stag hunt"; T>P>R>S "deadlock"; R>T, S>P, R>S "harmony";
       R>T, P>S "coordination"; T>R, S>P (and S>=R) "battle of the sexes".
    3. Otherwise (asymmetric), when both players have strictly dominant options: the equilibrium is
       Pareto-dominated -> "prisoner's dilemma", gives both players their best payoff -> "no conflict",
       else "deadlock". With exactly two pure equilibria, both strict: players ranking them alike ->
       "coordination"; else a non-equilibrium cell both prefer to their worse equilibrium -> "chicken";
       else "battle of the sexes".
    4. Anything else: "other".

    Symmetric games matching no rule-2 pattern fall through to rule 3. Harmony and no conflict differ only
    in symmetry: dominant options giving both players their best payoff is "harmony" when symmetric.
    """
    a, b = as_bimatrix(A, B)
    if a.shape != (2, 2):
        raise ValueError(f"classify_2x2 needs a 2x2 game, got {a.shape}")
    if not pure_equilibria(a, b):
        return "matching pennies"
    found: set[str] = set()
    for rows, cols in itertools.product(((0, 1), (1, 0)), repeat=2):
        ra, rb = a[np.ix_(rows, cols)], b[np.ix_(rows, cols)]
        if np.array_equal(_dense_ranks(rb), _dense_ranks(ra.T)):
            kind = _symmetric_type(ra[0, 0], ra[0, 1], ra[1, 0], ra[1, 1])
            if kind is not None:
                found.add(kind)
    for kind in _SYMMETRIC_ORDER:
        if kind in found:
            return kind
    return _asymmetric_type(a, b)


def _asymmetric_type(a: FloatArray, b: FloatArray) -> str:
    """Rule 3 of ``classify_2x2``: types read from dominance and the pure equilibria of a 2x2 game."""
    row_dom = [k for k in range(2) if np.all(a[k] > a[1 - k])]
    col_dom = [k for k in range(2) if np.all(b[:, k] > b[:, 1 - k])]
    both_best = (a == a.max()) & (b == b.max())
    if row_dom and col_dom:
        cell = (row_dom[0], col_dom[0])
        if both_best[cell]:
            return "no conflict"
        dominated = (a >= a[cell]) & (b >= b[cell]) & ((a > a[cell]) | (b > b[cell]))
        return "prisoner's dilemma" if dominated.any() else "deadlock"
    equilibria = pure_equilibria(a, b)
    strict = all(a[i, j] > a[1 - i, j] and b[i, j] > b[i, 1 - j] for i, j in equilibria)
    if len(equilibria) != 2 or not strict:
        return "other"
    (i1, j1), (i2, j2) = equilibria
    if np.sign(a[i1, j1] - a[i2, j2]) == np.sign(b[i1, j1] - b[i2, j2]):
        return "coordination"
    worse_a, worse_b = min(a[i1, j1], a[i2, j2]), min(b[i1, j1], b[i2, j2])
    others = [(i, j) for i in range(2) for j in range(2) if (i, j) not in equilibria]
    if any(a[c] > worse_a and b[c] > worse_b for c in others):
        return "chicken"
    return "battle of the sexes"


def _nfg_label(text: str) -> str:
    """A Gambit text label: double-quoted, with backslashes and quotes escaped by a backslash."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nfg_number(value: float) -> str:
    """Shortest exact decimal without an exponent, since Gambit reads plain decimals and integers."""
    return str(np.format_float_positional(value, trim="-"))


def to_nfg(
    A: ArrayLike,
    B: ArrayLike,
    row_options: Sequence[str],
    col_options: Sequence[str],
    title: str,
    players: tuple[str, str] = ("row", "col"),
) -> str:
    """The game as a Gambit .nfg file, payoff version, so Gambit's solvers can cross-check ours.

    Layout as Gambit writes it: prologue ``NFG 1 R "title" { "P1" "P2" }``, the strategy labels
    ``{ { "a" "b" } { "c" "d" } }``, an empty comment, then one ``A B`` pair per profile with the row
    player's strategy changing fastest.
    """
    a, b = as_bimatrix(A, B)
    m, n = a.shape
    if len(row_options) != m or len(col_options) != n:
        raise ValueError(f"need {m} row and {n} column labels, got {len(row_options)} and {len(col_options)}")
    lines = [
        f"NFG 1 R {_nfg_label(title)} {{ {' '.join(_nfg_label(p) for p in players)} }}",
        "",
        "{ { " + " ".join(_nfg_label(o) for o in row_options) + " }",
        "{ " + " ".join(_nfg_label(o) for o in col_options) + " }",
        "}",
        '""',
        "",
    ]
    # Fortran order ravels the row index fastest, as the format requires.
    pairs = zip(a.ravel(order="F"), b.ravel(order="F"), strict=True)
    lines.append(" ".join(f"{_nfg_number(x)} {_nfg_number(y)}" for x, y in pairs))
    return "\n".join(lines) + "\n"
