"""What one turn of one run did, in words: the news and the score breakdown, built once for every use.

`turn_view` turns the engine's `TurnResult` (arrays of shape `(runs, ...)`; one row is read) and the
scenario's texts into a frozen `TurnView` of plain values. The TUI, `dilemma-sim run` and transcripts
show these views; nothing here prints or imports Textual. Every text that came from the scenario goes
through `clean` (`dilemma_sim.text.safe`), so no control character or escape sequence reaches a terminal.

Two choices a reader should know:
- **News** names each actor's action once when it changes: an actor doing the same as last turn is
  summed up on one `Unchanged:` line rather than repeated. The viewer's own actions open the list
  (`You: Military offensive`), and `news_for` words them for that viewer.
- **Score terms** are the engine's breakdown (they add up to the turn's payoff). Count variables are
  shown as levels: the engine's term for a count is its change from last turn's draw; here the last
  draw's utility moves into the start-of-turn term and the count's term is this turn's draw times its
  weight, so `12 attacks -24.0` never turns positive because there were fewer attacks than before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dilemma_sim.engine.outcome import state_utility
from dilemma_sim.engine.simulate import start
from dilemma_sim.engine.state import BatchState
from dilemma_sim.engine.step import TurnResult
from dilemma_sim.engine.tables import CompiledScenario
from dilemma_sim.scenario.models import Scenario
from dilemma_sim.text import safe as clean

BASELINE_TERM = "start of turn"
"""The engine's term for the payoff of the start-of-turn state (what did not move)."""
RUN_OVER_TERM = "run over: final state"
"""The engine's only term for a run that ended earlier."""
OTHER = "other"
"""The label of the row that sums the terms a short list leaves out."""

GROUPS = ("choices", "events", "outcomes", "model")
"""Kinds of score terms: what people chose, what happened, what the outcome counts were, and the
model's own mechanics (drift to baseline, influences, limits, interactions)."""


def quantity(value: float, unit: str) -> str:
    """`1 incident`, `12 attacks`, `2.5 points`: a number and its unit, singular when it is one."""
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if abs(value) == 1 and unit.endswith("ies"):
        unit = unit[:-3] + "y"
    elif abs(value) == 1 and unit.endswith("s") and not unit.endswith("ss"):
        unit = unit[:-1]
    return f"{number} {unit}".strip()


def count_phrase(sc: Scenario, name: str, value: float, suffix: str = "") -> str:
    """A count in words: `12 attacks` (`12 attacks in all` with `suffix`), or, when another count of the
    scenario has the same unit, its label first (`Deaths in attacks: 176`), so that `176 deaths` and
    `24 deaths` never stand side by side unnamed."""
    spec = sc.state[name]
    shared = bool(spec.unit) and any(
        other != name and o.kind == "count" and o.unit == spec.unit for other, o in sc.state.items()
    )
    if shared:
        return f"{clean(spec.label)}: {quantity(value, '')}" + (f" {suffix}" if suffix else "")
    return quantity(value, clean(spec.unit or spec.label)) + (f" {suffix}" if suffix else "")


@dataclass(frozen=True)
class NewsLine:
    """One line of a turn's news."""

    text: str
    actor: str | None = None
    """The actor whose action it reports; None for events and summaries."""
    kind: str = "event"
    """`choice` (a new choice), `kept` (the same choice as last turn), `lever` (a lever that moved),
    `event`, or `forced` (an event the facilitator triggered)."""
    own: str = ""
    """For an action: how it reads to the actor's own player, after `You: `."""


@dataclass(frozen=True)
class ScoreTerm:
    """One term of an actor's payoff this turn, with a readable label."""

    term: str
    """The engine's name (`choice: pakistan.posture = talks`, `counts: attacks`, ...)."""
    label: str
    value: float
    group: str
    """One of `GROUPS`, or `baseline` for the start-of-turn payoff."""


