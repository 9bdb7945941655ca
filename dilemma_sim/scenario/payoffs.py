"""Payoff tables: a normal-form game written as a table, the payoffs to each player given the joint choices.

Three forms, one meaning (each player's payoff this turn for every profile of the players' options):

* `table` (two players): row option -> column option -> `[row payoff, column payoff]`;
* `profiles` (any number): `"o1 o2 o3"` (the players' options, in `players` order) -> one payoff each;
* `count` + `each` (symmetric, e.g. public goods): a player's payoff is `each[its own option]`, an
  expression in `k` (how many players chose the `count` option, itself included) and `n` (players).

A cell is a number, a distribution (sampled once per run) or an expression (parameters, the
start-of-turn state and this turn's choices; `k` and `n` in the count form). The engine compiles every
form into one dense array indexed by the players' option indices (see `engine/compile.py`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import model_validator

from dilemma_sim.scenario.quantities import Expression, Quantity
from dilemma_sim.scenario.raw_data import Names, as_dict, as_list
from dilemma_sim.scenario.strict_model import StrictModel
from dilemma_sim.scenario.suggestions import close_match
from dilemma_sim.scenario.yamlio import YamlPath

Cell = Quantity | Expression
"""One payoff: a number, a distribution or an expression."""
_SEPARATOR = re.compile(r"[\s,]+")


class PayoffTable(StrictModel):
    """Payoffs to the players of a game given their joint choices, added to their payoffs every turn."""

    label: str = ""
    """Short name shown in score breakdowns."""
    players: list[str]
    """`actor.decision` of each player, in order (rows first); each actor at most once."""
    table: dict[str, dict[str, list[Cell]]] | None = None
    """Two players: row option -> column option -> `[row payoff, column payoff]`."""
    profiles: dict[str, list[Cell]] | None = None
    """Any number of players: `"o1 o2 ..."` (options in `players` order) -> one payoff per player."""
    count: str | None = None
    """Symmetric form: the option whose choosers are counted (`k`, the player itself included)."""
    each: dict[str, Cell] | None = None
    """Symmetric form: a player's own option -> its payoff, an expression in `k` and `n`."""

    @model_validator(mode="after")
    def _one_form(self) -> PayoffTable:
        forms = [name for name in ("table", "profiles", "each") if getattr(self, name) is not None]
        if len(forms) != 1:
            raise ValueError("give exactly one of `table` (two players), `profiles`, or `count` with `each`")
        if (self.count is None) != (self.each is None):
            raise ValueError("`count` and `each` go together (the symmetric form)")
        if self.table is not None and len(self.players) != 2:
            raise ValueError("`table` is for two players; use `profiles` or `count`/`each` for more")
        if len(set(p.partition(".")[0] for p in self.players)) != len(self.players):
            raise ValueError("each actor plays at most once in a payoff table")
        return self


def profile_key(options: tuple[str, ...]) -> str:
    """How a profile is written in `profiles`: the option ids separated by a space."""
    return " ".join(options)


def split_profile(key: str) -> tuple[str, ...]:
    """The options of a `profiles` key (separated by spaces and/or commas)."""
    return tuple(part for part in _SEPARATOR.split(key.strip()) if part)


def cells(
    payoff: PayoffTable, options: list[tuple[str, ...]]
) -> Iterator[tuple[tuple[int, ...], int, Cell, dict[str, float]]]:
    """Every cell in profile order (the last player's option fastest), then player order:
    (option indices, player, cell, names fixed in its expression: `k` and `n` in the count form)."""
    n = len(payoff.players)
    for profile in itertools.product(*(range(len(o)) for o in options)):
        chosen = tuple(options[p][i] for p, i in enumerate(profile))
        for player in range(n):
            if payoff.table is not None:
                yield profile, player, payoff.table[chosen[0]][chosen[1]][player], {}
            elif payoff.profiles is not None:
                yield profile, player, _profile_cells(payoff.profiles)[chosen][player], {}
            else:
                assert payoff.each is not None
                k = sum(1 for c in chosen if c == payoff.count)
                yield profile, player, payoff.each[chosen[player]], {"k": float(k), "n": float(n)}


