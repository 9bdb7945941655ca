"""The `dilemma-sim` command line: one click group, subcommands grouped by use.

Subcommand modules register themselves on `main`; heavy imports (numpy work, Textual)
happen inside the commands so that `--help` and the TUI start quickly.
"""

from __future__ import annotations

import click

from dilemma_sim import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dilemma-sim")
def main() -> None:
    """Play, author and batch-run policy dilemmas written as YAML scenarios.

    \b
    Example:
      dilemma-sim play                      # the default scenario, pakistan-ttp
      dilemma-sim validate scenarios/*.yaml
      dilemma-sim batch pakistan-ttp --runs 100000 --json
    """


def _register() -> None:
    from dilemma_sim.cli import analysis, authoring, check, games, play, simulate  # noqa: F401  (modules add commands to `main`)


_register()
