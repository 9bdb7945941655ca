"""Every diagnostic code the package can emit is listed, documented, and means one thing."""

from __future__ import annotations

import re
from pathlib import Path

from dilemma_sim.scenario.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"""["']([EWN]\d{3})["']""")


def _codes_emitted_by_the_package() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "dilemma_sim").rglob("*.py"):
        found |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_package_emits_is_in_the_table() -> None:
    assert _codes_emitted_by_the_package() - set(CODES) == set()


def test_the_docs_list_exactly_the_codes_in_the_table() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| ([EWN]\d{3}) \| (.+) \|$", doc, flags=re.MULTILINE))
    assert documented == CODES


def test_errors_and_warnings_are_told_apart_by_their_letter() -> None:
    assert all(code[0] in "EWN" and code[1:].isdigit() for code in CODES)
    assert {c for c in CODES if c.startswith("W")} >= {"W501", "W520", "W521"}
