"""`dilemma-sim serve`: the app in browsers, guarded, on textual-serve.

A visitor is not a user of the server. textual-serve starts an app process for any websocket and
checks no `Origin`, so any web page the user merely visits could start a game, type keys and read the
screen. `GameServer` extends its `Server`:
- pages and websockets live under a random token (`/s/TOKEN/SEAT`, `/ws/TOKEN/SEAT`); a wrong token
  is a 404, compared in constant time;
- a websocket whose `Origin` is not this server's own address is refused (403) before any process
  starts;
- at most `max_sessions` app processes run at once (in a shared game a player's seat is taken by one
  browser at a time; a facilitating team may open the facilitator's seat in several);
- every app process is confined to the served folder (`FileRules`), and in a shared game joins the
  coordinator (`Coordinator`), which listens on a Unix socket in a private folder, not the network.
Listening on anything but loopback needs the caller's explicit consent (`check_host`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import secrets
import shutil
import signal
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from dilemma_sim.tui.files import FileRules
from dilemma_sim.tui.shared import ENV_KEY, ENV_SEAT, ENV_SOCKET, FACILITATOR, Coordinator

log = logging.getLogger("textual-serve")

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
FACILITATOR_URL = "facilitator"
"""The seat's name in a URL for the facilitator."""
SOLO = "play"
"""The seat's name in a URL when every visitor plays a game of their own."""


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address or name (127.0.0.0/8, ::1, localhost)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServeRefused(Exception):
    """A server that may not start as asked; the message says why."""


def check_host(host: str, allow_remote: bool) -> str | None:
    """None for loopback; a warning for another host the caller allowed; `ServeRefused` otherwise."""
    if is_loopback(host):
        return None
    if not allow_remote:
        raise ServeRefused(
            f"{host} is not a loopback address: anyone who can reach it and has the link could play. "
            "Add --allow-remote to serve there anyway."
        )
    return (
        f"warning: serving on {host}, beyond this machine. Anyone who can reach it and holds a link "
        "below can play; the traffic is not encrypted."
    )


