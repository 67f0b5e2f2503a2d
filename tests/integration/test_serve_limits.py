"""`--serve` stays up and bounded, for a token holder too (issue 21, item 9).

Each test is one of the reproduced findings, against a real server with real sockets and a real
websocket client (aiohttp), the session apps real dashboards on the real engine:
- 1,100 half-open connections at a 1,024 fd limit made the server exit;
- `width=20000&height=20000` made a session app grow past 2 GB;
- one 3 MiB keystroke packet did the same, and held the session's seat (503 for everyone);
- a session app had no memory bound;
- an app that does not quit (here: stopped) held its seat for ever after its browser left.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import select
import signal
import socket
import time
from contextlib import suppress

import aiohttp
import psutil
import pytest

from tests.integration.serve_harness import (
    Served,
    gone,
    open_session,
    screen_until,
    screen_when,
    served,
)
from tui.lifetime import MEMORY_ENV
from tui.serve.limits import HEADER_SECONDS, MAX_COLUMNS, MAX_ROWS
from tui.serve.session import SESSION_MEMORY

pytestmark = [pytest.mark.slow, pytest.mark.docker]

CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")
ESCAPE = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def drawn_size(screen: bytes) -> tuple[int, int]:
    """The largest row a frame moved to, and the widest text line it drew."""
    rows = [int(row) for row, _ in CURSOR_TO.findall(screen)]
    lines = CURSOR_TO.split(screen)[::3]  # the text between cursor moves
    texts = [ESCAPE.sub(b"", line).decode(errors="replace").rstrip("\r\n") for line in lines]
    return max(rows, default=0), max(len(text) for text in texts)


def footer_rows(screen: bytes) -> set[int]:
    """The rows the footer was drawn on (its `^p palette` key): the screen's last row."""
    parts = CURSOR_TO.split(screen)
    return {int(parts[i]) for i in range(1, len(parts) - 2, 3) if b"palette" in parts[i + 2]}


