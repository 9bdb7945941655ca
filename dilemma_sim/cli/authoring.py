"""Commands for scenario authors: validate, lint, schema, new, list and explain.

Results (tables, JSON, the schema) go to `console.out`; diagnostics, summaries and errors go to
`console.err`, so `--json` output (`--format json` is kept as its alias) can be piped. Every text
that came from a scenario is printed as text (`console.plain`): no markup, no terminal escapes.
Exit status: 0 on success, 1 on invalid input, 2 on usage errors (click's own), 4 when a file
cannot be written (see `dilemma-sim --help`).
"""

from __future__ import annotations

import importlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dilemma_sim.cli import console
from dilemma_sim.cli.arguments import complete_scenarios, json_option
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import print_json
from dilemma_sim.errors import EnvironmentProblem, InvalidInput, NonFiniteError
from dilemma_sim.files import write_atomically
from dilemma_sim.scenario.diagnostics import Diagnostic, sort_key, sorted_unique
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.scenario.registry import is_builtin_dir, local_dir

if TYPE_CHECKING:  # the loader compiles expressions (numpy): loaded when a command runs
    from dilemma_sim.scenario.loader import LoadResult

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


# --------------------------------------------------------------------------- shared helpers


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    for d in diagnostics:
        style = "red" if d.is_error else "yellow" if d.severity == "warning" else "cyan"
        console.say(console.err, d.format(), style)


@dataclass
class _Checked:
    """The outcome of checking one scenario reference."""

    result: LoadResult
    diagnostics: list[Diagnostic]
    """The loader's diagnostics, plus lint warnings for `lint`."""

    @property
    def file(self) -> str:
        return str(self.result.path)

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)


def _load(ref: str) -> _Checked:
    """Load a path or built-in id; problems (an unknown id too) become diagnostics, never exceptions."""
    from dilemma_sim.scenario.loader import load_scenario

    result = load_scenario(ref)
    return _Checked(result, list(result.diagnostics))


def _game_lints(result: LoadResult, scenario: Scenario) -> list[Diagnostic]:
    """Warnings from the engine's game lints, when the engine provides them."""
    try:
        gamelint = importlib.import_module("dilemma_sim.engine.gamelint")
    except ModuleNotFoundError as exc:
        if exc.name in ("dilemma_sim.engine", "dilemma_sim.engine.gamelint"):
            return []  # skipped only when the module itself does not exist
        raise
    from dilemma_sim.engine import compile_scenario

    try:
        compiled = compile_scenario(scenario, marks=result.marks)
        return list(gamelint.lint_game(compiled, file=str(result.path), marks=result.marks))
    except NonFiniteError as error:  # the game lints play the first turn: report what went wrong there
        file, line, column = error.location.rsplit(":", 2) if error.location else (str(result.path), "1", "1")
        message = error.message.removeprefix(f"{error.location}: ")
        return [Diagnostic(file, int(line), int(column), "E601", "error", message)]


def _check_all(refs: Sequence[str], *, with_lint: bool) -> list[_Checked]:
    from dilemma_sim.scenario.lint import lint as lint_scenario

    checked = []
    for ref in refs:
        item = _load(ref)
        if with_lint and item.result.scenario is not None:
            item.diagnostics += lint_scenario(item.result)
            item.diagnostics += _game_lints(item.result, item.result.scenario)
        item.diagnostics = list(sorted_unique(item.diagnostics))
        checked.append(item)
    return checked


def _report(checked: list[_Checked], as_json: bool, *, strict: bool = False) -> None:
    """Print every diagnostic and the summary, then exit 1 if anything failed."""
    diagnostics = sorted((d for item in checked for d in item.diagnostics), key=sort_key)
    errors = sum(item.errors for item in checked)
    warnings = sum(item.warnings for item in checked)
    if as_json:
        print_json(
            {
                "files": [
                    {
                        "file": item.file,
                        "ok": not item.errors and not (strict and item.warnings),
                        "errors": item.errors,
                        "warnings": item.warnings,
                    }
                    for item in checked
                ],
                "diagnostics": [d.to_dict() for d in diagnostics],
            }
        )
    else:
        _print_diagnostics(diagnostics)
    summary = f"{_plural(len(checked), 'file')}, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    console.say(console.err, summary)
    if errors or (strict and warnings):
        raise SystemExit(1)


def _load_scenario_or_exit(ref: str) -> Scenario:
    """The scenario behind a path or built-in id; its diagnostics and exit 1 when it is invalid."""
    item = _load(ref)
    if item.result.scenario is None:
        _report([item], False)  # exits 1: a scenario is None only when there are errors
    assert item.result.scenario is not None
    return item.result.scenario


