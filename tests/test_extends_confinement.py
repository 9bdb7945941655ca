"""`extends:` stays inside the scenario's folder tree and the built-ins, and never shows a file it refused.

A scenario file is untrusted: it once read /etc/passwd through `extends:` and put its values into
diagnostics. Now an absolute path, `..` that climbs out of the tree and a link that points out of
it are refused (E110) before the file is opened, unless the user lists the folder in
DILEMMA_SIM_EXTENDS_PATH; only `.yaml`/`.yml` regular files are read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from dilemma_sim.scenario.loader import load_scenario, load_text
from dilemma_sim.scenario.starter import starter_yaml

SECRET = "secret_token: hunter2\nturns: sesame\n"
"""A YAML mapping outside the tree: its keys and values must never reach a diagnostic."""


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """`tmp_path/outside/secret.yaml` and the scenario folder `tmp_path/project/scenarios`."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(SECRET)
    folder = tmp_path / "project" / "scenarios"
    (folder / "bases").mkdir(parents=True)
    base = yaml.safe_load(starter_yaml("base"))
    (folder / "bases" / "base.yaml").write_text(yaml.safe_dump(base))
    return folder


def child(folder: Path, ref: str, name: str = "child.yaml") -> Path:
    path = folder / name
    path.write_text(f"extends: {ref}\nid: child\n")
    return path


def codes_and_text(path: Path) -> tuple[set[str], str]:
    result = load_scenario(path)
    return {d.code for d in result.diagnostics}, "\n".join(d.format() for d in result.diagnostics)


def assert_refused_without_echo(path: Path) -> None:
    codes, text = codes_and_text(path)
    assert "E110" in codes, text
    assert "hunter2" not in text and "secret_token" not in text and "sesame" not in text


@pytest.mark.parametrize("ref", ["/etc/passwd", "/etc/hostname", "~/.bashrc"])
def test_absolute_paths_are_refused(tree: Path, ref: str) -> None:
    codes, text = codes_and_text(child(tree, ref))
    assert "E110" in codes and "absolute path" in text


def test_an_absolute_path_to_a_yaml_mapping_is_refused_without_echo(tree: Path) -> None:
    assert_refused_without_echo(child(tree, str(tree.parent.parent / "outside" / "secret.yaml")))


def test_dot_dot_that_climbs_out_of_the_tree_is_refused_without_echo(tree: Path) -> None:
    assert_refused_without_echo(child(tree, "../../outside/secret.yaml"))
    assert_refused_without_echo(child(tree, "../../outside/secret"))  # `.yaml` added


def test_dot_dot_that_stays_inside_the_tree_is_followed(tree: Path) -> None:
    # the tree is the folder of the file loaded: a base in a subfolder may climb back into it
    (tree / "bases" / "mid.yaml").write_text("extends: ../common.yaml\nid: mid\n")
    (tree / "bases" / "base.yaml").rename(tree / "common.yaml")
    result = load_scenario(child(tree, "bases/mid"))
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.scenario is not None and result.scenario.id == "child"


def test_the_tree_is_the_folder_of_the_file_loaded(tree: Path) -> None:
    inner = tree / "variants"
    inner.mkdir()
    codes, text = codes_and_text(child(inner, "../bases/base.yaml"))
    assert "E110" in codes and "climbs out" in text


def test_a_link_out_of_the_tree_is_refused_without_echo(tree: Path) -> None:
    (tree / "link.yaml").symlink_to(tree.parent.parent / "outside" / "secret.yaml")
    codes, text = codes_and_text(child(tree, "link.yaml"))
    assert "E110" in codes and "link" in text
    assert "hunter2" not in text and "secret_token" not in text
    (tree / "dir").symlink_to(tree.parent.parent / "outside", target_is_directory=True)
    assert_refused_without_echo(child(tree, "dir/secret.yaml"))


def test_a_link_inside_the_tree_is_followed(tree: Path) -> None:
    (tree / "alias.yaml").symlink_to(tree / "bases" / "base.yaml")
    assert load_scenario(child(tree, "alias")).ok


def test_the_user_may_allow_another_folder(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tree.parent.parent / "shared"
    shared.mkdir()
    (shared / "base.yaml").write_text((tree / "bases" / "base.yaml").read_text())
    path = child(tree, "../../shared/base.yaml")
    assert "E110" in codes_and_text(path)[0]
    monkeypatch.setenv("DILEMMA_SIM_EXTENDS_PATH", os.pathsep.join(["/nonexistent", str(shared)]))
    assert load_scenario(path).ok


def test_built_in_ids_are_always_reachable(tree: Path) -> None:
    result = load_scenario(child(tree, "pakistan-ttp"))
    assert "E110" not in {d.code for d in result.diagnostics}
    assert result.data is not None and "ttp" in result.data["actors"]


def test_files_that_are_not_yaml_are_not_read(tree: Path) -> None:
    (tree / "notes.txt").write_text(SECRET)
    codes, text = codes_and_text(child(tree, "notes.txt"))
    assert codes & {"E109", "E110"} and "hunter2" not in text and "secret_token" not in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_not_opened(tree: Path) -> None:
    os.mkfifo(tree / "pipe.yaml")
    codes, _ = codes_and_text(child(tree, "pipe.yaml"))  # opening it would block forever
    assert "E109" in codes


@pytest.mark.parametrize("ref", ['"a\\0b"', '""', '"x\\ny"'])
def test_references_that_are_not_file_names(tree: Path, ref: str) -> None:
    path = tree / "odd.yaml"
    path.write_text(f"extends: {ref}\nid: child\n")
    assert "E110" in codes_and_text(path)[0]


def test_text_loaded_without_a_file_is_confined_to_the_working_folder(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    assert "E110" in {d.code for d in load_text("extends: ../../outside/secret.yaml\nid: x\n").diagnostics}
    assert load_text("extends: bases/base.yaml\nid: x\n").ok
