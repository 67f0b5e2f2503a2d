"""`container-lab --serve` answers only with its token, its own Host and Origin; sessions capped.

These play the attackers of issue 12 with raw HTTP and websocket clients (aiohttp, and a plain
socket for the second uid); the real browser is in test_serve_in_browser.py and
test_serve_token_ports.py. The token gets a one-time ticket (POST /session), a ticket opens one
websocket (/ws/<ticket>); the page itself and its static files are public.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess

import aiohttp
import pytest

from tests.integration.serve_harness import (
    SCRIPT,
    TOKEN_HEADER,
    Served,
    open_session,
    served,
    ticket,
)
from tests.second_user import run_as, second_user
from tui.serve import GuardedServer

pytestmark = pytest.mark.slow


async def ws_status(url: str, **headers: str) -> int:
    """The HTTP status the websocket handshake got (101 when it opened)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout()):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def get(url: str, **kwargs: object) -> tuple[int, str, aiohttp.ClientResponse]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of IP-address hosts, as browsers do
    async with (
        aiohttp.ClientSession(cookie_jar=jar) as session,
        session.get(url, **kwargs) as response,  # type: ignore[arg-type]
    ):
        return response.status, await response.text(), response


async def post_session(server: Served, **headers: str) -> tuple[int, str]:
    """The status and text /session answers (a ticket, or why not)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base}/session", headers=headers) as response,
    ):
        return response.status, await response.text()


async def new_ticket(server: Served) -> str:
    async with aiohttp.ClientSession() as session:
        return await ticket(server, session)


def test_only_the_token_gets_a_ticket_and_only_a_ticket_opens_the_websocket() -> None:
    with served() as server:
        origin = {"Origin": server.base}
        ws = f"{server.ws_base}/ws"

        async def probe() -> None:
            # the page and textual-serve's files are public: nothing in them grants anything
            for path in ("/", "/static/js/textual.js"):
                status, text, _ = await get(server.base + path)
                assert status == 200 and server.token not in text, path
            for headers in (
                {},  # no token
                {TOKEN_HEADER: server.token[:-1] + "x"},  # a wrong one
                {TOKEN_HEADER: server.token},  # the right one, but from no page (no Origin)
                {TOKEN_HEADER: server.token, "Origin": f"http://127.0.0.1:{server.port + 1}"},
            ):
                status, answer = await post_session(server, **headers)
                assert status == 403 and "needs its token" in answer, headers
            assert await ws_status(f"{ws}/{secrets.token_urlsafe(24)}", **origin) == 403
            assert await ws_status(f"{ws}?token={server.token}", **origin) == 404
            good = await new_ticket(server)
            assert await ws_status(f"{ws}/{good}", **origin) == 101
            assert await ws_status(f"{ws}/{good}", **origin) == 403  # used once, gone

        asyncio.run(probe())
        # neither the printed URL's token nor a ticket ends up in the access log
        assert server.printed().count(server.token) == 1, server.printed()  # the startup line
        assert "/ws/…" in server.printed() and "/session" in server.printed()


def test_the_token_stays_in_the_fragment_and_the_page_sets_no_cookie() -> None:
    with served() as server:
        assert server.token_url == f"{server.base}/#token={server.token}"

        async def probe() -> None:
            # what a browser requests for the printed URL: the path alone
            status, page, response = await get(server.base + "/?fontsize=14")
            assert status == 200 and "Set-Cookie" not in response.headers
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["Cache-Control"] == "no-store"
            assert 'data-font-size="14"' in page and "sessionStorage" in page
            assert f"http://127.0.0.1:{server.port}/static/" in page
            # the page the browser got on "localhost" loads its files from "localhost"
            status, page, _ = await get(f"http://localhost:{server.port}/")
            assert f"http://localhost:{server.port}/static/" in page

        asyncio.run(probe())


def test_a_websocket_from_another_origin_is_refused_even_with_a_ticket() -> None:
    with served() as server:
        url = f"{server.ws_base}/ws"

        async def probe() -> None:
            for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
                assert await ws_status(f"{url}/{await new_ticket(server)}", Origin=origin) == 403
            assert await ws_status(f"{url}/{await new_ticket(server)}") == 403  # no Origin
            assert await ws_status(f"{url}/{await new_ticket(server)}", Origin=server.base) == 101

        asyncio.run(probe())


def test_a_foreign_host_header_is_refused_so_dns_rebinding_fails() -> None:
    with served() as server:

        async def probe() -> None:
            for host in (f"evil.example:{server.port}", f"rebind.test:{server.port}", "127.0.0.1"):
                status, text, _ = await get(server.base + "/", headers={"Host": host})
                assert status == 403 and "does not answer" in text, (host, status)
                status, _ = await post_session(
                    server, Host=host, Origin=f"http://{host}", **{TOKEN_HEADER: server.token}
                )
                assert status == 403, host
                ws = f"{server.ws_base}/ws/{await new_ticket(server)}"
                assert await ws_status(ws, Host=host, Origin=f"http://{host}") == 403
            for host in ("localhost", "127.0.0.1", "[::1]"):
                named = {"Host": f"{host}:{server.port}"}
                status, _, _ = await get(server.base + "/", headers=named)
                assert status == 200, host
                own = {"Origin": f"http://{host}:{server.port}", TOKEN_HEADER: server.token}
                status, _ = await post_session(server, **named, **own)
                assert status == 200, host

        asyncio.run(probe())


def test_the_session_cap_answers_503_full_until_a_session_ends() -> None:
    with served("--max-sessions", "1") as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                first = await open_session(server, client)
                status, text, _ = await get(server.base + "/")
                assert status == 503 and "full" in text
                status, answer = await post_session(
                    server, Origin=server.base, **{TOKEN_HEADER: server.token}
                )
                assert status == 503 and "All 1 sessions are in use" in answer
                await first.close()
            for _ in range(600):  # the server notices the close: the seat is free again
                status, _, _ = await get(server.base + "/")
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200

        asyncio.run(probe())


ATTACK = r"""
import socket, sys
port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
    s.sendall((
        "GET /ws/guessed?width=80&height=24 HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode())
    print(s.recv(4096).decode(errors="replace").splitlines()[0])
"""


def test_another_local_user_cannot_open_the_dashboard_websocket() -> None:
    """The attack of issue 12: a uid without Docker access drives root's dashboard over /ws."""
    with served() as server, second_user() as attacker:
        result = run_as(attacker, ["/usr/bin/python3", "-c", ATTACK, str(server.port)])
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("HTTP/1.1 403"), result.stdout
        # nor can it read the token from any command line on the machine
        processes = run_as(attacker, ["ps", "-eo", "args"])
        assert processes.returncode == 0 and server.token not in processes.stdout


def test_bind_serves_its_own_name_and_still_wants_the_token() -> None:
    """--bind 127.0.0.2 (another loopback address, standing in for a classroom LAN address)."""
    with served("--bind", "127.0.0.2") as server:
        assert server.base == f"http://127.0.0.2:{server.port}"

        async def probe() -> None:
            status, page, _ = await get(server.base + "/")
            assert status == 200 and f"http://127.0.0.2:{server.port}/static/" in page
            status, _ = await post_session(server, Origin=server.base)
            assert status == 403
            ws = f"ws://127.0.0.2:{server.port}/ws"
            assert await ws_status(f"{ws}/{await new_ticket(server)}", Origin=server.base) == 101
            localhost = f"http://localhost:{server.port}"
            assert await ws_status(f"{ws}/{await new_ticket(server)}", Origin=localhost) == 403

        asyncio.run(probe())


def test_a_shared_bind_prints_that_the_token_grants_the_dashboard(capsys) -> None:
    # Only the printed lines are checked: nothing listens on the documentation address.
    GuardedServer(["true"], bind="192.0.2.10", port=8123).announce()
    printed = capsys.readouterr().out
    assert "http://192.0.2.10:8123/#token=" in printed
    assert "warning:" in printed and "token" in printed and "--read-only" in printed
    GuardedServer(["true"], port=8123).announce()
    assert "warning" not in capsys.readouterr().out


WILDCARD = "bind to the address your students will type"


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--bind", "0.0.0.0"], WILDCARD),
        (["--bind", "::"], WILDCARD),
        # other spellings of the wildcard that inet_aton (and so the listener) accepts; all
        # of them are in tests/unit/test_serve_limits.py
        (["--bind", "0x0"], WILDCARD),
        (["--bind", "000.000.000.000"], WILDCARD),
        (["--bind", "no-such-host.invalid"], "does not resolve"),
        (["--max-sessions", "0"], "give at least 1"),
        (["--port", "70000"], "not a TCP port"),
    ],
)
def test_bad_serve_flags_get_one_line_and_status_2(flags: list[str], says: str) -> None:
    result = subprocess.run(
        [str(SCRIPT), "--serve", *flags], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
