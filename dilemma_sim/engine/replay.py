"""Exact replays of a run from (scenario hash, seed, run index, choices), and JSON transcripts.

A transcript read back is untrusted input: `read_transcript` bounds its size, accepts only a
regular file, and parses it strictly into a typed `Transcript` (every key, type and range checked,
NaN and infinity refused), raising `TranscriptError` that names the JSON path of the first problem.
"""

from __future__ import annotations

import json
import math
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

import numpy as np

from dilemma_sim.engine.compile import CompiledScenario
from dilemma_sim.engine.simulate import event_slots, start
from dilemma_sim.engine.step import TurnResult, step
from dilemma_sim.engine.turn_view import run_views
from dilemma_sim.errors import InvalidInput
from dilemma_sim.files import write_atomically
from dilemma_sim.limits import MAX_SEED

TRANSCRIPT_FORMAT = "dilemma-sim transcript 1"
"""Value of the `format` key of every transcript."""
TOLERANCE = 1e-9
"""Relative tolerance when a transcript's numbers are compared with a replay."""
MAX_TRANSCRIPT_BYTES = 16 << 20
"""Largest transcript read (16 MiB: a thousand turns of a large scenario fit many times over)."""
MAX_TURNS = 100_000
"""Most turns a transcript may list."""


class TranscriptError(InvalidInput):
    """A transcript file that cannot be read or is not a transcript; the message names the place."""

    title = "invalid transcript"


@dataclass(frozen=True)
class TurnRecord:
    """One turn of a transcript: what was chosen and what happened."""

    turn: int
    choices: Mapping[str, str]
    """`actor.decision` -> option id."""
    events: tuple[str, ...]
    counts: Mapping[str, float]
    payoffs: Mapping[str, float]
    state: Mapping[str, float]
    ending: str | None
    forced: tuple[str, ...] = ()
    """Events a facilitator forced this turn (they fire whatever their probability)."""


class TranscriptTurn(TypedDict):
    """One turn of a transcript as JSON (see `transcript`)."""

    turn: int
    choices: dict[str, str]
    events: list[str]
    counts: dict[str, float]
    payoffs: dict[str, float]
    state: dict[str, float]
    ending: str | None
    news: list[str]
    forced: NotRequired[list[str]]


class TranscriptData(TypedDict):
    """A transcript as JSON: what `transcript` builds and `run --json` prints (with the totals)."""

    format: str
    scenario: str
    hash: str
    seed: int
    run: int
    turns: list[TranscriptTurn]
    totals: NotRequired[dict[str, float]]
    discounted: NotRequired[dict[str, float]]


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: enough to replay the run exactly and compare."""

    scenario: str
    hash: str
    seed: int
    run: int
    turns: tuple[TurnRecord, ...]


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
            if key not in cs.decision_index:
                raise ValueError(f"turn {t}: the scenario has no decision {key!r}")
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
) -> TranscriptData:
    """A JSON-ready record of one run: ids, seed, run index and, per turn, what happened.

    Each turn's `news` is the news of the shared turn view (`turn_view.py`), as `run` prints it;
    a turn in which a facilitator forced events lists them under `forced`.
    """
    turns: list[TranscriptTurn] = []
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
    """Write `transcript(...)` as indented JSON (atomically; EnvironmentProblem when it cannot)."""
    data = transcript(cs, seed, run_index, results, row, forced)
    write_atomically(Path(path), json.dumps(data, indent=2) + "\n", what="the transcript")


# --------------------------------------------------------------------------- reading back


def read_transcript(path: str | Path) -> Transcript:
    """The transcript in `path`, parsed strictly; TranscriptError for anything that is not one."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise TranscriptError(f"{path}: not a regular file")
        if info.st_size > MAX_TRANSCRIPT_BYTES:
            raise TranscriptError(f"{path}: larger than {MAX_TRANSCRIPT_BYTES >> 20} MiB")
        with path.open("rb") as f:
            raw = f.read(MAX_TRANSCRIPT_BYTES + 1)
    except OSError as error:
        raise TranscriptError(f"{path}: cannot read it: {error.strerror or error}") from None
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(f"{path}: larger than {MAX_TRANSCRIPT_BYTES >> 20} MiB")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise TranscriptError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise TranscriptError(f"{path}: nested too deeply to be a transcript") from None
    except ValueError as error:
        raise TranscriptError(f"{path}: not JSON ({error})") from None
    return parse_transcript(data, str(path))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


_Fail = Callable[[str, str], TranscriptError]
"""Builds the error naming a JSON path and its problem."""
_TOP_KEYS = {"format", "scenario", "hash", "seed", "run", "turns"}
_OPTIONAL_TOP_KEYS = {"totals", "discounted"}
"""`run --json` adds these; they are checked for type but not compared."""
_TURN_KEYS = ("turn", "choices", "events", "counts", "payoffs", "state", "ending")
_OPTIONAL_TURN_KEYS = {"news", "forced"}
"""`news` is for readers (not compared); `forced` lists the events a facilitator forced (replayed)."""


