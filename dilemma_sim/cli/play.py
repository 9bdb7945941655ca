"""`play` and `serve`: the Textual app in a terminal, or in a browser through textual-serve.

Textual is imported inside the commands, so `dilemma-sim --help` and the headless commands
never load it.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from dilemma_sim.cli import main

DEFAULT_SCENARIO = "pakistan-ttp"
FIRST_SCREEN_ENV = "DILEMMA_SIM_FIRST_SCREEN_FILE"
"""When set, `play` writes the time its first screen was painted to this file and exits (a benchmark)."""


@main.command()
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random streams."
)
@click.option(
    "--as", "human", metavar="ACTOR", default=None, help="Actor to play (default: the scenario's player)."
)
@click.option(
    "--players",
    metavar="ACTOR,ACTOR,...",
    default=None,
    help="Several people at one terminal, one actor each, deciding in secret in turn (hot seat); "
    "the other actors play their policies.",
)
@click.option(
    "--facilitator",
    is_flag=True,
    help="A facilitator sees every actor's state and choices each turn and may force scenario events.",
)
def play(scenario: str, seed: int, human: str | None, players: str | None, facilitator: bool) -> None:
    """Play SCENARIO (a built-in id or a path; default pakistan-ttp) in the terminal.

    \b
    Keys: n end turn, u undo, a advisor, ctrl+s save, ctrl+o load, s scenarios, ? help, q quit.

    \b
    Example:
      dilemma-sim play                          # pakistan-ttp, as Pakistan
      dilemma-sim play tutorial-standoff --seed 3
      dilemma-sim play pakistan-ttp --as taliban
      dilemma-sim play my-scenarios/water.yaml  # a file of your own
      dilemma-sim play --players pakistan,taliban --facilitator
    """
    from dilemma_sim.tui.app import DilemmaApp

    humans = _actors(players) if players else ((human,) if human else ())
    probe = os.environ.get(FIRST_SCREEN_ENV)
    DilemmaApp(
        scenario,
        seed=seed,
        humans=humans,
        facilitator=facilitator,
        on_first_screen=_first_screen_probe(probe) if probe else None,
    ).run()


def _actors(text: str) -> tuple[str, ...]:
    """`a,b` -> ("a", "b"); a repeated or empty name is a usage error."""
    actors = tuple(part.strip() for part in text.split(","))
    if any(not a for a in actors) or len(set(actors)) != len(actors):
        raise click.BadParameter(
            f"give distinct actor ids separated by commas, not {text!r}", param_hint="--players"
        )
    return actors


def _first_screen_probe(path: str) -> Callable[[Any], None]:
    """For `benchmarks/tui_bench.py`: write the wall-clock time the first screen was painted, then exit."""

    def probe(app: Any) -> None:
        with open(path, "w", encoding="utf-8") as out:
            out.write(repr(time.time()))
        app.exit()

    return probe


@main.command()
@click.argument("scenario", default=DEFAULT_SCENARIO, metavar="[SCENARIO]")
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random streams."
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(scenario: str, seed: int, port: int, host: str) -> None:
    """Serve the game to web browsers: each visitor gets `dilemma-sim play SCENARIO` of their own.

    SCENARIO is checked before serving: one with errors is reported and nothing is served.

    \b
    Example:
      dilemma-sim serve                         # http://127.0.0.1:8000, pakistan-ttp
      dilemma-sim serve tutorial-standoff --port 8080
    """
    from textual_serve.server import Server

    from dilemma_sim.cli.arguments import load_scenario_or_exit

    load_scenario_or_exit(scenario)

    command = shlex.join([sys.executable, "-m", "dilemma_sim", "play", scenario, "--seed", str(seed)])
    Server(command, host=host, port=port, title="dilemma-sim").serve()
