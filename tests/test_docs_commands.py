"""Every command line in the docs and in `--help` runs, and `--json` prints what `--help` says it prints.

Command lines are taken from fenced ```bash / ```sh / ```shell / ```console blocks of README.md
and docs/*.md, and from the `Example:` section of every command's help. Each line that starts with
`dilemma-sim` (also after `&&` or `$ `) is run through click's CliRunner and must exit 0. The lines
of one block (or of one command's help) run in order in one scratch folder holding a copy of
`scenarios/` and a `my-dilemma.yaml`, as a reader would type them. To keep the suite fast, every
`--runs` is capped at DILEMMA_SIM_DOCS_RUNS (default 64) and added where a command has one, and
`--points` at 8. What follows a `|` is dropped (a pipe into `jq` means stdout must be one JSON
document); `> FILE` writes stdout to FILE; globs are expanded.

Not run: `play` and `serve` (they need a terminal or a server), lines that do not start with
`dilemma-sim` (`pip install ...`), and every line of a fenced block preceded by the line
`<!-- not-run -->` (the documented way to mark an example the tests must not run).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from dilemma_sim.cli import main
from dilemma_sim.scenario.starter import starter_yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGS = {"bash", "sh", "shell", "console"}
NOT_RUN_MARK = "<!-- not-run -->"
NOT_RUN_COMMANDS = {"play", "serve"}
RUNS_CAP = int(os.environ.get("DILEMMA_SIM_DOCS_RUNS", "64"))
POINTS_CAP = 8
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")


@dataclass(frozen=True)
class CommandLine:
    """One `dilemma-sim ...` line (continuations joined), with where it was written."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


@dataclass(frozen=True)
class Example:
    """The command lines of one fenced block or one command's help, run in order."""

    where: str
    lines: tuple[CommandLine, ...]

    def __str__(self) -> str:
        return self.where


def shell_blocks(doc: Path) -> Iterator[tuple[int, list[str], bool]]:
    """(first line, lines, marked not-run) of each fenced shell block."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(m.group(1)):
            j += 1
        if m.group(2).lower() in SHELL_LANGS:
            marked = i > 0 and lines[i - 1].strip() == NOT_RUN_MARK
            yield i + 2, lines[i + 1 : j], marked
        i = j + 1


def logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Lines with `\\` continuations joined, with their offset."""
    buffer, start = "", 0
    for k, line in enumerate(lines):
        if not buffer:
            start = k
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        yield start, (buffer + line).strip()
        buffer = ""


def commands_in(text: str) -> list[str]:
    """The `dilemma-sim ...` parts of a shell line (`a && b` gives two)."""
    text = text.removeprefix("$ ").strip()
    return [part.strip() for part in text.split("&&") if part.strip().startswith("dilemma-sim ")]


def runnable(line: CommandLine) -> bool:
    return shlex.split(line.text, comments=True)[1] not in NOT_RUN_COMMANDS


def doc_examples() -> list[Example]:
    """Each fenced shell block of the docs that holds a `dilemma-sim` line to run."""
    found = []
    for doc in DOCS:
        for first, lines, marked in shell_blocks(doc):
            if marked:
                continue
            where = f"{doc.relative_to(ROOT)}:{first}"
            found_lines = [
                CommandLine(f"{doc.relative_to(ROOT)}:{first + offset}", c)
                for offset, text in logical_lines(lines)
                for c in commands_in(text)
            ]
            if any(runnable(cl) for cl in found_lines):
                found.append(Example(where, tuple(found_lines)))
    return found


def help_examples() -> list[Example]:
    """The lines under `Example:` in the help of the group and of every command."""
    found = []
    for name, command in [("dilemma-sim", main), *sorted(main.commands.items())]:
        help_text = command.help or ""
        if "Example:" not in help_text:
            continue
        block = help_text.split("Example:", 1)[1].splitlines()[1:]
        lines = []
        for line in block:
            if not line.strip():
                break
            lines.append(line.strip())
        where = f"{name} --help"
        found_lines = [CommandLine(where, c) for _, text in logical_lines(lines) for c in commands_in(text)]
        found.append(Example(where, tuple(found_lines)))
    return found


