"""The player's decision controls: a radio set per choice, a lever row per graded lever.

In a choice, the highlighted option is the chosen one (arrows choose), marked `●` against `○`, so
chosen and highlighted never differ and the difference never rests on colour alone. `describe`
gives the full name and description of what a control has chosen, for the details line.

A lever shows as much as the panel has room for: its whole ladder of levels, or two rows (its name and
move, then the current level), or one row (its name and the level it will be at) when a scenario has
more levers than two rows each can fit; the panel picks the richest layout in which every control fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget
from textual.widgets import Label, RadioButton, RadioSet

from dilemma_sim.tui.session import DecisionView

MOVES = ("lower", "hold", "raise")
TALL = 36
"""Terminal height (rows) from which a ladder too wide for one line wraps; below it, only the current
level shows (`‹ Regional forums › 2/4`), so every lever takes two rows and the controls fit at 80×24."""
LAYOUTS = ("auto", "compact", "dense")
"""How much of a lever shows, richest first: `auto`, the ladder on one line, wrapped in a tall terminal,
else two rows; `compact`, two rows (name and move, then the current level); `dense`, one row."""


class ChoiceButton(RadioButton):
    """A radio button marked `●` when chosen and `○` when not (not only by colour)."""

    @property
    def _button(self) -> Content:
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            ("●" if self.value else "○", button_style),
            (self.BUTTON_RIGHT, side_style),
        )


class ChoiceSet(RadioSet):
    """A radio set whose arrow keys choose the option they move to."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Choose the next option", show=False),
        Binding("up,left", "previous_button", "Choose the previous option", show=False),
        Binding("enter,space", "toggle_button", "Choose the highlighted option", show=False),
    ]

    def action_next_button(self) -> None:
        super().action_next_button()
        self._choose_selected()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._choose_selected()

    chosen: str | None = None
    """The chosen option's id, kept at once: RadioSet learns of a press only when the button's
    message is handled, so a key right after an arrow (`↓ n`) would otherwise read the old choice."""

    def _choose_selected(self) -> None:
        if self.has_focus and self._selected is not None:
            button = self._nodes[self._selected]
            if isinstance(button, RadioButton) and not button.value:
                self.chosen = button.name
                button.value = True

    def choose(self, option_id: str) -> None:
        """Choose `option_id` (from the program: the start of a turn, a replay)."""
        self.chosen = option_id
        for button in self.query(RadioButton):
            if button.name == option_id:
                button.value = True

    def _on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.chosen = event.pressed.name  # a click (RadioSet's own handler runs as well)