def parse_transcript(data: object, source: str = "<transcript>") -> Transcript:
    """`data` (decoded JSON) as a Transcript; TranscriptError naming the first bad JSON path."""

    def fail(where: str, problem: str) -> TranscriptError:
        return TranscriptError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("the document", "must be a JSON object")
    if data.get("format") != TRANSCRIPT_FORMAT:
        raise fail("format", f"must be {TRANSCRIPT_FORMAT!r}: this is not a transcript")
    _keys(data, _TOP_KEYS, _OPTIONAL_TOP_KEYS, "the document", fail)
    for key in _OPTIONAL_TOP_KEYS & set(data):
        _numbers(data[key], key, fail)
    turns_raw = data["turns"]
    if not isinstance(turns_raw, list):
        raise fail("turns", "must be a list")
    if len(turns_raw) > MAX_TURNS:
        raise fail("turns", f"more than {MAX_TURNS} turns")
    turns = []
    for i, raw in enumerate(turns_raw):
        where = f"turns[{i}]"
        if not isinstance(raw, dict):
            raise fail(where, "must be an object")
        _keys(raw, set(_TURN_KEYS), _OPTIONAL_TURN_KEYS, where, fail)
        if _integer(raw["turn"], f"{where}.turn", fail, 0, MAX_TURNS) != i:
            raise fail(f"{where}.turn", f"must be {i} (turns are listed in order from 0)")
        choices = raw["choices"]
        if not isinstance(choices, dict) or not all(isinstance(v, str) for v in choices.values()):
            raise fail(f"{where}.choices", "must map each actor.decision to an option id")
        events = raw["events"]
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise fail(f"{where}.events", "must be a list of event ids")
        ending = raw["ending"]
        if ending is not None and not isinstance(ending, str):
            raise fail(f"{where}.ending", "must be an ending id or null")
        forced = raw.get("forced", [])
        if not isinstance(forced, list) or not all(isinstance(e, str) for e in forced):
            raise fail(f"{where}.forced", "must be a list of event ids")
        news = raw.get("news", [])
        if not isinstance(news, list) or not all(isinstance(line, str) for line in news):
            raise fail(f"{where}.news", "must be a list of lines")
        turns.append(
            TurnRecord(
                turn=i,
                choices=dict(choices),
                events=tuple(events),
                counts=_numbers(raw["counts"], f"{where}.counts", fail),
                payoffs=_numbers(raw["payoffs"], f"{where}.payoffs", fail),
                state=_numbers(raw["state"], f"{where}.state", fail),
                ending=ending,
                forced=tuple(forced),
            )
        )
    for key in ("scenario", "hash"):
        if not isinstance(data[key], str):
            raise fail(key, "must be text")
    return Transcript(
        scenario=data["scenario"],
        hash=data["hash"],
        seed=_integer(data["seed"], "seed", fail, 0, MAX_SEED),
        run=_integer(data["run"], "run", fail, 0, MAX_SEED),
        turns=tuple(turns),
    )


def _keys(obj: Mapping[str, object], required: set[str], optional: set[str], where: str, fail: _Fail) -> None:
    missing = sorted(required - set(obj))
    if missing:
        raise fail(where, f"missing {', '.join(map(repr, missing))}")
    unknown = sorted(set(obj) - required - optional)
    if unknown:
        raise fail(where, f"unknown key {unknown[0]!r}")


def _integer(value: object, where: str, fail: _Fail, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise fail(where, f"must be a whole number from {lo} to {hi}")
    return value


def _numbers(value: object, where: str, fail: _Fail) -> dict[str, float]:
    if not isinstance(value, dict):
        raise fail(where, "must map names to numbers")
    out: dict[str, float] = {}
    for name, x in value.items():
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
            raise fail(f"{where}.{name}", "must be a finite number")
        out[name] = float(x)
    return out


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def check_transcript(cs: CompiledScenario, path: str | Path) -> list[str]:
    """Differences between a transcript and a fresh replay of its choices (empty: it replays exactly).

    TranscriptError when the file is not a well-formed transcript (see `read_transcript`).
    """
    record = read_transcript(path)
    problems: list[str] = []
    if record.scenario != cs.scenario_id:
        problems.append(f"scenario: transcript {record.scenario!r}, loaded {cs.scenario_id!r}")
    if record.hash != cs.scenario_hash:
        problems.append(f"hash: transcript {record.hash}, loaded scenario {cs.scenario_hash}")
    try:
        results = replay(
            cs,
            record.seed,
            record.run,
            [t.choices for t in record.turns],
            breakdown=False,
            forced=[t.forced for t in record.turns],
        )
    except ValueError as err:
        return [*problems, f"cannot replay: {err}"]
    fresh = transcript(cs, record.seed, record.run, results, forced=[t.forced for t in record.turns])["turns"]
    if len(fresh) != len(record.turns):
        problems.append(f"turns: transcript has {len(record.turns)}, replay has {len(fresh)}")
    for old, new in zip(record.turns, fresh, strict=False):
        t = new["turn"]
        if list(old.events) != new["events"]:
            problems.append(f"turn {t} events: transcript {list(old.events)!r}, replay {new['events']!r}")
        if old.ending != new["ending"]:
            problems.append(f"turn {t} ending: transcript {old.ending!r}, replay {new['ending']!r}")
        compared = (("counts", old.counts, new["counts"]), ("payoffs", old.payoffs, new["payoffs"]))
        for key, was_values, values in (*compared, ("state", old.state, new["state"])):
            for name, value in values.items():
                was = was_values.get(name)
                if was is None or not _close(was, value):
                    problems.append(f"turn {t} {key}.{name}: transcript {was!r}, replay {value!r}")
    return problems
