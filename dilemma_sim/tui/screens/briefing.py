"""The briefing: the situation, the actors and how the player's score works."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean
from dilemma_sim.tui.weights import weight_range, weight_text


def singular(unit: str) -> str:
    """`per death`, `per casualty`, `per life`: a unit after `per`."""
    if unit == "lives":
        return "life"
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith("s") and not unit.endswith("ss"):
        return unit[:-1]
    return unit


def paragraphs(text: str) -> list[str]:
    """Prose split at blank lines, each paragraph's hard line breaks joined (the terminal wraps)."""
    return [" ".join(clean(block).split()) for block in text.strip().split("\n\n") if block.strip()]


def actor_card(scenario: Scenario, actor_id: str, player: str) -> RenderableType:
    actor = scenario.actors[actor_id]
    parts: list[RenderableType] = [
        Text.assemble((clean(actor.name), "bold"), (" — you" if actor_id == player else "", "bold cyan"))
    ]
    if actor.description:
        parts.append(Text(clean(actor.description)))
    for heading, items in (("Motives", actor.motives), ("Demands", actor.demands), ("Fears", actor.fears)):
        if items:
            parts.append(Text(heading, style="italic"))
            parts.extend(Text("  • " + clean(item)) for item in items)
    return Group(*parts)


def utility_label(scenario: Scenario, name: str) -> str:
    """A utility weight's subject in words: a state variable (per its unit), or a lever (per level)."""
    spec = scenario.state.get(name)
    if spec is not None:
        return clean(spec.label) + (f" (per {singular(clean(spec.unit))})" if spec.unit else "")
    actor_id, _, decision_id = name.partition(".")
    actor = scenario.actors.get(actor_id)
    decision = actor.decisions.get(decision_id) if actor else None
    if actor is not None and decision is not None:
        return f"{clean(actor.name)}: {clean(decision.label)} (per level)"
    return clean(name)


def scoring(scenario: Scenario, player: str) -> RenderableType:
    """The player's utility weights, read as objectives."""
    actor = scenario.actors[player]
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=False)
    table.add_column("Each turn you score")
    table.add_column("weight", justify="right")
    for name, weight in actor.utility.items():
        table.add_row(Text(utility_label(scenario, name)), weight_text(scenario, weight))
    costs = [clean(d.label) for d in actor.decisions.values()]
    ranged = any(len(set(weight_range(scenario, w))) > 1 for w in actor.utility.values())
    note = Text(
        f"Your payoff each turn is the sum of weight × value above, minus the costs of your choices "
        f"({', '.join(costs)}). Totals add up over {scenario.turns} turns from "
        f"{scenario.calendar.label(0)} to {scenario.calendar.label(scenario.turns - 1)}"
        + (f", discounted by {scenario.discount:g} a turn." if scenario.discount < 1 else ".")
        + (
            " Where a weight is a range, each game draws its own value from it (so does each of the "
            "games the advisor and the debrief simulate)."
            if ranged
            else ""
        )
        + " Higher is better."
    )
    return Group(table, Text(""), note)


class BriefingScreen(Screen[None]):
    """Read before the first turn; `enter` starts the game."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "start", "Start", priority=True)]

    class Start(Message):
        """The player is ready."""

    def __init__(self, scenario: Scenario, player: str | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.player = player or scenario.player

    def compose(self) -> ComposeResult:
        s = self.scenario
        yield Header()
        with VerticalScroll(id="briefing"):
            yield Static(Text(clean(s.title), style="bold"), classes="title")
            yield Static(Text(clean(s.summary), style="italic"))
            if s.briefing:
                yield Static(Text("The situation", style="bold"), classes="section")
                for paragraph in paragraphs(s.briefing):
                    yield Static(Text(paragraph), classes="paragraph")
            yield Static(Text("Who is at the table", style="bold"), classes="section")
            for actor_id in s.actors:
                yield Static(actor_card(s, actor_id, self.player), classes="card")
            yield Static(Text("Your objectives and your score", style="bold"), classes="section")
            yield Static(scoring(s, self.player), classes="card")
            yield Button("Start  [b]enter[/b]", id="start", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = clean(self.scenario.title)
        self.sub_title = "Briefing"

    def action_start(self) -> None:
        self.post_message(self.Start())

    def on_button_pressed(self) -> None:
        self.action_start()
