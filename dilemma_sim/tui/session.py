"""One game in progress: the engine's `Simulation` of one run, and plain views of what it returned.

The TUI's contact with the engine for play (the advisor is in `advice.py`, the debrief's strategy
runs in `benchmarks.py`). It holds no game logic: it passes the player's choices to
`Simulation.advance`, and turns the engine's arrays (shape `(runs, ...)`, here one run) into small
read-only views the widgets show (`TurnView`, built by the engine's headless `turn_view`, which
`dilemma-sim run` and transcripts share). It does not import Textual, so tests can drive it alongside the
app and compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dilemma_sim.engine.turn_view import TurnView, clean, grouped_totals, levels_dict, state_dict, turn_view
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.tui.savefile import SaveGame

__all__ = ["DecisionView", "GameSession", "TurnView"]


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
    description: str = ""
    """What is being decided."""
    option_descriptions: tuple[str, ...] = ()
    """What each option does (choices), in `option_ids` order."""
    level_descriptions: tuple[str, ...] = ()
    """What each level means (levers), in `level_ids` order."""


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

    def decisions(self, actor_id: str | None = None) -> list[DecisionView]:
        """The decisions of `actor_id` (default: the player), in scenario order."""
        actor_id = actor_id or self.human
        actor = self.scenario.actors[actor_id]
        views = []
        for decision_id, decision in actor.decisions.items():
            ids = decision.option_ids()
            choice = decision.kind == "choice"
            labels = tuple(clean(decision.options[o].label) for o in ids) if choice else ids
            views.append(
                DecisionView(
                    key=f"{actor_id}.{decision_id}",
                    label=clean(decision.label),
                    kind=decision.kind,
                    option_ids=ids,
                    option_labels=labels,
                    level_ids=tuple(decision.levels),
                    level_labels=tuple(clean(level.label) for level in decision.levels.values()),
                    default=decision.default_option(),
                    description=clean(decision.description),
                    option_descriptions=tuple(clean(decision.options[o].description) for o in ids)
                    if choice
                    else (),
                    level_descriptions=tuple(clean(level.description) for level in decision.levels.values()),
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
        before = self.sim.state
        result = self.sim.advance(external_choices=dict(choices))
        previous = self.history[-1].choices if self.history else None
        view = turn_view(self.compiled, result, before, previous_choices=previous)
        self.history.append(view)
        return view

    def news(self, view: TurnView) -> list[str]:
        """A turn's news as the player reads it (their own actions first)."""
        return view.news_for([self.human])

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

    def key_variables(self, limit: int = 6) -> list[str]:
        """Level variables the player's score weighs most (for trend charts)."""
        weights = self.scenario.actors[self.human].utility
        levels = [n for n in self.initial_state if n in weights and isinstance(weights[n], (int, float))]
        levels.sort(key=lambda n: -abs(float(weights[n])))  # type: ignore[arg-type]
        return levels[:limit] or list(self.initial_state)[:limit]

    def what_mattered(self, limit: int = 8) -> list[tuple[str, float]]:
        """The player's payoff over the game by choice, event and outcome; model mechanics on one line."""
        return grouped_totals(self.scenario, self.history, self.human, limit)

    # ------------------------------------------------------------------ engine -> views

    def _state_dict(self, batch: Any) -> dict[str, float]:
        return state_dict(self.compiled, batch.state[0])

    def _levels_dict(self, batch: Any) -> dict[str, int]:
        return levels_dict(self.compiled, batch.levels[0])
