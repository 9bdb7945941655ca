"""A served game's files stay in the served folder: `../`, absolute paths and symbolic links that lead
out are refused with a message; without a folder, only built-in and served scenarios open."""

from __future__ import annotations

from pathlib import Path

import pytest

from dilemma_sim.scenario.registry import builtin_path
from dilemma_sim.tui.files import FileRules, PathRefused
from dilemma_sim.tui.serving import ServeRefused, check_host, is_loopback


@pytest.fixture
def served(tmp_path: Path) -> FileRules:
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "mine.yaml").write_text("id: mine")
    (tmp_path / "outside.yaml").write_text("id: outside")
    (folder / "escape").symlink_to(tmp_path)
    (folder / "link.save.json").symlink_to(tmp_path / "outside.yaml")
    return FileRules(True, folder.resolve(), ())


@pytest.mark.parametrize(
    "text",
    ["../outside.yaml", "sub/../../outside.yaml", "/etc/passwd", "escape/outside.yaml", "link.save.json"],
)
def test_paths_out_of_the_folder_are_refused(served: FileRules, text: str) -> None:
    with pytest.raises(PathRefused) as refused:
        served.file(text)
    assert text in str(refused.value)
    with pytest.raises(PathRefused):
        served.scenario(text)


def test_paths_in_the_folder_are_relative_to_it(served: FileRules) -> None:
    assert served.folder is not None
    assert served.file("game.save.json") == served.folder / "game.save.json"
    assert served.scenario("mine.yaml") == served.folder / "mine.yaml"
    assert served.scenario(str(served.folder / "mine.yaml")) == served.folder / "mine.yaml"
    assert served.scenario("pakistan-ttp") == "pakistan-ttp"


def test_without_a_folder_only_builtin_and_served_scenarios_open(tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("id: own")
    rules = FileRules(True, None, (own.resolve(),))
    assert rules.scenario("tutorial-standoff") == "tutorial-standoff"
    assert rules.scenario(str(own)) == own.resolve()
    builtin = builtin_path("pakistan-ttp")
    assert builtin is not None
    for text in ("other.yaml", "/etc/passwd", "~/.ssh/id_rsa"):
        with pytest.raises(PathRefused):
            rules.scenario(text)
    with pytest.raises(PathRefused, match="saving and loading are off"):
        rules.file("game.save.json")


def test_a_terminal_game_is_not_confined(tmp_path: Path) -> None:
    rules = FileRules()
    assert rules.file(str(tmp_path / "x.json")) == tmp_path / "x.json"
    assert rules.file("~/x.json") == Path.home() / "x.json"


def test_the_rules_travel_to_the_app_process_in_its_environment(served: FileRules) -> None:
    assert FileRules.from_environment(served.environment()) == served
    assert FileRules.from_environment({}) == FileRules()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_hosts_serve_without_a_flag(host: str) -> None:
    assert is_loopback(host)
    assert check_host(host, allow_remote=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.org", "::"])
def test_other_hosts_need_an_explicit_flag_and_warn(host: str) -> None:
    with pytest.raises(ServeRefused, match="--allow-remote"):
        check_host(host, allow_remote=False)
    warning = check_host(host, allow_remote=True)
    assert warning is not None and "warning" in warning


def test_serve_refuses_a_remote_host_without_the_flag() -> None:
    from click.testing import CliRunner

    from dilemma_sim.cli import main

    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 1 and "--allow-remote" in result.output


def test_sessions_are_capped_and_a_seat_is_taken_once() -> None:
    from aiohttp.test_utils import make_mocked_request

    from dilemma_sim.tui.opening import open_scenario
    from dilemma_sim.tui.serving import GameServer
    from dilemma_sim.tui.shared import Coordinator

    solo = GameServer("true", host="127.0.0.1", port=8123, files=FileRules(True), max_sessions=2)
    ours = make_mocked_request("GET", "/ws", headers={"Origin": "http://127.0.0.1:8123"})
    assert solo.refusal(ours, "play") is None
    solo.sessions["play"] = 2
    assert "2 sessions" in str(solo.refusal(ours, "play"))
    elsewhere = make_mocked_request("GET", "/ws", headers={"Origin": "http://localhost.evil:8123"})
    solo.sessions["play"] = 0
    assert "origin" in str(solo.refusal(elsewhere, "play"))
    shared = GameServer(
        "true",
        host="127.0.0.1",
        port=8123,
        files=FileRules(True),
        coordinator=Coordinator(open_scenario("pakistan-ttp"), 0, ("pakistan", "taliban"), facilitator=True),
        max_sessions=3,
    )
    assert shared.seats == ["pakistan", "taliban", "facilitator"]
    shared.sessions["pakistan"] = 1
    assert "taken" in str(shared.refusal(ours, "pakistan"))
    assert shared.refusal(ours, "taliban") is None
    shared.sessions["facilitator"] = 1  # a facilitating team may share the facilitator's seat
    assert shared.refusal(ours, "facilitator") is None


def test_a_served_app_refuses_to_save_or_open_outside_its_folder(tmp_path: Path) -> None:
    import asyncio

    from textual.widgets import Input

    from dilemma_sim.tui.app import DilemmaApp
    from dilemma_sim.tui.screens.modals import ErrorModal, PathModal
    from dilemma_sim.tui.screens.picker import PickerScreen
    from tests.tui.test_play import settle, start

    folder = tmp_path / "served"
    folder.mkdir()
    rules = FileRules(True, folder.resolve(), ())

    async def scenario() -> None:
        app = DilemmaApp("pakistan-ttp", seed=1, files=rules, watch=False, animations=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await start(app, pilot)
            await pilot.press("n", "ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, PathModal)
            app.screen.query_one(Input).value = "../escaped.save.json"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ErrorModal)
            assert not (tmp_path / "escaped.save.json").exists()
            await pilot.press("escape")
            await pilot.press("ctrl+s")
            await pilot.pause()
            app.screen.query_one(Input).value = "kept.save.json"
            await pilot.press("enter")
            await settle(app, pilot)
            assert (folder / "kept.save.json").is_file()
            await pilot.press("s")
            await settle(app, pilot)
            assert isinstance(app.screen, PickerScreen)
            typed = app.screen.query_one(Input)
            typed.value = "/etc/passwd"
            typed.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ErrorModal)

    asyncio.run(scenario())
