"""Ctrl-C stops a long batch cleanly: a real SIGINT, a complete file for the runs that finished."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path


def test_ctrl_c_leaves_a_complete_file_of_the_finished_runs_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "runs.csv"
    batch = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dilemma_sim",
            "batch",
            "pakistan-ttp",
            "--runs",
            "4000000",
            "--out",
            out.name,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and batch.poll() is None:
            partial = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if partial and partial[0].stat().st_size > 30_000_000:  # over one chunk (65,536 rows) written
                break
            time.sleep(0.1)
        batch.send_signal(signal.SIGINT)
        _, err = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 130
    assert "interrupted" in err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]
    lines = out.read_text().splitlines()
    header = dict(line[2:].split(": ", 1) for line in lines if line.startswith("# "))
    rows = [line for line in lines if not line.startswith("#")][1:]
    assert header["complete"] == "false"
    assert 0 < int(header["runs"].strip()) < 4_000_000
    assert len(rows) == int(header["runs"].strip())
    assert [int(row.split(",", 1)[0]) for row in rows] == list(range(len(rows)))
