"""`container-lab --serve`: textual-serve's server behind a token, a Host check and a session cap.

The served dashboard runs as whoever started it (often root), so the page is no public
service. Every start makes a random token, as Jupyter does: the printed URL carries it, the
first page sets it as an HttpOnly, SameSite=Strict cookie and redirects to the clean URL, and
any request without it (query or cookie) gets 403. The Host header must be one of the names
the server answers to (so DNS rebinding fails), the websocket's Origin must be the page's
own (so another site cannot drive it through the browser), and only `max_sessions`
dashboards (one process each) run at once.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from tui.errors import LabError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
TOKEN_IN_URL = re.compile(r"(token=)[^&\s\"]+")
WILDCARD = (
    "--bind {} listens everywhere, but Host headers are checked against the bind "
    "address: bind to the address your students will type (e.g. 192.168.1.10)"
)
PAGE = (
    "<!DOCTYPE html><html><head><title>Container Lab</title></head>"
    "<body style='font-family: monospace'><h1>{title}</h1><p>{text}</p></body></html>"
)


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


class _HideToken(logging.Filter):
    """Access log lines show `token=…` instead of the token itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_URL.sub(r"\1…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                TOKEN_IN_URL.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _page(status: int, title: str, text: str) -> web.Response:
    body = PAGE.format(title=escape(title), text=escape(text))
    return web.Response(status=status, text=body, content_type="text/html")


class GuardedServer(Server):
    """textual-serve's `Server`, answering only with the token, to its own names and Origin."""

    def __init__(
        self,
        command: str,
        *,
        bind: str = "127.0.0.1",
        port: int = 8000,
        max_sessions: int = 4,
        title: str = "Container Lab",
        token: str | None = None,
    ) -> None:
        """Serve `command` (one process per browser session) on `bind`:`port`."""
        bind = check_bind(bind)
        if max_sessions < 1:
            raise LabError(f"--max-sessions {max_sessions}: give at least 1")
        if not 0 < port < 65536:
            raise LabError(f"--port {port} is not a TCP port (1-65535)")
        name = url_name(bind)
        super().__init__(command, host=bind, port=port, title=title)
        self.public_url = f"http://{name}:{port}"
        self.token = token or secrets.token_urlsafe(32)
        self.max_sessions = max_sessions
        self.sessions = 0
        self.cookie_name = f"container-lab-token-{port}"  # cookies ignore ports; names do not
        names = {*LOOPBACK_NAMES, name}
        self.hosts = {f"{n}:{port}" for n in names} | (names if port == 80 else set())

    @property
    def token_url(self) -> str:
        """The URL to open: the only way in."""
        return f"{self.public_url}/?token={self.token}"

    @property
    def shared(self) -> bool:
        """True when the bind address is reachable from other machines."""
        if self.host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name: other machines may resolve it
            return True

    def initialize_logging(self) -> None:
        """textual-serve's logging, with the token kept out of the access log."""
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_HideToken())

    async def _make_app(self) -> web.Application:
        # The one private method used (hence textual-serve's upper bound in pyproject):
        # the guard must see every route, the static files included.
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        return app

    def has_token(self, request: web.Request) -> bool:
        """True if the query or the cookie carries this start's token."""
        expected = self.token.encode()
        given = [request.query.get("token"), request.cookies.get(self.cookie_name)]
        return any(
            hmac.compare_digest(value.encode(), expected) for value in given if value is not None
        )

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Host, token, Origin (websocket), then the session cap; 403 or 503 otherwise."""
        if request.host.lower() not in self.hosts:
            return _page(403, "Forbidden", f"This server does not answer as {request.host}.")
        if not self.has_token(request):
            return _page(
                403,
                "Forbidden",
                "This page needs its token: open the URL that container-lab --serve printed.",
            )
        websocket = request.path == "/ws"
        if websocket and request.headers.get("Origin") != f"http://{request.host}":
            return _page(403, "Forbidden", "The websocket's Origin is not this page.")
        if "token" in request.query and request.path == "/" and not websocket:
            response = web.HTTPSeeOther(request.rel_url.without_query_params("token"))
            response.set_cookie(
                self.cookie_name, self.token, httponly=True, samesite="Strict", path="/"
            )
            return response
        if request.path in ("/", "/ws") and self.sessions >= self.max_sessions:
            return _page(
                503,
                "Container Lab is full",
                f"All {self.max_sessions} sessions are in use. Close one and reload this page.",
            )
        if not websocket:
            return await handler(request)
        self.sessions += 1  # no await since the check above: no other request got in between
        try:
            return await handler(request)
        finally:
            self.sessions -= 1

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, with its websocket and static URLs on the host the browser used."""
        base = f"http://{request.host}"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def on_startup(self, app: web.Application) -> None:
        """Print the token URL (and what sharing it means) instead of textual-serve's banner."""
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
    """Serve the dashboard (with the same engine, stats and read-only flags) until Ctrl+C."""
    command = [sys.executable, "-m", "tui.cli", "--stats", stats]
    command += engine_args  # --host/--context as given: each session watches the same engines
    command += ["--read-only"] if read_only else []
    server = GuardedServer(shlex.join(command), bind=bind, port=port, max_sessions=max_sessions)
    try:
        server.serve()
    except OSError as exc:
        raise LabError(
            f"cannot listen on {bind}:{port} ({exc.strerror or exc}): pick another --port or --bind"
        ) from None
    return 0
