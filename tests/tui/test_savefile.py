"""The save format: validated on load, written atomically, never touched when damaged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dilemma_sim.tui.savefile import (
    SaveError,
    SaveGame,
    ScenarioChanged,
    check_scenario,
    default_save_path,
    read_save,
    write_save,
)

GAME = SaveGame(
    scenario_id="pakistan-ttp",
    scenario_path="/x/pakistan-ttp.yaml",
    scenario_hash="abc123",
    seed=3,
    human="pakistan",
    choices=[{"pakistan.posture": "hedge", "pakistan.aid": "raise"}],
)


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    write_save(path, GAME)
    assert read_save(path) == GAME
    assert json.loads(path.read_text())["format"] == "dilemma-sim-save"
    assert [p.name for p in tmp_path.iterdir()] == ["g.save.json"]  # no temp file left behind


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        json.dumps({"format": "something-else"}),
        json.dumps({**GAME.model_dump(), "version": 99}),
        json.dumps({**GAME.model_dump(), "seed": -1}),
        json.dumps({**GAME.model_dump(), "surprise": 1}),
        json.dumps({k: v for k, v in GAME.model_dump().items() if k != "scenario_hash"}),
    ],
)
def test_damaged_save_raises_and_is_left_alone(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.save.json"
    path.write_text(text)
    with pytest.raises(SaveError) as info:
        read_save(path)
    assert str(path) in str(info.value)
    assert path.read_text() == text


def test_missing_file_is_a_save_error(tmp_path: Path) -> None:
    with pytest.raises(SaveError):
        read_save(tmp_path / "nope.json")


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    write_save(path, GAME)
    before = path.read_bytes()
    with pytest.raises(SaveError):
        write_save(tmp_path / "missing-dir" / "g.save.json", GAME)
    assert path.read_bytes() == before


def test_check_scenario() -> None:
    check_scenario(GAME, "pakistan-ttp", "abc123")
    with pytest.raises(ScenarioChanged):
        check_scenario(GAME, "pakistan-ttp", "def456")
    with pytest.raises(SaveError):
        check_scenario(GAME, "other", "abc123")


def test_default_path() -> None:
    assert default_save_path("pakistan-ttp") == Path("pakistan-ttp.save.json")


def test_savefile_does_not_import_textual() -> None:
    code = (
        "import sys, dilemma_sim.tui.savefile, dilemma_sim.tui.session, dilemma_sim.tui.advice, "
        "dilemma_sim.tui.benchmarks, dilemma_sim.tui.opening; assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
