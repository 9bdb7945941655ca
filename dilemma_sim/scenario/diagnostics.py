"""Problems found in a scenario file, each located by file, line and column.

Every problem has a stable code, listed in `CODES` (and in docs/diagnostics.md), so documentation,
tests and editors can refer to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dilemma_sim.errors import InvalidInput

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "E101": "YAML syntax error",
    "E102": "tab character in indentation",
    "E103": "duplicate key in a mapping",
    "E104": "file too large (1 MiB), nested too deeply (50), or too many aliases / alias expansion",
    "E105": "forbidden tag (``!!python/...``, any non-standard tag, YAML merge keys ``<<``)",
    "E106": "non-finite number (``.nan``, ``.inf``, or a literal too large for a float)",
    "E107": "file not found or unreadable (not UTF-8, a directory, permission denied)",
    "E108": "``extends:`` cycle (the message shows the chain)",
    "E109": "``extends:`` target not found",
    "E110": (
        "``extends:`` target outside the scenario's folder tree, the built-ins and"
        " ``DILEMMA_SIM_EXTENDS_PATH`` (an absolute path, ``..`` climbing out, a link out)"
    ),
    "E201": "unknown key (with a did-you-mean among the model's field names)",
    "E202": "wrong type (a list where a number belongs, a non-string key, ...)",
    "E203": "value out of range or breaking a constraint (``turns: 0``, a malformed id or date)",
    "E204": "missing required key",
    "E205": "other invalid value (the models' own consistency checks)",
    "E301": "expression syntax error",
    "E302": "unknown name in an expression",
    "E303": "unknown function in an expression",
    "E304": "wrong number of arguments in a function call",
    "E305": "expression too long or nested too deeply",
    "E401": "undefined state variable (or a count variable used as the target of an effect)",
    "E402": "undefined actor",
    "E403": "undefined decision, option or level",
    "E404": "undefined strategy or policy option",
    "E405": "undefined source id",
    "E406": "bad identifier (must match ``^[a-z_][a-z0-9_]*$``, not reserved, not used twice)",
    "E407": "probability outside [0, 1]",
    "E408": "empty option set (a choice without options, a lever with fewer than two levels)",
    "E409": "``player`` is not an actor",
    "E410": "observation period outside the simulated calendar, or not a whole number of turns",
    "E411": "observation statistic that does not fit the variable (``total`` of a level variable)",
    "E412": "``observations.followed`` strategy that plays another actor",
    "E601": "a value becomes NaN or infinite when the first turn is played (found by `lint`'s engine checks)",
    "W501": "state variable never used",
    "W502": "option with no effects and no cost (and nothing refers to it)",
    "W503": "event that can never fire",
    "W504": "actor whose utility ignores the state",
    "W505": "decision with a single option",
    "W506": "parameter never used",
    "W507": "source never cited",
    "W508": "parameter without a source (only when the scenario cites sources)",
    "W509": "``source:`` citing a source that lists no ``figures:`` (which figure, where in the document)",
    "W510": "source ``url`` that is a home page (no path), not the document itself",
    "W520": "option of the player's strictly dominated in every first-turn stage game (engine lint)",
    "W521": (
        "not a dilemma: one option is the player's best first-turn choice under every parameter sample"
        " (engine lint)"
    ),
    "W530": "expression that can overflow: the declared ranges of the names it reads let it exceed 1e300",
    "W531": "count rate that can exceed the largest rate the engine draws (1e9 per turn)",
}
"""Every diagnostic code and what it means; E = error, W = warning. Codes never change meaning."""


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located at a 1-based line and column of a file."""

    file: str
    """The file the offending text was written in (a base file for values inherited via `extends:`)."""
    line: int
    """1-based line."""
    column: int
    """1-based column."""
    code: str
    """Stable code, see the table in this module's docstring."""
    severity: Severity
    """`error` stops the scenario from loading; `warning` is advice (lint)."""
    message: str
    """What is wrong, in the author's terms."""
    suggestion: str | None = None
    """A likely intended replacement, shown as `(did you mean 'x'?)`."""

    def format(self) -> str:
        """gcc-style one-liner: `path:line:col: error[E201]: message (did you mean 'x'?)`."""
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.code}]: {self.message}{hint}"

    def to_dict(self) -> dict[str, str | int | None]:
        """Plain data for `--json` output."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
        }

    @property
    def is_error(self) -> bool:
        """Whether this diagnostic stops the scenario from loading."""
        return self.severity == "error"


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    """Order diagnostics by file, position, code and message."""
    return (d.file, d.line, d.column, d.code, d.message)


def sorted_unique(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The diagnostics without duplicates, in file and position order."""
    return tuple(sorted(set(diagnostics), key=sort_key))


class ScenarioError(InvalidInput):
    """A scenario could not be found or loaded; carries every diagnostic."""

    title = "invalid scenario"

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        """All problems found, errors and warnings."""
        super().__init__("\n".join(d.format() for d in self.diagnostics) or "scenario error")
