"""`tournament --round-robin`: Axelrod's tournament on the executor, checked against Axelrod itself."""

from __future__ import annotations

import json

import axelrod as axl
import numpy as np
from click.testing import CliRunner, Result

from dilemma_sim.batch.round_robin import run_round_robin
from dilemma_sim.cli import main
from dilemma_sim.engine import compile_scenario
from dilemma_sim.executor import Execution
from dilemma_sim.scenario.loader import load_or_raise

IPD = compile_scenario(load_or_raise("ipd"))
DETERMINISTIC = {
    "cooperator": axl.Cooperator,
    "defector": axl.Defector,
    "tit-for-tat": axl.TitForTat,
    "grudger": axl.Grudger,
    "tit-for-two-tats": axl.TitFor2Tats,
    "suspicious-tit-for-tat": axl.SuspiciousTitForTat,
    "alternator": axl.Alternator,
    "win-stay-lose-shift": axl.WinStayLoseShift,
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_deterministic_classics_rank_and_score_exactly_as_in_axelrods_tournament() -> None:
    ids = list(DETERMINISTIC)
    ours = run_round_robin(IPD, strategies=ids, repetitions=2, seed=0)
    tournament = axl.Tournament([DETERMINISTIC[s]() for s in ids], turns=200, repetitions=1, seed=0)
    theirs = tournament.play(progress_bar=False, processes=None)
    names = [DETERMINISTIC[s]().name for s in ids]
    assert [names[i] for i in ours.ranking] == theirs.ranked_names
    np.testing.assert_allclose(ours.matrix, np.array(theirs.payoff_matrix), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.normalised[:, 0], np.array(theirs.normalised_scores)[:, 0], atol=1e-12)


def test_every_pair_plays_the_same_runs_whatever_the_executor() -> None:
    ids = ["tit-for-tat", "coin", "generous-tit-for-tat"]
    one = run_round_robin(IPD, strategies=ids, repetitions=40, seed=3, noise=0.05)
    two = run_round_robin(
        IPD,
        strategies=ids,
        repetitions=40,
        seed=3,
        noise=0.05,
        execution=Execution(workers=2, chunk_runs=1024),
    )
    np.testing.assert_array_equal(one.scores, two.scores)
    assert np.ptp(one.scores[0, 1]) > 0  # the random strategy really varies from run to run


def test_without_self_play_the_diagonal_is_not_played() -> None:
    result = run_round_robin(IPD, strategies=["tit-for-tat", "defector"], repetitions=2, self_play=False)
    assert np.isnan(result.matrix[0, 0]) and np.isnan(result.matrix[1, 1])
    assert result.matrix[0, 1] == (0 + 199) / 200 and result.matrix[1, 0] == (5 + 199) / 200


def test_noise_makes_a_cooperator_sometimes_defect() -> None:
    clean = run_round_robin(IPD, strategies=["cooperator", "defector"], repetitions=50)
    noisy = run_round_robin(IPD, strategies=["cooperator", "defector"], repetitions=50, noise=0.1)
    assert clean.matrix[0, 1] == 0.0
    # each move trembles with probability 0.1: the cooperator defects ~10% (1 a turn), the defector
    # cooperates ~10% (the cooperator then earns 3 or 5)
    assert 0.3 < noisy.matrix[0, 1] < 0.6


def test_prob_end_scores_per_turn_played() -> None:
    result = run_round_robin(
        IPD, strategies=["tit-for-tat", "defector"], repetitions=200, prob_end=0.1, seed=2
    )
    # a match of L turns: tit for tat scores (L - 1) / L against the defector, who scores (5 + L - 1) / L
    tft, alld = result.scores[0, 1], result.scores[1, 0]
    np.testing.assert_allclose(tft, 1 - (alld - tft) / 5, atol=1e-12)
    # E[1 - 1/L] for a geometric length with p = 0.1 is 1 + p ln(p) / (1 - p) = 0.744
    assert abs(tft.mean() - (1 + 0.1 * np.log(0.1) / 0.9)) < 0.03
    assert result.prob_end == 0.1


def test_the_round_robin_command_ranks_shows_the_matrix_and_plots() -> None:
    data = json.loads(invoke("tournament", "ipd", "--round-robin", "--repetitions", "3", "--json").stdout)
    assert data["ranking"][0]["strategy"] == "tit-for-tat" and len(data["matrix"]) == 10
    assert {"rank", "strategy", "label", "median", "mean", "sd", "ci95"} == set(data["ranking"][0])
    shown = invoke(
        "tournament",
        "ipd",
        "--round-robin",
        "--repetitions",
        "3",
        "--strategies",
        "tit-for-tat,defector,coin",
        "--plot",
    )
    assert shown.exit_code == 0 and "Round robin: 3 strategies" in shown.stdout
    assert "Normalised scores per turn" in shown.stdout


def test_round_robin_options_need_the_round_robin() -> None:
    result = invoke("tournament", "ipd", "--noise", "0.1")
    assert result.exit_code != 0 and "--round-robin" in result.output


def test_an_unknown_strategy_is_named() -> None:
    result = invoke("tournament", "ipd", "--round-robin", "--strategies", "tit-for-tat,grudgr")
    assert result.exit_code == 1 and "grudgr" in result.output
