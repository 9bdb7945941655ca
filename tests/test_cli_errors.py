"""One way every command ends: a titled message on stderr and a documented exit code.

An expected failure (a `DilemmaError`) never shows a traceback and never writes to stdout; an
unexpected exception shows its traceback under a line saying it is a bug; Ctrl-C exits 130. The
exit codes are listed in `dilemma-sim --help` and in the README, from one table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from dilemma_sim.cli import main
from dilemma_sim.errors import (
    EXIT_CODE_MEANINGS,
    DilemmaError,
    EnvironmentProblem,
    ExitCode,
    InvalidInput,
    LimitExceeded,
    MissingDependency,
    NonFiniteError,
)
from dilemma_sim.scenario.starter import starter_yaml

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def failing_command() -> Iterator[list[BaseException]]:
    """A `_fail` command that raises whatever the test puts in the list."""
    raised: list[BaseException] = []

    @main.command(name="_fail", hidden=True)
    def _fail() -> None:
        raise raised[0]

    yield raised
    main.commands.pop("_fail")


@pytest.mark.parametrize(
    ("error", "code", "title"),
    [
        (InvalidInput("the value is wrong"), 1, "invalid input"),
        (LimitExceeded("too many runs"), 1, "over a limit"),
        (MissingDependency("distributed", "dask", "--scheduler"), 3, "missing dependency"),
        (EnvironmentProblem("the disk is full", hint="free some space"), 4, "cannot proceed"),
        (NonFiniteError("a rate is NaN"), 5, "non-finite value"),
    ],
)
def test_an_expected_failure_is_a_titled_message_on_stderr_and_its_exit_code(
    failing_command: list[BaseException], error: DilemmaError, code: int, title: str
) -> None:
    failing_command.append(error)
    result = invoke("_fail")
    assert result.exit_code == code
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == f"error ({title}): {error.message}"
    assert "Traceback" not in result.stderr
    if error.hint:
        assert f"hint: {error.hint}" in result.stderr


def test_a_message_is_never_markup_or_escapes(failing_command: list[BaseException]) -> None:
    failing_command.append(InvalidInput("name [/] \x1b]52;c;eA==\x07here"))
    result = invoke("_fail")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error (invalid input): name [/] here"


def test_an_unexpected_exception_is_reported_as_a_bug_with_its_traceback(
    failing_command: list[BaseException],
) -> None:
    failing_command.append(ZeroDivisionError("oops"))
    result = invoke("_fail")
    assert result.exit_code == int(ExitCode.INTERNAL) == 70
    assert result.stdout == ""
    assert result.stderr.startswith("internal error: this is a bug in dilemma-sim")
    assert "Traceback (most recent call last)" in result.stderr and "ZeroDivisionError: oops" in result.stderr


def test_ctrl_c_anywhere_in_a_command_exits_130(failing_command: list[BaseException]) -> None:
    failing_command.append(KeyboardInterrupt())
    result = invoke("_fail")
    assert result.exit_code == 130
    assert result.stderr.startswith("interrupted:")


def test_a_refusal_of_the_file_system_is_an_environment_problem(failing_command: list[BaseException]) -> None:
    failing_command.append(PermissionError(13, "Permission denied", "/root/x.csv"))
    result = invoke("_fail")
    assert result.exit_code == 4
    assert "Permission denied" in result.stderr and "/root/x.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_stay_click_s_exit_2(failing_command: list[BaseException]) -> None:
    failing_command.append(click.BadParameter("no good", param_hint="--x"))
    assert invoke("_fail").exit_code == 2
    assert invoke("batch", "--no-such-option").exit_code == 2


# --------------------------------------------------------------------------- documented codes


def test_help_lists_every_exit_code_with_its_meaning() -> None:
    text = invoke("--help").stdout
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert re.search(rf"^\s+{int(code)}\s+{re.escape(meaning)}$", text, re.MULTILINE), code
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)


def test_the_readme_lists_the_same_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\d+)` \| (.+?) \|$", readme, re.MULTILINE))
    assert {int(k): v for k, v in rows.items()} == {int(c): m for c, m in EXIT_CODE_MEANINGS.items()}


# --------------------------------------------------------------------------- --json everywhere


@pytest.fixture()
def starter(tmp_path: Path) -> Path:
    path = tmp_path / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return path


@pytest.mark.parametrize("command", ["validate", "lint"])
def test_format_json_is_an_alias_of_json(starter: Path, command: str) -> None:
    plain = invoke(command, starter, "--json")
    alias = invoke(command, starter, "--format", "json")
    assert plain.exit_code == alias.exit_code == 0
    assert json.loads(plain.stdout) == json.loads(alias.stdout)
    text = invoke(command, starter, "--format", "text")
    assert text.exit_code == 0 and text.stdout == ""


def test_every_command_that_prints_a_result_has_json() -> None:
    without = {"play", "serve", "schema"}  # the app, the server, and a command whose result is JSON
    for name, command in main.commands.items():
        if name in without or command.hidden:
            continue
        options = {opt for p in command.params for opt in getattr(p, "opts", [])}
        assert "--json" in options, name


def test_new_with_json_reports_the_file(tmp_path: Path) -> None:
    result = invoke("new", "water", "--dir", tmp_path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"path": str(tmp_path / "water.yaml"), "id": "water"}


# --------------------------------------------------------------------------- completion


def _complete(words: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What bash completion offers for the command line `words` (the last word is being typed)."""
    monkeypatch.chdir(cwd)
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"_DILEMMA_SIM_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = CliRunner().invoke(main, [], env=env, prog_name="dilemma-sim", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]  # "type,value" lines


def test_scenario_ids_and_files_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "water-rights.yaml").write_text("id: x\n")
    (tmp_path / "mine.yaml").write_text("id: y\n")
    (tmp_path / "notes.txt").write_text("")
    assert _complete("dilemma-sim batch pak", tmp_path, monkeypatch) == [
        "pakistan-ttp",
        "pakistan-ttp-ceasefire-2021",
        "pakistan-ttp-spillover",
    ]
    assert _complete("dilemma-sim run wat", tmp_path, monkeypatch) == ["water-rights"]
    assert "mine.yaml" in _complete("dilemma-sim validate mi", tmp_path, monkeypatch)
    assert _complete("dilemma-sim explain scenarios/", tmp_path, monkeypatch) == [
        "scenarios/water-rights.yaml"
    ]
    assert "notes.txt" not in _complete("dilemma-sim lint ", tmp_path, monkeypatch)


def test_completion_is_documented_in_help_and_readme() -> None:
    assert "_DILEMMA_SIM_COMPLETE=bash_source dilemma-sim" in invoke("--help").stdout
    assert "_DILEMMA_SIM_COMPLETE=bash_source dilemma-sim" in (ROOT / "README.md").read_text(encoding="utf-8")