async def opened(
    server: Served, client: aiohttp.ClientSession, seconds: float = 60
) -> aiohttp.ClientWebSocketResponse:
    """A new session, once there is a seat (with --max-sessions 1: the old one's is free)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await open_session(server, client)
        except AssertionError:  # 503 from /session: still full
            assert time.monotonic() < deadline, "the seat was never freed"
            await asyncio.sleep(0.2)


async def seat_free(server: Served) -> None:
    """Wait until a new session opens and draws the dashboard."""
    async with aiohttp.ClientSession() as client:
        websocket = await opened(server, client)
        await screen_until(websocket, b"Containers")
        await websocket.close()


async def closed_by_server(websocket: aiohttp.ClientWebSocketResponse, seconds: float = 90) -> None:
    """Read (and drop) what comes until the server closes the websocket."""
    deadline = time.monotonic() + seconds
    while not websocket.closed:
        assert time.monotonic() < deadline, "the server never closed the websocket"
        with suppress(TimeoutError):
            await websocket.receive(timeout=5)


def app_of(server: Served) -> psutil.Process:
    """The one session app the server runs (waits for it to start)."""
    deadline = time.monotonic() + 60
    while not (apps := server.apps()):
        assert time.monotonic() < deadline, "no session app started"
        time.sleep(0.05)
    (app,) = apps
    return app


def test_a_flood_of_half_open_connections_neither_stops_nor_blocks_the_server(fault) -> None:
    wanted = 1200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted + 200), hard))
    with served("--max-sessions", "2", fd_limit=1024) as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                session = await open_session(server, client)
                await screen_until(session, b"Containers")
                held = []
                for number in range(1100):  # half of them silent, half stuck in their headers
                    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
                    if number % 2:
                        sock.sendall(
                            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
                        )
                    held.append(sock)
                assert server.process.poll() is None, server.printed()[-2000:]
                # the dashboard already open keeps answering through the flood
                await session.send_str(json.dumps(["ping", "through the flood"]))
                while (message := await session.receive(timeout=60)).type != aiohttp.WSMsgType.TEXT:
                    assert message.type == aiohttp.WSMsgType.BINARY, message
                assert json.loads(message.data) == ["pong", "through the flood"]
                # the server closes every held connection itself: refused at once over the cap,
                # or after HEADER_SECONDS without a whole request
                deadline = time.monotonic() + 10 * HEADER_SECONDS
                poller = select.poll()  # select() stops at fd 1023
                open_ones = {sock.fileno(): sock for sock in held}
                for fd in open_ones:
                    poller.register(fd, select.POLLIN)
                while open_ones:
                    assert time.monotonic() < deadline, f"{len(open_ones)} connections still open"
                    for fd, _ in poller.poll(1000):
                        sock = open_ones[fd]
                        with suppress(OSError):
                            while sock.recv(65536):
                                pass
                        poller.unregister(fd)
                        sock.close()
                        del open_ones[fd]
                assert server.process.poll() is None, server.printed()[-2000:]
                # and afterwards it serves as before
                async with client.get(server.base + "/") as response:
                    assert response.status == 200
                second = await open_session(server, client)
                await screen_until(second, b"Containers")
                await second.close()
                await session.close()

        asyncio.run(probe())
        assert "Too many open files" not in server.printed()
    fault("1,100 half-open connections at a 1,024 fd limit")


def test_a_huge_terminal_is_drawn_at_the_largest_size_allowed(bad_input) -> None:
    with served() as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                websocket = await open_session(server, client, "width=20000&height=20000")
                rows, width = drawn_size(await screen_until(websocket, b"Containers"))
                assert rows == MAX_ROWS and width <= MAX_COLUMNS, (rows, width)
                # a resize is clamped the same way: small, then huge again
                await websocket.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
                await screen_when(websocket, lambda drawn: 30 in footer_rows(drawn), "row 30")
                huge = {"width": 20000, "height": 20000}
                await websocket.send_str(json.dumps(["resize", huge]))
                drawn = await screen_when(
                    websocket, lambda drawn: MAX_ROWS in footer_rows(drawn), f"row {MAX_ROWS}"
                )
                rows, width = drawn_size(drawn)
                assert rows == MAX_ROWS and width <= MAX_COLUMNS, (rows, width)
                assert app_of(server).memory_info().rss < 1 << 30
                await websocket.close()

        asyncio.run(probe())
    bad_input("a 20000x20000 terminal")


def test_one_huge_keystroke_packet_ends_its_session_and_frees_its_seat(bad_input) -> None:
    with served("--max-sessions", "1") as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                websocket = await open_session(server, client)
                await screen_until(websocket, b"Containers")
                app = app_of(server)
                await websocket.send_str(json.dumps(["stdin", "j" * (3 << 20)]))
                await closed_by_server(websocket)
                assert websocket.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
            assert gone(app.pid) is not None, "the session's app outlived its session"
            await seat_free(server)

        asyncio.run(probe())
    bad_input("a 3 MiB keystroke packet")


def test_each_session_app_has_a_memory_bound() -> None:
    with served() as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                websocket = await open_session(server, client)
                await screen_until(websocket, b"Containers")
                limits = psutil.Process(app_of(server).pid).rlimit(psutil.RLIMIT_AS)
                assert limits[0] == SESSION_MEMORY, limits
                await websocket.close()

        asyncio.run(probe())


def test_an_app_over_its_memory_bound_ends_only_its_own_session(fault) -> None:
    # 64 MiB of address space: the dashboard cannot even import Textual, so it dies at once.
    with served("--max-sessions", "1", env={MEMORY_ENV: str(64 << 20)}) as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                for _ in range(2):  # the seat comes back each time (once the server has seen
                    websocket = await opened(server, client)  # its app gone)
                    await closed_by_server(websocket)

        asyncio.run(probe())
        assert server.process.poll() is None
        assert "MemoryError" in server.printed()  # the app's stderr, passed on by the server
    fault("a session app over its memory bound")


def test_an_app_that_does_not_quit_is_ended_when_its_browser_leaves(fault) -> None:
    with served("--max-sessions", "1") as server:

        async def probe() -> None:
            async with aiohttp.ClientSession() as client:
                websocket = await open_session(server, client)
                await screen_until(websocket, b"Containers")
                app = app_of(server)
                os.kill(app.pid, signal.SIGSTOP)  # it can neither quit nor handle SIGTERM now
                await websocket.close()
                assert gone(app.pid) is not None, "the stopped app outlived its browser"
            await seat_free(server)

        asyncio.run(probe())
    fault("a session app that never quits")
