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
import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
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

# Engine events that reads cause and that change nothing: a container's processes (the detail
# view's `top`) and an image's files read for its SBOM (`save`, `export`, `archive-path`).
READS = frozenset({"top", "save", "export", "archive-path"})


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
        states = {c.name: c.status for c in client.containers.list(ignore_removed=True, all=True)}
        client.close()
        yield private, states
    finally:
        private.destroy()


async def enter(session: ServedSession, place: Place) -> None:
    """From wherever the last key left the session: back to the containers tab, then there
    (again every few seconds: a fresh session's first keys can come before its tabs do)."""
    deadline = time.monotonic() + 90
    while True:
        await session.send(*RESET)
        await session.send(*place.path)
        await session.settle()
        again = time.monotonic() + 5
        while place.shows not in session.screen.text() and time.monotonic() < again:
            await asyncio.sleep(0.05)
            await session.settle()
        if place.shows in session.screen.text():
            return
        assert time.monotonic() < deadline, f"cannot reach {place.name}:\n{session.screen.text()}"


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


class Viewer:
    """The read-only viewer: one served session at a time, on the sweep's container.

    Each place starts in a fresh session, so what the keys of one place changed (a sort, a
    filter, a panel left open) cannot hide the next place. Within a place, when a key leaves
    the session where the place cannot be reached again (a screen without a footer, the
    session ended), the viewer opens a new session and goes on: what the sweep checks is what
    the keys changed on the host and the engine, and those are checked at the end whatever the
    sessions went through. `reopened` counts the fresh starts that were not planned.

    The next session is always started ahead (`spare`): its dashboard starts up while this one
    is swept, so the sweep does not wait for a start-up in every place. It gets no key before
    it is taken, and is as fresh then as a session started at that moment."""

    def __init__(self, server: Served, container: str, log: Path) -> None:
        self.server, self.container, self.log = server, container, log
        self.session: ServedSession | None = None
        self.spare: asyncio.Task[ServedSession] | None = None
        self.reopened = 0
        self.started = time.monotonic()

    def note(self, what: str) -> None:
        """One step, logged, so a failure says where the sweep was."""
        with self.log.open("a") as out:
            out.write(f"{time.monotonic() - self.started:8.1f} {what!r}\n")

    async def start(self) -> ServedSession:
        """A new session showing the sweep's container. While ended sessions' apps are still
        ending the server can be full (503) for a moment: then it asks again."""
        deadline = time.monotonic() + 120
        while True:
            session = ServedSession(self.server, columns=120, rows=36)
            try:
                await session.__aenter__()
                break
            except AssertionError as exc:  # the ticket's status
                await session.http.close()
                if "503" not in str(exc) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
            except BaseException:
                await session.http.close()
                raise
        try:
            await session.expect(self.container, seconds=120)
        except BaseException:
            await session.__aexit__(None, None, None)
            raise
        return session

    async def open(self, place: Place) -> ServedSession:
        """A fresh session (the spare started ahead, when it started well), in `place`; the
        next spare starts."""
        await self.close()
        spare, self.spare = self.spare, None
        session: ServedSession | None = None
        if spare is not None:
            try:
                session = await spare
            except (AssertionError, ConnectionError, aiohttp.ClientError) as exc:
                self.note(f"{place.name}: the spare session failed ({str(exc).splitlines()[0]})")
        self.session = session or await self.start()
        self.spare = asyncio.create_task(self.start())
        await enter(self.session, place)
        return self.session

    async def close(self) -> None:
        """End the current session (its app ends with it)."""
        if self.session is not None:
            await self.session.__aexit__(None, None, None)
            self.session = None

    async def close_all(self) -> None:
        """End the current session and the spare."""
        await self.close()
        spare, self.spare = self.spare, None
        if spare is not None:
            spare.cancel()
            with contextlib.suppress(BaseException):
                await (await spare).__aexit__(None, None, None)

    async def press(self, place: Place, *keys: str) -> None:
        """Keys in a place, `y` in case they asked, and wait until all were handled; back in
        the place afterwards (in a new session when this one cannot get there)."""
        session = self.session
        assert session is not None
        try:
            await session.send(*keys, "y")
            await session.settle()
            if place.shows not in session.screen.text():
                await enter(session, place)
        except (AssertionError, ConnectionError, aiohttp.ClientError) as exc:
            self.note(f"{place.name}: a new session ({str(exc).splitlines()[0]})")
            self.reopened += 1
            await self.open(place)


