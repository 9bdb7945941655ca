"""Exact replays of a run from (scenario hash, seed, run index, choices), and JSON transcripts."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dilemma_sim.engine.compile import CompiledScenario
from dilemma_sim.engine.simulate import event_slots, start
from dilemma_sim.engine.step import TurnResult, step
from dilemma_sim.engine.turn_view import run_views

TRANSCRIPT_FORMAT = "dilemma-sim transcript 1"
"""Value of the `format` key of every transcript."""
TOLERANCE = 1e-9
"""Relative tolerance when a transcript's numbers are compared with a replay."""


def choice_array(cs: CompiledScenario, choices: Sequence[Mapping[str, str]] | np.ndarray) -> np.ndarray:
    """(T, D) option indices from per-turn `{"actor.decision": option_id}` dicts (every decision given)."""
    if isinstance(choices, np.ndarray):
        arr = np.asarray(choices, dtype=np.int64)
        if arr.ndim != 2 or arr.shape[1] != len(cs.decisions):
            raise ValueError(f"choices must have shape (turns, {len(cs.decisions)})")
        return arr
    out = np.empty((len(choices), len(cs.decisions)), dtype=np.int64)
    for t, turn in enumerate(choices):
        missing = [info.key for info in cs.decisions if info.key not in turn]
        if missing:
            raise ValueError(f"turn {t}: no choice for {', '.join(missing)}")
        for key, option in turn.items():
            info = cs.decisions[cs.decision_index[key]]
            if option not in info.option_ids:
                raise ValueError(f"turn {t}: {key} has no option {option!r}")
            out[t, info.index] = info.option_ids.index(option)
    return out


def replay(
    cs: CompiledScenario,
    seed: int,
    run_index: int,
    choices: Sequence[Mapping[str, str]] | np.ndarray,
    *,
    breakdown: bool = True,
    forced: Sequence[Sequence[str]] = (),
) -> list[TurnResult]:
    """Replay one run with the given choices per turn (and `forced[t]`, the events forced in turn t);
    stops early when the run ends."""
    arr = choice_array(cs, choices)
    streams, batch = start(cs, seed, run_index, 1)
    results: list[TurnResult] = []
    for t, row in enumerate(arr):
        if not batch.alive[0] or batch.turn >= cs.turns:
            break
        draws = streams.draw_turn().forcing(event_slots(cs, forced[t] if t < len(forced) else ()))
        result = step(cs, batch, row[None, :], draws, breakdown=breakdown)
        results.append(result)
        batch = result.batch
    return results


def transcript(
    cs: CompiledScenario,
    seed: int,
    run_index: int,
    results: Sequence[TurnResult],
    row: int = 0,
    forced: Sequence[Sequence[str]] = (),
) -> dict:
    """A JSON-ready record of one run: ids, seed, run index and, per turn, what happened.

    Each turn's `news` is the news of the shared turn view (`turn_view.py`), as `run` prints it;
    a turn in which a facilitator forced events lists them under `forced`.
    """
    turns: list[dict[str, Any]] = []
    alive = True
    views = run_views(cs, seed, run_index, results, row=row, forced=forced)
    for r, view in zip(results, views, strict=True):
        if not alive:
            break
        alive = bool(r.batch.alive[row])
        ending = int(r.ending[row])
        turns.append(
            {
                "turn": r.turn,
                "choices": {i.key: i.option_ids[int(r.choices[row, i.index])] for i in cs.decisions},
                "events": [ev.id for e, ev in enumerate(cs.events) if r.events[row, e]],
                "counts": {
                    cs.state_names[c.column]: float(r.counts[row, k]) for k, c in enumerate(cs.counts)
                },
                "payoffs": {a: float(r.payoffs[row, i]) for i, a in enumerate(cs.actors)},
                "state": {name: float(r.state[row, s]) for s, name in enumerate(cs.state_names)},
                "ending": cs.ending_ids[ending] if ending >= 0 else None,
                "news": view.news_for(),
            }
        )
        if view.forced:
            turns[-1]["forced"] = list(view.forced)
    return {
        "format": TRANSCRIPT_FORMAT,
        "scenario": cs.scenario_id,
        "hash": cs.scenario_hash,
        "seed": int(seed),
        "run": int(run_index),
        "turns": turns,
    }


def write_transcript(
    path: str | Path,
    cs: CompiledScenario,
    seed: int,
    run_index: int,
    results: Sequence[TurnResult],
    row: int = 0,
    forced: Sequence[Sequence[str]] = (),
) -> None:
    """Write `transcript(...)` as indented JSON."""
    data = transcript(cs, seed, run_index, results, row, forced)
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def check_transcript(cs: CompiledScenario, path: str | Path) -> list[str]:
    """Differences between a transcript and a fresh replay of its choices (empty: it replays exactly)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    problems: list[str] = []
    if data.get("format") != TRANSCRIPT_FORMAT:
        return [f"not a transcript (format {data.get('format')!r})"]
    if data.get("scenario") != cs.scenario_id:
        problems.append(f"scenario: transcript {data.get('scenario')!r}, loaded {cs.scenario_id!r}")
    if data.get("hash") != cs.scenario_hash:
        problems.append(f"hash: transcript {data.get('hash')}, loaded scenario {cs.scenario_hash}")
    recorded = data.get("turns", [])
    try:
        results = replay(
            cs,
            int(data["seed"]),
            int(data["run"]),
            [t["choices"] for t in recorded],
            breakdown=False,
            forced=[t.get("forced", []) for t in recorded],
        )
    except (KeyError, ValueError) as err:
        return [*problems, f"cannot replay: {err}"]
    fresh = transcript(cs, int(data["seed"]), int(data["run"]), results)["turns"]
    if len(fresh) != len(recorded):
        problems.append(f"turns: transcript has {len(recorded)}, replay has {len(fresh)}")
    for old, new in zip(recorded, fresh, strict=False):
        t = new["turn"]
        for key in ("events", "ending"):
            if old.get(key) != new[key]:
                problems.append(f"turn {t} {key}: transcript {old.get(key)!r}, replay {new[key]!r}")
        for key in ("counts", "payoffs", "state"):
            for name, value in new[key].items():
                was = old.get(key, {}).get(name)
                if was is None or not _close(float(was), value):
                    problems.append(f"turn {t} {key}.{name}: transcript {was!r}, replay {value!r}")
    return problems