@dataclass(frozen=True)
class TurnView:
    """What one turn did to one run, in plain values and words."""

    turn: int
    """0-based turn number."""
    label: str
    """Calendar label, e.g. `2023-Q2`."""
    choices: dict[str, str]
    """Every actor's choices: `actor.decision -> option id`."""
    news: tuple[NewsLine, ...]
    """Actions (actors in scenario order), then the events that fired, in file order."""
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
    terms: dict[str, tuple[ScoreTerm, ...]] = field(default_factory=dict)
    """Each actor's payoff terms (they add up to its payoff), largest first after the baseline."""
    events: tuple[str, ...] = ()
    """Ids of the events that fired."""
    forced: tuple[str, ...] = ()
    """Ids of the events forced by hand this turn (they are among `events` when they fired)."""
    ending: str | None = None
    """The ending id, when this turn ended the run."""

    def breakdown_of(self, actor: str) -> dict[str, float]:
        """`term -> value` of one actor's payoff this turn (adds up to its payoff)."""
        return {t.term: t.value for t in self.terms.get(actor, ())}

    def news_for(self, viewers: Iterable[str] = ()) -> list[str]:
        """The news as the players of `viewers` read it: their own actions first (`You: ...`), then the
        other actors' new actions, one `Unchanged:` line for the choices they repeated, then events."""
        mine = set(viewers)
        acts = [line for line in self.news if line.actor is not None]
        own = [f"You: {line.own}" for line in acts if line.actor in mine]
        others = [line.text for line in acts if line.actor not in mine and line.kind != "kept"]
        kept = [line.text for line in acts if line.actor not in mine and line.kind == "kept"]
        unchanged = ["Unchanged: " + "; ".join(kept)] if kept else []
        return own + others + unchanged + [line.text for line in self.news if line.actor is None]


# --------------------------------------------------------------------------- building


def state_dict(cs: CompiledScenario, state_row: np.ndarray, kind: str = "level") -> dict[str, float]:
    """`name -> value` of the variables of one kind (`level` or `count`) from one run's state row."""
    sc = cs.scenario
    return {name: float(state_row[i]) for i, name in enumerate(cs.state_names) if sc.state[name].kind == kind}


def levels_dict(cs: CompiledScenario, levels_row: np.ndarray) -> dict[str, int]:
    """`actor.lever -> level index` from one run's lever row."""
    keys = [cs.decisions[int(d)].key for d in cs.lever_decisions]
    return {key: int(levels_row[i]) for i, key in enumerate(keys)}


def turn_view(
    cs: CompiledScenario,
    result: TurnResult,
    before: BatchState,
    *,
    row: int = 0,
    before_row: int | None = None,
    previous_choices: Mapping[str, str] | None = None,
    forced: Sequence[str] = (),
) -> TurnView:
    """The view of row `row` of the engine's `TurnResult`; `before` is the batch before the turn.

    `before_row` is the run's row in `before` (default `row`); `previous_choices` (last turn's
    choices, None on the first turn) decides which actions are news.
    """
    r = result
    b = row if before_row is None else before_row
    sc = cs.scenario
    chosen = r.choices[row]
    choices = {
        info.key: info.option_ids[int(chosen[d])] for d, info in enumerate(cs.decisions) if chosen[d] >= 0
    }
    levels_row = r.levels[row]
    events = tuple(info.id for e, info in enumerate(cs.events) if bool(r.events[row][e]))
    counts = {cs.state_names[c.column]: float(r.counts[row][k]) for k, c in enumerate(cs.counts)}
    payoffs = {actor: float(r.payoffs[row][a]) for a, actor in enumerate(cs.actors)}
    totals = {actor: float(r.batch.payoff_total[row][a]) for a, actor in enumerate(cs.actors)}
    terms: dict[str, tuple[ScoreTerm, ...]] = {}
    if r.breakdown:
        carried = _count_utilities(cs, before.state[b], r.batch.params[row])
        drawn = _count_utilities(cs, r.state[row], r.batch.params[row])
        for a, actor in enumerate(cs.actors):
            raw = {term: float(values[row][a]) for term, values in r.breakdown.items()}
            if BASELINE_TERM in raw:  # counts as levels: see the module's docstring
                for name in counts:
                    raw[BASELINE_TERM] -= carried[name][a]
                    if drawn[name][a] or f"counts: {name}" in raw:
                        raw[f"counts: {name}"] = drawn[name][a]
            terms[actor] = _score_terms(sc, {k: float(v) for k, v in raw.items()}, counts)
    ending = int(r.ending[row])
    levels = levels_dict(cs, levels_row)
    return TurnView(
        turn=int(r.turn),
        label=sc.calendar.label(int(r.turn)),
        choices=choices,
        news=tuple(
            _news(sc, choices, levels_dict(cs, before.levels[b]), levels, previous_choices, events, forced)
        ),
        counts=counts,
        state=state_dict(cs, r.state[row]),
        levels=levels,
        payoffs=payoffs,
        totals=totals,
        terms=terms,
        events=events,
        forced=tuple(forced),
        ending=cs.ending_ids[ending] if ending >= 0 else None,
    )


