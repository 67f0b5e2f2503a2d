"""Our stats figures against the ones the real docker CLI computes from the same raw sample.

The fake here is an engine that answers only `/_ping`, `/version` and one container's stats,
with a fixed raw sample (the fixtures of test_stats.py), on a unix socket: a real engine cannot
be made to serve a chosen sample, and the CLI must see exactly ours. Every `docker` CLI on PATH
is asked.
"""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from tui.engine.stats.api import StatsSample
from tui.views.formats import block_text, cpu_text, memory_text, net_text

FIXTURES = Path(__file__).parent.parent / "fixtures"
CONTAINER = "fixed-sample"
VERSION = json.dumps(
    {"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux"}
).encode()


def docker_clis() -> list[str]:
    """Each distinct docker CLI binary on PATH."""
    found: dict[str, str] = {}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder, "docker")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            found.setdefault(str(candidate.resolve()), str(candidate))
    return list(found.values())


class _FixedEngine(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    raw: bytes = b"{}"
    unknown: ClassVar[list[str]] = []  # paths asked that are not served (set per fixture)

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Api-Version", "1.41")
        self.send_header("Ostype", "linux")
        self.send_header("Server", "Docker/20.10.24 (linux)")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self._answer(200, b"OK", "text/plain")
        elif path.endswith("/version"):  # the 20.10 CLI asks which OS the engine runs
            self._answer(200, VERSION)
        elif path.endswith(f"/containers/{CONTAINER}/stats"):
            self._answer(200, self.raw)
        else:
            self.unknown.append(self.path)
            self._answer(404, b'{"message": "not served by the fixed engine"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # type: ignore[no-untyped-def]
        request, _ = super().get_request()
        return request, ("fixed-engine", 0)  # http.server wants a (host, port) client address


@pytest.fixture
def fixed_engine(tmp_path: Path) -> Iterator[tuple[str, type[_FixedEngine]]]:
    """An engine on a unix socket that serves one raw sample; yields its DOCKER_HOST."""
    socket_path = tmp_path / "fixed.sock"
    handler = type("Handler", (_FixedEngine,), {"unknown": []})
    server = _UnixServer(str(socket_path), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"unix://{socket_path}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("fixture", ["stats_cgroup_v1.json", "stats_cgroup_v2_handmade.json"])
def test_our_figures_are_the_docker_clis(fixed_engine, fixture: str) -> None:
    host, handler = fixed_engine
    clis = docker_clis()
    if not clis:
        pytest.skip("no docker CLI on PATH")
    raw = json.loads((FIXTURES / fixture).read_text())
    handler.raw = json.dumps(raw).encode()
    ours = StatsSample.from_raw(CONTAINER, raw)
    for cli in clis:
        result = subprocess.run(
            [cli, "stats", "--no-stream", "--format", "{{json .}}", CONTAINER],
            env={**os.environ, "DOCKER_HOST": host, "DOCKER_CONFIG": str(Path(host[7:]).parent)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, (cli, result.stderr, handler.unknown)
        theirs = json.loads(result.stdout)
        assert theirs["CPUPerc"] == cpu_text(ours), cli
        assert theirs["MemUsage"] == memory_text(ours), cli
        assert theirs["MemPerc"] == f"{ours.memory_percent:.2f}%", cli
        assert theirs["NetIO"] == net_text(ours), cli
        assert theirs["BlockIO"] == block_text(ours), cli
        assert theirs["PIDs"] == str(ours.pids), cli
