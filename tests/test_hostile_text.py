"""Text from a scenario reaches the terminal as text: no escape sequence, no markup, no crash.

A scenario is written by whoever wrote the file. Its title, names, labels and news lines may hold
terminal escapes (set the window title, write the clipboard with OSC 52, clear the screen) and
Rich markup (`[/]` closes a tag that was never opened: a MarkupError). Every command that prints
scenario text is run on such a scenario: it must succeed, print the visible text, and let no
control character through.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from dilemma_sim.cli import main
from dilemma_sim.scenario.starter import starter_yaml
from dilemma_sim.text import safe, safe_line

ESC = "\x1b"
HOSTILE = (
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard
    "[/]"  # closes a Rich tag that was never opened
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]0;pwned\x1b\\"  # set the window title (ST-terminated)
    "\x9b31m"  # 8-bit CSI
    "\x1bP+q\x1b\\"  # DCS
    "\r[bold]x[/bold]\x08\x07"
)
VISIBLE = "[/][bold]x[/bold]"
"""What of HOSTILE is visible text: the markup, shown as it is written."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def hostile(text: str) -> str:
    return f"{text} {HOSTILE}"


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data: dict[str, Any] = yaml.safe_load(starter_yaml("evil"))
    data["title"] = hostile("Evil")
    data["summary"] = hostile("A summary")
    data["version"] = hostile("1.0")
    gov = data["actors"]["government"]
    gov["name"] = hostile("Government")
    for option in gov["decisions"]["approach"]["options"].values():
        option["label"] = hostile(option["label"])
        option["text"] = hostile("{actor} acts")
    data["actors"]["group"]["name"] = hostile("Group")
    data["state"]["security"]["label"] = hostile("Security")
    data["events"]["backlash"]["text"] = hostile("Backlash")
    data["endings"]["collapse"]["label"] = hostile("Collapse")
    data["strategies"]["hard_line"]["label"] = hostile("Hard line")
    folder = tmp_path_factory.mktemp("evil") / "scenarios"
    folder.mkdir()
    path = folder / "evil.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False), encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_shown_as_text(result: Result, *, names_shown: bool = True) -> None:
    assert result.exit_code == 0, result.output
    for stream in (result.stdout, result.stderr):
        assert ESC not in stream and not CONTROL.search(stream.replace("\n", "").replace("\t", ""))
    if names_shown:
        assert "[/]" in result.stdout + result.stderr  # the markup is shown, not interpreted


# --------------------------------------------------------------------------- text.safe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text, ünïcödé, 中文", "plain text, ünïcödé, 中文"),
        ("a\nb\tc", "a\nb\tc"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]52;c;ZXZpbA==\x07after", "after"),
        ("\x1b]52;c;ZXZpbA==\x1b\\after", "after"),
        ("\x1b]0;title never terminated", ""),
        ("\x1bP+q544e\x1b\\after", "after"),
        ("\x9b2J\x9d0;t\x9cafter", "after"),
        ("\x1bcreset", "reset"),
        ("over\rwrite\x08\x07\x7f", "overwrite"),
        ("[/] [bold]", "[/] [bold]"),
    ],
)
def test_safe_removes_every_control_sequence_and_keeps_the_visible_text(raw: str, shown: str) -> None:
    assert safe(raw) == shown


def test_safe_line_puts_text_on_one_line() -> None:
    assert safe_line("a\nb\tc\x1b[2J") == "a b c"


@given(st.text())
def test_safe_output_has_no_control_character_and_is_stable(text: str) -> None:
    out = safe(text)
    assert not CONTROL.search(out)
    assert safe(out) == out


# --------------------------------------------------------------------------- every command


def test_the_hostile_scenario_is_valid(evil: Path) -> None:
    result = invoke("validate", evil)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "{evil}"],
        ["run", "{evil}", "--seed", "2"],
        ["batch", "{evil}", "--runs", "200"],
        ["tournament", "{evil}", "--runs", "20"],
        ["sweep", "{evil}", "--param", "parameters.talks_dividend=0:6:2", "--runs", "20"],
        ["analyze", "{evil}"],
        ["explore", "{evil}", "--runs", "50"],  # prints ids only
    ],
    ids=lambda a: a[0],
)
def test_each_command_prints_scenario_text_as_text(evil: Path, args: list[str]) -> None:
    result = invoke(*(a.replace("{evil}", str(evil)) for a in args))
    assert_shown_as_text(result, names_shown=args[0] != "explore")


def test_list_prints_titles_as_text(evil: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(evil.parent.parent)
    result = invoke("list")
    assert_shown_as_text(result)
    assert "Evil" in result.stdout


def test_diagnostics_quote_hostile_keys_as_text(evil: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = evil.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("turns: 12", 'turns: 12\n"key \\e]52;c;eA==\\a[/]\\e[2J": 1'), encoding="utf-8"
    )
    for command in ("validate", "lint"):
        result = invoke(command, bad)
        assert result.exit_code == 1
        assert "E201" in result.stderr and "[/]" in result.stderr
        assert ESC not in result.stderr and "\x07" not in result.stderr


def test_json_output_escapes_c1_controls_but_keeps_the_text(evil: Path) -> None:
    import json

    result = invoke("explain", evil, "--json")
    assert result.exit_code == 0
    assert not CONTROL.search(result.stdout.replace("\n", ""))
    assert json.loads(result.stdout)["title"] == hostile("Evil")  # the data itself is unchanged
