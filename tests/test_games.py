"""Bimatrix game analysis: textbook games, 2x2 types, dominance, QRE, Gambit export, and properties
checked against nashpy as an independent solver."""

from __future__ import annotations

import itertools
import re
import warnings

import nashpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dilemma_sim.engine.game_types import classify_2x2, to_nfg
from dilemma_sim.engine.games import (
    Equilibrium,
    best_responses,
    dominance,
    dominant_option,
    logit_qre,
    nash_equilibria,
    pareto_optimal,
    pure_equilibria,
)

Game = tuple[np.ndarray, np.ndarray]


def symmetric(R: float, S: float, T: float, P: float) -> Game:
    """The symmetric 2x2 game with row payoffs [[R, S], [T, P]] (option 0 = cooperate)."""
    A = np.array([[R, S], [T, P]], dtype=float)
    return A, A.T.copy()


PD = symmetric(3, 0, 5, 1)
CHICKEN = symmetric(3, 1, 5, 0)
STAG_HUNT = symmetric(4, 0, 3, 2)
PENNIES = (np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]]))
SEXES = (np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]))
RPS_A = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
# The logit branch of this game folds back near rationality 8 (found by a random search that once
# made the continuation reverse along the branch).
FOLD = (
    np.array([[-1.0, 3.0, -2.0, 3.0], [3.0, 2.0, 0.0, -3.0], [3.0, -2.0, 3.0, -3.0]]),
    np.array([[1.0, -3.0, -2.0, -2.0], [2.0, 3.0, 0.0, 0.0], [1.0, -3.0, 0.0, 2.0]]),
)


def profiles(eqs: list[Equilibrium]) -> list[tuple[list[float], list[float]]]:
    return [(e.row.round(9).tolist(), e.col.round(9).tolist()) for e in eqs]


def is_nash(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, tol: float = 1e-7) -> bool:
    """Valid distributions and no pure deviation gains more than tol (relative to the payoff scale)."""
    scale = tol * max(1.0, float(np.abs(A).max()), float(np.abs(B).max()))
    valid = all(np.all(p >= -tol) and abs(p.sum() - 1) <= tol for p in (x, y))
    return bool(valid and (A @ y).max() <= x @ A @ y + scale and (x @ B).max() <= x @ B @ y + scale)


def contains(pool: list[tuple[np.ndarray, np.ndarray]], p: tuple[np.ndarray, np.ndarray]) -> bool:
    return any(np.allclose(p[0], q[0], atol=1e-6) and np.allclose(p[1], q[1], atol=1e-6) for q in pool)