_PATHS = click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, shell_complete=complete_scenarios
)


# --------------------------------------------------------------------------- validate, lint


@main.command()
@_PATHS
@json_option(format_alias=True)
def validate(paths: tuple[str, ...], as_json: bool) -> None:
    """Check scenario files and report every problem at once.

    PATH is a scenario file or a built-in scenario id. Problems are printed to stderr as
    `file:line:col: error[CODE]: message`, sorted by file and position, followed by a summary
    line. Exits 0 when every file is valid, 1 otherwise.

    With `--json` (or `--format json`), stdout carries
    `{"files": [{"file", "ok", "errors", "warnings"}], "diagnostics": [{"file", "line", "column",
    "code", "severity", "message", "suggestion"}]}`.

    \b
    Example:
      dilemma-sim validate scenarios/*.yaml
      dilemma-sim validate pakistan-ttp
      dilemma-sim validate my-dilemma.yaml --json | jq '.diagnostics[].message'
    """
    _report(_check_all(paths, with_lint=False), as_json)


@main.command()
@_PATHS
@json_option(format_alias=True)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def lint(paths: tuple[str, ...], as_json: bool, strict: bool) -> None:
    """Validate, then warn about likely mistakes.

    Reports what `validate` reports plus static warnings (unused variables, options without
    effect, events that can never fire, ...) and, where the engine provides them, warnings
    about the game itself. Warnings alone exit 0 unless `--strict` is given.

    \b
    Example:
      dilemma-sim lint scenarios/*.yaml
      dilemma-sim lint --strict my-dilemma.yaml     # in CI: warnings fail the build
      dilemma-sim lint pakistan-ttp --json
    """
    _report(_check_all(paths, with_lint=True), as_json, strict=strict)


# --------------------------------------------------------------------------- schema


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, with its dialect and a title."""
    schema = Scenario.model_json_schema()
    schema.pop("title", None)
    return {"$schema": SCHEMA_DIALECT, "title": "dilemma-sim scenario", **schema}


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the schema to FILE instead of stdout.",
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of scenario files.

    Editors use it for completion, hover documentation and checks as you type.

    \b
    Hook it into an editor that uses yaml-language-server (VS Code's YAML
    extension, Neovim, Helix, ...):
      dilemma-sim schema --out scenarios/scenario.schema.json
    then either start a scenario file with the comment
      # yaml-language-server: $schema=scenario.schema.json
    or map it once in VS Code's settings.json:
      "yaml.schemas": {"./scenarios/scenario.schema.json": "scenarios/*.yaml"}

    \b
    Example:
      dilemma-sim schema > scenario.schema.json
      dilemma-sim schema --out scenarios/scenario.schema.json
    """
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        console.out.print(text, end="", soft_wrap=True, markup=False, emoji=False)
        return
    _make_folder(out.parent)
    write_atomically(out, text, what="the schema")
    console.say(console.err, f"wrote {out}")


# --------------------------------------------------------------------------- new


def _slug(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from dilemma_sim.scenario.starter import is_slug  # small modules `--help` does not need

    if not is_slug(value):
        raise click.BadParameter(
            f"{value!r} is not a slug: lower-case letters, digits, '-' and '_', not starting with '-' or '_'"
        )
    return value


def _title(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A title that is text: valid Unicode (an undecodable byte on the command line is not) and no
    control characters."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise click.BadParameter(
            "is not valid text in UTF-8 (the command line held bytes that are not characters)"
        ) from None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in value):
        raise click.BadParameter("may not contain control characters (escape sequences and the like)")
    return value


