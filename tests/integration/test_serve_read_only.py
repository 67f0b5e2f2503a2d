"""A served dashboard writes nothing on the server for its viewers (issue 21, item 1).

The attack: a viewer holding the read-only class URL sent, over the websocket, `/` name, `l`,
`f` a line it had put in a container's log, `s`, a path such as /etc/profile.d/x.sh, Enter:
the file was written as root (and `y` overwrote an existing one). Now saving in a browser
session delivers the lines to that browser (`deliver_text`) and writes nothing here; the
whole log (`S`) is refused in read-only mode.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.serve_harness import served
from tests.integration.served_session import ESCAPE, ServedSession

pytestmark = [pytest.mark.slow, pytest.mark.docker]
SAVE_BOX = re.compile(r"-\d{8}-\d{6}\.log")  # the path a save offers: <name>-<date>-<time>.log


@pytest.fixture()
def talker(docker_client: docker.DockerClient, test_labels: dict[str, str]) -> Iterator[dict]:
    """A container whose log carries a line a viewer chose (as a request to a web server does)."""
    tag = uuid.uuid4().hex[:8]
    line = f"touch /tmp/pwned-{tag}  # INJECT-{tag}"
    container = docker_client.containers.run(
        TEST_IMAGE,
        ["sh", "-c", 'echo "before"; echo "$LINE"; echo "after"; sleep 600'],
        environment={"LINE": line},
        name=f"talker-{tag}",
        labels=test_labels,
        detach=True,
    )
    try:
        yield {"tag": tag, "line": line, "name": container.name}
    finally:
        container.remove(force=True)


async def open_filtered_logs(session: ServedSession, name: str, term: str) -> None:
    """`/` name Enter, `l`, `f` term Enter: the logs of one container, filtered to a line."""
    await session.expect(name)
    mark = session.mark()
    await session.send("/")
    await session.expect("filter: name, image", mark)  # the box has the focus: type into it
    await session.send(*name)
    mark = session.mark()
    await session.send("\r")
    await session.expect("Sort", mark)  # the table has the focus again
    await session.send("l")
    await session.expect(term)
    mark = session.mark()
    await session.send("f")
    await session.expect("filter: only lines", mark)
    mark = session.mark()
    await session.send(*term, "\r")
    await session.expect("1 shown", mark)


async def focus_in_box(session: ServedSession) -> None:
    """Wait until a box has the focus: the footer then shows no letter keys (they type)."""
    footer = session.rows - 1
    for _ in range(1800):
        if "Back" in session.screen.row(footer) and "Save" not in session.screen.row(footer):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no box took the focus:\n{session.screen.text()}")


async def save_to(session: ServedSession, key: str, path: Path, answer: str = "") -> str:
    """The attacker's keys: s (or S); in the box that asks for a path, clear it, type `path`,
    Enter; `answer` (y) if asked to overwrite.

    Returns what came of it: "delivered" (a file went to the browser), "refused", or "saved"
    (the dashboard wrote the file here, as the old one did).
    """
    mark, delivered = session.mark(), len(session.deliveries())
    await session.send(key)
    for _ in range(1800):
        if len(session.deliveries()) > delivered:
            return "delivered"
        if "read-only: saving the whole log is disabled" in session.text(mark):
            return "refused"
        if SAVE_BOX.search(session.text(mark)):  # a box asks where, the default path in it
            await focus_in_box(session)
            mark = session.mark()
            await session.send("\x15", *str(path), "\r")  # \x15: ctrl+u clears the box
            if answer:
                await session.expect("Overwrite it?", mark)
                await session.send(answer)
            await session.expect("saved the", mark)
            return "saved"
        assert not session.closed, session.screen.text()
        await asyncio.sleep(0.05)
    raise AssertionError(f"the save came to nothing:\n{session.screen.text()}")


def test_a_read_only_viewer_cannot_write_a_file_and_gets_the_lines_instead(
    talker: dict, tmp_path: Path
) -> None:
    tag = talker["tag"]
    target = Path(f"/etc/container-lab-attack-{tag}.sh")  # where root's files are
    existing = tmp_path / "root-owned.conf"
    existing.write_text("original\n")
    os.chmod(existing, 0o600)
    try:
        with served("--read-only", cwd=tmp_path) as server:

            async def attack() -> None:
                async with ServedSession(server) as session:
                    await open_filtered_logs(session, talker["name"], f"INJECT-{tag}")
                    assert await save_to(session, "s", target) == "delivered"
                    assert await save_to(session, "s", existing, answer="y") == "delivered"
                    assert await save_to(session, "S", target) == "refused"
                    # what the viewer got instead: the lines shown, in its browser
                    delivered = [await session.download(k) for k in session.deliveries()]
                    assert delivered and all(d == f"{talker['line']}\n".encode() for d in delivered)
                    await session.send(ESCAPE, ESCAPE, "q")
                    await session.wait_closed()

            asyncio.run(attack())
        assert not target.exists(), "a read-only viewer wrote a file as root"
        assert existing.read_text() == "original\n", "a read-only viewer overwrote a file"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["root-owned.conf"]
    finally:
        target.unlink(missing_ok=True)


def test_a_served_session_delivers_saves_to_the_browser_and_writes_nothing_here(
    talker: dict, tmp_path: Path
) -> None:
    tag = talker["tag"]
    with served(cwd=tmp_path) as server:

        async def save() -> None:
            async with ServedSession(server) as session:
                await open_filtered_logs(session, talker["name"], f"INJECT-{tag}")
                mark = session.mark()
                await session.send("s")
                await session.expect("sent the lines shown (1 lines) to your browser", mark)
                mark = session.mark()
                await session.send("S")
                await session.expect("sent the whole log (3 lines) to your browser", mark)
                shown, whole = [await session.download(k) for k in session.deliveries()]
                assert shown == f"{talker['line']}\n".encode()
                assert whole == f"before\n{talker['line']}\nafter\n".encode()
                await session.send(ESCAPE, ESCAPE, "q")
                await session.wait_closed()

        asyncio.run(save())
    assert list(tmp_path.iterdir()) == []
