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
from pathlib import Path
from typing import Protocol

import click

from dilemma_sim.cli.arguments import load_scenario_or_exit
from dilemma_sim.cli.group import main
from dilemma_sim.cli.output import fail
from dilemma_sim.scenario.registry import builtin_path, resolve

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
    from dilemma_sim.tui.files import FileRules
    from dilemma_sim.tui.shared import SharedClient

    humans = _actors(players) if players else ((human,) if human else ())
    shared = SharedClient.from_environment()  # an app process of `serve --session`
    if shared is not None:
        humans, facilitator = (() if shared.facilitator else (shared.seat,)), shared.facilitator
    probe = os.environ.get(FIRST_SCREEN_ENV)
    DilemmaApp(
        scenario,
        seed=seed,
        humans=humans,
        facilitator=facilitator,
        files=FileRules.from_environment(),
        shared=shared,
        watch=shared is None,
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


class _App(Protocol):
    """What the first-screen probe needs of the app."""

    def exit(self) -> None: ...


def _first_screen_probe(path: str) -> Callable[[_App], None]:
    """For `benchmarks/tui_bench.py`: write the wall-clock time the first screen was painted, then exit."""

    def probe(app: _App) -> None:
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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback).")
@click.option("--allow-remote", is_flag=True, help="Allow a --host beyond this machine (prints a warning).")
@click.option(
    "--session",
    is_flag=True,
    help="One shared game that several browsers join, each as one player (or the facilitator).",
)
@click.option(
    "--players",
    metavar="ACTOR,ACTOR,...",
    default=None,
    help="With --session: the actors people play (default: the scenario's player).",
)
@click.option("--facilitator", is_flag=True, help="With --session: a facilitator's seat too.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The only folder visitors may open scenarios from and save or load games in "
    "(default: none; only the built-in and the served scenarios).",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(1, 64),
    default=None,
    help="Most app processes at once (default 4; with --session, one per seat, and more lets a "
    "facilitating team open the facilitator's seat in several browsers).",
)
def serve(
    scenario: str,
    seed: int,
    port: int,
    host: str,
    allow_remote: bool,
    session: bool,
    players: str | None,
    facilitator: bool,
    folder: Path | None,
    max_sessions: int | None,
) -> None:
    """Serve the game to web browsers on this machine.

    Each visitor gets a game of their own, or with --session all join one game, each as one player
    (or as the facilitator). The links printed carry a secret token; a page elsewhere cannot start
    or drive a game (the websocket's Origin must be this server). Visitors open, save and load only
    inside --folder. SCENARIO is checked before serving: one with errors is reported and nothing is
    served.

    \b
    Example:
      dilemma-sim serve                         # http://127.0.0.1:8000, pakistan-ttp
      dilemma-sim serve tutorial-standoff --port 8080
      dilemma-sim serve --session --players pakistan,taliban --facilitator
      dilemma-sim serve --folder games          # visitors may save in ./games
    """
    from dilemma_sim.tui.opening import OpenError, open_scenario
    from dilemma_sim.tui.serving import GameServer, ServeRefused, app_command, check_host, served_files
    from dilemma_sim.tui.shared import Coordinator

    load_scenario_or_exit(scenario)
    try:
        warning = check_host(host, allow_remote)
    except ServeRefused as exc:
        fail(str(exc))
    if warning:
        click.echo(warning, err=True)
    if folder is not None and not folder.is_dir():
        fail(f"--folder {folder}: no such folder")
    if (players or facilitator) and not session:
        fail("--players and --facilitator need --session (one shared game)")
    path = resolve(scenario)
    ref = scenario if builtin_path(scenario) is not None else str(path.resolve())
    coordinator = None
    if session:
        try:
            opened = open_scenario(ref)
            coordinator = Coordinator(opened, seed, _actors(players) if players else (), facilitator)
        except OpenError as exc:
            fail(f"{exc}")
            raise  # unreachable: fail exits
        max_sessions = max_sessions or len(coordinator.seats)
    server = GameServer(
        shlex.join(app_command(sys.executable, ref, seed)),
        host=host,
        port=port,
        files=served_files(folder, path),
        coordinator=coordinator,
        max_sessions=max_sessions or 4,
    )
    server.serve()
