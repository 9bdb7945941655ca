"""What can go wrong for a user, as a small exception hierarchy with titles and exit codes.

Every layer raises these (never a bare ValueError or KeyError for a user's mistake), so the
command line prints one titled message on stderr and exits with the documented code, and the
TUI shows the same title in its error dialog. Imports nothing of the package: every layer may
import it.
"""

from __future__ import annotations

import errno
import os
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit status of every `dilemma-sim` command (documented in `--help` and the README)."""

    OK = 0
    """Success."""
    INVALID_INPUT = 1
    """A scenario, file, value or transcript the tool cannot use; the message says which and why."""
    USAGE = 2
    """A malformed command line (unknown option, missing argument)."""
    MISSING_DEPENDENCY = 3
    """An optional package a feature needs is not installed; the message names the extra to install."""
    ENVIRONMENT = 4
    """The machine refused: a path that cannot be written, a full disk, an unreachable scheduler."""
    NUMERIC = 5
    """Runs produced NaN or infinity; the message names the expression and where it is."""
    INTERNAL = 70
    """A bug in dilemma-sim (an unexpected exception): the traceback follows; please report it."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C; whatever was written says so (`complete: false`)."""


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.INVALID_INPUT: "invalid input: a scenario, file, value or transcript that cannot be used",
    ExitCode.USAGE: "usage error: an unknown option, a missing argument, a value out of range",
    ExitCode.MISSING_DEPENDENCY: "missing dependency: an optional package is not installed",
    ExitCode.ENVIRONMENT: "environment: a path that cannot be written, a full disk, an unreachable scheduler",
    ExitCode.NUMERIC: "numeric: runs produced NaN or infinity",
    ExitCode.INTERNAL: "internal error: a bug in dilemma-sim (a traceback follows; please report it)",
    ExitCode.INTERRUPTED: "interrupted by Ctrl-C (output written so far is marked complete: false)",
}
"""One line per exit code, as `--help` and the README list them (a test keeps the three in step)."""


class DilemmaError(Exception):
    """Base of every error a user can cause or meet; `title` heads the message."""

    title = "error"
    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        """What went wrong, in one or two sentences."""
        self.hint = hint
        """What to do about it, when there is something to do."""

    def __reduce__(self) -> tuple[object, ...]:
        # raised in a worker process, rebuilt in the parent with every attribute, not just the message
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[DilemmaError], args: tuple[object, ...], state: dict[str, object]) -> DilemmaError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidInput(DilemmaError):
    """A value, file or reference the tool cannot use."""

    title = "invalid input"


class LimitExceeded(InvalidInput):
    """A request beyond a documented bound (runs, memory per chunk, compiled size)."""

    title = "over a limit"


class MissingDependency(DilemmaError):
    """An optional package is not installed."""

    title = "missing dependency"
    exit_code = ExitCode.MISSING_DEPENDENCY

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the package {package!r}, which is not installed",
            hint=f"pip install 'dilemma-sim[{extra}]'",
        )
        self.package = package
        self.extra = extra


class EnvironmentProblem(DilemmaError):
    """The file system, the disk or the network refused."""

    title = "cannot proceed"
    exit_code = ExitCode.ENVIRONMENT

    @classmethod
    def from_os_error(cls, error: OSError, doing: str) -> EnvironmentProblem:
        """`doing` (e.g. "cannot write runs.csv") with the system's reason and what to do about it."""
        reason = error.strerror or type(error).__name__
        path = error.filename
        hint = _OS_HINTS.get(error.errno or 0)
        if error.errno == errno.ENOENT and path is not None:
            folder = os.path.dirname(os.fspath(path)) or "."
            hint = f"the folder {folder!r} does not exist: create it first"
        return cls(f"{doing}: {reason}", hint=hint)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere (nothing incomplete was left)",
    errno.EDQUOT: "the disk quota is used up: free some space or write elsewhere",
    errno.EACCES: "check the permissions of the file and its folder, or write elsewhere",
    errno.EPERM: "check the permissions of the file and its folder, or write elsewhere",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.ENAMETOOLONG: "a file name may have at most 255 bytes (and a path 4096): use a shorter name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "the path is a folder: name a file inside it",
}


class NonFiniteError(DilemmaError):
    """A number of the scenario became NaN or infinite (or a count rate absurdly large) at run time."""

    title = "non-finite value"
    exit_code = ExitCode.NUMERIC

    def __init__(self, message: str, *, path: str = "", location: str = "", hint: str | None = None) -> None:
        super().__init__(f"{location}: {message}" if location else message, hint=hint)
        self.path = path
        """YAML path of the value that went wrong (`state.attacks.rate`), or '' when unknown."""
        self.location = location
        """`file:line:col` of that value, when known."""

    def located(self, location: str) -> NonFiniteError:
        """The same error with the `file:line:col` of its value in front of the message."""
        if self.location or not location:
            return self
        detail = self.message
        return NonFiniteError(detail, path=self.path, location=location, hint=self.hint)


class Interrupted(DilemmaError):
    """Stopped by the user."""

    title = "interrupted"
    exit_code = ExitCode.INTERRUPTED
