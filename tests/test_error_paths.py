"""Every way a command can be refused ends in a message and a documented exit code, never a traceback.

One test per path named in issue #10: absurd run counts, a seed too large for the output file, an
output folder that is missing or unwritable, a full disk, a name over 255 bytes, a title that is
not text, malformed transcripts, a scheduler without dask or out of reach, a scenario too large
for memory, and a missing pyarrow.
"""

from __future__ import annotations

import builtins
import errno
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dilemma_sim.cli import main
from dilemma_sim.engine import compile_scenario
from dilemma_sim.engine.compile import CompiledScenario
from dilemma_sim.engine.replay import TranscriptError, check_transcript
from dilemma_sim.errors import ExitCode
from dilemma_sim.limits import MAX_RUNS
from dilemma_sim.scenario.loader import load_or_raise
from dilemma_sim.scenario.starter import starter_yaml


def invoke(*args: str | Path, **kwargs: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


def assert_clean_failure(result: Result, code: int, *phrases: str) -> None:
    """Exit `code`, the phrases on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("paths") / "starter.yaml"
    path.write_text(starter_yaml("starter"))
    return path


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("command", ["batch", "sweep", "tournament", "explore"])
def test_runs_beyond_the_bound_are_a_usage_error_before_any_work(starter: Path, command: str) -> None:
    extra = ["--param", "parameters.talks_dividend=0:6:2"] if command == "sweep" else []
    result = invoke(command, starter, *extra, "--runs", str(10**15))
    assert_clean_failure(result, ExitCode.USAGE, "--runs", f"{MAX_RUNS}")


def test_a_seed_beyond_64_bits_is_a_usage_error(starter: Path, tmp_path: Path) -> None:
    result = invoke("batch", starter, "--runs", "10", "--seed", str(2**63), "--out", tmp_path / "r.csv")
    assert_clean_failure(result, ExitCode.USAGE, "--seed")
    assert list(tmp_path.iterdir()) == []


def test_the_largest_seed_is_written_exactly(starter: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert invoke("batch", starter, "--runs", "10", "--seed", str(2**63 - 1), "--out", out).exit_code == 0
    assert out.read_text().splitlines()[-1].split(",")[1] == str(2**63 - 1)


# --------------------------------------------------------------------------- output files


def test_an_out_folder_that_does_not_exist(starter: Path, tmp_path: Path) -> None:
    result = invoke("batch", starter, "--runs", "10", "--out", tmp_path / "missing" / "r.csv")
    assert_clean_failure(result, ExitCode.ENVIRONMENT, "does not exist")


@pytest.fixture()
def unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder this process cannot write into (as root, chmod is not enough: opening is refused)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    real_open = builtins.open

    def refusing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(folder)):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    return folder


def test_an_out_folder_that_cannot_be_written(starter: Path, unwritable: Path) -> None:
    result = invoke("batch", starter, "--runs", "10", "--out", unwritable / "r.csv")
    assert_clean_failure(result, ExitCode.ENVIRONMENT, "Permission denied", "permissions")
    assert [p.name for p in unwritable.iterdir()] == []


class FillingFile:
    """A file on a disk with `room` bytes left: the write that does not fit fails with ENOSPC."""

    def __init__(self, file: Any, room: int) -> None:
        self._file, self._room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return int(self._file.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> FillingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.fixture()
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path` as a disk with 100 kB left: files opened there fail at the write that fills it."""
    from dilemma_sim.batch import outputs

    real_open = builtins.open

    def opening(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        f = real_open(file, mode, *args, **kwargs)
        writing = "w" in mode or "x" in mode
        return FillingFile(f, 100_000) if writing and str(file).startswith(str(tmp_path)) else f

    monkeypatch.setattr(builtins, "open", opening)

    def parquet_fills(self: Any, cols: Any) -> None:  # pyarrow writes through its own file system
        if self._parquet is not None:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_parquet(self, cols)

    real_parquet = outputs.RunWriter._write_parquet
    monkeypatch.setattr(outputs.RunWriter, "_write_parquet", parquet_fills)
    return tmp_path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_disk_that_fills_leaves_no_file_and_no_temporary(
    starter: Path, small_disk: Path, suffix: str
) -> None:
    out = small_disk / f"runs{suffix}"
    result = invoke("batch", starter, "--runs", "3000", "--chunk-runs", "1024", "--out", out)
    assert_clean_failure(
        result, ExitCode.ENVIRONMENT, f"cannot write runs to {out}", "No space left on device"
    )
    assert "disk is full" in result.stderr
    assert list(small_disk.iterdir()) == []


def test_a_name_over_255_bytes_is_refused_before_the_batch(starter: Path, tmp_path: Path) -> None:
    result = invoke("batch", starter, "--runs", "10", "--out", tmp_path / ("r" * 300 + ".csv"))
    assert_clean_failure(result, ExitCode.ENVIRONMENT, "longer than 255 bytes")
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_path_over_255_bytes(tmp_path: Path) -> None:
    for command in ("run", "validate"):
        result = invoke(command, str(tmp_path / ("s" * 300 + ".yaml")))
        assert result.exit_code in (ExitCode.INVALID_INPUT, ExitCode.ENVIRONMENT), result.output
        assert "Traceback" not in result.stderr and "too long" in result.stderr.lower()


def test_a_transcript_that_cannot_be_written(starter: Path, tmp_path: Path) -> None:
    result = invoke("run", starter, "--transcript", tmp_path / "missing" / "t.json")
    assert result.exit_code == ExitCode.ENVIRONMENT
    assert "cannot write the transcript" in result.stderr and "Traceback" not in result.stderr


def test_schema_into_a_place_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = invoke("schema", "--out", tmp_path / "file" / "schema.json")
    assert_clean_failure(result, ExitCode.ENVIRONMENT, "cannot create the folder")


# --------------------------------------------------------------------------- new


def test_new_with_a_title_that_is_not_text_writes_nothing(tmp_path: Path) -> None:
    # `--title $'\xff'`: Python decodes the undecodable byte as a lone surrogate
    result = invoke("new", "x", "--dir", tmp_path / "s", "--title", "bad \udcff byte")
    assert result.exit_code == ExitCode.USAGE
    assert "--title" in result.stderr and "UTF-8" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_with_control_characters_in_the_title(tmp_path: Path) -> None:
    result = invoke("new", "x", "--dir", tmp_path, "--title", "x\x1b]0;t\x07")
    assert result.exit_code == ExitCode.USAGE and "control characters" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_over_an_existing_file_says_how_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("mine\n")
    result = invoke("new", "x", "--dir", tmp_path)
    assert_clean_failure(result, ExitCode.INVALID_INPUT, "already exists", "--force")
    assert (tmp_path / "x.yaml").read_text() == "mine\n"


# --------------------------------------------------------------------------- transcripts


@pytest.fixture(scope="module")
def good_transcript(starter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("t") / "t.json"
    assert invoke("run", starter, "--transcript", path).exit_code == 0
    return dict(json.loads(path.read_text()))


def _broken(good: dict[str, Any], how: str) -> str:
    data = json.loads(json.dumps(good))
    turn = data["turns"][0]
    if how == "not json":
        return "{not json"
    if how == "a list":
        return "[]"
    if how == "deeply nested":
        return "[" * 100_000 + "]" * 100_000
    if how == "other format":
        data["format"] = "something else"
    elif how == "seed is text":
        data["seed"] = "3"
    elif how == "seed too large":
        data["seed"] = 2**64
    elif how == "negative run":
        data["run"] = -1
    elif how == "turns not a list":
        data["turns"] = {"0": turn}
    elif how == "turn out of order":
        turn["turn"] = 5
    elif how == "payoff is text":
        turn["payoffs"]["government"] = "high"
    elif how == "payoff is a bool":
        turn["payoffs"]["government"] = True
    elif how == "choices not a mapping":
        turn["choices"] = ["talk"]
    elif how == "missing key":
        del turn["state"]
    elif how == "unknown key":
        data["extra"] = 1
    text = json.dumps(data)
    if how == "NaN payoff":
        text = text.replace(json.dumps(turn["payoffs"]["government"]), "NaN", 1)
    if how == "huge number":
        text = text.replace(json.dumps(turn["payoffs"]["government"]), "1e999", 1)
    return text


@pytest.mark.parametrize(
    "how",
    [
        "not json",
        "a list",
        "deeply nested",
        "other format",
        "seed is text",
        "seed too large",
        "negative run",
        "turns not a list",
        "turn out of order",
        "payoff is text",
        "payoff is a bool",
        "choices not a mapping",
        "missing key",
        "unknown key",
        "NaN payoff",
        "huge number",
    ],
)
def test_a_malformed_transcript_is_invalid_input(
    starter: Path, tmp_path: Path, good_transcript: dict[str, Any], how: str
) -> None:
    path = tmp_path / "t.json"
    path.write_text(_broken(good_transcript, how))
    result = invoke("run", starter, "--check", path)
    assert_clean_failure(result, ExitCode.INVALID_INPUT, "error (invalid transcript)", str(path))


def test_a_transcript_choosing_an_unknown_decision_is_a_difference(
    starter: Path, tmp_path: Path, good_transcript: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(good_transcript))
    data["turns"][0]["choices"]["nobody.nothing"] = "x"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    result = invoke("run", starter, "--check", path)
    assert result.exit_code == 1 and "no decision 'nobody.nothing'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_transcript_that_is_a_fifo_is_refused_without_reading(starter: Path, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "t.json"
    os.mkfifo(fifo)
    result = invoke("run", starter, "--check", fifo)  # would hang if it were opened
    assert_clean_failure(result, ExitCode.INVALID_INPUT, "not a regular file")


# --------------------------------------------------------------------------- optional dependencies


def test_scheduler_without_dask(starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    out = tmp_path / "r.csv"
    result = invoke("batch", starter, "--runs", "10", "--scheduler", "tcp://127.0.0.1:8786", "--out", out)
    assert_clean_failure(
        result, ExitCode.MISSING_DEPENDENCY, "distributed", "pip install 'dilemma-sim[dask]'"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler(starter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setenv("DILEMMA_SIM_SCHEDULER_TIMEOUT", "0.5")
    result = invoke("batch", starter, "--runs", "10", "--scheduler", "tcp://127.0.0.1:9")
    assert_clean_failure(result, ExitCode.ENVIRONMENT, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_a_scheduler_address_that_is_not_one(starter: Path) -> None:
    pytest.importorskip("distributed")
    result = invoke("batch", starter, "--runs", "10", "--scheduler", "my-laptop")
    assert_clean_failure(result, ExitCode.INVALID_INPUT, "not a scheduler address")


def test_parquet_without_pyarrow(starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = invoke("batch", starter, "--runs", "10", "--out", tmp_path / "r.parquet")
    assert_clean_failure(result, ExitCode.MISSING_DEPENDENCY, "pyarrow", "dilemma-sim[parquet]")


# --------------------------------------------------------------------------- scenario size


def test_a_scenario_too_large_for_memory_is_refused_when_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.best_response_crowd import crowd_yaml

    path = tmp_path / "crowd.yaml"
    path.write_text(crowd_yaml(60))
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", "64M")  # 60 actors need ~430 MiB a block
    commands: list[list[str | Path]] = [["batch", path, "--runs", "10"], ["run", path], ["explain", path]]
    for args in commands:
        result = invoke(*args)
        assert_clean_failure(
            result, ExitCode.INVALID_INPUT, "error (over a limit)", "DILEMMA_SIM_CHUNK_MEMORY"
        )
    monkeypatch.setenv("DILEMMA_SIM_CHUNK_MEMORY", "1G")
    assert invoke("batch", path, "--runs", "10", "--json").exit_code == 0


# --------------------------------------------------------------------------- transcripts, fuzzed

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        out += [p for k, v in value.items() for p in _paths(v, (*prefix, k))]
    elif isinstance(value, list):
        out += [p for i, v in enumerate(value) for p in _paths(v, (*prefix, i))]
    return out


@pytest.fixture(scope="module")
def starter_compiled(starter: Path) -> CompiledScenario:
    return compile_scenario(load_or_raise(starter))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_transcript_is_read_or_refused_never_crashes(
    starter: Path, starter_compiled: CompiledScenario, good_transcript: dict[str, Any], data: st.DataObject
) -> None:
    cs = starter_compiled
    doc = json.loads(json.dumps(good_transcript))
    path = data.draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    file = starter.parent / "fuzzed.json"
    file.write_text(json.dumps(doc))
    try:
        problems = check_transcript(cs, file)
    except TranscriptError as error:
        assert str(file) in error.message
    else:
        assert all(isinstance(p, str) for p in problems)