def _news(
    sc: Scenario,
    choices: Mapping[str, str],
    levels_before: Mapping[str, int],
    levels: Mapping[str, int],
    previous: Mapping[str, str] | None,
    events: Iterable[str],
    forced: Sequence[str],
) -> list[NewsLine]:
    lines: list[NewsLine] = []
    for actor_id, actor in sc.actors.items():
        name = clean(actor.name)
        for decision_id, decision in actor.decisions.items():
            key = f"{actor_id}.{decision_id}"
            option_id = choices.get(key)
            if option_id is None:
                continue
            if decision.kind == "lever":
                if levels[key] == levels_before.get(key, levels[key]):
                    continue
                level = clean(list(decision.levels.values())[levels[key]].label)
                verb = "raised" if levels[key] > levels_before[key] else "lowered"
                own = f"{clean(decision.label)} {verb} to {level}"
                lines.append(NewsLine(f"{name}: {own}", actor_id, "lever", own))
                continue
            label = clean(decision.options[option_id].label)
            if previous is not None and previous.get(key) == option_id:
                lines.append(NewsLine(f"{name} ({label})", actor_id, "kept", f"{label} (as before)"))
                continue
            text = clean(decision.options[option_id].text).replace("{actor}", name)
            lines.append(NewsLine(text or f"{name}: {label}", actor_id, "choice", label))
    for event_id in events:
        event = sc.events[event_id]
        text = clean(event.text or event.label)
        if event_id in forced:
            lines.append(NewsLine(text + " (triggered by the facilitator)", None, "forced"))
        else:
            lines.append(NewsLine(text, None, "event"))
    return lines


def _count_utilities(
    cs: CompiledScenario, state_row: np.ndarray, params_row: np.ndarray
) -> dict[str, np.ndarray]:
    """`count name -> (A,)` utility each actor gets from that count's value in `state_row` alone."""
    out = {}
    for c in cs.counts:
        x = np.zeros((1, len(cs.state_names)), order="F")
        x[0, c.column] = state_row[c.column]
        out[cs.state_names[c.column]] = state_utility(cs, x, params_row[None, :])[0]
    return out


def _score_terms(
    sc: Scenario, raw: Mapping[str, float], counts: Mapping[str, float]
) -> tuple[ScoreTerm, ...]:
    """The engine's terms labelled and grouped: the baseline first, then the largest first."""
    out = [
        ScoreTerm(term, term_label(sc, term, counts), value, term_group(term)) for term, value in raw.items()
    ]
    baseline = [t for t in out if t.group == "baseline"]
    rest = sorted((t for t in out if t.group != "baseline"), key=lambda t: -abs(t.value))
    return (*baseline, *rest)


