"""The dashboard's engine layer against the real engine, with labelled throwaway containers."""

import threading
import time

import pytest

from tests.conftest import SESSION_ID
from tui.engine.backend import DockerBackend
from tui.engine.logs.stream import STDERR, STDOUT

TEST_IMAGE = "debian:bookworm-slim"
WAIT_SECONDS = 30.0  # generous bounds: each wait ends as soon as what it waits for comes
CHATTY = "i=0; while true; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.1; done"


@pytest.fixture()
def backend(docker_client):
    backend = DockerBackend()
    backend.connect()
    yield backend
    backend.close()


@pytest.fixture()
def chatty(docker_client, test_labels):
    container = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", CHATTY], detach=True, labels=test_labels
    )
    yield container
    container.remove(force=True)


def close_after(stream, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, stream.close)
    timer.start()
    return timer


def test_logs_tell_stdout_from_stderr_and_close_from_another_thread(backend, chatty):
    stream = backend.logs(chatty.id, follow=True, tail=0, tty=False)
    backstop = close_after(stream, WAIT_SECONDS)  # ends the test only if the lines never come
    lines, closer = [], None
    for line in stream:  # ends when closed, without an exception
        lines.append(line)
        if closer is None and len(lines) >= 4 and {x.stream for x in lines} == {STDOUT, STDERR}:
            closer = close_after(stream, 0)  # from another thread, as the app closes it
    backstop.cancel()
    assert closer is not None, f"both streams never came within {WAIT_SECONDS} s: {lines}"
    assert {line.stream for line in lines} == {STDOUT, STDERR}
    assert all(line.timestamp for line in lines)
    assert any(line.text.startswith("err ") and line.stream == STDERR for line in lines)


def test_logs_of_a_stopped_container_show_what_it_printed(backend, docker_client, test_labels):
    container = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", "echo héllo; echo bye >&2"], detach=True, labels=test_labels
    )
    container.wait(timeout=20)
    lines = list(backend.logs(container.id, follow=True, tail=100, tty=False))
    # The engine copies stdout and stderr separately: lines printed together may swap order.
    assert sorted((line.stream, line.text) for line in lines) == [
        (STDERR, "bye"),
        (STDOUT, "héllo"),
    ]


def test_stats_stream_yields_samples(backend, chatty):
    stream = backend.stats(chatty.id)
    started = time.monotonic()
    sample = next(iter(stream))
    stream.close()
    assert sample.container_id == chatty.id
    assert sample.memory > 0 and sample.memory_limit > 0
    assert time.monotonic() - started < WAIT_SECONDS  # a first sample, not a hang


def test_events_report_a_container_start(backend, docker_client, test_labels):
    events = backend.events()
    container = docker_client.containers.create(TEST_IMAGE, ["true"], labels=test_labels)
    container.start()
    backstop = close_after(events, WAIT_SECONDS)  # ends the test only if the start never comes
    seen = []
    for event in events:
        if event.id == container.id:
            seen.append(event.action)
            if "start" in seen:
                events.close()
    backstop.cancel()
    assert "create" in seen and "start" in seen, seen
    info = backend.container(container.id)
    assert info is not None and info.labels.get("org.container-lab.test") == SESSION_ID
    container.remove(force=True)
    assert backend.container(container.id) is None
