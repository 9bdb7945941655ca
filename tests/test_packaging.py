"""The wheel ships every package and the built-in scenarios."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_dilemma_sim_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "dilemma_sim").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_builtin_scenarios_ship_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["dilemma_sim.scenarios"] == "scenarios"
    assert "*.yaml" in config["package-data"]["dilemma_sim.scenarios"]
    assert (ROOT / "scenarios" / "pakistan-ttp.yaml").is_file()