def same_set(ours: list[tuple[np.ndarray, np.ndarray]], theirs: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    return all(contains(theirs, p) for p in ours) and all(contains(ours, q) for q in theirs)


# --- known games -------------------------------------------------------------------------------------


def test_prisoners_dilemma_has_only_mutual_defection() -> None:
    (eq,) = nash_equilibria(*PD)
    assert eq.pure and profiles([eq]) == [([0, 1], [0, 1])]
    assert (eq.row_payoff, eq.col_payoff) == (1.0, 1.0)


def test_matching_pennies_has_one_mixed_equilibrium() -> None:
    (eq,) = nash_equilibria(*PENNIES)
    assert not eq.pure
    np.testing.assert_allclose(eq.row, [0.5, 0.5])
    np.testing.assert_allclose(eq.col, [0.5, 0.5])
    assert eq.row_payoff == pytest.approx(0.0, abs=1e-12)


def test_battle_of_the_sexes_has_three_equilibria_pure_first() -> None:
    eqs = nash_equilibria(*SEXES)
    assert [e.pure for e in eqs] == [True, True, False]
    assert profiles(eqs)[:2] == [([1, 0], [1, 0]), ([0, 1], [0, 1])]
    np.testing.assert_allclose(eqs[2].row, [2 / 3, 1 / 3])
    np.testing.assert_allclose(eqs[2].col, [1 / 3, 2 / 3])
    assert eqs[2].row_payoff == pytest.approx(2 / 3)


def test_chicken_and_stag_hunt() -> None:
    chicken = nash_equilibria(*CHICKEN)
    assert profiles(chicken)[:2] == [([1, 0], [0, 1]), ([0, 1], [1, 0])]
    np.testing.assert_allclose(chicken[2].row, [1 / 3, 2 / 3])  # 3p + (1 - p) = 5p
    stag = nash_equilibria(*STAG_HUNT)
    assert profiles(stag)[:2] == [([1, 0], [1, 0]), ([0, 1], [0, 1])]
    np.testing.assert_allclose(stag[2].row, [2 / 3, 1 / 3])  # 4p = 3p + 2(1-p)


def test_rock_paper_scissors_uniform() -> None:
    (eq,) = nash_equilibria(RPS_A, -RPS_A)
    np.testing.assert_allclose(eq.row, np.full(3, 1 / 3))
    np.testing.assert_allclose(eq.col, np.full(3, 1 / 3))


def test_degenerate_game_reports_component_vertices() -> None:
    # Column's best response to row 0 is tied; equilibria form the segment row=0, col=(p, 1-p), p >= 1/2.
    A = np.array([[1.0, 1.0], [0.0, 2.0]])
    B = np.array([[1.0, 1.0], [0.0, 2.0]])
    got = profiles(nash_equilibria(A, B))
    assert ([1, 0], [1, 0]) in got and ([0, 1], [0, 1]) in got
    assert ([1, 0], [0.5, 0.5]) in got
    assert all(is_nash(A, B, np.array(r), np.array(c)) for r, c in got)


def test_all_zero_game_reports_every_pure_profile() -> None:
    eqs = nash_equilibria(np.zeros((3, 2)), np.zeros((3, 2)))
    assert all(e.pure for e in eqs)
    assert len(eqs) == 6
    assert pure_equilibria(np.zeros((3, 2)), np.zeros((3, 2))) == [(i, j) for i in range(3) for j in range(2)]


def test_weakly_dominated_strategy_keeps_its_equilibrium() -> None:
    A = np.array([[1.0, 0.0], [1.0, 1.0]])
    B = np.array([[1.0, 0.0], [1.0, 1.0]])
    got = profiles(nash_equilibria(A, B))
    assert ([1, 0], [1, 0]) in got and ([0, 1], [0, 1]) in got and ([0, 1], [1, 0]) in got


@pytest.mark.parametrize("shape", [(1, 3), (3, 1), (1, 1)])
def test_single_row_or_column_games(shape: tuple[int, int]) -> None:
    A = np.arange(np.prod(shape), dtype=float).reshape(shape)
    (eq,) = nash_equilibria(A, A[::-1, ::-1].copy())
    assert eq.pure
    assert is_nash(A, A[::-1, ::-1], eq.row, eq.col)


def test_best_responses_include_ties() -> None:
    A = np.array([[1.0, 2.0], [1.0, 0.0]])
    B = np.array([[0.0, 0.0], [3.0, 1.0]])
    assert best_responses(A, B) == ([[0, 1], [0]], [[0, 1], [0]])
    assert pure_equilibria(A, B) == [(0, 0), (0, 1), (1, 0)]


def test_equilibria_are_immutable() -> None:
    (eq,) = nash_equilibria(*PD)
    with pytest.raises(ValueError):
        eq.row[0] = 0.5
    with pytest.raises(AttributeError):
        eq.pure = False  # type: ignore[misc]  # assigning to a frozen field is what this test checks


def test_bad_shapes_are_rejected() -> None:
    with pytest.raises(ValueError):
        nash_equilibria(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        classify_2x2(np.zeros((3, 2)), np.zeros((3, 2)))


# --- 2x2 classification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("game", "kind"),
    [
        (PD, "prisoner's dilemma"),
        (symmetric(-1, -3, 0, -2), "prisoner's dilemma"),  # years in prison
        (CHICKEN, "chicken"),
        (symmetric(0, -1, 1, -10), "chicken"),
        (STAG_HUNT, "stag hunt"),
        (symmetric(2, 0, 3, 1), "prisoner's dilemma"),
        (symmetric(1, 0, 3, 2), "deadlock"),
        (symmetric(4, 2, 3, 1), "harmony"),
        (symmetric(1, 0, 0, 1), "coordination"),
        (symmetric(0, 2, 3, 0), "battle of the sexes"),
        (SEXES, "battle of the sexes"),
        (PENNIES, "matching pennies"),
        ((np.array([[3.0, 2.0], [0.0, 1.0]]), np.array([[5.0, 1.0], [4.0, 0.0]])), "no conflict"),
        ((np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[2.0, 9.0], [0.0, 1.0]])), "prisoner's dilemma"),
        ((np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[3.0, 1.0], [0.0, 2.0]])), "coordination"),
        ((np.array([[3.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])), "battle of the sexes"),
        ((np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])), "other"),
    ],
)
def test_classify_textbook_games(game: Game, kind: str) -> None:
    assert classify_2x2(*game) == kind


