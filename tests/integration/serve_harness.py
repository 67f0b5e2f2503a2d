"""Start `container-lab --serve` on a free loopback port, read its token URL, kill it after.

The server and every dashboard it starts (one process per websocket, through `sh -c`) run in a
process group of their own, so the whole group is ended when the test is done.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "container-lab"
TOKEN_LINE = re.compile(r"on (http://\S+)/\?token=(\S+)")


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
        return f"{self.base}/?token={self.token}"

    def printed(self) -> str:
        return self.output.read_text(errors="replace")


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


@contextmanager
def served(
    *flags: str,
    wrapper: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[Served]:
    """`container-lab --serve --port <free> FLAGS`, until its token URL is printed.

    `wrapper` goes before the command (e.g. strace), `env` adds to the environment, `cwd` is
    where it runs (where a dashboard would save a file it was told to save).
    """
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
            )
        try:
            deadline = time.monotonic() + 60
            while (found := TOKEN_LINE.search(output.read_text(errors="replace"))) is None:
                assert process.poll() is None, f"the server exited: {output.read_text()}"
                assert time.monotonic() < deadline, f"no token URL printed: {output.read_text()}"
                time.sleep(0.1)
            assert found.group(1).endswith(f":{port}"), found.group(0)
            _wait_listening(found.group(1).split("//")[1].rsplit(":", 1)[0], port, deadline)
            yield Served(process, port, found.group(2), output, found.group(1))
        finally:
            _stop_group(process)


def _wait_listening(address: str, port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection((address.strip("[]"), port), timeout=5).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.1)