# --------------------------------------------------------------------------- running a line


def prepared_args(words: list[str]) -> list[str]:
    """`words` after `dilemma-sim`, with run counts capped (and added where a command has `--runs`)."""
    args = list(words)
    for i, word in enumerate(args[:-1]):
        if word == "--runs":
            args[i + 1] = str(max(2, min(int(args[i + 1]), RUNS_CAP)))
        elif word == "--points":
            args[i + 1] = str(min(int(args[i + 1]), POINTS_CAP))
    command = main.commands.get(args[0]) if args else None
    has_runs = command is not None and any("--runs" in getattr(p, "opts", ()) for p in command.params)
    if has_runs and "--runs" not in args:
        args += ["--runs", str(RUNS_CAP)]
    return args


def run_line(line: CommandLine, scratch: Path, scheduler: str | None = None) -> None:
    words = shlex.split(line.text, comments=True)
    assert words[0] == "dilemma-sim"
    words = words[1:]
    wants_json = False
    if "|" in words:
        pipe = words.index("|")
        wants_json = words[pipe + 1 : pipe + 2] == ["jq"]
        words = words[:pipe]
    target = None
    if ">" in words:
        at = words.index(">")
        target, words = scratch / words[at + 1], words[:at]
    expanded: list[str] = []
    for word in words:
        expanded += sorted(glob.glob(word)) if any(c in word for c in "*?[") else [word]
    args = prepared_args(expanded)
    if scheduler is not None and "--scheduler" in args:
        args[args.index("--scheduler") + 1] = scheduler
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{line}\n-> {args}\n{result.output}"
    if wants_json:
        json.loads(result.stdout)
    if target is not None:
        target.write_text(result.stdout)


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the built-in scenarios under `scenarios/` and a `my-dilemma.yaml`."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    (tmp_path / "my-dilemma.yaml").write_text(starter_yaml("my-dilemma"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    yield cluster.scheduler_address
    cluster.close()


DOC_EXAMPLES = doc_examples()
HELP_EXAMPLES = help_examples()


def test_the_line_finder_sees_the_examples() -> None:
    assert any("sweep" in cl.text for ex in DOC_EXAMPLES for cl in ex.lines)
    assert any(ex.where.startswith("README.md") for ex in DOC_EXAMPLES)
    documented = {ex.where.split()[0] for ex in HELP_EXAMPLES}
    assert documented >= set(main.commands) - {"play", "serve"}, "a command without an example"


def test_blocks_marked_not_run_are_skipped(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "```bash\ndilemma-sim list && dilemma-sim batch x \\\n  --runs 5\n```\n"
        f"{NOT_RUN_MARK}\n```sh\ndilemma-sim serve\n```\n"
    )
    blocks = list(shell_blocks(doc))
    assert [marked for _, _, marked in blocks] == [False, True]
    texts = [c for _, t in logical_lines(blocks[0][1]) for c in commands_in(t)]
    assert [" ".join(t.split()) for t in texts] == ["dilemma-sim list", "dilemma-sim batch x --runs 5"]


@pytest.mark.parametrize("example", DOC_EXAMPLES, ids=str)
def test_every_command_line_in_the_docs_runs(example: Example, scratch: Path) -> None:
    for line in filter(runnable, example.lines):
        run_line(line, scratch)


@pytest.mark.parametrize("example", [ex for ex in HELP_EXAMPLES if any(map(runnable, ex.lines))], ids=str)
def test_every_help_example_runs(example: Example, scratch: Path, request: pytest.FixtureRequest) -> None:
    needs_scheduler = any("--scheduler" in line.text for line in example.lines)
    address = request.getfixturevalue("scheduler") if needs_scheduler else None
    for line in filter(runnable, example.lines):
        run_line(line, scratch, scheduler=address)


# --------------------------------------------------------------------------- what --help says --json prints


