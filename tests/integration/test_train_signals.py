"""A stop signal during `container-lab train` leaves no container, no key copy and no snapshot.

Issue 21 item 10 (and issue 26 item 2): SIGTERM during `./lab train` left the container running
and the run's copy of the key on disk for 24 h. The real CLI runs here as a process of its own
against the real engine; each iteration sends a signal at a random moment of one phase (the
image build, the container's start, the training), mostly SIGTERM, sometimes SIGHUP or SIGINT,
then looks for anything the run left behind.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.lab_fixtures import PROJECT, copy_lab
from tui.engine.build import BuildResult
from tui.engine.compose import COMPOSE_ENV
from tui.lab.run_secrets import runs_dir
from tui.paths import LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
ITERATIONS = 21
TAG = session_tag("-signals")
PROGRESS = re.compile(r"^\s*\d+%  ")
# What the CLI prints when a phase begins, and how long after it the signal may come (s).
PHASES: dict[str, tuple[Callable[[str], bool], float]] = {
    "build": (lambda line: line.startswith("build "), 0.6),
    "start": (lambda line: line.startswith("start  container"), 0.3),
    "training": (lambda line: bool(PROGRESS.match(line)), 1.5),
}


@pytest.fixture()
def signal_lab(
    docker_client: docker.DockerClient, training_image: BuildResult, tmp_path: Path
) -> Iterator[LabPaths]:
    """A lab copy; afterwards nothing of this test's image is left running, whatever happened."""
    lab = copy_lab(tmp_path / "lab")
    try:
        yield lab
    finally:
        for container in _left(docker_client):
            container.remove(force=True)


def _left(client: docker.DockerClient) -> list:
    try:
        return client.containers.list(ignore_removed=True, all=True, filters={"ancestor": TAG})
    except docker.errors.NotFound:
        return []  # the image itself is not built yet


def _train(lab: LabPaths, tmp: Path, *options: str) -> subprocess.Popen[str]:
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(Path.home()),
        "CONTAINER_LAB_PROJECT": str(lab.project),
        "LAB_IMAGE": TAG,
        "TMPDIR": str(tmp),  # where the trusted-keys snapshot goes: this test's own folder
        **{k: v for k, v in os.environ.items() if k in ("DOCKER_CONFIG", COMPOSE_ENV)},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "train", *options],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _key_copies(lab: LabPaths) -> list[Path]:
    """The runs' copies of the key in .lab/run/ (which the first run creates)."""
    folder = runs_dir(lab)
    return list(folder.iterdir()) if folder.exists() else []


def _until(process: subprocess.Popen[str], seen: Callable[[str], bool]) -> list[str]:
    """Lines of stdout up to the first one `seen` accepts (all of them if it never comes)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if seen(lines[-1]):
            break
    return lines


def test_a_stop_signal_at_any_moment_leaves_nothing_behind(
    docker_client: docker.DockerClient,
    signal_lab: LabPaths,
    tmp_path: Path,
    fault: Callable[[str], None],
) -> None:
    rng = random.Random()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    sent: list[str] = []
    for number in range(ITERATIONS):
        phase = list(PHASES)[number % len(PHASES)]
        seen, latest = PHASES[phase]
        stop = (signal.SIGHUP, signal.SIGINT)[number % 2] if number % 7 == 6 else signal.SIGTERM
        process = _train(signal_lab, tmp)
        lines = _until(process, seen)
        assert process.poll() is None, f"train ended before its {phase}: {lines[-5:]}"
        delay = rng.uniform(0, latest)
        time.sleep(delay)  # a random moment of the phase, not a wait for anything
        process.send_signal(stop)
        _, err = process.communicate(timeout=300)
        where = f"iteration {number}, {stop.name} {delay:.2f} s into the {phase}"
        sent.append(where)
        assert process.returncode == 128 + stop, f"{where}: exit {process.returncode}: {err}"
        assert f"training stopped by {stop.name}" in err and "Traceback" not in err, err
        assert not _left(docker_client), f"{where}: the container was left"
        assert not _key_copies(signal_lab), f"{where}: the key copy was left"
        assert not list(tmp.iterdir()), f"{where}: the trusted-keys snapshot was left"
        assert not list(signal_lab.models.glob(".*partial")), f"{where}: a partial file"
        fault(f"train: {stop.name} during the {phase}")
    print("\n".join(sent))


# What compose prints when a phase begins, and how long after it the signal may come (s). The
# build's first step is always signalled at once: compose's `docker build` child then outlived
# compose and wrote its image-id file to TMPDIR (the landing CI of stop 30 caught one).
COMPOSE_PHASES: dict[str, tuple[Callable[[str], bool], float]] = {
    "build's first step": (lambda line: "Step 1/" in line, 0.0),
    "build": (lambda line: "Step 1/" in line, 1.0),
    "training": (lambda line: '"stage"' in line, 1.0),
}


def _ours(tmp: Path) -> list[str]:
    """Processes whose command line names this test's TMPDIR (compose's `docker build` does)."""
    found = subprocess.run(["pgrep", "-af", str(tmp)], capture_output=True, text=True, check=False)
    return found.stdout.splitlines()


def test_a_stop_signal_during_a_compose_run_leaves_nothing_behind(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    tmp_path: Path,
    fault: Callable[[str], None],
) -> None:
    """`train --compose`: compose is stopped, `down` runs, the copies go."""
    project = f"clsig{uuid.uuid4().hex[:8]}"  # compose names the project after the folder
    lab = copy_lab(tmp_path / project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    filters = {"label": f"com.docker.compose.project={project}"}
    try:
        for phase, (seen, latest) in COMPOSE_PHASES.items():
            process = _train(lab, tmp, "--compose")
            lines = _until(process, seen)
            assert process.poll() is None, f"train --compose ended before its {phase}: {lines}"
            time.sleep(random.uniform(0, latest))  # a random moment of the phase
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=300)
            assert process.returncode == 128 + signal.SIGTERM, (process.returncode, out, err)
            assert not _ours(tmp), f"{phase}: a process of the run outlived it: {_ours(tmp)}"
            assert not docker_client.containers.list(ignore_removed=True, all=True, filters=filters)
            assert not _key_copies(lab), f"{phase}: the key copy was left"
            left = [path.name for path in tmp.iterdir()]
            assert not left, f"{phase}: left in TMPDIR: {left}"
            fault(f"train --compose: SIGTERM during the {phase}")
    finally:
        for container in docker_client.containers.list(
            ignore_removed=True, all=True, filters=filters
        ):
            container.remove(force=True)
