"""Rich tables for `dilemma-sim explain`: a view of the plain data `scenario.explain.describe` returns.

Every string here came from the scenario file, so it is shown as text: string cells become
`rich.text.Text` (no markup, terminal escapes removed) through `output.TextTable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from dilemma_sim.cli.console import plain
from dilemma_sim.cli.output import TextTable
from dilemma_sim.scenario.explain import quantity_text
from dilemma_sim.text import safe


def _table(title: str, *columns: str) -> TextTable:
    table = TextTable(title=plain(title), title_justify="left", title_style="bold", show_lines=False)
    for i, name in enumerate(columns):
        table.add_column(name, no_wrap=i == 0, overflow="fold")
    return table


def _effects(rows: list[dict[str, Any]]) -> str:
    return ", ".join(row["text"] for row in rows) or "–"


def explanation_renderables(data: dict[str, Any]) -> Iterator[RenderableType]:
    """Header and tables, in reading order, for the data of `describe`."""
    cal = data["calendar"]
    header = Text()
    header.append(safe(f"{data['title']}"), style="bold")
    header.append(safe(f"  ({data['id']}, version {data['version']})\n"))
    header.append(
        safe(
            f"{data['turns']} turns of one {cal['step']}, {cal['first']} to {cal['last']}; "
            f"discount {data['discount']:g} per turn; the player is {data['player']}"
        )
    )
    if "hash" in data:
        header.append(f"\nhash {data['hash']}", style="dim")
    yield header

    state = _table("State", "name", "kind", "range", "initial", "unit", "better", "each turn")
    for v in data["state"]:
        lo, hi = v["range"]
        state.add_row(
            v["name"],
            v["kind"],
            f"[{lo:g}, {hi:g}]",
            quantity_text(v.get("initial", "")) if v["kind"] == "level" else "drawn",
            v["unit"],
            "higher" if v["higher_is_better"] else "lower",
            v["dynamics_text"],
        )
    yield state

    for actor in data["actors"]:
        title = f"Actor {actor['id']}: {actor['name']}" + (" (player)" if actor["is_player"] else "")
        table = _table(title, "decision", "option / level", "effects", "cost")
        for d in actor["decisions"]:
            if d["kind"] == "choice":
                for o in d["options"]:
                    marker = " (default)" if o["id"] == d["default_option"] else ""
                    table.add_row(d["id"], o["id"] + marker, _effects(o["effects"]), quantity_text(o["cost"]))
            else:
                for lv in d["levels"]:
                    marker = " (start)" if lv["id"] == d["initial_level"] else ""
                    table.add_row(
                        f"{d['id']} (lever)",
                        f"{lv['index']}: {lv['id']}{marker}",
                        _effects(lv["effects"]),
                        quantity_text(lv["cost"]),
                    )
                table.add_row("", "step cost", "", quantity_text(d["step_cost"]))
        table.add_section()
        utility = ", ".join(f"{u['term']} × {quantity_text(u['weight'])}" for u in actor["utility"]) or "–"
        table.add_row("utility", "", utility, "")
        for d in actor["decisions"]:
            table.add_row("policy", d["id"], d["policy"]["text"], "")
        yield table

    if data["interactions"]:
        table = _table("Interactions", "id", "when", "effects")
        for it in data["interactions"]:
            table.add_row(it["id"], it["when"], _effects(it["effects"]))
        yield table
    if data["dynamics"]:
        table = _table("Dynamics (every turn)", "id", "change")
        for dyn in data["dynamics"]:
            table.add_row(dyn["id"], dyn["text"])
        yield table
    if data["events"]:
        table = _table("Events (in order)", "id", "probability", "once", "effects")
        for ev in data["events"]:
            table.add_row(
                ev["id"], ev["probability_text"], "yes" if ev["once"] else "", _effects(ev["effects"])
            )
        yield table
    if data["endings"]:
        table = _table("Endings (first that holds)", "id", "when", "from turn", "outcome")
        for end in data["endings"]:
            table.add_row(end["id"], end["when"], str(end["min_turn"]), end["outcome"])
        yield table
    if data["strategies"]:
        table = _table("Strategies", "id", "actor", "policy")
        for s in data["strategies"]:
            policy = "; ".join(f"{did}: {p['text']}" for did, p in s["policy"].items())
            table.add_row(s["id"], s["actor"], policy)
        yield table
    if data["parameters"]:
        table = _table("Parameters", "name", "value", "note")
        for p in data["parameters"]:
            table.add_row(p["name"], p["text"], p["note"] or "")
        yield table
