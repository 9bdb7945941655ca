"""What the engine commands share on the way in: the SCENARIO argument, the --seed, --json and
--policy options, and loading the scenario and its policies or exiting with the diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from dilemma_sim.cli import console
from dilemma_sim.cli.output import fail

DEFAULT_SCENARIO = "pakistan-ttp"


def parse_policies(values: Sequence[str]) -> dict[str, str]:
    """`--policy ACTOR=POLICY` values as {actor: policy}; BadParameter when one is malformed."""
    out: dict[str, str] = {}
    for text in values:
        actor, sep, policy = text.partition("=")
        if not sep or not actor or not policy:
            raise click.BadParameter(f"expected ACTOR=POLICY, got {text!r}", param_hint="--policy")
        out[actor.strip()] = policy.strip()
    return out


def load_scenario_or_exit(ref: str, overrides: dict[str, float] | None = None) -> tuple[Any, Any]:
    """(ScenarioRef, compiled scenario), or the diagnostics on stderr and exit 1."""
    from dilemma_sim.executor import ScenarioRef
    from dilemma_sim.scenario.diagnostics import ScenarioError

    try:
        sref = ScenarioRef.of(ref, overrides or {})
        return sref, sref.compile()
    except ScenarioError as exc:
        for d in exc.diagnostics:
            style = "red" if d.severity == "error" else "yellow"
            console.err.print(d.format(), style=style, soft_wrap=True, markup=False, emoji=False)
        raise SystemExit(1) from None
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable


def check_policies(cs: Any, policies: dict[str, str]) -> None:
    """Exit 1 with the reason when a policy names an unknown actor or strategy."""
    from dilemma_sim.engine import build_policies

    try:
        build_policies(cs, policies)
    except (KeyError, ValueError) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc))


SEED = click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random streams."
)
JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
)
POLICY = click.option(
    "--policy",
    "policy",
    multiple=True,
    metavar="ACTOR=POLICY",
    help="Play ACTOR by a strategy id of the scenario, or `default`/`random` (repeatable).",
)
SCENARIO = click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