def parse_shape(text: str) -> Any:
    """The documented shape of a JSON document, from help text like `{"a", "b": {key: {x, y}}}`.

    A dict maps literal keys to shapes (None: any value); a dict with the single key `*` stands for
    any keys (`actor: {...}`); a list holds the shape of its items; `...` is anything.
    """
    tokens = re.findall(r'"[^"]*"|[A-Za-z_][\w]*|\.\.\.|[{}\[\]:,]', text)
    pos = 0

    def value() -> Any:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "{":
            out: dict[str, Any] = {}
            while tokens[pos] != "}":
                key = tokens[pos]
                pos += 1
                sub = None
                if tokens[pos] == ":":
                    pos += 1
                    sub = value()
                    if not key.startswith('"'):
                        key = "*"
                out[key.strip('"')] = sub
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
            return out
        if token == "[":
            item = value()
            while tokens[pos] != "]":
                pos += 1
            pos += 1
            return [item]
        return None  # a leaf: `...`, a placeholder word

    return value()


def conforms(data: Any, shape: Any, where: str = "$") -> list[str]:
    """Where `data` differs from the documented `shape` (empty: it conforms)."""
    if shape is None:
        return []
    if isinstance(shape, list):
        if not isinstance(data, list):
            return [f"{where}: documented a list, got {type(data).__name__}"]
        return [p for i, item in enumerate(data) for p in conforms(item, shape[0], f"{where}[{i}]")]
    if not isinstance(data, dict):
        return [f"{where}: documented an object, got {type(data).__name__}"]
    if set(shape) == {"*"}:
        return [p for k, v in data.items() for p in conforms(v, shape["*"], f"{where}.{k}")]
    problems = []
    if list(data) != list(shape) and set(data) != set(shape):
        problems.append(f"{where}: documented keys {sorted(shape)}, printed {sorted(data)}")
    return problems + [
        p for k, v in data.items() if k in shape for p in conforms(v, shape[k], f"{where}.{k}")
    ]


def documented_shape(command: click.Command) -> Any:
    help_text = " ".join((command.help or "").split())
    m = re.search(r"(?:prints|carries) `([\[{].*?[\]}])`", help_text)
    return parse_shape(m.group(1)) if m else None


JSON_CLAIMS = {
    "batch": ["batch", "{starter}", "--runs", "300", "--json"],
    "analyze": ["analyze", "{starter}", "--json"],
    "validate": ["validate", "{starter}", "{broken}", "--json"],
    "list": ["list", "--json"],
    "new": ["new", "fresh", "--dir", "{tmp}", "--json"],
}
"""Commands whose help documents the shape of their `--json` output, and a command line to check it."""


def test_every_documented_json_shape_is_checked() -> None:
    documented = {name for name, command in main.commands.items() if documented_shape(command) is not None}
    assert documented == set(JSON_CLAIMS)


def test_the_shape_reader_reads_help_notation() -> None:
    shape = parse_shape('{"runs", "payoff": {actor: {mean, sd}}, "games": [{"row": [...]}]}')
    assert shape == {"runs": None, "payoff": {"*": {"mean": None, "sd": None}}, "games": [{"row": [None]}]}
    assert conforms({"runs": 1, "payoff": {"a": {"mean": 1, "sd": 2}}, "games": []}, shape) == []
    assert conforms({"runs": 1, "payoff": {"a": {"mean": 1}}, "games": []}, shape)


@pytest.mark.parametrize("name", sorted(JSON_CLAIMS))
def test_json_output_has_the_documented_shape(name: str, scratch: Path) -> None:
    starter = scratch / "my-dilemma.yaml"
    broken = scratch / "broken.yaml"
    broken.write_text("id: broken\nturns: many\n")
    args = [
        a.replace("{starter}", str(starter)).replace("{broken}", str(broken)).replace("{tmp}", str(scratch))
        for a in JSON_CLAIMS[name]
    ]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # validate exits 1 for the broken file
    data = json.loads(result.stdout)
    if isinstance(data, list):
        assert data, "an empty list checks nothing"
    assert conforms(data, documented_shape(main.commands[name])) == []
