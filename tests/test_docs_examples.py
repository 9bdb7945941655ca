"""Every YAML example in the docs is checked, so the examples cannot rot.

A fenced block whose first line is `# fragment` must be well-formed YAML (read by the project's
own YAML module); every other ```yaml block must be a complete scenario that loads with no errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dilemma_sim.scenario.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)")


@dataclass(frozen=True)
class Block:
    """One fenced YAML block of a markdown file."""

    doc: Path
    line: int
    """1-based line of the block's first content line in `doc`."""
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"

    @property
    def is_fragment(self) -> bool:
        first = next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")
        return first == "# fragment"


def yaml_blocks(doc: Path) -> list[Block]:
    """The ```yaml (or ```yml) blocks of a markdown file, indentation of the fence removed."""
    blocks: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group("indent"), m.group("fence"), m.group("lang").lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if lang in ("yaml", "yml"):
            blocks.append(Block(doc, i + 2, "\n".join(body) + "\n"))
        i = j + 1
    return blocks


DOCS = sorted((ROOT / "docs").glob("*.md")) + [p for p in [ROOT / "README.md"] if p.is_file()]
BLOCKS = [block for doc in DOCS for block in yaml_blocks(doc)]


def test_block_finder_reads_fences_and_line_numbers(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "intro\n```yaml\n# fragment\na: 1\n```\n\n- item\n  ```yml\n  b: 2\n  ```\n```python\nc = 3\n```\n"
    )
    blocks = yaml_blocks(doc)
    assert [(b.line, b.text, b.is_fragment) for b in blocks] == [
        (3, "# fragment\na: 1\n", True),
        (9, "b: 2\n", False),
    ]


def _problems(block: Block, diagnostics: Iterable[Diagnostic]) -> str:
    """The errors, located in the markdown file rather than in the block."""
    return "\n".join(
        f"  {block.doc.relative_to(ROOT)}:{block.line + d.line - 1}:{d.column}: [{d.code}] {d.message}"
        for d in diagnostics
        if d.is_error
    )


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.is_fragment], ids=lambda b: b.where)
def test_fragment_is_yaml(block: Block) -> None:
    from dilemma_sim.scenario.yamlio import load_yaml

    document = load_yaml(block.text, str(block.doc))
    assert document.ok, (
        f"{block.where}: YAML fragment does not parse:\n{_problems(block, document.diagnostics)}"
    )


@pytest.mark.parametrize("block", [b for b in BLOCKS if not b.is_fragment], ids=lambda b: b.where)
def test_example_is_a_valid_scenario(block: Block) -> None:
    from dilemma_sim.scenario.loader import load_text

    result = load_text(block.text, str(block.doc))
    problems = _problems(block, result.diagnostics)
    assert not problems, (
        f"{block.where}: example is not a valid scenario (mark it `# fragment` if partial):\n{problems}"
    )