@pytest.mark.parametrize("game", [PD, CHICKEN, STAG_HUNT, SEXES, PENNIES, symmetric(1, 0, 3, 2)])
def test_classification_ignores_option_order_and_payoff_scale(game: Game) -> None:
    A, B = game
    expected = classify_2x2(A, B)
    for rows in ((0, 1), (1, 0)):
        for cols in ((0, 1), (1, 0)):
            ra, rb = A[np.ix_(rows, cols)], B[np.ix_(rows, cols)]
            assert classify_2x2(3 * ra + 7, 0.5 * rb - 1) == expected


# --- dominance and Pareto ----------------------------------------------------------------------------


def test_dominance_in_prisoners_dilemma() -> None:
    A, B = PD
    assert dominance(A) == [(0, 1)]
    assert dominance(B.T) == [(0, 1)]
    assert dominant_option(A) == 1
    assert dominant_option(B.T) == 1


def test_weak_dominance_and_no_dominant_option() -> None:
    M = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    assert dominance(M) == []
    assert dominance(M, strict=False) == [(0, 1)]
    assert dominant_option(M) is None
    assert dominant_option(np.array([[1.0, 2.0], [1.0, 3.0]])) == 1
    assert dominant_option(np.array([[1.0, 2.0], [1.0, 2.0]])) is None  # identical rows: neither is better
    assert dominant_option(np.array([[5.0, 0.0]])) == 0


def test_pareto_optimal_cells() -> None:
    np.testing.assert_array_equal(pareto_optimal(*PD), [[True, True], [True, False]])
    np.testing.assert_array_equal(pareto_optimal(*PENNIES), np.ones((2, 2), dtype=bool))
    np.testing.assert_array_equal(pareto_optimal(np.ones((2, 2)), np.ones((2, 2))), np.ones((2, 2), bool))


# --- logit QRE ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "game", [PD, SEXES, (RPS_A, -RPS_A), (np.arange(6.0).reshape(2, 3), np.ones((2, 3)))]
)
def test_qre_is_uniform_at_zero_rationality(game: Game) -> None:
    x, y = logit_qre(*game, 0.0)
    np.testing.assert_allclose(x, np.full(len(x), 1 / len(x)))
    np.testing.assert_allclose(y, np.full(len(y), 1 / len(y)))


def test_qre_approaches_the_unique_strict_equilibrium() -> None:
    gaps = [1 - logit_qre(*PD, lam)[0][1] for lam in (1.0, 5.0, 10.0, 20.0)]
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] < 0.05