class GuardedAppService(AppService):
    """An app process with its own environment (its seat, the coordinator, its file rules)."""

    def __init__(self, command: str, *, extra_env: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.extra_env = dict(extra_env)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.update(self.extra_env)
        return environment


class GameServer(Server):
    """textual-serve's `Server`, with tokens, an `Origin` check, a cap and (optionally) a shared game."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        files: FileRules,
        coordinator: Coordinator | None = None,
        max_sessions: int = 4,
        token: str | None = None,
        title: str = "dilemma-sim",
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.files = files
        self.coordinator = coordinator
        self.max_sessions = max_sessions
        self.token = token or secrets.token_urlsafe(18)
        self.sessions: dict[str, int] = {}
        """Open websockets by seat."""
        self._private: Path | None = None
        self._unix_server: asyncio.AbstractServer | None = None

    # ------------------------------------------------------------------ addresses

    @property
    def seats(self) -> list[str]:
        """The URL seat names: each player's actor and the facilitator, or `play` for solo games."""
        if self.coordinator is None:
            return [SOLO]
        return [FACILITATOR_URL if s == FACILITATOR else s for s in self.coordinator.seats]

    def seat_url(self, seat: str) -> str:
        return f"{self.public_url}/s/{self.token}/{seat}"

    def allowed_origins(self) -> set[str]:
        """This server's own addresses, as a browser names them in `Origin`."""
        hosts = {self.host}
        if is_loopback(self.host):
            hosts |= {"127.0.0.1", "localhost", "[::1]"}
        return {f"http://{h}:{self.port}" for h in hosts} | {self.public_url}

    # ------------------------------------------------------------------ aiohttp

    async def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        import aiohttp_jinja2
        import jinja2

        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_root, name="root"),
                web.get("/s/{token}/{seat}", self.handle_seat, name="index"),
                web.get("/ws/{token}/{seat}", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def handle_root(self, request: web.Request) -> web.Response:
        return web.Response(
            text="dilemma-sim: open the link the server printed in its terminal.\n", status=404
        )

    def _seat_of(self, request: web.Request) -> str:
        """The seat a request names, after checking its token; 404 for a wrong token or seat."""
        token, seat = request.match_info["token"], request.match_info["seat"]
        if not hmac.compare_digest(token.encode(), self.token.encode()) or seat not in self.seats:
            raise web.HTTPNotFound(text="No such game here.\n")
        return seat

    async def handle_seat(self, request: web.Request) -> web.StreamResponse:
        seat = self._seat_of(request)
        import aiohttp_jinja2

        font_size = to_int(request.query.get("fontsize", "16"), 16)
        ws_url = f"{self.public_url}/ws/{self.token}/{seat}".replace("http", "ws", 1)
        context = {
            "font_size": font_size,
            "app_websocket_url": ws_url,
            "config": {"static": {"url": f"{self.public_url}/static/"}},
            "application": {"name": f"{self.title} — {seat}"},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def refusal(self, request: web.Request, seat: str) -> str | None:
        """Why this websocket may not start an app process (None: it may)."""
        origin = request.headers.get("Origin")
        if origin not in self.allowed_origins():
            return f"origin {origin!r} is not this server"
        if sum(self.sessions.values()) >= self.max_sessions:
            return f"the server already runs {self.max_sessions} sessions"
        if self.coordinator is not None and seat != FACILITATOR_URL and self.sessions.get(seat):
            return f"the seat {seat!r} is taken"  # a player's seat; a facilitating team may share theirs
        return None

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        seat = self._seat_of(request)
        why = self.refusal(request, seat)
        if why is not None:
            log.warning("refused a websocket: %s", why)
            raise web.HTTPForbidden(text=f"Refused: {why}.\n")
        self.sessions[seat] = self.sessions.get(seat, 0) + 1
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
        width = min(max(to_int(request.query.get("width", "80"), 80), 20), 500)
        height = min(max(to_int(request.query.get("height", "24"), 24), 10), 200)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = GuardedAppService(
                self.command,
                extra_env=self._environment(seat),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # logged like textual-serve does; the visitor's socket closes
            log.exception(error)
        finally:
            self.sessions[seat] -= 1
        return websocket

    def _environment(self, seat: str) -> dict[str, str]:
        env = self.files.environment()
        if self.coordinator is not None and self._private is not None:
            env[ENV_SOCKET] = str(self._private / "game.sock")
            env[ENV_KEY] = self.coordinator.key
            env[ENV_SEAT] = FACILITATOR if seat == FACILITATOR_URL else seat
        return env

    async def on_startup(self, app: web.Application) -> None:
        if self.coordinator is not None:
            self._private = Path(tempfile.mkdtemp(prefix="dilemma-sim-"))  # mode 0700
            self._unix_server = await self.coordinator.serve(self._private / "game.sock")
            self.coordinator.start_stakes()  # once for every browser, while the players read the briefing

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl+C; the links are printed once the server listens (so they work at once)."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda *_: self.print_links(),
        )

    def print_links(self) -> None:
        """Where to play: one link per seat, each carrying the session's token."""
        self.console.print(f"dilemma-sim serving on {self.public_url} (Ctrl+C stops)", highlight=False)
        for seat in self.seats:
            who = {SOLO: "each visitor plays a game of their own", FACILITATOR_URL: "the facilitator"}.get(
                seat, f"the player of {seat}"
            )
            self.console.print(f"  {who}: {self.seat_url(seat)}", highlight=False, soft_wrap=True)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._unix_server is not None:
            self._unix_server.close()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)


def app_command(python: str, scenario: str, seed: int) -> list[str]:
    """The command of a visitor's app process."""
    return [python, "-m", "dilemma_sim", "play", scenario, "--seed", str(seed)]


def served_files(folder: Path | None, scenario_path: Path) -> FileRules:
    """A served game's rules: its folder (if any) and the scenario it was started with."""
    return FileRules(True, folder.resolve() if folder else None, (scenario_path.resolve(),))


__all__ = [
    "GameServer",
    "ServeRefused",
    "app_command",
    "check_host",
    "is_loopback",
    "served_files",
]
