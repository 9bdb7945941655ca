"""The `dilemma-sim` command line: one click group (`cli.group`), subcommands grouped by use.

Importing this package registers every command module on `main`; heavy imports (numpy work,
Textual) happen inside the commands so that `--help` and the TUI start quickly.
"""

from __future__ import annotations

from dilemma_sim.cli import analysis, authoring, check, games, play, simulate
from dilemma_sim.cli.group import DilemmaGroup, exit_codes_epilog, main

__all__ = [
    "DilemmaGroup",
    "analysis",
    "authoring",
    "check",
    "exit_codes_epilog",
    "games",
    "main",
    "play",
    "simulate",
]