class LeverControl(Widget, can_focus=True):
    """A lever: its named levels with the current one highlighted, and a lower/hold/raise move.

    Keys `left`/`-` and `right`/`+` step the move; the mouse clicks the arrows or a level.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,minus", "step_down", "Lower", show=False),
        Binding("right,plus,equals_sign", "step_up", "Raise", show=False),
        Binding("0,h", "set_move('hold')", "Hold", show=False),
    ]

    move: reactive[str] = reactive("hold")
    level: reactive[int] = reactive(0)
    layout_mode: reactive[str] = reactive("auto", layout=True)
    """One of `LAYOUTS`, set by the panel from the room it has."""

    class Moved(Message):
        """The player changed a lever's move."""

        def __init__(self, lever: LeverControl, key: str, move: str) -> None:
            super().__init__()
            self.lever = lever
            self.key = key
            self.move = move

        @property
        def control(self) -> LeverControl:
            return self.lever

    def __init__(self, decision: DecisionView, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.decision = decision

    @property
    def key(self) -> str:
        return self.decision.key

    @property
    def target(self) -> int:
        """The level the lever will be at after this turn's move."""
        step = {"lower": -1, "hold": 0, "raise": 1}[self.move]
        return min(max(self.level + step, 0), len(self.decision.level_ids) - 1)

    def action_step_down(self) -> None:
        self.move = MOVES[max(MOVES.index(self.move) - 1, 0)]

    def action_step_up(self) -> None:
        self.move = MOVES[min(MOVES.index(self.move) + 1, 2)]

    def action_set_move(self, move: str) -> None:
        self.move = move

    def action_target(self, index: int) -> None:
        """Click on a level: move toward it by one step."""
        self.move = "raise" if index > self.level else "lower" if index < self.level else "hold"

    def watch_move(self, move: str) -> None:
        self.post_message(self.Moved(self, self.key, move))

    def render(self) -> Content:
        return self.content(self.size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The rows of `content(width)`: the height always matches the lines drawn at that width."""
        return self.content(width).plain.count("\n") + 1 if width else 0

    def content(self, width: int, mode: str | None = None) -> Content:
        """The lever at `width` cells in `mode` (default: its `layout_mode`)."""
        mode = mode or self.layout_mode
        if mode == "dense":
            return self._dense(width)
        return self._rows(width, compact=mode == "compact")

    def _rows(self, width: int, compact: bool) -> Content:
        """The label and the move, then the ladder of levels: on one line when it fits, else wrapped in
        a tall terminal, else the current level alone with its index (`‹ Regional forums › 2/4`)."""
        move_style = {"lower": "$text-error", "hold": "$text-muted", "raise": "$text-success"}[self.move]
        controls = Content.from_markup(
            "[@click=step_down]◀[/] [$style]$move[/] [@click=step_up]▶[/]",
            style=move_style,
            move=f"{self.move:^5}",
        )
        room = max(width - controls.cell_length - 1, 8)
        head = Content.from_markup("[b]$label[/b]", label=_fit(self.decision.label, room).ljust(room))
        parts = self._ladder()
        ladder = Content(" · ").join(parts)
        if ladder.cell_length <= width - 2 and not compact:
            lines = [ladder]
        elif self.app.size.height >= TALL and not compact:
            lines = _wrap(parts, width - 2)
        else:
            lines = [self._compact(width - 2)]
        return Content("\n").join([head + Content(" ") + controls, *(Content("  ") + line for line in lines)])

    def _ladder(self) -> list[Content]:
        """Every level; the current one reversed, the one this move leads to underlined."""
        target = self.target
        parts = []
        for index, level in enumerate(self.decision.level_labels):
            style = (
                "reverse b"
                if index == self.level
                else "u b $text-accent"
                if index == target
                else "$text-muted"
            )
            parts.append(Content.from_markup(f"[@click=target({index})][{style}]$level[/][/]", level=level))
        return parts

    def _dense(self, width: int) -> Content:
        """One row: the name, then the level this turn's move leads to, marked `↑`/`↓` when it moves
        (`Military ope… ‹↑Offensive›`), in two columns that line up from lever to lever; the details
        line gives both in full."""
        labels, level, target = self.decision.level_labels, self.level, self.target
        mark = {"lower": "↓", "hold": " ", "raise": "↑"}[self.move] if target != level else " "
        room = max(width - len(" ‹ ›"), 8)
        label_room = room * 3 // 5  # names first: the level is in the details line too
        style = "reverse b" if target == level else "u b $text-accent"
        mark_style = "$text-success" if self.move == "raise" else "$text-error"
        return Content.assemble(
            Content.from_markup(
                "[b]$label[/b] ", label=_fit(self.decision.label, label_room).ljust(label_room)
            ),
            Content.from_markup(f"[@click=target({max(level - 1, 0)})]‹[/]"),
            Content.styled(mark, mark_style),
            Content.from_markup(f"[{style}]$level[/]", level=_fit(labels[target], room - label_room)),
            Content.from_markup(f"[@click=target({min(level + 1, len(labels) - 1)})]›[/]"),
        )

    def _compact(self, width: int) -> Content:
        """The current level (and, when moving, the level it leads to) with its place in the ladder."""
        labels, level, target = self.decision.level_labels, self.level, self.target
        index = (
            f" {level + 1}/{len(labels)}" if target == level else f" {level + 1}→{target + 1}/{len(labels)}"
        )
        room = max(width - len("‹  ›") - len(index), 4)
        if target == level:
            middle = Content.from_markup("[reverse b]$now[/]", now=_fit(labels[level], room))
        else:
            each = max((room - 3) // 2, 2)
            middle = Content.from_markup(
                "[reverse b]$now[/] → [u b $text-accent]$then[/]",
                now=_fit(labels[level], each),
                then=_fit(labels[target], room - 3 - min(len(labels[level]), each)),
            )
        return Content.assemble(
            Content.from_markup(f"[@click=target({max(level - 1, 0)})]‹[/] "),
            middle,
            Content.from_markup(f" [@click=target({min(level + 1, len(labels) - 1)})]›[/]"),
            Content.styled(index, "$text-muted"),
        )


def _wrap(parts: list[Content], width: int) -> list[Content]:
    """The levels joined by ` · `, broken into lines of at most `width` cells between levels."""
    lines: list[list[Content]] = [[]]
    used = 0
    for part in parts:
        extra = part.cell_length + (3 if lines[-1] else 0)
        if lines[-1] and used + extra > width:
            lines.append([])
            used, extra = 0, part.cell_length
        lines[-1].append(part)
        used += extra
    return [Content(" · ").join(line) for line in lines]


def _fit(text: str, room: int) -> str:
    """`text`, cut to `room` cells with an ellipsis when longer."""
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


class DecisionPanel(VerticalScroll):
    """All the player's decisions; `choices` reads what the controls say now."""

    class Changed(Message):
        """The player changed a control (the advisor may want to know)."""

    def __init__(self, decisions: list[DecisionView], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.decisions = decisions

    def compose(self) -> ComposeResult:
        for decision in self.decisions:
            if decision.kind == "choice":
                with ChoiceSet(id=_dom_id(decision.key), classes="choice") as radio:
                    radio.border_title = Content(decision.label)  # scenario text: never markup
                    radio.tooltip = Content(
                        decision.label + (f"\n{decision.description}" if decision.description else "")
                    )
                    for option_id, label, about in zip(
                        decision.option_ids,
                        decision.option_labels,
                        decision.option_descriptions or ("",) * len(decision.option_ids),
                        strict=True,
                    ):
                        button = ChoiceButton(
                            Content(label), name=option_id, value=option_id == decision.default
                        )
                        button.tooltip = Content(label + (f"\n{about}" if about else ""))
                        yield button
        levers = [d for d in self.decisions if d.kind == "lever"]
        if levers:
            yield Label("Levers  [dim]←/→ or click[/]", classes="section")
            for decision in levers:
                yield LeverControl(decision, id=_dom_id(decision.key))

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_levers)

    def fit_levers(self) -> None:
        """Give the levers the richest of `LAYOUTS` in which every control fits without scrolling
        (the last, one row each, when none does)."""
        levers = list(self.query(LeverControl))
        others = [child for child in self.children if not isinstance(child, LeverControl)]
        if not levers or not self.size.height or any(not child.outer_size.height for child in others):
            return
        fixed = sum(
            child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom for child in others
        )
        for mode in LAYOUTS:
            width = self.size.width - levers[0].styles.gutter.width
            rows = sum(lever.content(width, mode).plain.count("\n") + 1 for lever in levers)
            if fixed + rows <= self.size.height or mode == LAYOUTS[-1]:
                break
        for lever in levers:
            lever.layout_mode = mode

    @property
    def choices(self) -> dict[str, str]:
        """`actor.decision -> option id` for every control."""
        result: dict[str, str] = {}
        for decision in self.decisions:
            if decision.kind == "choice":
                chosen = self.query_one(f"#{_dom_id(decision.key)}", ChoiceSet).chosen
                result[decision.key] = chosen or decision.default
            else:
                result[decision.key] = self.query_one(f"#{_dom_id(decision.key)}", LeverControl).move
        return result

    def set_policy(self, policy: Mapping[str, str], levels: Mapping[str, int]) -> None:
        """Put every control at `policy` (the current policy) and show the levers' levels."""
        for decision in self.decisions:
            node_id = _dom_id(decision.key)
            if decision.kind == "choice":
                self.query_one(f"#{node_id}", ChoiceSet).choose(policy.get(decision.key, decision.default))
            else:
                lever = self.query_one(f"#{node_id}", LeverControl)
                lever.level = levels.get(decision.key, 0)
                lever.move = policy.get(decision.key, "hold")

    @on(RadioSet.Changed)
    @on(LeverControl.Moved)
    def _changed(self) -> None:
        self.post_message(self.Changed())

    def focus_first(self) -> None:
        """Focus the first control (at the start of a turn, so the first key acts on it)."""
        controls = list(self.query("ChoiceSet, LeverControl"))
        if controls:
            controls[0].focus(scroll_visible=False)

    def describe(self, widget: Widget | None) -> Content:
        """The full name and description of what `widget` (a control of this panel) has chosen."""
        for decision in self.decisions:
            node = self.query_one(f"#{_dom_id(decision.key)}")
            if node is not widget:
                continue
            if decision.kind == "choice":
                option = self.choices[decision.key]
                index = decision.option_ids.index(option)
                return _described(
                    decision.label, decision.option_labels[index], _at(decision.option_descriptions, index)
                )
            assert isinstance(node, LeverControl)
            now, target = node.level, node.target
            count = len(decision.level_labels)
            if target == now:
                head = f"stays at {decision.level_labels[now]} ({now + 1}/{count})"
            else:
                head = (
                    f"{decision.level_labels[now]} → {decision.level_labels[target]} ({target + 1}/{count})"
                )
            return _described(decision.label, head, _at(decision.level_descriptions, target))
        return Content("")


def _at(items: tuple[str, ...], index: int) -> str:
    return items[index] if index < len(items) else ""


def _described(label: str, choice: str, about: str) -> Content:
    return Content.assemble(
        (label, "bold"), ": ", (choice, "bold $text-accent"), (f" — {about}" if about else "")
    )


def _dom_id(key: str) -> str:
    return "decision-" + key.replace(".", "--")
