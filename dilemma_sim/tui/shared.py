"""One game shared by several browsers: a coordinator in the `serve --session` process, a client in each
browser's app process.

textual-serve runs one app process per browser. The game itself lives once, in the coordinator: a
`GameSession` that takes each seat's decision and resolves the turn when every human has decided (the
engine validates every choice). Each app process replays the recorded turns on its own session (the
engine replays a run exactly from seed, choices and forced events), so only choices cross the wire.

The wire is a Unix socket in a private folder (mode 0700) with one JSON request and one JSON answer
per connection, each carrying a random key given to the app processes in their environment; nothing
listens on the network. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dilemma_sim.tui.opening import OpenedScenario, start_game
from dilemma_sim.tui.session import GameSession

FACILITATOR = "*"
"""The seat of the facilitator (sees everything, forces events)."""
MAX_REQUEST = 64 * 1024
"""Bytes of one request at most (a turn's choices are a few hundred)."""
ENV_SOCKET = "DILEMMA_SIM_SHARED_SOCKET"
ENV_KEY = "DILEMMA_SIM_SHARED_KEY"
ENV_SEAT = "DILEMMA_SIM_SHARED_SEAT"
"""Environment of a browser's app process: where the coordinator is, its key, and the seat."""


class SharedError(Exception):
    """A request the coordinator refused, or a coordinator that cannot be reached."""

    title = "Shared game"


@dataclass(frozen=True)
class SharedState:
    """The shared game as the coordinator holds it."""

    turn: int
    choices: list[dict[str, str]]
    """Every human's choices, turn by turn (as saved)."""
    forced: list[list[str]]
    """Events the facilitator forced, turn by turn."""
    decided: list[str]
    """Seats that have decided the current turn (never what they chose)."""
    forced_next: list[str]
    done: bool
    humans: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SharedState:
        return cls(
            turn=int(data["turn"]),
            choices=[dict(c) for c in data["choices"]],
            forced=[list(f) for f in data["forced"]],
            decided=list(data["decided"]),
            forced_next=list(data["forced_next"]),
            done=bool(data["done"]),
            humans=list(data.get("humans", [])),
        )


class Coordinator:
    """The one game of a shared session; every method runs on the serve process's event loop."""

    def __init__(self, opened: OpenedScenario, seed: int, humans: Sequence[str], facilitator: bool) -> None:
        self.session: GameSession = start_game(opened, seed, humans)
        self.facilitator = facilitator
        self.key = os.urandom(16).hex()
        self.screens: dict[str, str] = {}
        """The screen each seat's app shows now (`BriefingScreen`, `TurnScreen`, ...): who is at the table."""

    @property
    def seats(self) -> list[str]:
        """Every seat a browser may take: the humans' actors, and the facilitator's when there is one."""
        return [*self.session.humans, *([FACILITATOR] if self.facilitator else [])]

    def state(self) -> dict[str, Any]:
        session = self.session
        return {
            "turn": session.turn,
            "choices": session.player_choices(),
            "forced": session.forced(),
            "decided": sorted(session.pending),
            "forced_next": list(session.forced_next),
            "done": session.done,
            "humans": list(session.humans),
        }

    def decide(self, seat: str, turn: int, choices: Mapping[str, str]) -> dict[str, Any]:
        """Take `seat`'s choices for `turn`; the last human to decide resolves the turn."""
        session = self.session
        if session.done:
            raise SharedError("The game is over.")
        if turn != session.turn:
            raise SharedError(f"Turn {turn + 1} is over; the game is at turn {session.turn + 1}.")
        if seat not in session.humans:
            raise SharedError(f"{seat!r} is not a player's seat.")
        mine = {k: v for k, v in choices.items() if k.startswith(seat + ".")}
        try:
            session.sim.external(mine)  # the engine's check of decision ids and option ids
        except (KeyError, ValueError) as exc:
            raise SharedError(str(exc)) from exc
        session.decide(seat, mine)
        if not session.waiting():
            session.resolve()
        return self.state()

    def force(self, turn: int, events: Sequence[str]) -> dict[str, Any]:
        """The facilitator's events for `turn` (replacing any chosen before)."""
        session = self.session
        if turn != session.turn:
            raise SharedError(f"Turn {turn + 1} is over; the game is at turn {session.turn + 1}.")
        unknown = [e for e in events if e not in session.scenario.events]
        if unknown:
            raise SharedError(f"No event {unknown[0]!r} in this scenario.")
        session.forced_next[:] = list(dict.fromkeys(events))
        return self.state()

    def answer(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """One request -> one answer (`{"ok": ...}` or `{"error": message}`)."""
        if not hmac.compare_digest(str(request.get("key", "")), self.key):
            return {"error": "wrong key"}
        try:
            op = request.get("op")
            if op == "state":
                return {"ok": self.state()}
            if op == "decide":
                return {
                    "ok": self.decide(str(request["seat"]), int(request["turn"]), dict(request["choices"]))
                }
            if op == "seen":
                seat = str(request["seat"])
                if seat in self.seats:
                    self.screens[seat] = str(request["screen"])[:40]
                return {"ok": self.state()}
            if op == "force":
                return {"ok": self.force(int(request["turn"]), [str(e) for e in request["events"]])}
            return {"error": f"unknown request {op!r}"}
        except SharedError as exc:
            return {"error": str(exc)}
        except (KeyError, TypeError, ValueError) as exc:
            return {"error": f"malformed request: {exc}"}

    async def serve(self, path: Path) -> asyncio.AbstractServer:
        """Listen on the Unix socket `path` (its folder must be private to the user)."""

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=5)
                if len(line) > MAX_REQUEST:
                    answer: dict[str, Any] = {"error": "request too large"}
                else:
                    try:
                        request = json.loads(line)
                    except json.JSONDecodeError:
                        request = None
                    answer = self.answer(request) if isinstance(request, dict) else {"error": "not JSON"}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
            except (TimeoutError, ConnectionError, asyncio.LimitOverrunError, ValueError):
                pass
            finally:
                writer.close()

        return await asyncio.start_unix_server(handle, path=str(path), limit=MAX_REQUEST + 2)


class SharedClient:
    """An app process's line to the coordinator (blocking calls of a few milliseconds)."""

    def __init__(self, path: str | Path, key: str, seat: str) -> None:
        self.path, self.key, self.seat = str(path), key, seat

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SharedClient | None:
        env = os.environ if environ is None else environ
        if not env.get(ENV_SOCKET):
            return None
        return cls(env[ENV_SOCKET], env.get(ENV_KEY, ""), env.get(ENV_SEAT, FACILITATOR))

    @property
    def facilitator(self) -> bool:
        return self.seat == FACILITATOR

    def call(self, op: str, **args: Any) -> SharedState:
        request = json.dumps({"op": op, "key": self.key, **args}).encode() + b"\n"
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(self.path)
                sock.sendall(request)
                data = b""
                while not data.endswith(b"\n") and len(data) <= MAX_REQUEST * 16:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        except OSError as exc:
            raise SharedError(f"The shared game cannot be reached: {exc.strerror or exc}") from exc
        try:
            answer = json.loads(data)
        except json.JSONDecodeError as exc:
            raise SharedError("The shared game answered with something unreadable.") from exc
        if "error" in answer:
            raise SharedError(str(answer["error"]))
        return SharedState.of(answer["ok"])

    def state(self) -> SharedState:
        return self.call("state")

    def decide(self, turn: int, choices: Mapping[str, str]) -> SharedState:
        return self.call("decide", seat=self.seat, turn=turn, choices=dict(choices))

    def force(self, turn: int, events: Sequence[str]) -> SharedState:
        return self.call("force", turn=turn, events=list(events))

    def seen(self, screen: str) -> None:
        """Tell the coordinator which screen this seat shows (best effort: a failure is ignored)."""
        with contextlib.suppress(SharedError):
            self.call("seen", seat=self.seat, screen=screen)


def catch_up(session: GameSession, state: SharedState) -> int:
    """Replay on `session` the turns the shared game played since; returns how many (exact replays)."""
    played = 0
    while session.turn < state.turn and not session.done:
        t = session.turn
        session.play(state.choices[t], state.forced[t] if t < len(state.forced) else ())
        played += 1
    session.forced_next[:] = state.forced_next
    return played
