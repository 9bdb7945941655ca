"""The IPD scenario against the Axelrod library: the library strategies score exactly as Axelrod's
classics do in 200-turn matches (the deterministic ones run by run, the random ones in distribution),
and the three-player IPD and public-goods scenarios against values computed here independently."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import axelrod as axl
import numpy as np
import pytest

from dilemma_sim.engine import build_policies, compile_scenario, run_chunk
from dilemma_sim.executor import run_batch
from dilemma_sim.scenario.binding import library
from dilemma_sim.scenario.loader import load_or_raise

IPD = compile_scenario(load_or_raise("ipd"))
AXELROD: dict[str, Callable[[], axl.Player]] = {
    "cooperator": axl.Cooperator,
    "defector": axl.Defector,
    "tit-for-tat": axl.TitForTat,
    "grudger": axl.Grudger,
    "tit-for-two-tats": axl.TitFor2Tats,
    "suspicious-tit-for-tat": axl.SuspiciousTitForTat,
    "alternator": axl.Alternator,
    "win-stay-lose-shift": axl.WinStayLoseShift,
}
"""The deterministic classics; scenario strategy id -> Axelrod's class."""
RANDOM = {"coin": axl.Random, "generous-tit-for-tat": axl.GTFT}


def _ours(row: str, column: str, runs: int = 1, seed: int = 0) -> np.ndarray:
    """(runs, 2) totals of a 200-turn match, row playing `row` and column `column`."""
    res = run_chunk(IPD, 0, runs, seed, build_policies(IPD, {"row": row, "column": column}))
    return np.asarray(res.totals)


def test_the_library_names_the_axelrod_strategies_it_reproduces() -> None:
    for sid, player in {**AXELROD, **RANDOM}.items():
        entry = library()["random" if sid == "coin" else sid]
        assert entry.axelrod == player().name.split(":")[0]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations_with_replacement(AXELROD, 2)))
def test_deterministic_matches_score_exactly_as_axelrods(a: str, b: str) -> None:
    match = axl.Match((AXELROD[a](), AXELROD[b]()), turns=200)
    match.play()
    assert _ours(a, b)[0].tolist() == [float(x) for x in match.final_score()]


@pytest.mark.parametrize("opponent", ["tit-for-tat", "defector", "alternator"])
@pytest.mark.parametrize("random_id", list(RANDOM))
def test_random_strategies_score_as_axelrods_in_distribution(random_id: str, opponent: str) -> None:
    runs = 200
    ours = _ours(random_id, opponent, runs=runs, seed=2)[:, 0]
    theirs = []
    for seed in range(runs):
        match = axl.Match((RANDOM[random_id](), AXELROD[opponent]()), turns=200, seed=seed)
        match.play()
        theirs.append(match.final_score()[0])
    # two independent samples of the same distribution: their means agree within 4.5 standard errors
    se = np.sqrt(ours.var(ddof=1) / runs + np.var(theirs, ddof=1) / runs)
    assert abs(ours.mean() - np.mean(theirs)) < 4.5 * se + 1e-9


def _pd(mine: str, theirs: str) -> int:
    return {("C", "C"): 3, ("C", "D"): 0, ("D", "C"): 5, ("D", "D"): 1}[(mine, theirs)]


def _three_player_match(
    moves: list[Callable[[list[str], list[list[str]]], str]], turns: int = 200
) -> list[int]:
    """Totals of a 3-player IPD played here from scratch: each player's move from its own history and
    the others' histories; a pairwise prisoner's dilemma with each other player every turn."""
    history: list[list[str]] = [[], [], []]
    totals = [0, 0, 0]
    for _ in range(turns):
        now = [move(history[i], [history[j] for j in range(3) if j != i]) for i, move in enumerate(moves)]
        for i in range(3):
            totals[i] += sum(_pd(now[i], now[j]) for j in range(3) if j != i)
            history[i].append(now[i])
    return totals


def _tft(mine: list[str], others: list[list[str]]) -> str:
    return "D" if any(o and o[-1] == "D" for o in others) else "C"


def _grudger(mine: list[str], others: list[list[str]]) -> str:
    return "D" if any("D" in o for o in others) else "C"


def _alld(mine: list[str], others: list[list[str]]) -> str:
    return "D"


def _allc(mine: list[str], others: list[list[str]]) -> str:
    return "C"


@pytest.mark.parametrize(
    "lineup",
    [
        ("tit-for-tat", "tit-for-tat", "tit-for-tat"),
        ("tit-for-tat", "defector", "cooperator"),
        ("grudger", "cooperator", "defector"),
        ("grudger", "tit-for-tat", "cooperator"),
        ("defector", "defector", "cooperator"),
    ],
)
def test_the_three_player_ipd_scores_as_an_independent_simulation(lineup: tuple[str, str, str]) -> None:
    cs = compile_scenario(load_or_raise("ipd-3"))
    moves = {"tit-for-tat": _tft, "grudger": _grudger, "defector": _alld, "cooperator": _allc}
    res = run_chunk(cs, 0, 1, 0, build_policies(cs, dict(zip("abc", lineup, strict=True))))
    assert res.totals[0].tolist() == [float(x) for x in _three_player_match([moves[s] for s in lineup])]


def test_the_public_goods_game_pays_each_run_its_sampled_multiplier() -> None:
    cs = compile_scenario(load_or_raise("public-goods"))
    res = run_batch(cs, 500, 4, {"a": "reciprocator", "b": "free-rider", "c": "contributor"})
    r = res.params[:, 0]
    # turn 1: a and c give (k = 2); then the reciprocator copies the free rider's keeping (k = 1)

    def pot(k: int) -> np.ndarray:
        return r * 10 * k / 3

    a = pot(2) + 9 * (10 + pot(1))
    b = (10 + pot(2)) + 9 * (10 + pot(1))
    c = pot(2) + 9 * pot(1)
    np.testing.assert_allclose(res.totals, np.column_stack([a, b, c]), rtol=1e-12)
