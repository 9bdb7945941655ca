"""The headless layers import without Textual, and each layer imports only the layers below it.

Every module is imported in a fresh interpreter, so nothing a previous import loaded hides a
violation. Modules are found by walking the packages, so new modules are checked as they appear.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

HEADLESS_PACKAGES = ("dilemma_sim.scenario", "dilemma_sim.engine", "dilemma_sim.batch", "dilemma_sim.cli")
FORBIDDEN = {
    "dilemma_sim.scenario": ("dilemma_sim.engine", "dilemma_sim.batch", "dilemma_sim.cli", "dilemma_sim.tui"),
    "dilemma_sim.engine": ("dilemma_sim.batch", "dilemma_sim.cli", "dilemma_sim.tui"),
}
"""Package -> packages that none of its modules may import."""
EXCLUDED_PREFIXES = ("dilemma_sim.cli.play.",)
"""The internals of the play command may load Textual; the command module itself may not."""


def _modules(package: str) -> list[str]:
    try:
        pkg = importlib.import_module(package)
    except ModuleNotFoundError:
        return []  # a layer not written yet
    names = [package]
    for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), prefix=package + "."):
        if not info.name.startswith(EXCLUDED_PREFIXES) and not info.name.endswith(".__main__"):
            names.append(info.name)
    return names


MODULES = sorted({name for package in HEADLESS_PACKAGES for name in _modules(package)})


def _loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"importing {module} failed:\n{proc.stderr}"
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_the_headless_packages_were_found() -> None:
    assert "dilemma_sim.scenario.models" in MODULES
    assert "dilemma_sim.cli" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_without_textual_and_respects_layers(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert "textual" not in loaded, f"importing {module} loads textual"
    for package, forbidden in FORBIDDEN.items():
        if module == package or module.startswith(package + "."):
            wrong = sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))
            assert not wrong, f"{module} (layer {package}) imports an upper layer: {wrong}"