@pytest.mark.parametrize("game", [PD, PENNIES, SEXES, CHICKEN, STAG_HUNT, (RPS_A, -RPS_A), FOLD])
@pytest.mark.parametrize("rationality", [0.5, 5.0, 20.0])
def test_qre_is_a_logit_fixed_point(game: Game, rationality: float) -> None:
    A, B = game
    x, y = logit_qre(A, B, rationality)
    a = (A - A.min()) / np.ptp(A)
    b = (B - B.min()) / np.ptp(B)

    def softmax(u: np.ndarray) -> np.ndarray:
        e = np.exp(u - u.max())
        p: np.ndarray = e / e.sum()
        return p

    np.testing.assert_allclose(x, softmax(rationality * a @ y), atol=1e-9)
    np.testing.assert_allclose(y, softmax(rationality * b.T @ x), atol=1e-9)
    x2, y2 = logit_qre(10 * A - 3, 2 * B + 1, rationality)  # invariant to positive affine payoff changes
    np.testing.assert_allclose(x2, x, atol=1e-9)
    np.testing.assert_allclose(y2, y, atol=1e-9)


def test_qre_rejects_negative_rationality() -> None:
    with pytest.raises(ValueError):
        logit_qre(*PD, -1.0)


# --- Gambit export -----------------------------------------------------------------------------------

