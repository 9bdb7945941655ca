"""Consoles shared by the commands: results to stdout, diagnostics and errors to stderr.

Text that came from a scenario, a transcript or a file name is shown as text: `plain` makes it a
`rich.text.Text` (never parsed as markup, terminal escapes removed), `markup_safe` escapes it for
the few places that embed it in a markup string, and `say` prints such text on one console.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from dilemma_sim.text import safe

out = Console(highlight=False)
"""Where results go (tables, JSON): pipes read it."""
err = Console(stderr=True, highlight=False)
"""Where diagnostics, progress and errors go."""


def plain(value: object, style: str = "") -> Text:
    """`value` as text for a table cell, a title or a line: no markup, no emoji codes, no escapes."""
    return Text(safe(str(value)), style=style)


def markup_safe(value: object) -> str:
    """`value` to embed in a markup string (`f"[bold]{markup_safe(name)}[/bold]"`), escapes removed."""
    return escape(safe(str(value)))


def say(console: Console, value: object, style: str = "") -> None:
    """Print `value` as plain text on `console` (soft-wrapped, no markup, no highlighting)."""
    console.print(plain(value, style), soft_wrap=True)
