"""One game in progress: the engine's `Simulation` of one run, and plain views of what it returned.

The TUI's contact with the engine for play (the advisor is in `advice.py`, the debrief's strategy
runs in `benchmarks.py`). It holds no game logic: it passes the player's choices to
`Simulation.advance`, and turns the engine's arrays (shape `(runs, ...)`, here one run) into small
read-only views the widgets show. It does not import Textual, so tests can drive it alongside the
app and compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.tui.savefile import SaveGame

BASELINE_TERM = "start of turn"
"""The breakdown term that is the payoff of the start-of-turn state (what did not move)."""


@dataclass(frozen=True)
class DecisionView:
    """One decision the player takes each turn."""

    key: str
    """`actor.decision`, the key of a choice mapping."""
    label: str
    kind: str
    """`choice` or `lever`."""
    option_ids: tuple[str, ...]
    option_labels: tuple[str, ...]
    level_ids: tuple[str, ...] = ()
    level_labels: tuple[str, ...] = ()
    default: str = ""


@dataclass(frozen=True)
class TurnView:
    """What happened in one turn, for one run, in plain Python values."""

    turn: int
    """0-based turn number."""
    label: str
    """Calendar label, e.g. `2023-Q2`."""
    choices: dict[str, str]
    """Every actor's choices: `actor.decision -> option id`."""
    news: list[str]
    """News lines: other actors' choices and the events that fired, in order."""
    counts: dict[str, float]
    """Count variables drawn this turn."""
    state: dict[str, float]
    """Level variables at the end of the turn."""
    levels: dict[str, int]
    """Lever levels after the turn: `actor.lever -> level index`."""
    payoffs: dict[str, float]
    """Each actor's payoff this turn."""
    totals: dict[str, float]
    """Each actor's total payoff so far."""
    breakdown: dict[str, float]
    """What moved the player's payoff this turn: term -> contribution."""
    ending: str | None = None
    """The ending id, when this turn ended the run."""


