"""Shared helpers for the TUI tests: a deterministic app and a scratch copy of a scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dilemma_sim.scenario.registry import resolve
from dilemma_sim.tui.app import DilemmaApp

ROOT = Path(__file__).resolve().parents[2]
SEED = 7


def make_app(scenario: str | Path = "pakistan-ttp", seed: int = SEED) -> DilemmaApp:
    """The app as `dilemma-sim play` builds it, without file polling or animations."""
    return DilemmaApp(scenario, seed=seed, watch=False, animations=False)


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """A private copy of the default scenario, safe to edit."""
    target = tmp_path / "pakistan-ttp.yaml"
    shutil.copyfile(resolve("pakistan-ttp"), target)
    return target


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, where `./scenarios` holds the local scenarios."""
    monkeypatch.chdir(ROOT)
