"""Streams under faults, against the real engine: bad bytes, huge lines, containers that vanish."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.backend import DockerBackend
from tui.engine.footprint import container_memory
from tui.engine.logs.stream import LogBuffer
from tui.engine.stats.api import stats_once

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


def _removed_while_sampled(
    backend: DockerBackend, docker_client: docker.DockerClient, labels: dict[str, str]
) -> dict[str, object]:
    """Sample a container three ways at once and remove it meanwhile: how each call ended."""
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "60"], detach=True, labels=labels
    )
    api = backend.api
    # A stream keeps the engine's collector ticking about once a second; right after a frame,
    # a sample asked for waits for the next tick, and the removal falls into that wait.
    stream = api.stats(container.id, stream=True, decode=False)
    next(iter(stream))
    url = f"{api.base_url}/v{api.api_version}/containers/{container.id}/stats"
    got: dict[str, object] = {}

    def sample(name: str, call: Callable[[], object]) -> None:
        try:
            got[name] = call()
        except BaseException as exc:  # the test records how the call ended
            got[name] = exc

    calls = {
        "raw": lambda: api.get(url, params={"stream": "0", "one-shot": "1"}).content,
        "stats_once": lambda: stats_once(api, container.id),
        "container_memory": lambda: container_memory(container),
    }
    threads = [threading.Thread(target=sample, args=item, daemon=True) for item in calls.items()]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # into the engine's wait; the raw body says whether they were
    container.remove(force=True)
    for thread in threads:
        thread.join(timeout=30)
    stream.close()
    return got


def test_a_container_removed_while_sampled_once_is_gone_not_an_error(
    backend: DockerBackend, docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    """Failed before the fix (CI, stop 30): a container removed while the engine waited for its
    next collection answered 200 with an empty body, and `stats_once` and the footprints'
    `container_memory` raised JSONDecodeError; the dashboard said it as a failure. A busy
    machine can answer before the removal: up to five tries, until the fault is really hit."""
    for _ in range(5):
        got = _removed_while_sampled(backend, docker_client, test_labels)
        raised = {name: end for name, end in got.items() if isinstance(end, BaseException)}
        assert not raised, raised
        if got["raw"] == b"":  # the engine's answer for a container removed in its wait
            assert got["stats_once"] is None
            assert got["container_memory"] is None
            return
    pytest.fail("in five tries the removal never fell into the engine's wait")
