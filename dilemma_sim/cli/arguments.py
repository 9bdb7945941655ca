"""What the commands share on the way in: the SCENARIO argument (with shell completion), the --seed,
--runs, --json and --policy options, and loading the scenario and its policies.

Loading raises the package's errors (`ScenarioError` with every diagnostic, `InvalidInput`); the
group prints them and exits with their code (see `dilemma_sim.cli.DilemmaGroup`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
from click.shell_completion import CompletionItem

from dilemma_sim.errors import InvalidInput
from dilemma_sim.limits import MAX_RUNS, MAX_SEED
from dilemma_sim.scenario.diagnostics import ScenarioError
from dilemma_sim.scenario.registry import LOCAL_DIR, builtin_ids
from dilemma_sim.scenario.yamlio import Marks

if TYPE_CHECKING:  # the engine loads when a command runs, not for `--help`
    from dilemma_sim.engine.tables import CompiledScenario
    from dilemma_sim.executor import ScenarioRef

DEFAULT_SCENARIO = "pakistan-ttp"

F = TypeVar("F", bound=Callable[..., Any])


def parse_policies(values: Sequence[str]) -> dict[str, str]:
    """`--policy ACTOR=POLICY` values as {actor: policy}; BadParameter when one is malformed."""
    out: dict[str, str] = {}
    for text in values:
        actor, sep, policy = text.partition("=")
        if not sep or not actor or not policy:
            raise click.BadParameter(f"expected ACTOR=POLICY, got {text!r}", param_hint="--policy")
        out[actor.strip()] = policy.strip()
    return out


def load_scenario_or_exit(
    ref: str, overrides: dict[str, float] | None = None
) -> tuple[ScenarioRef, CompiledScenario]:
    """(ScenarioRef, compiled scenario); ScenarioError (every diagnostic) or InvalidInput otherwise.

    The name is historical: the group turns the error into its message and exit code.
    """
    from dilemma_sim.executor import ScenarioRef

    try:
        sref = ScenarioRef.of(ref, overrides or {})
        return sref, sref.compile()
    except ValueError as exc:  # the loader's checks passed, but the engine cannot resolve something
        raise InvalidInput(str(exc)) from None


def check_policies(cs: CompiledScenario, policies: dict[str, str]) -> None:
    """InvalidInput with the reason when a policy names an unknown actor or strategy.

    A relative strategy that cannot play the seat it is given is reported as `file:line:col` errors
    (E421) in the scenario file, located by the marks the scenario was compiled with.
    """
    from dilemma_sim.engine import build_policies
    from dilemma_sim.scenario.binding import StrategyBindingError, binding_diagnostics

    try:
        build_policies(cs, policies)
    except StrategyBindingError as exc:
        marks = cs.marks if cs.marks is not None else Marks()
        raise ScenarioError(binding_diagnostics(exc.problems, marks, f"{cs.scenario_id}.yaml")) from None
    except (KeyError, ValueError) as exc:
        raise InvalidInput(str(exc.args[0]) if exc.args else str(exc)) from None


# --------------------------------------------------------------------------- completion


def complete_scenarios(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Built-in ids, ids under ./scenarios, and scenario files under the folder being typed."""
    ids = set(builtin_ids())
    if LOCAL_DIR.is_dir():
        ids |= {p.stem for p in LOCAL_DIR.iterdir() if p.suffix in (".yaml", ".yml")}
    items = [CompletionItem(i, help="scenario id") for i in sorted(ids) if i.startswith(incomplete)]
    prefix = incomplete[: incomplete.rfind("/") + 1]  # the folder part, as typed
    folder = Path(prefix or ".")
    try:
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        entries = []
    for entry in entries:
        shown = prefix + entry.name
        if not shown.startswith(incomplete) or entry.name.startswith("."):
            continue
        if entry.is_dir():
            items.append(CompletionItem(shown + "/", help="folder"))
        elif entry.suffix in (".yaml", ".yml"):
            items.append(CompletionItem(shown, help="scenario file"))
    return items


# --------------------------------------------------------------------------- options


def runs_type(minimum: int = 1) -> click.IntRange:
    """The type of every `--runs`: at least `minimum`, at most `limits.MAX_RUNS` (a usage error beyond)."""
    return click.IntRange(minimum, MAX_RUNS)


def json_option(*, format_alias: bool = False) -> Callable[[F], F]:
    """`--json` (passed as `as_json`), printing one JSON document on stdout and nothing else.

    With `format_alias`, `--format [text|json]` is kept as an older spelling of the same switch:
    the command still receives only `as_json`.
    """

    def decorate(f: F) -> F:
        target: Callable[..., Any] = f
        if format_alias:

            @functools.wraps(f)
            def with_format(*args: Any, json_format: str | None = None, **kwargs: Any) -> Any:
                kwargs["as_json"] = kwargs.get("as_json", False) or json_format == "json"
                return f(*args, **kwargs)

            target = click.option(
                "--format",
                "json_format",
                type=click.Choice(["text", "json"]),
                default=None,
                help="`--format json` is the same as `--json` (kept for scripts); text is the default.",
            )(with_format)
        flag = click.option(
            "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
        )
        return cast(F, flag(target))

    return decorate


SEED = click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    default=0,
    show_default=True,
    help="Seed of the random streams (0 to 2**63-1).",
)
JSON = json_option()
POLICY = click.option(
    "--policy",
    "policy",
    multiple=True,
    metavar="ACTOR=POLICY",
    help="Play ACTOR by a strategy id of the scenario, or `default`/`random` (repeatable).",
)
SCENARIO = click.argument(
    "scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]", shell_complete=complete_scenarios
)
