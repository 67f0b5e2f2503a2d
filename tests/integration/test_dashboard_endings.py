"""The dashboard in a real terminal ends within seconds however and whenever it ends, and leaves
nothing it started running (issue 26, item 2).

Found: a terminal closed 2 s after `container-lab` started left it running on a deleted pty (once
in 6 tries: Textual's writer thread died on EIO and the exit waited on it for ever), and an app
busy with input ignored SIGTERM. Here the app runs on a pty (the console script's `run_app`,
`tests/integration/ending_app.py`), is driven to a phase (start-up, the lesson booting its
container, gVisor sandbox and QEMU VM, a training run), and is ended at a random moment in it by
one of ENDINGS: the terminal closed (its master fd closed; in one run of two the app sits in a
session of its own, so no SIGHUP comes and only the hang-up of its stdin tells it), SIGTERM,
SIGHUP or SIGINT. Then nothing may be left: no process carrying the round's mark in its
environment (the app, QEMU, a docker or gpg child), no container with the round's label (the
lesson's, the training's), no process of those containers (runc, runsc), no key copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import threading
import time
import uuid

import docker
import psutil
import pytest

from tests.conftest import SESSION_ID, SESSION_LABELS, TEST_LABEL
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.process_marks import BOUND, MARK, kill_marked, marked, none_left
from tests.integration.terminal import SCRIPT, Terminal
from tui.engine.build import BuildResult
from tui.lab.run_secrets import runs_dir
from tui.paths import PROJECT_ENV, LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.docker]

LOOPS = int(os.environ.get("LAB_ENDING_LOOPS", "24"))
PHASES = ("start-up", "lesson boot", "training")
ENDINGS = ("terminal closed", "SIGTERM", "SIGHUP", "SIGINT")


class Round:
    """One dashboard on a pty, ended one way at one moment."""

    def __init__(self, number: int, lab: LabPaths, *, own_session: bool) -> None:
        self.name = f"ending-{SESSION_ID}-{number}"
        self.labels = {**SESSION_LABELS, f"{TEST_LABEL}.name": self.name}
        self.mark = uuid.uuid4().hex
        launch = [sys.executable, "-m", "tests.integration.ending_app"]
        launch += [json.dumps(self.labels), str(lab.project), TEST_IMAGE_TAG]
        prefix = ["/usr/bin/env", f"{MARK}={self.mark}"]
        if own_session:  # away from the pty's session: a hang-up sends it no SIGHUP
            prefix = ["/usr/bin/setsid", "--wait", *prefix]
        self.terminal = Terminal([*prefix, *launch], 30, 100)

    def drive(self, phase: str, rng: random.Random) -> float:
        """Bring the app to `phase`, then wait a random moment in it; the moment."""
        terminal = self.terminal
        if phase != "start-up":
            terminal.expect("VM baseline", seconds=120)
            shown = terminal.mark()
            terminal.send("2")
            terminal.expect("MB ", shown, seconds=120)  # the engine answers: images are listed
        if phase == "lesson boot":
            terminal.send("4")
            terminal.expect("m Run the lesson")
            terminal.send("m")
            moment = rng.uniform(0, 10)
        elif phase == "training":
            terminal.send("3")
            terminal.expect("Train")
            terminal.send("s")
            moment = rng.uniform(0, 15)
        else:
            moment = rng.uniform(0, 4)
        time.sleep(moment)
        return moment

    def end(self, ending: str, docker_client: docker.DockerClient) -> tuple[float, list[str]]:
        """End it; the seconds until none of its processes was left, and its containers' ids
        as they were at the end."""
        ids = [c.id for c in self.containers(docker_client)]
        began = time.monotonic()
        if ending == "terminal closed":
            self.terminal.hang_up()
        else:
            os.kill(self.terminal.pid, getattr(signal, ending))
        none_left(self.mark, seconds=BOUND)
        return time.monotonic() - began, ids

    def containers(self, docker_client: docker.DockerClient) -> list:
        return docker_client.containers.list(
            ignore_removed=True, all=True, filters={"label": f"{TEST_LABEL}.name={self.name}"}
        )

    def close(self) -> None:
        kill_marked(self.mark)  # a failed round: end what is left
        self.terminal.kill()


def container_processes(ids: list[str]) -> list[str]:
    """Command lines of processes of these containers (runc/runsc shims, sandboxes)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if any(cid in line for cid in ids):
            found.append(line[:120])
    return found


def test_the_dashboard_ends_promptly_and_leaves_nothing_however_and_whenever_it_ends(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    training_image: BuildResult,
    monkeypatch: pytest.MonkeyPatch,
    record_property,
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(lab.project))  # one lesson disk cache for all rounds
    seed = int(os.environ.get("LAB_ENDING_SEED", time.time_ns() % 100000))
    rng = random.Random(seed)
    record_property("seed", seed)
    slowest = 0.0
    for number in range(LOOPS):
        phase, ending = PHASES[number % 3], ENDINGS[(number // 3) % 4]
        own_session = ending == "terminal closed" and (number // 12) % 2 == 1
        round_ = Round(number, lab, own_session=own_session)
        try:
            moment = round_.drive(phase, rng)
            took, ids = round_.end(ending, docker_client)
            how = ending + (" (own session)" if own_session else "")
            print(f"round {number}: {phase}, {how} at {moment:.1f} s: ended in {took:.2f} s")
            left = [c.name for c in round_.containers(docker_client)]
            assert not left, f"round {number} ({phase}, {how}): containers left {left}"
            assert not list(runs_dir(lab).glob("*")), f"round {number}: a key copy was left"
            deadline = time.monotonic() + 20  # the kernel reaps what was already dying
            while container_processes(ids) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not container_processes(ids), container_processes(ids)
            slowest = max(slowest, took)
        finally:
            round_.close()
            for container in round_.containers(docker_client):
                with contextlib.suppress(docker.errors.NotFound):  # its own ending removed it
                    container.remove(force=True)
    record_property("rounds", LOOPS)
    record_property("slowest seconds", slowest)


def test_a_dashboard_busy_with_a_flood_of_keys_obeys_sigterm(record_property) -> None:
    mark = uuid.uuid4().hex
    terminal = Terminal(["/usr/bin/env", f"{MARK}={mark}", str(SCRIPT)], 30, 100)
    try:
        terminal.expect("Containers", seconds=120)

        def flood() -> None:  # 3 MiB of keys, as fast as the app reads them
            chunk = b"j" * 4096
            try:
                for _ in range(768):
                    os.write(terminal.fd, chunk)
            except OSError:
                pass  # the app ended: its terminal is gone

        threading.Thread(target=flood, daemon=True).start()
        time.sleep(2)  # it is busy now
        began = time.monotonic()
        os.kill(terminal.pid, signal.SIGTERM)
        status = terminal.wait(BOUND)
        assert status == 128 + signal.SIGTERM, status
        record_property("seconds", time.monotonic() - began)
        assert not marked(mark)
    finally:
        terminal.kill()
