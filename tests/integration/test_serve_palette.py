"""A served viewer running palette commands one after the other keeps its session.

Before the fix (tui/views/palette.py, LabPalette) this sequence ended most served sessions
(seven of ten runs by hand): the sweep's way of running commands, `escape`s, `ctrl+p`, a
command's name, Enter, then a stray `y`, left keys that Textual's palette handled after it was
dismissed, and the dashboard ended with NoMatches ('CommandList') or IndexError (its mount).
The served read-only sweep (test_serve_read_only_sweep.py) failed on it in CI, now and then.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.readonly_sweep import RESET
from tests.integration.serve_harness import Served, served
from tests.integration.served_session import ServedSession

pytestmark = [pytest.mark.slow, pytest.mark.docker]
COMMANDS = ("Theme", "Keys", "Maximize", "Minimize", "Screenshot", "Keys", "Go to images")
PALETTE = "\x10"  # ctrl+p


@pytest.fixture()
def shown(docker_client: docker.DockerClient, test_labels: dict[str, str]) -> Iterator[str]:
    """A running container for the sessions to show."""
    name = f"palette-{uuid.uuid4().hex[:8]}"
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "600"], name=name, labels=test_labels, detach=True
    )
    try:
        yield name
    finally:
        container.remove(force=True)


async def run_commands(server: Served, container: str) -> str:
    """One session: each command through the palette, then `q`; what went wrong, or ""."""
    session = ServedSession(server, columns=120, rows=36)
    await session.__aenter__()
    try:
        await session.expect(container, seconds=120)
        for title in COMMANDS:
            await session.send(*RESET, PALETTE)
            await session.settle()
            await session.send(*title)
            await session.settle()
            await session.send("\r", "y")
        await session.send("y")
        await session.settle()
        await session.send(*RESET, "q")
        await session.wait_closed()
    except AssertionError as exc:
        return str(exc)
    finally:
        await session.__aexit__(None, None, None)
    return ""


def test_palette_commands_in_a_row_never_end_a_served_session(shown: str) -> None:
    with served("--read-only") as server:
        failures = [asyncio.run(run_commands(server, shown)) for _ in range(4)]
        said = server.output.read_text(errors="replace")
    if any(failures):  # in full: pytest shortens an assertion's message, not what is printed
        print("\n\n".join(failures), "\nthe server said:\n", said[-12000:])
    assert failures == [""] * 4, [failure.splitlines()[0] for failure in failures]
    assert "Traceback" not in said, said[-4000:]