def term_group(term: str) -> str:
    """Which of `GROUPS` an engine term belongs to (`baseline` for the start of turn)."""
    kind = term.partition(": ")[0]
    if term in (BASELINE_TERM, RUN_OVER_TERM):
        return "baseline"
    if kind in ("choice", "lever", "cost") or term == "lever levels":
        return "choices"
    if kind == "event":
        return "events"
    if kind == "counts":
        return "outcomes"
    return "model"


def term_label(sc: Scenario, term: str, counts: Mapping[str, float] | None = None) -> str:
    """A readable name for an engine term (`choice: a.d = o` -> `Pakistan: Hedge`, ...)."""
    kind, _, rest = term.partition(": ")
    if kind in ("choice", "lever", "cost"):
        key, _, option = rest.partition(" = ")
        actor_id, _, decision_id = key.partition(".")
        actor = sc.actors.get(actor_id)
        decision = actor.decisions.get(decision_id) if actor else None
        if actor is not None and decision is not None:
            if kind == "cost":
                return f"{clean(decision.label)}: cost"
            if kind == "choice" and option in decision.options:
                return f"{clean(actor.name)}: {clean(decision.options[option].label)}"
            if kind == "lever" and option in decision.levels:
                return f"{clean(decision.label)}: {clean(decision.levels[option].label)}"
    if kind == "event" and rest in sc.events:
        return f"event: {clean(sc.events[rest].label)}"
    if kind == "interaction" and rest in sc.interactions:
        return clean(sc.interactions[rest].label)
    if kind == "dynamics":
        return clean(sc.dynamics[rest].label) if rest in sc.dynamics else "drift back to baseline"
    if kind == "counts" and rest in sc.state:
        spec = sc.state[rest]
        if counts is not None and rest in counts:
            return count_phrase(sc, rest, counts[rest])
        return clean(spec.label)
    return {
        BASELINE_TERM: "where the turn started",
        RUN_OVER_TERM: "the final state (the game is over)",
        "bounds": "limits of the scale",
        "lever levels": "lever levels",
    }.get(term, clean(term))


# --------------------------------------------------------------------------- summaries


def score_rows(terms: Sequence[ScoreTerm], limit: int = 8) -> list[tuple[str, float]]:
    """The largest `limit` terms (baseline excluded) and an `other` row, so the rows add up.

    With the baseline (`where the turn started`, listed first when present) the rows sum to the payoff.
    """
    baseline = [t for t in terms if t.group == "baseline"]
    rest = [t for t in terms if t.group != "baseline"]
    shown = [t for t in rest if abs(t.value) >= 0.05][:limit]
    left = [t for t in rest if t not in shown]
    rows = [(t.label, t.value) for t in baseline] + [(t.label, t.value) for t in shown]
    if left and any(abs(t.value) >= 0.005 for t in left):
        rows.append((f"{OTHER} ({len(left)} smaller)", sum(t.value for t in left)))
    return rows


CARRIED = "levels carried into each turn (counted again every turn)"
"""The game row of the start-of-turn terms: where each turn started."""


def grouped_totals(
    sc: Scenario, views: Sequence[TurnView], actor: str, limit: int = 8
) -> list[tuple[str, float]]:
    """What mattered most over a game: choices, events and outcomes summed by term, then `other`, and
    the model's own mechanics (drift, influences, interactions, limits) on one line.

    The rows add up to the game's score: the start-of-turn terms (levels reached in earlier turns,
    which a level-weighted score counts again every turn) are one row of their own, listed first."""
    total: dict[str, float] = {}
    labels: dict[str, str] = {}
    model = 0.0
    carried = 0.0
    for view in views:
        for t in view.terms.get(actor, ()):
            if t.group == "baseline":
                carried += t.value
                continue
            if t.group == "model":
                model += t.value
                continue
            total[t.term] = total.get(t.term, 0.0) + t.value
            labels[t.term] = t.label
    for term in total:
        if term_group(term) == "outcomes":
            name = term.partition(": ")[2]
            drawn = sum(view.counts.get(name, 0.0) for view in views)
            labels[term] = count_phrase(sc, name, drawn, "in all")
    ranked = sorted(total.items(), key=lambda kv: -abs(kv[1]))
    shown = [(k, v) for k, v in ranked if abs(v) >= 0.05][:limit]  # a +0.0 row says nothing
    left = ranked[len(shown) :]
    rows = [(CARRIED, carried)] if carried else []
    rows += [(labels[k], v) for k, v in shown]
    if any(v for _, v in left):
        rows.append((f"{OTHER} ({len(left)} smaller)", sum(v for _, v in left)))
    if model:
        rows.append(("the model's own dynamics (drift, influences, limits)", model))
    return rows


