"""The lesson's guardian (tui/baseline/guardian.py), on the real engine: a runner killed with
SIGKILL leaves no unit running; a runner that ended its lesson leaves the guardian nothing to do.

The runner here is a small process that starts the guardian as `Lesson.run` does and then is
killed; the unit is a real container carrying the run's label (no VM: a real QEMU dies with its
runner by its own parent-death signal, so a stand-in process with QEMU's `-name` shows that the
guardian finds one that did not).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
import uuid

import docker
import psutil
import pytest

from tui.baseline import qemu as vm
from tui.baseline.leftovers import LESSON_LABEL

RUNNER = """
import sys, time
from tui.baseline.guardian import Guardian
guardian = Guardian(sys.argv[1])
if sys.argv[2] == "done":
    guardian.done()
print(guardian.process.pid, flush=True)
time.sleep(600)
"""


def gone(check, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def unit(client: docker.DockerClient, labels: dict[str, str], run_id: str):
    return client.containers.run(
        "debian:bookworm-slim",
        ["sleep", "600"],
        detach=True,
        labels={**labels, LESSON_LABEL: run_id},
    )


def exists(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.containers.get(container_id)
    except docker.errors.NotFound:
        return False
    return True


@pytest.mark.fault
def test_a_runner_killed_mid_lesson_leaves_no_unit_running(
    docker_client: docker.DockerClient, test_labels: dict[str, str], fault
) -> None:
    run_id = f"test-{uuid.uuid4().hex[:10]}"
    container = unit(docker_client, test_labels, run_id)
    # a stand-in for a QEMU that outlived its runner: QEMU's -name, nothing else of QEMU
    qemu_name = f"{vm.QEMU_TAG}-{run_id}-1-1"
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)", "-name", qemu_name]
    )
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, run_id, "run"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert runner.stdout is not None
        guardian = psutil.Process(int(runner.stdout.readline()))
        assert guardian.is_running() and exists(docker_client, container.id)
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        assert gone(lambda: not exists(docker_client, container.id)), "the unit still runs"
        assert gone(lambda: stand_in.poll() is not None), "the VM's stand-in still runs"
        assert gone(lambda: not guardian.is_running()), "the guardian stayed"
    finally:
        runner.kill()
        stand_in.kill()
        runner.wait()
        stand_in.wait()
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
    fault("the lesson's runner killed with SIGKILL")


def test_a_runner_that_ended_its_lesson_leaves_the_guardian_nothing_to_do(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    run_id = f"test-{uuid.uuid4().hex[:10]}"
    container = unit(docker_client, test_labels, run_id)  # as if another lesson's
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, run_id, "done"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert runner.stdout is not None
        int(runner.stdout.readline())  # done() returned: the guardian has exited, reaped
        guardians = [
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if "tui.baseline.guardian" in (p.info["cmdline"] or []) and run_id in p.info["cmdline"]
        ]
        assert not guardians
        runner.kill()
        runner.wait()
        assert exists(docker_client, container.id)
    finally:
        runner.kill()
        runner.wait()
        container.remove(force=True)
