"""Every key, every footer button and every palette command of a real served read-only
dashboard changes nothing (issue 21, item 1: read-only is a capability boundary).

The dashboard watches a private engine of this test's own, so every event that engine records
during the sweep would be the dashboard's doing; the server and every session process run
under strace, so every file any of them changed (or opened to write) is on record. A viewer's
whole repertoire goes over the websocket: in each place of the dashboard, each key bound there
(in the containers tab, every key a terminal can send), then `y` in case something asked;
then each button the footer shows, clicked; then each command the palette has, typed and run.
After all that: no event on the engine, no file changed, the containers as they were.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from bench.private_engine import PrivateEngine
from tests.conftest import TEST_IMAGE
from tests.integration.engines import missing_tools
from tests.integration.readonly_sweep import (
    RESET,
    Place,
    file_changes,
    main_keys,
    palette_titles,
    places,
    strace_wrapper,
)
from tests.integration.serve_harness import Served, served
from tests.integration.served_session import ServedSession

pytestmark = [pytest.mark.slow, pytest.mark.docker]


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[PrivateEngine, dict[str, str]]]:
    """A private engine with a running container (first by name), a compose project of two,
    a stopped container, a volume and a network; their states as they are before the sweep."""
    private = PrivateEngine()
    try:
        private.start()
        private.load_image(TEST_IMAGE)
        client = docker.DockerClient(base_url=private.url, timeout=120)
        tag = uuid.uuid4().hex[:6]
        run = {"detach": True, "command": ["sh", "-c", "echo ready; exec sleep 3600"]}
        client.containers.run(TEST_IMAGE, name=f"aaa-sweep-{tag}", **run)
        for service in ("web", "db"):
            project = {"com.docker.compose.project": "zzz", "com.docker.compose.service": service}
            client.containers.run(TEST_IMAGE, name=f"zzz-{service}-1", labels=project, **run)
        stopped = client.containers.run(TEST_IMAGE, ["true"], name="stopped-sweep", detach=True)
        stopped.wait(timeout=60)
        client.volumes.create("sweep-volume")
        client.networks.create("sweep-network")
        states = {c.name: c.status for c in client.containers.list(all=True)}
        client.close()
        yield private, states
    finally:
        private.destroy()


async def enter(session: ServedSession, place: Place) -> None:
    """From wherever the last key left the session: back to the containers tab, then there."""
    await session.send(*RESET)
    await session.send(*place.path)
    await session.settle()
    deadline = time.monotonic() + 90
    while place.shows not in session.screen.text():
        assert time.monotonic() < deadline, f"cannot reach {place.name}:\n{session.screen.text()}"
        await asyncio.sleep(0.05)
        await session.settle()


async def press(session: ServedSession, place: Place, *keys: str) -> None:
    """Keys in a place, `y` in case they asked, and wait until all were handled."""
    await session.send(*keys, "y")
    await session.settle()
    if place.shows not in session.screen.text():
        await enter(session, place)


def footer_buttons(session: ServedSession) -> list[int]:
    """Where each button the footer shows begins (`key Description`, two spaces or a bar
    between buttons), but Quit's: it ends the session, and the sweep quits last."""
    row = session.screen.row(session.rows - 1)
    starts = [
        x
        for x in range(1, len(row))
        if row[x] != " " and (x == 1 or row[x - 2 : x] == "  " or row[x - 1] == "▏")
    ]
    return [x for x in starts if not row[x:].startswith(("q Quit", "^q Quit"))]


async def sweep(server: Served, container: str, log: Path) -> dict[str, int]:
    """The whole repertoire; how many keys, clicks and commands were sent (each one logged to
    `log`, so a failure says where the sweep was)."""
    counts = {"keys": 0, "clicks": 0, "commands": 0}
    started = time.monotonic()

    def note(what: str) -> None:
        with log.open("a") as out:
            out.write(f"{time.monotonic() - started:8.1f} {what!r}\n")

    async with ServedSession(server, columns=120, rows=36) as session:
        await session.expect(container, seconds=120)
        for place in places(container):
            await enter(session, place)
            keys = main_keys() if place.name == "containers" else place.keys()
            for name, key in keys.items():
                note(f"{place.name}: key {name}")
                await press(session, place, key)
                counts["keys"] += 1
            await enter(session, place)
            for x in footer_buttons(session):
                note(f"{place.name}: click {session.screen.row(session.rows - 1)[x : x + 12]}")
                await session.click(x, session.rows - 1)
                counts["clicks"] += 1
                await press(session, place)
        palette = next(place for place in places(container) if place.name == "palette")
        for title in palette_titles():
            note(f"palette: {title}")
            await enter(session, palette)
            await session.send(*title)
            await session.settle()
            await session.send("\r", "y")
            counts["commands"] += 1
        await session.send(*RESET, "q")  # quitting is safe: it ends the viewer's own session
        await session.wait_closed()
    async with ServedSession(server) as session:
        await session.expect(container, seconds=120)
        await session.send("\x11")  # ctrl+q
        await session.wait_closed()
    return counts


def test_no_key_click_or_command_of_a_read_only_session_changes_a_file_or_the_engine(
    engine: tuple[PrivateEngine, dict[str, str]], tmp_path: Path
) -> None:
    missing = missing_tools("strace")
    if missing:  # a failure under LAB_REQUIRE_DOCKER=1, as every skip is
        pytest.skip("strace is not installed: `./lab test` installs it")
    private, before = engine
    container = next(name for name in before if name.startswith("aaa-sweep"))
    traces = tmp_path / "strace"
    traces.mkdir()
    here = tmp_path / "cwd"
    here.mkdir()
    since = time.time()
    with served(
        "--read-only",
        "--host",
        private.url,
        wrapper=strace_wrapper(traces),
        env={"PYTHONDONTWRITEBYTECODE": "1"},  # importing must not write .pyc files
        cwd=here,
    ) as server:
        log = tmp_path / "sweep.log"
        try:
            counts = asyncio.run(sweep(server, container, log))
        except AssertionError as exc:
            steps = log.read_text().splitlines()[-15:] if log.exists() else []
            raise AssertionError(f"{exc}\nthe last steps:\n" + "\n".join(steps)) from None
    client = docker.DockerClient(base_url=private.url, timeout=120)
    try:
        events = list(client.events(since=int(since) - 1, until=int(time.time()) + 1, decode=True))
        after = {c.name: c.status for c in client.containers.list(all=True)}
        volumes = [v.name for v in client.volumes.list()]
        networks = [n.name for n in client.networks.list()]
    finally:
        client.close()
    assert counts["keys"] > 300 and counts["clicks"] > 40 and counts["commands"] > 30, counts
    assert events == [], [(e.get("Type"), e.get("Action")) for e in events]
    assert after == before
    assert "sweep-volume" in volumes and "sweep-network" in networks
    assert list(here.iterdir()) == []
    assert list(traces.glob("trace.*")), "strace recorded nothing: it did not follow the server"
    assert file_changes(traces) == []
