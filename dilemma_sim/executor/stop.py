"""Stopping a long job list cleanly: a stop flag that Ctrl-C sets, and sections Ctrl-C cannot cut.

The first Ctrl-C only sets the flag; the executor checks it between tasks, so what was finished is
kept whole. A second Ctrl-C raises KeyboardInterrupt at once (the user means it), except inside a
`critical()` section (writing a chunk and counting it, closing a file), where it is held until the
section ends. So a file's rows, its metadata and the message about it always agree.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class StopFlag:
    """Set to ask the executor to stop after the tasks in hand; thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._critical = 0
        self._pending = False
        self.presses = 0
        """Ctrl-C presses seen while installed."""

    def set(self) -> None:
        """Ask for a stop."""
        self._event.set()

    def is_set(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """A section a second Ctrl-C does not cut: the KeyboardInterrupt comes when it ends."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if self._critical == 0 and self._pending:
            self._pending = False
            raise KeyboardInterrupt

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self.presses += 1
        if self.presses == 1:
            self.set()
            return
        if self._critical:
            self._pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def on_sigint(self) -> Iterator[StopFlag]:
        """Make Ctrl-C set this flag while the block runs (main thread only; elsewhere a no-op)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
