"""Streams under faults, against the real engine: bad bytes, huge lines, containers that vanish."""

from __future__ import annotations

import threading
import time

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.engine.logs.stream import LogBuffer

pytestmark = pytest.mark.fault

LONG = 1_000_000


@pytest.fixture()
def backend() -> DockerBackend:
    backend = DockerBackend()
    backend.connect()
    return backend


def test_invalid_utf8_and_a_megabyte_line_arrive_intact(
    backend: DockerBackend, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    script = (
        r"printf 'before\n'; printf 'bad \377\376 bytes \303\n'; printf 'caf\303\251 ok\n'; "
        f"head -c {LONG} /dev/zero | tr '\\0' x; printf '\\nafter\\n'"
    )
    container = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", script], detach=True, labels=test_labels
    )
    container.wait(timeout=60)
    lines = [
        line.text for line in backend.logs(container.id, follow=False, tail=100_000, tty=False)
    ]
    assert lines[0] == "before"
    assert lines[1].startswith("bad ") and "\ufffd" in lines[1] and lines[1].endswith("\ufffd")
    assert lines[2] == "café ok"
    assert lines[3] == "x" * LONG, "the long line was split or cut"
    assert lines[4] == "after"


def test_a_chatty_container_cannot_grow_the_buffer_past_its_bound(
    backend: DockerBackend, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", "seq 1 50000"], detach=True, labels=test_labels
    )
    container.wait(timeout=60)
    buffer = LogBuffer(max_lines=1000)
    buffer.extend(backend.logs(container.id, follow=False, tail=100_000, tty=False))
    assert len(buffer) == 1000 and buffer.dropped == 49000
    assert buffer.lines[-1].text == "50000"


def test_a_container_removed_while_its_logs_and_stats_stream_ends_them_quietly(
    backend: DockerBackend, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE,
        ["sh", "-c", "i=0; while :; do echo $i; i=$((i+1)); sleep 0.1; done"],
        detach=True,
        labels=test_labels,
    )
    logs = backend.logs(container.id, follow=True, tail=0, tty=False)
    stats = backend.stats(container.id)
    seen: dict[str, int] = {"logs": 0, "stats": 0}
    ended: dict[str, BaseException | None] = {}

    def drain(name: str, stream: object) -> None:
        try:
            for _ in stream:  # type: ignore[attr-defined]
                seen[name] += 1
            ended[name] = None
        except BaseException as exc:  # the test records how the stream ended
            ended[name] = exc

    threads = [
        threading.Thread(target=drain, args=(name, stream), daemon=True)
        for name, stream in (("logs", logs), ("stats", stats))
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while (seen["logs"] < 3 or seen["stats"] < 1) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen["logs"] >= 3 and seen["stats"] >= 1
    container.remove(force=True)
    for thread in threads:
        thread.join(timeout=30)
    assert ended == {"logs": None, "stats": None}, "a stream raised instead of ending"
    assert backend.container(container.id) is None
    assert backend.ping(), "the engine is still there: the streams ended because the container did"