async def sweep(server: Served, container: str, log: Path) -> dict[str, int]:
    """The whole repertoire; how many keys, clicks and commands were sent."""
    counts = {"keys": 0, "clicks": 0, "commands": 0, "reopened": 0}
    viewer = Viewer(server, container, log)
    try:
        for place in places(container):
            if place.name == "palette":
                continue
            await viewer.open(place)
            keys = main_keys() if place.name == "containers" else place.keys()
            for name, key in keys.items():
                viewer.note(f"{place.name}: key {name}")
                await viewer.press(place, key)
                counts["keys"] += 1
            assert viewer.session is not None
            for x in footer_buttons(viewer.session):
                session = viewer.session
                viewer.note(
                    f"{place.name}: click {session.screen.row(session.rows - 1)[x : x + 12]}"
                )
                await session.click(x, session.rows - 1)
                counts["clicks"] += 1
                await viewer.press(place)
        palette = next(place for place in places(container) if place.name == "palette")
        await viewer.open(palette)
        for title in palette_titles():
            viewer.note(f"palette: {title}")
            await viewer.press(palette, *RESET)  # back in a palette, empty
            typing = viewer.session
            assert typing is not None
            await typing.send(*title)
            await typing.settle()
            await typing.send("\r", "y")
            counts["commands"] += 1
        await viewer.press(palette)
        assert viewer.session is not None
        await viewer.session.send(*RESET, "q")  # quitting is safe: it ends the viewer's own
        await viewer.session.wait_closed()
        await viewer.open(places(container)[0])
        assert viewer.session is not None
        await viewer.session.send("\x11")  # ctrl+q
        await viewer.session.wait_closed()
    finally:
        await viewer.close_all()
        counts["reopened"] = viewer.reopened
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
            # what the sessions' apps wrote to stderr (the server passes it on when one ends)
            said = server.output.read_text(errors="replace").splitlines()[-40:]
            raise AssertionError(
                f"{exc}\nthe last steps:\n"
                + "\n".join(steps)
                + "\nthe server said:\n"
                + "\n".join(said)
            ) from None
    client = docker.DockerClient(base_url=private.url, timeout=120)
    try:
        # The engine's filter is in whole seconds: the fixture's own last events can fall in the
        # second the sweep began, so the events are taken from their nanosecond times.
        events = [
            event
            for event in client.events(
                since=int(since) - 1, until=int(time.time()) + 1, decode=True
            )
            if event["timeNano"] >= int(since * 1e9) and event.get("Action") not in READS
        ]
        after = {c.name: c.status for c in client.containers.list(ignore_removed=True, all=True)}
        volumes = [v.name for v in client.volumes.list()]
        networks = [n.name for n in client.networks.list()]
    finally:
        client.close()
    assert counts["keys"] > 300 and counts["clicks"] > 40 and counts["commands"] > 30, counts
    # Sessions restarted along the way are fine (the checks below are what matters) but not
    # most of the sweep: then the keys would have gone to sessions still starting.
    assert counts["reopened"] < 40, counts
    assert events == [], [
        (e.get("Type"), e.get("Action"), e["timeNano"] / 1e9 - since) for e in events
    ]
    assert after == before
    assert "sweep-volume" in volumes and "sweep-network" in networks
    assert list(here.iterdir()) == []
    assert list(traces.glob("trace.*")), "strace recorded nothing: it did not follow the server"
    assert file_changes(traces) == []