@dataclass
class GameSession:
    """A game of one scenario, seed and player: the engine simulation plus what the UI needs."""

    scenario: Scenario
    path: Path
    compiled: Any
    seed: int = 0
    human: str = ""
    history: list[TurnView] = field(default_factory=list)
    saved_turns: int = 0
    """Turns played when the game was last saved or loaded (quit asks while `dirty`)."""

    def __post_init__(self) -> None:
        from dilemma_sim.engine import Simulation

        self.human = self.human or self.scenario.player
        self.sim = Simulation(self.compiled, runs=1, seed=self.seed, human=self.human)
        self.initial_state = self._state_dict(self.sim.state)
        self.initial_levels = self._levels_dict(self.sim.state)

    # ------------------------------------------------------------------ facts

    @property
    def scenario_id(self) -> str:
        return self.scenario.id

    @property
    def scenario_hash(self) -> str:
        return str(self.compiled.scenario_hash)

    @property
    def turn(self) -> int:
        """Turns played so far."""
        return len(self.history)

    @property
    def done(self) -> bool:
        return bool(self.sim.done)

    @property
    def dirty(self) -> bool:
        """Whether turns were played (or undone) since the last save or load."""
        return self.turn != self.saved_turns

    def calendar_label(self, turn: int | None = None) -> str:
        return self.scenario.calendar.label(self.turn if turn is None else turn)

    def decisions(self) -> list[DecisionView]:
        """The player's decisions, in scenario order."""
        actor = self.scenario.actors[self.human]
        views = []
        for decision_id, decision in actor.decisions.items():
            ids = decision.option_ids()
            labels = tuple(decision.options[o].label for o in ids) if decision.kind == "choice" else ids
            views.append(
                DecisionView(
                    key=f"{self.human}.{decision_id}",
                    label=decision.label,
                    kind=decision.kind,
                    option_ids=ids,
                    option_labels=labels,
                    level_ids=tuple(decision.levels),
                    level_labels=tuple(level.label for level in decision.levels.values()),
                    default=decision.default_option(),
                )
            )
        return views

    def current_policy(self) -> dict[str, str]:
        """The controls' starting choices: last turn's choices (levers hold), else the defaults."""
        last = self.history[-1].choices if self.history else {}
        policy = {}
        for view in self.decisions():
            if view.kind == "lever":
                policy[view.key] = "hold"
            else:
                policy[view.key] = last.get(view.key, view.default)
        return policy

    def current_levels(self) -> dict[str, int]:
        """Lever levels now: `actor.lever -> level index`."""
        return self.history[-1].levels if self.history else dict(self.initial_levels)

    def current_state(self) -> dict[str, float]:
        return self.history[-1].state if self.history else dict(self.initial_state)

    @property
    def ending(self) -> str | None:
        return self.history[-1].ending if self.history else None

    # ------------------------------------------------------------------ play

    def play(self, choices: Mapping[str, str]) -> TurnView:
        """Resolve one turn with the player's choices (a synchronous engine call)."""
        result = self.sim.advance(external_choices=dict(choices))
        view = self._view(result, len(self.history))
        self.history.append(view)
        return view

    def undo(self) -> bool:
        """Take back the last turn; False when there is none."""
        if not self.history:
            return False
        self.sim.undo()
        self.history.pop()
        return True

    def player_choices(self) -> list[dict[str, str]]:
        """The player's choices turn by turn, as saved."""
        prefix = f"{self.human}."
        return [{k: v for k, v in view.choices.items() if k.startswith(prefix)} for view in self.history]

    def replay(self, choices: Sequence[Mapping[str, str]]) -> None:
        """Play the given choices from the start (exact: same seed, run and scenario hash)."""
        for turn_choices in choices:
            if self.done:
                break
            self.play(turn_choices)

    def to_save(self) -> SaveGame:
        return SaveGame(
            scenario_id=self.scenario_id,
            scenario_path=str(self.path.resolve()),
            scenario_hash=self.scenario_hash,
            seed=self.seed,
            run_index=0,
            human=self.human,
            choices=self.player_choices(),
        )

    def ending_spec(self) -> Any:
        """The scenario's `Ending` that ended the run, or None (horizon or still playing)."""
        ending = self.ending
        return self.scenario.endings.get(ending) if ending else None

    def term_label(self, term: str) -> str:
        """A readable name for a breakdown term of the engine (`event: x`, `choice: a.d = o`, ...)."""
        kind, _, rest = term.partition(": ")
        sc = self.scenario
        if kind in ("choice", "lever", "cost"):
            key, _, option = rest.partition(" = ")
            actor_id, _, decision_id = key.partition(".")
            actor = sc.actors.get(actor_id)
            decision = actor.decisions.get(decision_id) if actor else None
            if actor is None or decision is None:
                return term
            if kind == "cost":
                return f"cost: {decision.label}"
            if kind == "choice" and option in decision.options:
                return f"{actor.name}: {decision.options[option].label}"
            if kind == "lever" and option in decision.levels:
                return f"{decision.label}: {decision.levels[option].label}"
        if kind == "event" and rest in sc.events:
            return f"event: {sc.events[rest].label}"
        if kind == "interaction" and rest in sc.interactions:
            return sc.interactions[rest].label
        if kind == "dynamics":
            return sc.dynamics[rest].label if rest in sc.dynamics else "drift back to baseline"
        if kind == "counts" and rest in sc.state:
            return sc.state[rest].label
        return {"start of turn": "where the turn started", "bounds": "limits reached"}.get(term, term)

    def key_variables(self, limit: int = 6) -> list[str]:
        """Level variables the player's score weighs most (for trend charts)."""
        weights = self.scenario.actors[self.human].utility
        levels = [n for n in self.initial_state if n in weights and isinstance(weights[n], (int, float))]
        levels.sort(key=lambda n: -abs(float(weights[n])))  # type: ignore[arg-type]
        return levels[:limit] or list(self.initial_state)[:limit]

    def total_breakdown(self) -> dict[str, float]:
        """Each term of the player's payoff summed over the game (what mattered most)."""
        total: dict[str, float] = {}
        for view in self.history:
            for term, value in view.breakdown.items():
                if term != BASELINE_TERM:
                    total[term] = total.get(term, 0.0) + value
        return total

    # ------------------------------------------------------------------ engine -> views

    def _state_dict(self, batch: Any) -> dict[str, float]:
        names = list(self.compiled.state_names)
        values = batch.state[0]
        return {
            name: float(values[i])
            for i, name in enumerate(names)
            if self.scenario.state[name].kind == "level"
        }

    def _levels_dict(self, batch: Any) -> dict[str, int]:
        keys = [self.compiled.decisions[int(d)].key for d in self.compiled.lever_decisions]
        values = batch.levels[0]
        return {key: int(values[i]) for i, key in enumerate(keys)}

    def _view(self, result: Any, turn: int) -> TurnView:
        """A `TurnView` of run 0 of the engine's `TurnResult` (arrays of shape (runs, ...))."""
        cs = self.compiled
        chosen = result.choices[0]
        choices = {
            info.key: info.option_ids[int(chosen[d])] for d, info in enumerate(cs.decisions) if chosen[d] >= 0
        }
        events = [info.id for e, info in enumerate(cs.events) if bool(result.events[0][e])]
        counts = {cs.state_names[info.column]: float(result.counts[0][c]) for c, info in enumerate(cs.counts)}
        payoffs = {actor: float(result.payoffs[0][a]) for a, actor in enumerate(cs.actors)}
        totals = {actor: float(result.batch.payoff_total[0][a]) for a, actor in enumerate(cs.actors)}
        human = cs.actors.index(self.human)
        breakdown = {term: float(values[0][human]) for term, values in (result.breakdown or {}).items()}
        ending = int(result.ending[0])
        return TurnView(
            turn=turn,
            label=self.calendar_label(turn),
            choices=choices,
            news=self._news(choices, events),
            counts=counts,
            state=self._state_dict(result.batch),
            levels=self._levels_dict(result.batch),
            payoffs=payoffs,
            totals=totals,
            breakdown=breakdown,
            ending=cs.ending_ids[ending] if ending >= 0 else None,
        )

    def _news(self, choices: Mapping[str, str], events: Sequence[str]) -> list[str]:
        lines = []
        for key, option_id in choices.items():
            actor_id, decision_id = key.split(".", 1)
            if actor_id == self.human:
                continue
            actor = self.scenario.actors[actor_id]
            decision = actor.decisions[decision_id]
            if decision.kind == "choice":
                option = decision.options[option_id]
                if option.text:
                    lines.append(option.text.replace("{actor}", actor.name))
                else:
                    lines.append(f"{actor.name}: {option.label}")
            elif option_id != "hold":
                lines.append(f"{actor.name}: {option_id} {decision.label.lower()}")
        for event_id in events:
            event = self.scenario.events[event_id]
            lines.append(event.text or event.label)
        return lines
