"""`container-lab --serve`: textual-serve's sessions behind a token, a Host check and limits.

The served dashboard runs as whoever started it (often root), so the page is no public
service. Every start makes a random token and prints `http://HOST:PORT/#token=…`. The token
stays in the URL's fragment and the page's sessionStorage and is traded for one-time tickets
(tui/serve/page.py), so no cookie, no URL and no header that grants the dashboard is ever
sent to another port of this host (cookies ignore ports; sessionStorage does not).

The page and the static files hold nothing secret and are public; a download is reached only
by its random key. Every request's Host must be one of the server's names (DNS rebinding gets
403), the Origin of /session and /ws must be the page's own, at most `max_sessions` dashboards
run at once, and the limits of tui/serve/limits.py hold for everyone. SIGTERM, SIGINT
or SIGHUP end every session (tui/serve/session.py), then the server, within seconds.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import re
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from html import escape

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from tui.errors import LabError
from tui.lifetime import MEMORY_ENV
from tui.serve.limits import (
    HEADER_SECONDS,
    MAX_PACKET,
    ConnectionGate,
    TicketBook,
    clamp_size,
    connection_limit,
)
from tui.serve.page import NO_TOKEN, TOKEN_HEADER, refusal, render_page
from tui.serve.session import SESSION_MEMORY, Session

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SECRET_IN_LOG = re.compile(r"(token=|/ws/)[^&\s\"?]+")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PAGE = (
    "<!DOCTYPE html><html><head><title>Container Lab</title></head>"
    "<body style='font-family: monospace'><h1>{title}</h1><p>{text}</p></body></html>"
)
WILDCARD = (
    "--bind {} listens everywhere, but Host headers are checked against the bind "
    "address: bind to the address your students will type (e.g. 192.168.1.10)"
)
log = logging.getLogger("container-lab.serve")


def url_name(bind: str) -> str:
    """The address as it goes in a URL or a Host header (IPv6 in brackets), lower case."""
    try:
        address = ipaddress.ip_address(bind.strip("[]"))
    except ValueError:
        return bind.lower()
    return f"[{address}]" if address.version == 6 else str(address)


def _numeric(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`name` as an address, in every spelling the resolver takes (inet_aton's `0x0`, `0.0`,
    `000.000.000.000`, `127.1` too); None for a host name."""
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def _wildcard(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:0.0.0.0 is the IPv4 wildcard
    return address.is_unspecified or (mapped is not None and mapped.is_unspecified)


def check_bind(bind: str) -> str:
    """`bind`, normalised, if the server can check Host headers against it; a LabError for
    an address (or a name resolving to one) that listens on every interface."""
    name = bind.strip("[]")
    if not name or "/" in name or any(c.isspace() for c in name):
        raise LabError(f"--bind {bind!r} is not an address or host name")
    address = _numeric(name)
    if address is not None:
        if _wildcard(address):
            raise LabError(WILDCARD.format(bind))
        return str(address)
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise LabError(f"--bind {bind}: the name does not resolve ({exc})") from None
    if any(_wildcard(ipaddress.ip_address(str(entry[4][0]).partition("%")[0])) for entry in found):
        raise LabError(WILDCARD.format(bind))
    return name


class _HideSecrets(logging.Filter):
    """Access log lines show `token=…` and `/ws/…` instead of a token or ticket."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = SECRET_IN_LOG.sub(r"\1…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                SECRET_IN_LOG.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _page(status: int, title: str, text: str) -> web.Response:
    body = PAGE.format(title=escape(title), text=escape(text))  # the Host header is the caller's
    return web.Response(status=status, text=body, content_type="text/html")


class GuardedServer(Server):
    """textual-serve's `Server` with its own routes, guard, limits and shutdown."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        bind: str = "127.0.0.1",
        port: int = 8000,
        max_sessions: int = 4,
        title: str = "Container Lab",
        token: str | None = None,
        session_memory: int = SESSION_MEMORY,
    ) -> None:
        """Serve `argv` (one process per browser session) on `bind`:`port`."""
        bind = check_bind(bind)
        if max_sessions < 1:
            raise LabError(f"--max-sessions {max_sessions}: give at least 1")
        if not 0 < port < 65536:
            raise LabError(f"--port {port} is not a TCP port (1-65535)")
        name = url_name(bind)
        super().__init__(" ".join(argv), host=bind, port=port, title=title)
        self.argv = list(argv)
        self.public_url = f"http://{name}:{port}"
        self.token = token or secrets.token_urlsafe(32)
        self.tickets = TicketBook()
        self.max_sessions = max_sessions
        self.sessions = 0  # websockets let in (counted before their first await)
        self.session_memory = session_memory
        self.live: set[Session] = set()
        names = {*LOOPBACK_NAMES, name}
        self.hosts = {f"{n}:{port}" for n in names} | (names if port == 80 else set())

    @property
    def token_url(self) -> str:
        """The URL to open: the only way in (the fragment never leaves the browser)."""
        return f"{self.public_url}/#token={self.token}"

    @property
    def shared(self) -> bool:
        """True when the bind address is reachable from other machines."""
        if self.host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name: other machines may resolve it
            return True

    @property
    def full(self) -> bool:
        """All sessions are taken."""
        return self.sessions >= self.max_sessions

    def initialize_logging(self) -> None:
        """textual-serve's logging, with tokens and tickets kept out of the access log."""
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_HideSecrets())

    def make_app(self) -> web.Application:
        """The routes (textual-serve's page, static files and downloads, our /session and
        /ws/<ticket>), every one behind the guard."""
        app = web.Application(middlewares=[self.guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index),
                web.post("/session", self.handle_session),
                web.get("/ws/{ticket}", self.handle_websocket),
                web.get("/download/{key}", self.handle_download),
                web.static("/static", self.statics_path),
            ]
        )
        return app

    def has_token(self, given: str | None) -> bool:
        """True if `given` is this start's token."""
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Host first; then the token (/session) or a ticket (/ws) from the page's own Origin,
        and the session cap; 403 or 503 otherwise."""
        if request.host.lower() not in self.hosts:
            return _page(403, "Forbidden", f"This server does not answer as {request.host}.")
        own_origin = request.headers.get("Origin") == f"http://{request.host}"
        if request.path == "/session":
            if not (own_origin and self.has_token(request.headers.get(TOKEN_HEADER))):
                return refusal(403, "Forbidden", NO_TOKEN)
            if self.full:
                return refusal(503, "Container Lab is full", self.full_text)
        elif request.path.startswith("/ws/"):
            if not own_origin or not self.tickets.redeem(request.match_info.get("ticket", "")):
                return _page(403, "Forbidden", "This websocket needs a ticket from its page.")
            if self.full:
                return _page(503, "Container Lab is full", self.full_text)
            self.sessions += 1
            try:
                return await handler(request)
            finally:
                self.sessions -= 1
        elif request.path == "/" and self.full:
            return _page(503, "Container Lab is full", self.full_text)
        return await handler(request)

    @property
    def full_text(self) -> str:
        """What a browser over the cap is told."""
        return f"All {self.max_sessions} sessions are in use. Close one and reload this page."

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page (public: the token script inside asks for a ticket)."""
        return render_page(request, self.title)

    async def handle_session(self, request: web.Request) -> web.StreamResponse:
        """A one-time ticket for the websocket, for a request the guard let through."""
        return web.json_response(
            {"ticket": self.tickets.issue()}, headers={"Cache-Control": "no-store"}
        )

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One dashboard for one websocket, at a clamped size, ended when the browser leaves."""
        width, height = clamp_size(request.query.get("width", 80), request.query.get("height", 24))
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_PACKET)
        await websocket.prepare(request)
        session = Session(self.argv, websocket, self.download_manager, memory=self.session_memory)
        self.live.add(session)
        try:
            await session.start(width, height)
            await session.pump()
        except Exception:
            log.exception("a session failed")
        finally:
            await session.stop()
            self.live.discard(session)
        return websocket

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGTERM, SIGINT or SIGHUP; then end every session and stop."""
        self.debug = debug
        self.initialize_logging()
        asyncio.run(self.run())

    async def run(self) -> None:
        """Listen behind the connection gate, announce the URL, and stop on a signal."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        # keepalive_timeout also closes a connection that sends no whole request that soon.
        runner = web.AppRunner(
            self.make_app(),
            handle_signals=False,
            keepalive_timeout=HEADER_SECONDS,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        try:
            assert runner.server is not None
            gate = ConnectionGate(runner.server, connection_limit())
            listener = await loop.create_server(gate, self.host, self.port, backlog=128)
        except BaseException:
            await runner.cleanup()
            raise
        self.announce()
        await stop.wait()
        listener.close()
        await self.end_sessions()
        await runner.cleanup()

    async def end_sessions(self) -> None:
        """End every session at once (each is bounded), closing its browser's websocket."""
        sessions = list(self.live)
        if sessions:
            print(f"ending {len(sessions)} browser session(s)", flush=True)
        await asyncio.gather(*(session.stop() for session in sessions), return_exceptions=True)

    def announce(self) -> None:
        """Print the token URL (and what sharing it means)."""
        print(f"Serving Container Lab on {self.token_url}", flush=True)
        print(f"(at most {self.max_sessions} browser sessions at once; Ctrl+C to quit)", flush=True)
        if self.shared:
            print(
                f"warning: listening on {self.host}: anyone with this URL (its token) gets "
                "the dashboard and what it can do; consider --read-only for a class",
                flush=True,
            )


def serve_dashboard(
    *,
    engine_args: list[str],
    stats: str,
    bind: str,
    port: int,
    max_sessions: int,
    read_only: bool,
) -> int:
    """Serve the dashboard (with the same engine, stats and read-only flags) until a signal."""
    argv = [sys.executable, "-m", "tui.cli", "--stats", stats]
    argv += engine_args  # --host/--context as given: each session watches the same engines
    argv += ["--read-only"] if read_only else []
    memory = os.environ.get(MEMORY_ENV, "")  # a bound of your own for each session, in bytes
    server = GuardedServer(
        argv,
        bind=bind,
        port=port,
        max_sessions=max_sessions,
        session_memory=int(memory) if memory.isdigit() else SESSION_MEMORY,
    )
    try:
        server.serve()
    except OSError as exc:
        raise LabError(
            f"cannot listen on {bind}:{port} ({exc.strerror or exc}): pick another --port or --bind"
        ) from None
    return 0
