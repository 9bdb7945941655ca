"""The headless layers import without Textual, and each layer imports only the layers below it.

Every module is imported in a fresh interpreter, so nothing a previous import loaded hides a
violation. Modules are found by walking the packages, so new modules are checked as they appear.
The import-linter contracts in pyproject.toml are checked here too: they read the source, so they
also see imports inside functions and under `TYPE_CHECKING`, which importing a module cannot.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter import api as importlinter_api
from importlinter.application import use_cases

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

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


def test_the_import_contracts_are_declared() -> None:
    contracts = importlinter_api.read_configuration(str(PYPROJECT))["contracts_options"]
    assert {c["type"] for c in contracts} == {"layers", "forbidden", "acyclic_siblings"}


def test_every_import_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    kept = use_cases.lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)
    assert kept, capsys.readouterr().out


def test_a_broken_contract_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "dilemma_sim"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "the engine may not read scenarios (it must)"\ntype = "forbidden"\n'
        'source_modules = ["dilemma_sim.engine"]\nforbidden_modules = ["dilemma_sim.scenario"]\n'
    )
    assert not use_cases.lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)
    assert "BROKEN" in capsys.readouterr().out
