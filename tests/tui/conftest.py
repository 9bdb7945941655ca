"""Shared helpers for the TUI tests: a deterministic app and a scratch copy of a scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dilemma_sim.scenario.registry import resolve
from dilemma_sim.tui.app import DilemmaApp

ROOT = Path(__file__).resolve().parents[2]
SEED = 7
LAYOUT = Path(__file__).parent / "fixtures" / "layout.yaml"
"""A frozen copy of `pakistan-ttp` version 1 (six postures, four levers, early endings): the scenario of
the tests about layout and behaviour, so that rewriting the flagship's model does not change them."""


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


HOSTILE = "[/][bold]\x1b]0;pwned\x07\x1b[2J"
"""Markup that Rich would choke on, a window-title escape and a screen clear."""
_TEXT_KEYS = {"title", "summary", "briefing", "name", "label", "description", "text", "unit"}


def hostile_copy(directory: Path, scenario: str = "pakistan-ttp") -> Path:
    """A copy of `scenario` whose every text (titles, names, labels, descriptions, news) starts with
    `HOSTILE`: a game of it must show that text as text, never as markup or terminal codes."""
    import yaml

    data = yaml.safe_load(resolve(scenario).read_text(encoding="utf-8"))

    def spoil(node: object, key: str = "") -> object:
        if isinstance(node, dict):
            return {k: spoil(v, str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [spoil(v, key) for v in node]
        if isinstance(node, str) and key in _TEXT_KEYS:
            return HOSTILE + node
        return node

    path = directory / "hostile.yaml"
    path.write_text(yaml.safe_dump(spoil(data), allow_unicode=False, sort_keys=False), encoding="utf-8")
    return path
