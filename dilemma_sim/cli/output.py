"""How the commands write: one JSON document on stdout, rich tables and numbers on stdout,
progress bars, errors and diagnostics on stderr."""

from __future__ import annotations

import contextlib
import json
import math
import re
import traceback
from collections.abc import Callable, Iterator
from typing import NoReturn

from rich.console import RenderableType
from rich.style import StyleType
from rich.table import Table
from rich.text import Text

from dilemma_sim.cli import console
from dilemma_sim.errors import DilemmaError, ExitCode, InvalidInput
from dilemma_sim.scenario.diagnostics import ScenarioError
from dilemma_sim.text import safe

_C1 = re.compile(r"[\x7f-\x9f]")


def print_json(data: object) -> None:
    """One JSON document on stdout (NaN becomes null: JSON has none).

    Non-ASCII text stays readable, but DEL and the C1 controls are written as `\\u` escapes like the
    C0 ones, so no byte of the document can drive a terminal.
    """
    text = json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    text = _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    console.out.print(Text(text), soft_wrap=True)


def report_error(error: DilemmaError) -> None:
    """An expected failure on stderr: its title and message (and hint), or a scenario's diagnostics."""
    if isinstance(error, ScenarioError) and error.diagnostics:
        for d in error.diagnostics:
            console.say(console.err, d.format(), "red" if d.is_error else "yellow")
        return
    if error.exit_code == ExitCode.INTERRUPTED:
        line = Text("interrupted: ", style="bold yellow")
    else:
        line = Text(f"error ({error.title}): ", style="bold red")
    line.append(safe(error.message))
    console.err.print(line, soft_wrap=True)
    if error.hint:
        console.err.print(Text("  hint: ", style="dim").append(safe(error.hint)), soft_wrap=True)


def report_bug(error: BaseException) -> None:
    """An unexpected exception: a line saying it is a bug, then its traceback, on stderr."""
    console.err.print(
        Text(
            "internal error: this is a bug in dilemma-sim, not a problem with your input; "
            "please report it with the traceback below",
            style="bold red",
        ),
        soft_wrap=True,
    )
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    console.err.print(Text(safe("".join(lines).rstrip("\n"))), soft_wrap=True)


def finite(value: object) -> object:
    """`value` with every non-finite float, however deeply nested, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def fail(message: str) -> NoReturn:
    """Stop the command with `message` as invalid input (the group prints it and exits 1)."""
    raise InvalidInput(message)


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


class TextTable(Table):
    """A rich table whose string cells are text, never markup (they hold names from scenarios).

    A cell that should be styled is given as a `rich.text.Text` with a style.
    """

    def add_row(
        self, *renderables: RenderableType | None, style: StyleType | None = None, end_section: bool = False
    ) -> None:
        cells = [console.plain(r) if isinstance(r, str) else r for r in renderables]
        super().add_row(*cells, style=style, end_section=end_section)


def table(title: str, *columns: str) -> TextTable:
    """A table with a bold title, the first column left-aligned and the others right-aligned.

    The title, the headers and every string cell are shown as text (see `TextTable`).
    """
    t = TextTable(title=console.plain(title), title_justify="left", title_style="bold")
    for i, c in enumerate(columns):
        t.add_column(console.plain(c), justify="left" if i == 0 else "right")
    return t


def num(x: float, digits: int = 1) -> str:
    """A number with thousands separators, or a dash when it is missing or not finite."""
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"