# --------------------------------------------------------------------------- runs and text


def run_views(
    cs: CompiledScenario,
    seed: int,
    run_index: int,
    results: Sequence[TurnResult],
    *,
    row: int = 0,
    forced: Sequence[Sequence[str]] = (),
) -> list[TurnView]:
    """The views of consecutive turns of one run from the start (`results[0]` is turn 0).

    `forced[t]` names the events forced in turn t. Used by `dilemma-sim run` and transcripts.
    """
    _, before = start(cs, seed, run_index, 1)
    views: list[TurnView] = []
    for t, result in enumerate(results):
        previous = views[-1].choices if views else None
        views.append(
            turn_view(
                cs,
                result,
                before if t == 0 else results[t - 1].batch,
                row=row,
                before_row=0 if t == 0 else row,
                previous_choices=previous,
                forced=forced[t] if t < len(forced) else (),
            )
        )
    return views


def turn_lines(cs: CompiledScenario, view: TurnView, player: str, limit: int = 6) -> tuple[str, list[str]]:
    """A turn as plain text for a terminal: a title and its lines (every actor's choices, the news,
    the state, the scores and what made the player's payoff)."""
    sc = cs.scenario
    title = f"{view.label} (turn {view.turn + 1} of {cs.turns})"
    lines = []
    for actor_id, actor in sc.actors.items():
        parts = []
        for decision_id, decision in actor.decisions.items():
            option = view.choices.get(f"{actor_id}.{decision_id}")
            if option is None:
                continue
            if decision.kind == "lever":
                level = list(decision.levels.values())[view.levels[f"{actor_id}.{decision_id}"]].label
                parts.append(f"{decision.label}: {level}" + ("" if option == "hold" else f" ({option})"))
            else:
                parts.append(f"{decision.label}: {decision.options[option].label}")
        if parts:
            lines.append(clean(f"{actor.name} — " + "; ".join(parts)))
    lines += [f"  • {line}" for line in view.news_for()]
    state = ", ".join(f"{clean(sc.state[name].label)} {_num(value)}" for name, value in view.state.items())
    counts = ", ".join(count_phrase(sc, name, value) for name, value in view.counts.items())
    lines.append(f"  state: {state}" + (f"; this turn: {counts}" if counts else ""))
    scores = ", ".join(
        f"{clean(actor.name)} {_num(view.payoffs[a])} (total {_num(view.totals[a])})"
        for a, actor in sc.actors.items()
    )
    lines.append(f"  scores: {scores}")
    if view.terms.get(player):
        rows = score_rows(view.terms[player], limit)
        shown = ", ".join(f"{label} {value:+,.1f}" for label, value in rows)
        lines.append(f"  {clean(sc.actors[player].name)}'s payoff: {shown}")
    if view.ending is not None:
        lines.append(f"  ending: {ending_phrase(sc, view.ending, view.label)}")
    return title, lines


def ending_phrase(sc: Scenario, ending: str | None, last_label: str) -> str:
    """`Stalemate (draw)` for an ending, `the last turn, 2025-Q4, was played` for the horizon."""
    spec = sc.endings.get(ending) if ending else None
    if spec is None:
        return f"the game ran its full {sc.turns} turns, to {last_label}"
    return f"{clean(spec.label)} ({spec.outcome})"


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
