"""Writing files so that no half-written file is ever left under the final name.

A file is written under a temporary name next to its target, `.<name>.<pid>.tmp`, and moved into
place by `os.replace` once complete. The pid in the name lets the next writer of the same target
remove the temporary files of processes that died (SIGKILL, a power cut) without touching those
of a writer still running. Every refusal of the file system becomes an `EnvironmentProblem`
naming the file, with nothing left behind. Headless: imports only `errors`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from dilemma_sim.errors import EnvironmentProblem

__all__ = ["remove_stale_temps", "stale_temps", "temp_path", "uninterrupted", "write_atomically"]

_LONGEST_STEM = 120
"""Longest target name kept whole in a temporary name (the file system allows 255 bytes)."""


def _stem(name: str) -> str:
    """The target's name as it appears in its temporary names (long names shortened by a digest)."""
    if len(name.encode("utf-8", "surrogateescape")) <= _LONGEST_STEM:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return name[:40] + "~" + digest


def temp_path(target: Path, pid: int | None = None) -> Path:
    """The temporary file `target` is written to by process `pid` (this one by default)."""
    return target.with_name(f".{_stem(target.name)}.{os.getpid() if pid is None else pid}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return True  # cannot tell: keep its file
    return True


def stale_temps(target: Path) -> list[Path]:
    """Temporary files of `target` (and their `.body` companions) left by processes that are gone."""
    if os.name != "posix":
        return []
    pattern = re.compile(rf"^\.{re.escape(_stem(target.name))}\.(\d+)\.tmp(?:\.body)?$")
    found = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = pattern.match(entry.name)
        if m is not None and not _alive(int(m.group(1))) and entry.is_file() and not entry.is_symlink():
            found.append(entry)
    return sorted(found)


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove `stale_temps(target)`; returns what was removed."""
    removed = []
    for path in stale_temps(target):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block is done, so "write rows, count them" is one step.

    A Ctrl-C pressed meanwhile is handed, when the block ends, to the handler that was installed
    (Python's default raises KeyboardInterrupt; a stop-flag handler sets its flag). Python runs
    signal handlers in the main thread only, so elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):
            previous(signal.SIGINT, None)
        elif held and previous in (signal.SIG_DFL, None):
            raise KeyboardInterrupt


def write_atomically(path: Path, data: str | bytes, *, what: str = "the file") -> None:
    """Write `data` (text as UTF-8) to `path` through a temporary file; EnvironmentProblem on refusal.

    `what` names the file in messages (`the transcript`, `the schema`). On any failure, Ctrl-C
    included, the temporary file is removed and `path` is untouched.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = temp_path(path)
    remove_stale_temps(path)
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # our own, from an earlier attempt
        with open(tmp, "xb") as f:  # never through a link planted under the temporary name
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise EnvironmentProblem.from_os_error(error, f"cannot write {what} {path}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
