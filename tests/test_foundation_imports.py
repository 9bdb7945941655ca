"""The modules below every layer import nothing of the package but `errors`, and nothing heavy.

`errors`, `text`, `limits` and `files` may be imported by any layer (the TUI included), and
`executor.dask_client` must not load Dask until a scheduler is asked for.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FOUNDATION = ["dilemma_sim.errors", "dilemma_sim.text", "dilemma_sim.limits", "dilemma_sim.files"]


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", FOUNDATION)
def test_foundation_modules_import_only_errors(module: str) -> None:
    loaded = loaded_after_import(module)
    ours = {m for m in loaded if m.startswith("dilemma_sim.")}
    assert ours <= {module, "dilemma_sim.errors"}, ours
    assert not {"numpy", "rich", "textual", "click"} & loaded


def test_the_dask_client_module_loads_dask_only_when_asked() -> None:
    loaded = loaded_after_import("dilemma_sim.executor.dask_client")
    assert "distributed" not in loaded and "dask" not in loaded and "textual" not in loaded
