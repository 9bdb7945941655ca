"""Ctrl-C stops a long batch cleanly: a real SIGINT to a real process, a complete file of the finished runs.

The batch runs on a pseudo-terminal, so it draws its progress bar; the test reads that bar and
presses Ctrl-C only once the bar shows a finished chunk. Nothing waits on a clock: the signal
follows an event the process reported, and every assertion holds whenever the signal lands.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dilemma_sim.executor import DEFAULT_CHUNK_RUNS

RUNS = 4_000_000
OUT = "runs.csv"
CHUNK = DEFAULT_CHUNK_RUNS


def _read_until_a_chunk_is_done(master: int, limit_seconds: float = 120.0) -> str:
    """Terminal output up to the first progress line showing at least one finished chunk."""
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], limit_seconds)
        if not ready:
            raise AssertionError(f"no progress within {limit_seconds} s: {seen[-500:]!r}")
        try:
            data = os.read(master, 4096)
        except OSError:  # the process closed the terminal
            return seen.decode(errors="replace")
        if not data:
            return seen.decode(errors="replace")
        seen += data
        done = [int(m.replace(b",", b"")) for m in re.findall(rb"([\d,]+)/[\d,]+", seen)]
        if any(d >= CHUNK for d in done):
            return seen.decode(errors="replace")


def _drain(master: int) -> None:
    while True:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


@pytest.mark.parametrize("presses", [1, 2], ids=["one-ctrl-c", "two-ctrl-c"])
def test_ctrl_c_leaves_a_complete_file_of_the_finished_runs_and_no_temporary_file(
    tmp_path: Path, presses: int
) -> None:
    out = tmp_path / OUT
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "30", "TERM": "xterm"}
    batch = subprocess.Popen(
        [sys.executable, "-m", "dilemma_sim", "batch", "pakistan-ttp", "--runs", str(RUNS), "--out", OUT],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        _read_until_a_chunk_is_done(master)
        for _ in range(presses):
            batch.send_signal(signal.SIGINT)
        _drain(master)
        batch.wait(timeout=120)
    finally:
        if batch.poll() is None:
            batch.kill()
        os.close(master)
    assert batch.returncode == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"], "a temporary file was left behind"
    lines = out.read_text().splitlines()
    header = dict(line[2:].split(": ", 1) for line in lines if line.startswith("# "))
    rows = [line for line in lines if not line.startswith("#")][1:]
    runs = int(header["runs"].strip().strip('"'))
    assert header["complete"].strip() == "false"
    assert CHUNK <= runs < RUNS and runs % CHUNK == 0, "whole chunks only"
    assert len(rows) == runs
    assert [int(row.split(",", 1)[0]) for row in rows] == list(range(runs))
