"""One game shared by several browsers: a coordinator in the `serve --session` process, a client in each
browser's app process.

textual-serve runs one app process per browser. The game itself lives once, in the coordinator: a
`GameSession` that takes each seat's decision and resolves the turn when every human has decided (the
engine validates every choice). Each app process replays the recorded turns on its own session (the
engine replays a run exactly from seed, choices and forced events), so only choices cross the wire.

The wire is a Unix socket in a private folder (mode 0700) with one JSON request and one JSON answer
per connection, each carrying a random key given to the app processes in their environment; nothing
listens on the network. No Textual here.

The players' stakes (the status quo and the built-in strategies over 1,000 runs, about a second of
work per player) are computed once, by the coordinator in a thread when the server starts
(`start_stakes`), and sent to the apps that ask (`stakes`): eight browsers' apps computing them at
once delayed every key typed in a game's first seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dilemma_sim.tui.opening import OpenedScenario, start_game
from dilemma_sim.tui.session import GameSession

if TYPE_CHECKING:  # the stakes load the executor: imported where they are computed or read
    from dilemma_sim.tui.stakes import Stakes

FACILITATOR = "*"
"""The seat of the facilitator (sees everything, forces events)."""
MAX_REQUEST = 64 * 1024
"""Bytes of one request at most (a turn's choices are a few hundred)."""
MAX_ANSWER = MAX_REQUEST * 16
"""Bytes of one answer at most, but for the stakes."""
MAX_STAKES = 256 * 1024 * 1024
"""Bytes of one player's stakes at most (pakistan-ttp's are about 2 MB)."""
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
    stakes_ready: list[str] = field(default_factory=list)
    """The players whose stakes the coordinator has computed (`SharedClient.stakes`)."""
    stakes_error: str | None = None
    """Why the coordinator could not compute the stakes, if it could not."""

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
            stakes_ready=list(data.get("stakes_ready", [])),
            stakes_error=data.get("stakes_error"),
        )


class Coordinator:
    """The one game of a shared session; every method runs on the serve process's event loop."""

    def __init__(self, opened: OpenedScenario, seed: int, humans: Sequence[str], facilitator: bool) -> None:
        self.session: GameSession = start_game(opened, seed, humans)
        self.facilitator = facilitator
        self.key = os.urandom(16).hex()
        self.screens: dict[str, str] = {}
        """The screen each seat's app shows now (`BriefingScreen`, `TurnScreen`, ...): who is at the table."""
        self._stakes: dict[str, bytes] = {}
        """Each player's stakes, as the encoded answer to a `stakes` request, once computed."""
        self._stakes_error: str | None = None
        self._stakes_lock = threading.Lock()
        """Guards `_stakes` and `_stakes_error`: written by the stakes thread, read by the event loop."""
        self._stakes_thread: threading.Thread | None = None

    def start_stakes(self, runs: int | None = None) -> threading.Thread:
        """Compute every player's stakes in a thread, once (`GameServer` starts it when it starts;
        `runs`: the reference runs, default `stakes.REFERENCE_RUNS`); the thread."""
        if self._stakes_thread is None:
            self._stakes_thread = threading.Thread(
                target=self._compute_stakes, args=(runs,), name="stakes", daemon=True
            )
            self._stakes_thread.start()
        return self._stakes_thread

    def _compute_stakes(self, runs: int | None) -> None:
        from dilemma_sim.tui.stakes import REFERENCE_RUNS, compute_stakes, to_wire

        session = self.session
        for actor in session.humans:
            try:
                stakes = compute_stakes(
                    session.compiled, actor, session.seed, REFERENCE_RUNS if runs is None else runs
                )
                encoded = json.dumps({"ok": to_wire(stakes)}).encode() + b"\n"
            except Exception as exc:  # sent to the apps in the game's state: they show it
                with self._stakes_lock:
                    self._stakes_error = f"Could not compute the stakes: {exc}"
                return
            with self._stakes_lock:
                self._stakes[actor] = encoded

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
            **self._stakes_state(),
        }

    def _stakes_state(self) -> dict[str, Any]:
        with self._stakes_lock:
            return {"stakes_ready": sorted(self._stakes), "stakes_error": self._stakes_error}

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

    def encoded_answer(self, request: Mapping[str, Any]) -> bytes:
        """One request -> one answer line: a player's stakes as computed once, anything else `answer`."""
        if request.get("op") == "stakes" and hmac.compare_digest(str(request.get("key", "")), self.key):
            with self._stakes_lock:
                encoded = self._stakes.get(str(request.get("actor", "")))
                error = self._stakes_error
            if encoded is not None:
                return encoded
            error = error or f"The stakes of {request.get('actor')!r} are not computed yet."
            return json.dumps({"error": error}).encode() + b"\n"
        return json.dumps(self.answer(request)).encode() + b"\n"

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
                    encoded = json.dumps({"error": "request too large"}).encode() + b"\n"
                else:
                    try:
                        request = json.loads(line)
                    except json.JSONDecodeError:
                        request = None
                    encoded = (
                        self.encoded_answer(request)
                        if isinstance(request, dict)
                        else json.dumps({"error": "not JSON"}).encode() + b"\n"
                    )
                writer.write(encoded)
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
        return SharedState.of(self._request(op, MAX_ANSWER, **args))

    def _request(self, op: str, limit: int, **args: Any) -> Any:
        """Send one request, read one answer of at most `limit` bytes; its `ok` part."""
        request = json.dumps({"op": op, "key": self.key, **args}).encode() + b"\n"
        chunks: list[bytes] = []
        size = 0
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(self.path)
                sock.sendall(request)
                while size <= limit:
                    chunk = sock.recv(1 << 20)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if chunk.endswith(b"\n"):
                        break
        except OSError as exc:
            raise SharedError(f"The shared game cannot be reached: {exc.strerror or exc}") from exc
        try:
            answer = json.loads(b"".join(chunks))
        except json.JSONDecodeError as exc:
            raise SharedError("The shared game answered with something unreadable.") from exc
        if "error" in answer:
            raise SharedError(str(answer["error"]))
        return answer["ok"]

    def state(self) -> SharedState:
        return self.call("state")

    def decide(self, turn: int, choices: Mapping[str, str]) -> SharedState:
        return self.call("decide", seat=self.seat, turn=turn, choices=dict(choices))

    def force(self, turn: int, events: Sequence[str]) -> SharedState:
        return self.call("force", turn=turn, events=list(events))

    def stakes(self, actor: str) -> Stakes:
        """`actor`'s stakes as the coordinator computed them (`SharedError` until they are ready)."""
        from dilemma_sim.tui.stakes import from_wire

        data = self._request("stakes", MAX_STAKES, actor=actor)
        try:
            return from_wire(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise SharedError(f"The shared game sent unreadable stakes: {exc}") from exc

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
