"""Text that came from a scenario (or a transcript, or a file name), made safe to show in a terminal.

A scenario's title, names, labels and news lines are written by whoever wrote the file. Printed raw,
an escape sequence in them can set the window title, write the clipboard (OSC 52), clear the
screen or hide the lines around it. `safe` removes every terminal control sequence and control
character but newline and tab, so what is shown is exactly the visible text. It does not touch
`[`: markup interpretation is the printer's business (the CLI prints such text as `rich.text.Text`,
never as markup). Headless: imports nothing but `re`, so every layer, the TUI too, may use it.
"""

from __future__ import annotations

import re

__all__ = ["safe", "safe_line"]

_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?             # CSI: parameters, intermediates, final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])           # OSC (incl. 52: clipboard), DCS, SOS, PM, APC:
      .*? (?:\x07|\x1b\\|\x9c|\Z)                       #   a string up to BEL or ST (or the end)
    | \x1b [ -/]* [0-~]?                                # any other escape (ESC c resets the terminal)
    """,
    re.DOTALL | re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and newline (so CR, BS, BEL, ...), DEL, and the C1 controls."""


def safe(text: str) -> str:
    """`text` without terminal control sequences or control characters (newline and tab stay)."""
    if text.isprintable():  # the common case: nothing to remove, not even a newline
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def safe_line(text: str) -> str:
    """`safe(text)` on one line: newlines and tabs become spaces (for one-line messages and cells)."""
    return " ".join(safe(text).replace("\t", " ").split("\n"))