_NFG_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|([^\s{}"]+)')


def parse_nfg(text: str) -> tuple[str, list[str], list[list[str]], np.ndarray, np.ndarray]:
    """Just enough of Gambit's payoff-version reader to read back what to_nfg writes."""
    tokens = [(m.group(1), m.group(2) or m.group(3)) for m in _NFG_TOKEN.finditer(text)]

    def unquote(s: str) -> str:
        return re.sub(r"\\(.)", r"\1", s)

    assert [t[1] for t in tokens[:3]] == ["NFG", "1", "R"]
    pos = 4
    title = unquote(tokens[3][0])
    assert tokens[pos][1] == "{"
    players: list[str] = []
    pos += 1
    while tokens[pos][1] != "}":
        players.append(unquote(tokens[pos][0]))
        pos += 1
    pos += 2  # "}" closing players, "{" opening the strategy lists
    strategies: list[list[str]] = []
    while tokens[pos][1] == "{":
        pos += 1
        labels: list[str] = []
        while tokens[pos][1] != "}":
            labels.append(unquote(tokens[pos][0]))
            pos += 1
        strategies.append(labels)
        pos += 1
    pos += 1  # closing "}"
    if tokens[pos][0] is not None:  # optional comment
        pos += 1
    numbers = np.array([float(t[1]) for t in tokens[pos:]])
    m, n = len(strategies[0]), len(strategies[1])
    pairs = numbers.reshape(n * m, 2)
    return (
        title,
        players,
        strategies,
        pairs[:, 0].reshape((m, n), order="F"),
        pairs[:, 1].reshape((m, n), order="F"),
    )


def test_nfg_matches_gambit_layout() -> None:
    text = to_nfg(*PD, ["C", "D"], ["C", "D"], "PD")
    assert text.startswith('NFG 1 R "PD" { "row" "col" }')
    # Row player's strategy changes fastest: (C,C), (D,C), (C,D), (D,D).
    assert text.split('""')[-1].split() == ["3", "3", "5", "0", "0", "5", "1", "1"]


@settings(max_examples=50, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
    title=st.text(st.characters(codec="utf-8"), max_size=12),
)
def test_nfg_round_trips(shape: tuple[int, int], seed: int, title: str) -> None:
    rng = np.random.default_rng(seed)
    A = rng.integers(-5, 5, shape) + rng.choice([0.0, 0.25, 1e-7, 1 / 3], shape)
    B = rng.normal(size=shape) * 1e6
    rows = [f'r"{i}\\' for i in range(shape[0])]
    cols = [f"c {j}" for j in range(shape[1])]
    got = parse_nfg(to_nfg(A, B, rows, cols, title, players=("Me", "You")))
    assert got[:3] == (title, ["Me", "You"], [rows, cols])
    np.testing.assert_array_equal(got[3], A)
    np.testing.assert_array_equal(got[4], B)


# --- properties on random games ----------------------------------------------------------------------

small_shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@st.composite
def integer_games(draw: st.DrawFn, min_size: int = 1) -> Game:
    """Payoffs in a small integer range, so ties and degenerate games are common."""
    m, n = draw(st.tuples(st.integers(min_size, 4), st.integers(min_size, 4)))
    cells = st.lists(st.integers(-2, 2), min_size=m * n, max_size=m * n)
    return np.array(draw(cells), float).reshape(m, n), np.array(draw(cells), float).reshape(m, n)


def nashpy_support(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns about even counts; the test asserts oddness itself
        return [(np.asarray(x), np.asarray(y)) for x, y in nashpy.Game(A, B).support_enumeration(tol=1e-12)]


def nashpy_vertices(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    # nashpy only shifts negative payoffs, and a zero payoff leaves its polytope unbounded for qhull;
    # shifting to >= 1 first changes no equilibrium.
    game = nashpy.Game(A - A.min() + 1, B - B.min() + 1)
    return [(np.asarray(x), np.asarray(y)) for x, y in game.vertex_enumeration()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_games())
def test_every_reported_profile_is_a_nash_equilibrium(game: Game) -> None:
    A, B = game
    eqs = nash_equilibria(A, B)
    assert eqs, "every finite game has an equilibrium"
    for e in eqs:
        assert is_nash(A, B, e.row, e.col)
        assert e.row_payoff == pytest.approx(e.row @ A @ e.col)
        assert e.pure == (np.count_nonzero(e.row) == 1 and np.count_nonzero(e.col) == 1)
    # Pure equilibria are extreme, so all of them are reported, first and in index order.
    pure = [(int(e.row.argmax()), int(e.col.argmax())) for e in eqs if e.pure]
    assert pure == pure_equilibria(A, B)
    assert [e.pure for e in eqs] == sorted((e.pure for e in eqs), reverse=True)
    assert len(profiles(eqs)) == len({str(p) for p in profiles(eqs)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_games(min_size=2))  # nashpy's qhull call needs polytopes of dimension >= 2
def test_degenerate_games_match_nashpy_vertex_enumeration(game: Game) -> None:
    A, B = game
    ours = [(e.row, e.col) for e in nash_equilibria(A, B)]
    theirs = [(x, y) for x, y in nashpy_vertices(A, B) if is_nash(A, B, x, y)]
    assert same_set(ours, theirs)  # extreme equilibria are exactly the completely labelled vertex pairs


@settings(max_examples=150, deadline=None)
@given(shape=small_shapes, seed=st.integers(0, 2**32 - 1))
def test_nondegenerate_games_match_nashpy(shape: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed)  # continuous payoffs: nondegenerate with probability one
    A, B = rng.normal(size=shape), rng.normal(size=shape)
    ours = [(e.row, e.col) for e in nash_equilibria(A, B)]
    assert len(ours) % 2 == 1  # the oddness theorem holds for nondegenerate games
    # nashpy's support enumeration drops an equilibrium when an off-support probability solves to
    # -1e-17 (its check is an exact ``prob >= 0``), so it can only be a subset of ours; its vertex
    # enumeration (qhull, dimension >= 2 only) must agree exactly.
    support = nashpy_support(A, B)
    assert all(contains(ours, q) for q in support)
    if min(shape) >= 2:
        assert same_set(ours, nashpy_vertices(A, B))
    else:
        assert same_set(ours, support)


@settings(max_examples=100, deadline=None)
@given(integer_games(), st.floats(0.0, 20.0))
def test_qre_converges_on_random_games(game: Game, rationality: float) -> None:
    A, B = game
    x, y = logit_qre(A, B, rationality)
    assert np.all(x > 0) and np.all(y > 0)
    assert x.sum() == pytest.approx(1.0) and y.sum() == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(integer_games())
def test_pareto_mask_has_a_true_cell_and_no_dominated_true_cell(game: Game) -> None:
    A, B = game
    mask = pareto_optimal(A, B)
    assert mask.any()
    best = np.unravel_index(np.argmax(A + B), A.shape)  # the utilitarian optimum is Pareto optimal
    assert mask[best]