def _profile_cells(profiles: dict[str, list[Cell]]) -> dict[tuple[str, ...], list[Cell]]:
    return {split_profile(key): value for key, value in profiles.items()}


# --------------------------------------------------------------------------- checks on raw data


def check_payoffs(data: Any, names: Names, report: Callable[..., None]) -> None:
    """E423 for every player, option or profile of a payoff table the scenario does not have, and every
    missing profile or wrong number of payoffs; `report(path, code, message, suggestion, key=...)`."""
    for pid, spec in as_dict(as_dict(data).get("payoffs")).items():
        spec = as_dict(spec)
        base: YamlPath = ("payoffs", pid)
        players = [p for p in as_list(spec.get("players")) if isinstance(p, str)]
        options: list[tuple[str, ...]] = []
        for i, player in enumerate(players):
            actor, _, decision = player.partition(".")
            found = names.decisions.get(actor, {}).get(decision)
            if found is None:
                known = [f"{a}.{d}" for a, ds in names.decisions.items() for d in ds]
                report((*base, "players", i), "E423", f"no decision '{player}'", close_match(player, known))
                return
            options.append(found)
        n = len(players)
        table, profiles, each, count = (
            spec.get("table"),
            spec.get("profiles"),
            spec.get("each"),
            spec.get("count"),
        )
        if isinstance(table, dict) and n == 2:
            _check_table(table, options, (*base, "table"), report, close_match)
        if isinstance(profiles, dict):
            _check_profiles(profiles, options, n, (*base, "profiles"), report, close_match)
        if isinstance(each, dict) and isinstance(count, str):
            every = set(itertools.chain(*options))
            if count not in every:
                report(
                    (*base, "count"),
                    "E423",
                    f"'{count}' is not an option of the players",
                    close_match(count, every),
                )
            for option in each:
                if option not in every:
                    report(
                        (*base, "each", option),
                        "E423",
                        f"'{option}' is not an option of the players",
                        close_match(option, every),
                        key=True,
                    )
            for p, opts in enumerate(options):
                missing = [o for o in opts if o not in each]
                if missing:
                    report(
                        (*base, "each"), "E423", f"no payoff for {players[p]} choosing {', '.join(missing)}"
                    )


def _check_table(
    table: dict[str, Any], options: list[tuple[str, ...]], at: YamlPath, report: Any, close: Any
) -> None:
    rows, cols = options
    for row, line in table.items():
        if row not in rows:
            report(
                (*at, row), "E423", f"'{row}' is not an option of the row player", close(row, rows), key=True
            )
            continue
        for col, cell in as_dict(line).items():
            if col not in cols:
                report(
                    (*at, row, col),
                    "E423",
                    f"'{col}' is not an option of the column player",
                    close(col, cols),
                    key=True,
                )
            elif not (isinstance(cell, list) and len(cell) == 2):
                report((*at, row, col), "E423", "a cell is [row payoff, column payoff]")
        missing = [c for c in cols if c not in as_dict(line)]
        if missing:
            report((*at, row), "E423", f"no payoff for row '{row}' against {', '.join(missing)}", key=True)
    missing_rows = [r for r in rows if r not in table]
    if missing_rows:
        report(at, "E423", f"no row for {', '.join(missing_rows)}", key=True)


def _check_profiles(
    profiles: dict[str, Any], options: list[tuple[str, ...]], n: int, at: YamlPath, report: Any, close: Any
) -> None:
    seen = set()
    for key, cell in profiles.items():
        chosen = split_profile(str(key))
        if len(chosen) != n:
            report(
                (*at, key),
                "E423",
                f"a profile names one option per player ({n}), got {len(chosen)}",
                key=True,
            )
            continue
        for p, option in enumerate(chosen):
            if option not in options[p]:
                report(
                    (*at, key),
                    "E423",
                    f"'{option}' is not an option of player {p + 1}",
                    close(option, options[p]),
                    key=True,
                )
        if not (isinstance(cell, list) and len(cell) == n):
            report((*at, key), "E423", f"a profile's payoffs are one per player ({n})")
        seen.add(chosen)
    missing = [profile_key(c) for c in itertools.product(*options) if c not in seen]
    if missing:
        shown = "; ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        report(at, "E423", f"{len(missing)} profile(s) have no payoffs: {shown}", key=True)
