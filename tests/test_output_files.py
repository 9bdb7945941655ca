"""Per-run output files say the truth about themselves, and no failure leaves a file behind.

Metadata values are JSON, so a newline in a scenario's `version:` cannot forge a header line, and
`read_metadata` refuses anything `RunWriter` would not have written. Temporary files carry their
writer's pid: the next writer of the same target removes those of dead writers, and a failure at
any point (a full disk, Ctrl-C during close) removes the writer's own.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from dilemma_sim.batch.layout import Layout, run_columns
from dilemma_sim.batch.outputs import OutputFileError, RunWriter, read_metadata
from dilemma_sim.errors import EnvironmentProblem, LimitExceeded
from dilemma_sim.files import stale_temps, temp_path, uninterrupted, write_atomically

LAYOUT = Layout(actors=("gov",), state=("security",), counts=(), parameters=(), endings=("collapse",))
FORGED = "1.0\n# complete: true\n# runs: 999999"
"""A version that forged CSV header lines when values were written raw."""


def rows(n: int, first: int = 0) -> dict[str, np.ndarray]:
    return {
        "run": np.arange(first, first + n, dtype=np.int64),
        "seed": np.zeros(n, dtype=np.int64),
        "total.gov": np.linspace(0, 1, n),
        "discounted.gov": np.linspace(0, 1, n),
        "final.security": np.full(n, 50.0),
        "ending": np.array(["horizon"] * n, dtype=object),
        "ended_turn": np.full(n, 3, dtype=np.int64),
    }


def meta(version: str = "1.0") -> dict[str, Any]:
    return {"scenario": "s", "hash": "abc", "version": version, "seed": 3, "policies": {"gov": "hawk"}}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_a_newline_in_a_value_cannot_forge_the_header(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"runs{ext}"
    writer = RunWriter(path, LAYOUT, meta(FORGED))
    writer.write_columns(rows(3))
    writer.close(complete=False)  # an interrupted batch
    read = read_metadata(path)
    assert read["complete"] is False and read["runs"] == 3
    assert read["version"] == FORGED and read["policies"] == {"gov": "hawk"}


def test_csv_metadata_lines_are_keys_and_json_values(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    with RunWriter(path, LAYOUT, meta(FORGED)) as writer:
        writer.write_columns(rows(2))
    lines = path.read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert len(header) == 8 and lines[len(header)].startswith("run,")
    for line in header:
        key, _, value = line[2:].partition(": ")
        assert key.isidentifier()
        json.loads(value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# complete: true\n# complete: false\n# runs: 1\nrun,seed\n", "given twice"),
        ("# version: 1.0 beta\n# complete: true\n# runs: 1\nrun,seed\n", "not JSON"),
        ("# complete: yes\n# runs: 1\nrun,seed\n", "`complete`"),
        ("# complete: true\n# runs: -4\nrun,seed\n", "`runs`"),
        ("# complete: true\n# runs: 1.5\nrun,seed\n", "`runs`"),
        ("# complete: true\n# runs: NaN\nrun,seed\n", "not JSON"),
        ("# complete: true\n# runs: 1\n", "no column header"),
        ("# complete: true\n# runs: 1\n0,0\n", "column header"),
        ("#complete:true\n# runs: 1\nrun,seed\n", "`# key: <JSON value>`"),
        ("# runs: 1\nrun,seed\n", "`complete`"),
    ],
)
def test_read_metadata_refuses_csv_headers_it_did_not_write(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(text)
    with pytest.raises(OutputFileError, match=problem.replace("`", ".").replace("(", r"\(")):
        read_metadata(path)


@pytest.mark.parametrize(
    "first_line",
    [
        "not json",
        "[]",
        '{"metadata": {"complete": true, "runs": 1}, "extra": 1}',
        '{"metadata": {"complete": "true", "runs": 1}}',
        '{"metadata": {"complete": true, "runs": true}}',
    ],
)
def test_read_metadata_refuses_jsonl_headers_it_did_not_write(tmp_path: Path, first_line: str) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text(first_line + "\n")
    with pytest.raises(OutputFileError):
        read_metadata(path)


def test_metadata_keys_must_be_identifiers(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="identifiers"):
        RunWriter(tmp_path / "r.csv", LAYOUT, {"a: b\n# runs": 1})


def test_a_seed_beyond_64_bits_is_refused_before_a_row_is_written() -> None:
    result = SimpleNamespace(totals=np.zeros((2, 1)))
    with pytest.raises(LimitExceeded, match="seed"):
        run_columns(result, LAYOUT, first_run=0, seed=2**63)


# --------------------------------------------------------------------------- temporary files


def test_temporary_names_carry_the_pid_and_fit_the_file_system(tmp_path: Path) -> None:
    assert temp_path(tmp_path / "runs.csv", 42).name == ".runs.csv.42.tmp"
    long = temp_path(tmp_path / ("r" * 250 + ".csv"), 42).name
    assert len(long.encode()) < 100 and long.endswith(".42.tmp")


def test_a_writer_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    target = tmp_path / "runs.parquet"
    dead, alive = dead_pid(), os.getppid()
    left = [
        temp_path(target, dead),
        temp_path(target, dead).with_name(temp_path(target, dead).name + ".body"),
    ]
    running = temp_path(target, alive)
    other = temp_path(tmp_path / "other.csv", dead)
    for p in [*left, running, other]:
        p.write_bytes(b"x" * 1000)
    assert stale_temps(target) == sorted(left)
    with RunWriter(target, LAYOUT, meta()) as writer:
        writer.write_columns(rows(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name, "runs.parquet"])


def test_a_full_disk_at_close_leaves_neither_file_nor_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("the previous results\n")
    writer = RunWriter(path, LAYOUT, meta())
    writer.write_columns(rows(5))

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(EnvironmentProblem, match="No space left on device") as caught:
        writer.close(complete=True)
    assert caught.value.hint is not None and "disk is full" in caught.value.hint
    assert os.listdir(tmp_path) == ["runs.csv"]
    assert path.read_text() == "the previous results\n"


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_ctrl_c_during_close_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str
) -> None:
    path = tmp_path / f"runs{ext}"
    writer = RunWriter(path, LAYOUT, meta())
    writer.write_columns(rows(5))

    def interrupted(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.close(complete=False)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="signal masks are POSIX")
def test_ctrl_c_waits_until_rows_and_their_count_are_written() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), uninterrupted():
        os.kill(os.getpid(), signal.SIGINT)
        done.append("rows")
        done.append("count")
    assert done == ["rows", "count"]


def test_write_atomically_leaves_an_existing_file_alone_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.json"
    path.write_text("old")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(EnvironmentProblem, match="cannot write the transcript"):
        write_atomically(path, "new", what="the transcript")
    assert os.listdir(tmp_path) == ["t.json"] and path.read_text() == "old"


def test_a_writer_left_open_is_cleaned_when_python_exits(tmp_path: Path) -> None:
    code = (
        "import numpy as np, sys\n"
        "from dilemma_sim.batch.layout import Layout\n"
        "from dilemma_sim.batch.outputs import RunWriter\n"
        "layout = Layout(actors=('gov',), state=(), counts=(), parameters=(), endings=())\n"
        f"writer = RunWriter({str(tmp_path / 'runs.csv')!r}, layout, {{'seed': 1}})\n"
        "sys.exit(3)  # an exit path nobody wrapped in try/finally\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert os.listdir(tmp_path) == []
