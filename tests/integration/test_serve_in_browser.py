"""`container-lab --serve`: the page loads and its websocket runs the real dashboard.

The test plays the browser: it fetches the page, then opens the websocket the page's script
would open and reads the app's screen from it, with a labelled container of its own listed.
"""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import docker
import pytest

SCRIPT = Path(sys.executable).parent / "container-lab"
ANSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _page_and_screen(port: int, name: str) -> tuple[str, str]:
    base = f"http://localhost:{port}"
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + 30
        while True:  # the server is ready when it answers
            try:
                async with session.get(base + "/") as response:
                    page = await response.text()
                    assert response.status == 200
                    break
            except aiohttp.ClientConnectionError:
                assert time.monotonic() < deadline, "the server never answered"
                await asyncio.sleep(0.1)
        screen = ""
        async with session.ws_connect(f"{base}/ws?width=140&height=40") as websocket:
            await websocket.send_json(["resize", {"width": 140, "height": 40}])
            deadline = time.monotonic() + 60
            while name not in screen and time.monotonic() < deadline:
                try:
                    message = await websocket.receive(timeout=5)
                except TimeoutError:
                    continue
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen += ANSI.sub("", message.data.decode(errors="replace"))
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
            await websocket.send_json(["stdin", "q"])
    return page, screen


@pytest.mark.slow
def test_serve_shows_the_dashboard_in_a_browser(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = f"served-{test_labels['org.container-lab.test']}"
    container = docker_client.containers.run(
        "debian:bookworm-slim", ["sleep", "600"], name=name, detach=True, labels=test_labels
    )
    port = _free_port()
    server = subprocess.Popen(
        [str(SCRIPT), "--serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page, screen = asyncio.run(_page_and_screen(port, name))
        assert "Container Lab" in page
        assert "Containers" in screen and name in screen, screen[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
        container.remove(force=True)
