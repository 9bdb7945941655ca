"""The save format: validated on load, written atomically, never touched when damaged."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dilemma_sim.tui.savefile import (
    MAX_BYTES,
    SaveError,
    SaveExists,
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
    humans=["pakistan"],
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


# --------------------------------------------------------------------------- versions


def test_a_version_1_save_is_read_as_a_game_of_one_human(tmp_path: Path) -> None:
    old = {
        "format": "dilemma-sim-save",
        "version": 1,
        "scenario_id": "pakistan-ttp",
        "scenario_path": "/x/pakistan-ttp.yaml",
        "scenario_hash": "abc123",
        "seed": 3,
        "run_index": 0,
        "human": "pakistan",
        "choices": [{"pakistan.posture": "hedge", "pakistan.aid": "raise"}],
    }
    path = tmp_path / "old.save.json"
    path.write_text(json.dumps(old))
    assert read_save(path) == GAME


# --------------------------------------------------------------------------- reading safely


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_before_it_is_read(device: str) -> None:
    with pytest.raises(SaveError, match="not a regular file"):
        read_save(Path(device))


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.save.json"
    os.mkfifo(fifo)
    with pytest.raises(SaveError, match="not a regular file"):
        read_save(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="not a regular file"):
        read_save(tmp_path)


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.save.json"
    path.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(SaveError, match="at most"):
        read_save(path)


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "deep.save.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SaveError, match="nests"):
        read_save(path)


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    game = GAME.model_copy(update={"scenario_path": '/x/[[[[[[[[[[[[ \\ " {{{{{{{{{{{{.yaml'})
    write_save(path, game)
    assert read_save(path) == game


# --------------------------------------------------------------------------- writing safely


def test_saving_over_an_existing_file_asks_first(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    path.write_text("mine")
    with pytest.raises(SaveExists):
        write_save(path, GAME)
    assert path.read_text() == "mine"
    write_save(path, GAME, replace=True)
    assert read_save(path) == GAME


def test_replacing_keeps_the_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    path.write_text("mine")
    path.chmod(0o644)
    write_save(path, GAME, replace=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_new_save_gets_the_usual_mode_not_0600(tmp_path: Path) -> None:
    path = tmp_path / "g.save.json"
    old = os.umask(0o022)
    try:
        write_save(path, GAME)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_symlink_is_never_followed_nor_replaced(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "g.save.json"
    link.symlink_to(target)
    for replace in (False, True):
        with pytest.raises(SaveError, match="symbolic link"):
            write_save(link, GAME, replace=replace)
    assert link.is_symlink() and target.read_text() == "keep me"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_node_is_never_replaced(device: str) -> None:
    before = os.stat(device)
    with pytest.raises(SaveError, match="not a regular file"):
        write_save(Path(device), GAME, replace=True)
    after = os.stat(device)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_folder_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "g.save.json"
    folder.mkdir()
    with pytest.raises(SaveError):
        write_save(folder, GAME, replace=True)
    assert folder.is_dir()


# --------------------------------------------------------------------------- what a save may open


def test_a_save_may_not_name_a_path_the_player_did_not_open(tmp_path: Path) -> None:
    from dilemma_sim.scenario.registry import builtin_path
    from dilemma_sim.tui.opening import save_scenario_ref

    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("id: x")
    game = GAME.model_copy(update={"scenario_path": str(elsewhere), "scenario_id": "nosuch"})
    with pytest.raises(SaveError, match="not opened"):
        save_scenario_ref(game, opened_paths=())
    assert save_scenario_ref(game, opened_paths=[elsewhere]) == elsewhere.resolve()
    # a path that is not opened falls back to the built-in of the save's id
    assert save_scenario_ref(GAME.model_copy(update={"scenario_path": str(elsewhere)}), ()) == "pakistan-ttp"
    builtin = builtin_path("pakistan-ttp")
    assert builtin is not None
    assert save_scenario_ref(GAME.model_copy(update={"scenario_path": str(builtin)}), ()) == builtin.resolve()
