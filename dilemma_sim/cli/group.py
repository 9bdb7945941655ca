"""The `dilemma-sim` click group (`main`) and how every command ends (`DilemmaGroup`).

A module of its own so that command modules import the group without importing the package that
registers them (no import cycle). Every command ends the same way (`DilemmaGroup.invoke`): a
`DilemmaError` prints its title, message and hint on stderr and exits with its `ExitCode`; Ctrl-C
exits 130; an unexpected exception prints its traceback under a line saying it is a bug, and exits
70. Never a traceback for an expected failure, and never anything but results on stdout.
"""

from __future__ import annotations

import errno

import click

from dilemma_sim import __version__
from dilemma_sim.cli import output
from dilemma_sim.errors import EXIT_CODE_MEANINGS, DilemmaError, EnvironmentProblem, ExitCode, Interrupted

COMPLETION_HELP = """\b
Shell completion (commands, options and scenario ids), for bash, zsh or fish:
  eval "$(_DILEMMA_SIM_COMPLETE=bash_source dilemma-sim)"    # in ~/.bashrc
  eval "$(_DILEMMA_SIM_COMPLETE=zsh_source dilemma-sim)"     # in ~/.zshrc
  _DILEMMA_SIM_COMPLETE=fish_source dilemma-sim | source     # in fish's completions folder"""

_ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENAMETOOLONG,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENOENT,
        errno.EEXIST,
        errno.EIO,
        errno.ELOOP,
    }
)
"""OSErrors that are the machine's answer, not a bug: shown as an environment problem (exit 4)."""


def exit_codes_epilog() -> str:
    """The exit-code table of `--help` (built from `errors.EXIT_CODE_MEANINGS`)."""
    rows = "\n".join(f"  {int(code):>3}  {text}" for code, text in EXIT_CODE_MEANINGS.items())
    return f"\b\nExit codes:\n{rows}\n\n{COMPLETION_HELP}"


class DilemmaGroup(click.Group):
    """A click group whose commands end in a titled message and a documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors (exit 2) and explicit exits are click's
        except DilemmaError as exc:
            output.report_error(exc)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            output.report_error(Interrupted("stopped by Ctrl-C"))
            ctx.exit(int(ExitCode.INTERRUPTED))
        except MemoryError:
            problem = EnvironmentProblem(
                "the machine ran out of memory",
                hint="lower --runs or --chunk-runs, or lower DILEMMA_SIM_CHUNK_MEMORY",
            )
            output.report_error(problem)
            ctx.exit(int(problem.exit_code))
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click quiets a closed pipe (`dilemma-sim ... | head`)
            if exc.errno not in _ENVIRONMENT_ERRNOS:
                output.report_bug(exc)
                ctx.exit(int(ExitCode.INTERNAL))
            where = f"{exc.filename}" if exc.filename is not None else "a system call"
            problem = EnvironmentProblem.from_os_error(exc, f"cannot use {where}")
            output.report_error(problem)
            ctx.exit(int(problem.exit_code))
        except Exception as exc:
            output.report_bug(exc)
            ctx.exit(int(ExitCode.INTERNAL))


@click.group(
    cls=DilemmaGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=exit_codes_epilog(),
)
@click.version_option(__version__, prog_name="dilemma-sim")
def main() -> None:
    """Play, author and batch-run policy dilemmas written as YAML scenarios.

    \b
    Example:
      dilemma-sim play                      # the default scenario, pakistan-ttp
      dilemma-sim validate scenarios/*.yaml
      dilemma-sim batch pakistan-ttp --runs 100000 --json
    """
