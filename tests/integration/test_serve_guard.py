"""`container-lab --serve` answers only with its token, its own Host and Origin; sessions capped.

These play the attackers of issue 12 with raw HTTP and websocket clients (aiohttp, and a plain
socket for the second uid); the real browser is in test_serve_in_browser.py. Each test would
pass a request through on the old, unguarded server.
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import aiohttp
import pytest
from aiohttp import web

from tests.integration.serve_harness import SCRIPT, Served, served
from tests.second_user import run_as, second_user
from tui.views.serve import GuardedServer

pytestmark = pytest.mark.slow


def cookie(server: Served) -> dict[str, str]:
    return {f"container-lab-token-{server.port}": server.token}


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


def test_without_the_token_the_page_the_files_and_the_websocket_get_403() -> None:
    with served() as server:
        origin = {"Origin": server.base}

        async def probe() -> None:
            for path in ("/", "/static/js/textual.js", "/?token=wrong", "/?token="):
                status, text, _ = await get(server.base + path)
                assert status == 403 and "token" in text, (path, status)
            status, _, _ = await get(server.base + "/", cookies={"container-lab-token-1": "x"})
            assert status == 403
            assert await ws_status(f"ws://127.0.0.1:{server.port}/ws", **origin) == 403
            wrong = f"ws://127.0.0.1:{server.port}/ws?token={server.token[:-1]}x"
            assert await ws_status(wrong, **origin) == 403
            # with the token, the same websocket opens: the refusals above were the token's
            good = f"ws://127.0.0.1:{server.port}/ws?token={server.token}"
            assert await ws_status(good, **origin) == 101

        asyncio.run(probe())


def test_the_token_url_sets_a_strict_httponly_cookie_and_redirects_to_the_clean_url() -> None:
    with served() as server:

        async def probe() -> None:
            url = server.token_url + "&fontsize=14"
            status, _, response = await get(url, allow_redirects=False)
            assert status == 303
            assert response.headers["Location"] == "/?fontsize=14"
            set_cookie = response.headers["Set-Cookie"]
            assert f"container-lab-token-{server.port}={server.token}" in set_cookie
            assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
            status, page, _ = await get(server.base + "/", cookies=cookie(server))
            assert status == 200 and "Container Lab" in page
            assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws"' in page
            # the page the browser got on "localhost" points its websocket at "localhost"
            localhost = f"http://localhost:{server.port}/"
            status, page, _ = await get(localhost, cookies=cookie(server))
            assert f"ws://localhost:{server.port}/ws" in page

        asyncio.run(probe())
        deadline = time.monotonic() + 60  # the access log shows the request, not the token
        while '"GET /?token=' not in server.printed():
            assert time.monotonic() < deadline, server.printed()
            time.sleep(0.1)
        assert server.printed().count(server.token) == 1, server.printed()  # the startup line


def test_a_websocket_from_another_origin_is_refused_even_with_the_cookie() -> None:
    with served() as server:
        url = f"ws://127.0.0.1:{server.port}/ws"
        token = cookie(server)
        header = "; ".join(f"{k}={v}" for k, v in token.items())

        async def probe() -> None:
            for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
                assert await ws_status(url, Origin=origin, Cookie=header) == 403, origin
            assert await ws_status(url, Cookie=header) == 403  # no Origin at all
            assert await ws_status(url, Origin=server.base, Cookie=header) == 101

        asyncio.run(probe())


def test_a_foreign_host_header_is_refused_so_dns_rebinding_fails() -> None:
    with served() as server:

        async def probe() -> None:
            for host in (f"evil.example:{server.port}", f"rebind.test:{server.port}", "127.0.0.1"):
                status, text, _ = await get(
                    server.token_url, headers={"Host": host}, allow_redirects=False
                )
                assert status == 403 and "does not answer" in text, (host, status)
                ws = f"ws://127.0.0.1:{server.port}/ws?token={server.token}"
                origin = f"http://{host}"
                assert await ws_status(ws, Host=host, Origin=origin) == 403
            for host in ("localhost", "127.0.0.1", "[::1]"):
                named = {"Host": f"{host}:{server.port}"}
                status, _, _ = await get(server.base + "/", headers=named, cookies=cookie(server))
                assert status == 200, host

        asyncio.run(probe())


def test_the_session_cap_answers_503_full_until_a_session_ends() -> None:
    with served("--max-sessions", "1") as server:
        url = f"ws://127.0.0.1:{server.port}/ws?token={server.token}"

        async def probe() -> None:
            async with aiohttp.ClientSession() as session:
                first = await session.ws_connect(url, headers={"Origin": server.base})
                status, text, _ = await get(server.base + "/", cookies=cookie(server))
                assert status == 503 and "full" in text
                assert await ws_status(url, Origin=server.base) == 503
                await first.close()
            for _ in range(600):  # the server notices the close: the seat is free again
                status, _, _ = await get(server.base + "/", cookies=cookie(server))
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
        "GET /ws?width=80&height=24 HTTP/1.1\r\n"
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
            status, _, _ = await get(server.base + "/")
            assert status == 403
            status, page, _ = await get(server.token_url)
            assert status == 200 and f"ws://127.0.0.2:{server.port}/ws" in page
            ws = f"ws://127.0.0.2:{server.port}/ws?token={server.token}"
            assert await ws_status(ws, Origin=server.base) == 101
            assert await ws_status(ws, Origin=f"http://localhost:{server.port}") == 403

        asyncio.run(probe())


async def test_a_shared_bind_prints_that_the_token_grants_the_dashboard(capsys) -> None:
    # Only the printed lines are checked: nothing listens on the documentation address.
    await GuardedServer("true", bind="192.0.2.10", port=8123).on_startup(web.Application())
    printed = capsys.readouterr().out
    assert "http://192.0.2.10:8123/?token=" in printed
    assert "warning:" in printed and "token" in printed and "--read-only" in printed
    await GuardedServer("true", port=8123).on_startup(web.Application())
    assert "warning" not in capsys.readouterr().out


WILDCARD = "bind to the address your students will type"


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--bind", "0.0.0.0"], WILDCARD),
        (["--bind", "::"], WILDCARD),
        # other spellings of the wildcard that inet_aton (and so the listener) accepts; all
        # of them are in tests/unit/test_serve_bind.py
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
