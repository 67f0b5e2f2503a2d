"""Start `container-lab --serve` on a free loopback port, read its token URL, kill it after.

The server runs in a process group of its own, and each dashboard it starts (one process per
websocket) in a group of its own too: the server's group is ended when the test is done, and
`end_apps` ends what is left of the apps' groups. `open_session` opens a dashboard the way the
page does: the token for a one-time ticket (POST /session), the ticket for the websocket.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

SCRIPT = Path(sys.executable).parent / "container-lab"
TOKEN_LINE = re.compile(r"on (http://\S+)/#token=(\S+)")
TOKEN_HEADER = "X-Container-Lab-Token"


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running server: its port, token and output so far."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    output: Path
    base: str  # the printed URL without the token: http://127.0.0.1:<port> by default

    @property
    def token_url(self) -> str:
        return f"{self.base}/#token={self.token}"

    @property
    def ws_base(self) -> str:
        return "ws" + self.base.removeprefix("http")

    def printed(self) -> str:
        return self.output.read_text(errors="replace")

    def apps(self) -> list[psutil.Process]:
        """The dashboards the server runs now (its children)."""
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []


async def ticket(server: Served, client: aiohttp.ClientSession) -> str:
    """A one-time ticket, asked for as the page asks (its Origin, the token in a header)."""
    headers = {"Origin": server.base, TOKEN_HEADER: server.token}
    async with client.post(f"{server.base}/session", headers=headers) as response:
        assert response.status == 200, (response.status, await response.text())
        return str((await response.json())["ticket"])


async def open_session(
    server: Served, client: aiohttp.ClientSession, query: str = "width=100&height=30"
) -> aiohttp.ClientWebSocketResponse:
    """A dashboard's websocket, opened as the page opens it."""
    url = f"{server.ws_base}/ws/{await ticket(server, client)}?{query}"
    return await client.ws_connect(url, headers={"Origin": server.base}, max_msg_size=0)


async def screen_until(
    websocket: aiohttp.ClientWebSocketResponse, needle: bytes, seconds: float = 90
) -> bytes:
    """What the dashboard drew until `needle` appeared (AssertionError with the tail if not)."""
    return await screen_when(websocket, lambda drawn: needle in drawn, repr(needle), seconds)


async def screen_when(
    websocket: aiohttp.ClientWebSocketResponse,
    done: Callable[[bytes], bool],
    what: str,
    seconds: float = 90,
) -> bytes:
    """What the dashboard drew until `done(drawn)` held."""
    drawn = bytearray()
    deadline = time.monotonic() + seconds
    while not done(bytes(drawn)):
        left = deadline - time.monotonic()
        assert left > 0, f"never drawn: {what}; tail {bytes(drawn[-500:])!r}"
        try:
            message = await websocket.receive(timeout=min(left, 5))
        except TimeoutError:
            continue
        if message.type == aiohttp.WSMsgType.BINARY:
            drawn += message.data
        elif message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"the websocket ended ({message.type}) before {what}")
    return bytes(drawn)


def gone(pid: int, seconds: float = 60) -> float | None:
    """Seconds until process `pid` (and its process group) ended, or None if it did not."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            if not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie":
                return time.monotonic() - began
        time.sleep(0.05)
    return None


def end_apps(pids: list[int]) -> None:
    """SIGKILL what is left of these apps' process groups (a test that failed midway)."""
    for pid in pids:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's group, then SIGKILL whatever is left of it (the app processes)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        if sig == signal.SIGTERM:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
    process.wait(timeout=30)


def _fd_limit(limit: int | None) -> None:
    if limit is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


@contextmanager
def served(
    *flags: str,
    fd_limit: int | None = None,
    env: Mapping[str, str] | None = None,
    wrapper: Sequence[str] = (),
    cwd: Path | None = None,
) -> Iterator[Served]:
    """`container-lab --serve --port <free> FLAGS`, until its token URL is printed (with
    RLIMIT_NOFILE `fd_limit` and `env` added to the environment, if given). `wrapper` goes
    before the command (e.g. strace), `cwd` is where it runs (where a dashboard would save a
    file it was told to save)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="served-") as folder:
        output = Path(folder) / "output.txt"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [*wrapper, str(SCRIPT), "--serve", "--port", str(port), *flags],
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=cwd,
                # its log is read while it runs
                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                preexec_fn=lambda: _fd_limit(fd_limit),
            )
        try:
            deadline = time.monotonic() + 60
            while (found := TOKEN_LINE.search(output.read_text(errors="replace"))) is None:
                assert process.poll() is None, f"the server exited: {output.read_text()}"
                assert time.monotonic() < deadline, f"no token URL printed: {output.read_text()}"
                time.sleep(0.1)
            assert found.group(1).endswith(f":{port}"), found.group(0)
            _wait_listening(found.group(1).split("//")[1].rsplit(":", 1)[0], port, deadline)
            server = Served(process, port, found.group(2), output, found.group(1))
            apps: list[int] = []
            try:
                yield server
            finally:
                apps = [app.pid for app in server.apps()]
        finally:
            _stop_group(process)
            end_apps(apps)


def _wait_listening(address: str, port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection((address.strip("[]"), port), timeout=5).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.1)