def _make_folder(folder: Path) -> None:
    """Create `folder` (and its parents), or EnvironmentProblem saying why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EnvironmentProblem.from_os_error(error, f"cannot create the folder {folder}") from None


@main.command()
@click.argument("name", callback=_slug)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenarios"),
    show_default=True,
    help="Folder to write NAME.yaml into (created if missing).",
)
@click.option("--title", callback=_title, help="Title of the scenario (default: from NAME).")
@click.option(
    "--template",
    type=click.Choice(["policy", "matrix"]),
    default="policy",
    show_default=True,
    help="`policy`: a policy dilemma told through state; `matrix`: a two-player game as a payoff table.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@json_option()
def new(name: str, directory: Path, title: str | None, template: str, force: bool, as_json: bool) -> None:
    """Write a commented starter scenario, DIR/NAME.yaml.

    The policy starter is a small, complete dilemma that validates and runs: two actors, a choice
    and a lever, a level and a count variable, an interaction, a dynamic, an event, an ending, a
    strategy, and a parameter with a distribution and a source. The matrix starter is the iterated
    prisoner's dilemma as a payoff table, with strategies from the built-in library. NAME (the
    scenario id) must be a slug. An existing file is never overwritten without `--force`, and a file
    that cannot be written completely is not written at all. `--json` prints `{"path", "id"}`.

    \b
    Example:
      dilemma-sim new water-rights
      dilemma-sim new water-rights --dir my-scenarios --title "Water rights on the Indus"
      dilemma-sim new my-game --template matrix
      dilemma-sim validate scenarios/water-rights.yaml
    """

    if is_builtin_dir(directory):  # run from a clone: ./scenarios is the package's own folder
        directory = local_dir()
        console.err.print(f"note: {directory}/ holds your scenarios here", markup=False)
    path = directory / f"{name}.yaml"
    if path.exists() and not force:
        raise InvalidInput(f"{path} already exists", hint="use --force to overwrite it")
    _make_folder(directory)
    from dilemma_sim.scenario.starter import starter_yaml

    text = starter_yaml(name, title=title, directory=directory.as_posix(), template=template)
    write_atomically(path, text, what="the scenario")
    if as_json:
        print_json({"path": str(path), "id": name})
    else:
        console.say(console.out, f"wrote {path}")
    console.say(console.err, f"next: edit it, then `dilemma-sim validate {path}`")


# --------------------------------------------------------------------------- list


def _shorten(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@main.command(name="list")
@json_option()
def list_(as_json: bool) -> None:
    """List built-in scenarios and those under ./scenarios.

    `--json` prints `[{"id", "title", "summary", "turns", "actors", "path", "builtin"}]`.

    \b
    Example:
      dilemma-sim list
      dilemma-sim list --json | jq '.[].id'
    """
    from dilemma_sim.scenario.catalog import list_scenarios

    infos = list_scenarios()
    if as_json:
        print_json(
            [
                {
                    "id": info.id,
                    "title": info.title,
                    "summary": info.summary,
                    "turns": info.turns,
                    "actors": list(info.actors),
                    "path": str(info.path),
                    "builtin": info.builtin,
                }
                for info in infos
            ]
        )
        return
    from rich.table import Table

    table = Table(title="Scenarios", title_justify="left", show_lines=True)
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("title and summary", ratio=1)
    table.add_column("turns", justify="right")
    table.add_column("actors", justify="right")
    table.add_column("where", no_wrap=True)
    for info in infos:
        cell = console.plain(info.title)
        if info.summary:
            cell.append("\n" + _shorten(console.plain(info.summary).plain), style="dim")
        where = "built-in" if info.builtin else "local"
        table.add_row(console.plain(info.id), cell, str(info.turns), str(len(info.actors)), where)
    console.out.print(table)
    if not infos:
        console.say(console.err, "no scenarios found")


# --------------------------------------------------------------------------- explain


def _scenario_hash(scenario: Scenario) -> str | None:
    """The engine's hash of the scenario, or None while the engine is not installed."""
    try:
        from dilemma_sim.engine import compile_scenario
    except ImportError as exc:
        if exc.name and exc.name.startswith("dilemma_sim.engine"):
            return None
        raise
    try:
        return compile_scenario(scenario).scenario_hash
    except ValueError as exc:  # the loader's checks passed, but the engine cannot resolve something
        raise InvalidInput(f"the engine cannot compile {scenario.id}: {exc}") from None


@main.command()
@click.argument("scenario_ref", metavar="SCENARIO", shell_complete=complete_scenarios)
@json_option()
def explain(scenario_ref: str, as_json: bool) -> None:
    """Show a scenario as the engine will see it.

    SCENARIO is a scenario file or a built-in id. Defaults are filled in. Lists the state
    variables (kind, range, initial value, decay or rate), each actor's utility, decisions with
    their options or levels and effects, and policies, then interactions, dynamics, events with
    their probability expressions, endings, strategies and parameters with their distributions
    and sources. `--json` prints the same as one JSON document on stdout.

    \b
    Example:
      dilemma-sim explain pakistan-ttp
      dilemma-sim explain scenarios/tutorial-standoff.yaml --json | jq '.state[].name'
    """
    scenario = _load_scenario_or_exit(scenario_ref)
    from dilemma_sim.scenario.explain import describe

    data = describe(scenario, scenario_hash=_scenario_hash(scenario))
    if as_json:
        print_json(data)
        return
    from dilemma_sim.cli.explain_view import explanation_renderables

    for renderable in explanation_renderables(data):
        console.out.print(renderable)
