"""Run from a clone, where `./scenarios` is the built-in folder or a copy of it: each scenario once,
and `new` keeps out of the package's own folder."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from dilemma_sim.cli import main
from dilemma_sim.scenario.catalog import list_scenarios
from dilemma_sim.scenario.registry import CLONE_LOCAL_DIR, builtin_dir, local_dir


def test_a_clone_whose_scenarios_folder_is_the_builtin_one_lists_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios").symlink_to(builtin_dir(), target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    ids = Counter(info.id for info in list_scenarios())
    assert ids and max(ids.values()) == 1
    assert local_dir() == CLONE_LOCAL_DIR


def test_a_copy_of_the_builtin_files_is_listed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(builtin_dir(), tmp_path / "scenarios")
    (tmp_path / "scenarios" / "mine.yaml").write_bytes(
        (builtin_dir() / "tutorial-standoff.yaml").read_bytes()
    )
    monkeypatch.chdir(tmp_path)
    infos = list_scenarios()
    ids = Counter(info.id for info in infos)
    assert ids["pakistan-ttp"] == 1
    # a file of one's own is listed, even with the same content under another name
    assert any(info.path.name == "mine.yaml" and not info.builtin for info in infos)


def test_new_in_a_clone_writes_beside_not_into_the_builtin_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios").symlink_to(builtin_dir(), target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in builtin_dir().iterdir())
    result = CliRunner().invoke(main, ["new", "water-rights"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / CLONE_LOCAL_DIR / "water-rights.yaml").is_file()
    assert sorted(p.name for p in builtin_dir().iterdir()) == before
    assert "water-rights" in [info.id for info in list_scenarios()]
