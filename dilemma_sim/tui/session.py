"""One game in progress: the engine's `Simulation` of one run, and plain views of what it returned.

The TUI's contact with the engine for play (the advisor is in `advice.py`, the debrief's strategy
runs in `benchmarks.py`). It holds no game logic: it passes the player's choices to
`Simulation.advance`, and turns the engine's arrays (shape `(runs, ...)`, here one run) into small
read-only views the widgets show (`TurnView`, built by the engine's headless `turn_view`, which
`dilemma-sim run` and transcripts share). It does not import Textual, so tests can drive it alongside the
app and compare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean
from dilemma_sim.tui.savefile import SaveGame

if TYPE_CHECKING:  # the engine loads in the opening worker, not with the app
    from dilemma_sim.engine.turn_view import TurnView
    from dilemma_sim.tui.stakes import Stakes

__all__ = ["DecisionView", "GameSession"]


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
    humans: tuple[str, ...] = ()
    """The actors people play (default: the scenario's player); the others play their policies."""
    history: list[TurnView] = field(default_factory=list)
    saved_turns: int = 0
    """Turns played when the game was last saved or loaded (quit asks while `dirty`)."""

    def __post_init__(self) -> None:
        from dilemma_sim.engine import Simulation

        self.humans = tuple(self.humans) or (self.scenario.player,)
        unknown = [a for a in self.humans if a not in self.scenario.actors]
        if unknown:
            raise ValueError(f"no actor {unknown[0]!r} (actors: {', '.join(self.scenario.actors)})")
        self.sim = Simulation(self.compiled, runs=1, seed=self.seed, human=list(self.humans))
        self.initial_state = self._state_dict(self.sim.state)
        self.initial_levels = self._levels_dict(self.sim.state)
        self.pending: dict[str, dict[str, str]] = {}
        """Choices of the humans who have decided this turn (hot seat), by actor: kept secret."""
        self.forced_next: list[str] = []
        """Events the facilitator forces in the coming turn."""
        self.stakes: dict[str, Stakes] = {}
        """Each human's stakes (the status quo and the built-in strategies on this seed), once computed."""

    @property
    def human(self) -> str:
        """The first human: whose view a single-player game shows."""
        return self.humans[0]

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

    def current_policy(self, actor_id: str | None = None) -> dict[str, str]:
        """The controls' starting choices: last turn's choices (levers hold), else the defaults."""
        last = self.history[-1].choices if self.history else {}
        policy = {}
        for view in self.decisions(actor_id):
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

    def play(self, choices: Mapping[str, str], force: Sequence[str] = ()) -> TurnView:
        """Resolve one turn with every human's choices (a synchronous engine call); `force` names
        events the facilitator forces this turn (they fire whatever their probability)."""
        before = self.sim.state
        result = self.sim.advance(external_choices=dict(choices), force=force)
        previous = self.history[-1].choices if self.history else None
        from dilemma_sim.engine.turn_view import turn_view

        view = turn_view(self.compiled, result, before, previous_choices=previous, forced=force)
        self.history.append(view)
        self.pending.clear()
        self.forced_next.clear()
        return view

    # ------------------------------------------------------------------ several humans (hot seat)

    def decide(self, actor: str, choices: Mapping[str, str]) -> None:
        """Record one human's choices for this turn (secret until the turn resolves)."""
        if actor not in self.humans:
            raise ValueError(f"{actor!r} is not played by a person in this game")
        self.pending[actor] = {k: v for k, v in choices.items() if k.startswith(actor + ".")}

    def waiting(self) -> list[str]:
        """The humans who have not decided this turn, in order."""
        return [a for a in self.humans if a not in self.pending]

    def resolve(self) -> TurnView:
        """Play the turn once every human has decided: all choices at once (simultaneous)."""
        if self.waiting():
            raise RuntimeError(f"waiting for {', '.join(self.waiting())}")
        merged = {k: v for choices in self.pending.values() for k, v in choices.items()}
        return self.play(merged, tuple(self.forced_next))

    def payoffs(self, actor: str | None = None) -> list[float]:
        """A player's payoff in each turn played."""
        return [view.payoffs[actor or self.human] for view in self.history]

    def news(self, view: TurnView, viewer: str | None = None) -> list[str]:
        """A turn's news as one player reads it (their own actions first); the facilitator (`*`) and
        a single-player game's player read every action."""
        if viewer == "*":
            return view.news_for([])
        return view.news_for([viewer or self.human])

    def undo(self) -> bool:
        """Take back the last turn; False when there is none."""
        if not self.history:
            return False
        self.sim.undo()
        self.history.pop()
        self.pending.clear()
        return True

    def player_choices(self) -> list[dict[str, str]]:
        """Every human's choices turn by turn, as saved."""
        prefixes = tuple(f"{a}." for a in self.humans)
        return [{k: v for k, v in view.choices.items() if k.startswith(prefixes)} for view in self.history]

    def replay(self, choices: Sequence[Mapping[str, str]], forced: Sequence[Sequence[str]] = ()) -> None:
        """Play the given choices (and forced events) from the start (exact: same seed, run and hash)."""
        for t, turn_choices in enumerate(choices):
            if self.done:
                break
            self.play(turn_choices, forced[t] if t < len(forced) else ())

    def transcript_json(self) -> str:
        """The engine's transcript of this game (every actor's choices, forced events, news), as JSON."""
        from dilemma_sim.engine.replay import transcript

        return (
            json.dumps(
                transcript(self.compiled, self.seed, 0, self.sim.history, forced=self.forced()), indent=2
            )
            + "\n"
        )

    def forced(self) -> list[list[str]]:
        """The events the facilitator forced, turn by turn."""
        return [list(view.forced) for view in self.history]

    def to_save(self) -> SaveGame:
        forced = self.forced()
        while forced and not forced[-1]:
            forced.pop()
        return SaveGame(
            scenario_id=self.scenario_id,
            scenario_path=str(self.path.resolve()),
            scenario_hash=self.scenario_hash,
            seed=self.seed,
            run_index=0,
            humans=list(self.humans),
            choices=self.player_choices(),
            forced=forced,
        )

    def ending_spec(self) -> Any:
        """The scenario's `Ending` that ended the run, or None (horizon or still playing)."""
        ending = self.ending
        return self.scenario.endings.get(ending) if ending else None

    def key_variables(self, limit: int = 6, actor: str | None = None) -> list[str]:
        """The state variables an actor's score (default: the player's) weighs, levels and counts, in
        the order its utility lists them (for trend charts); the first levels when it weighs none."""
        from dilemma_sim.tui.weights import weight_range

        weighed = [
            name
            for name, weight in self.scenario.actors[actor or self.human].utility.items()
            if name in self.scenario.state and weight_range(self.scenario, weight) != (0.0, 0.0)
        ]
        return weighed[:limit] or list(self.initial_state)[:limit]

    def what_mattered(self, limit: int = 8, actor: str | None = None) -> list[tuple[str, float]]:
        """A player's payoff over the game by choice, event and outcome; model mechanics on one line."""
        from dilemma_sim.engine.turn_view import grouped_totals

        return grouped_totals(self.scenario, self.history, actor or self.human, limit)

    # ------------------------------------------------------------------ engine -> views

    def _state_dict(self, batch: Any) -> dict[str, float]:
        from dilemma_sim.engine.turn_view import state_dict

        return state_dict(self.compiled, batch.state[0])

    def _levels_dict(self, batch: Any) -> dict[str, int]:
        from dilemma_sim.engine.turn_view import levels_dict

        return levels_dict(self.compiled, batch.levels[0])
