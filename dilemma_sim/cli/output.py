"""How the engine commands write: one JSON document on stdout, rich tables and numbers on stdout,
progress bars and errors on stderr."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

from dilemma_sim.cli import console


def print_json(data: Any) -> None:
    """One JSON document on stdout (NaN becomes null: JSON has none)."""
    text = json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    console.out.print(text, soft_wrap=True, markup=False, emoji=False, highlight=False)


def finite(value: Any) -> Any:
    """`value` with every non-finite float, however deeply nested, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def fail(message: str) -> None:
    """Print `error: message` on stderr and exit 1."""
    console.err.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise SystemExit(1)


@contextlib.contextmanager
def progress(total: int, what: str, *, show: bool = True) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (only on a terminal); yields `advance(n)`."""
    if not show or not console.err.is_terminal:
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console.err,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def table(title: str, *columns: str) -> Any:
    """A rich table with a bold title, the first column left-aligned and the others right-aligned."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold")
    for i, c in enumerate(columns):
        table.add_column(c, justify="left" if i == 0 else "right")
    return table


def num(x: float, digits: int = 1) -> str:
    """A number with thousands separators, or a dash when it is missing or not finite."""
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"
