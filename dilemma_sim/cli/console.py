"""Consoles shared by the commands: results to stdout, diagnostics and errors to stderr."""

from __future__ import annotations

from rich.console import Console

out = Console(highlight=False)
"""Where results go (tables, JSON): pipes read it."""
err = Console(stderr=True, highlight=False)
"""Where diagnostics, progress and errors go."""
