"""`container-lab cluster up|status|down` for real: bad input refused in one line with nothing
left, and `down` removing exactly what `up` made (also after `up` was killed half-way).

These make clusters of their own (2 nodes, named apart from the session's), in their own
folder and docker context store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.cluster_fixture import FAST_ROOT
from tests.conftest import SESSION_ID
from tests.second_user import run_as, second_user
from tui.cluster.host import cluster_processes, mounts_under, namespaces
from tui.cluster.plan import CLUSTERS_ENV
from tui.engine.contexts import context_names

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def places(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A clusters folder and a context store of this test's own (short paths: unix sockets)."""
    base = Path(tempfile.mkdtemp(prefix="clc-", dir=FAST_ROOT))
    config = tmp_path / "docker"
    config.mkdir()
    yield {CLUSTERS_ENV: str(base), "DOCKER_CONFIG": str(config)}
    subprocess.run(["rm", "-rf", str(base)], check=False)


def lab(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=PROJECT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def nothing_left(name: str, env: dict[str, str]) -> list[str]:
    """What of cluster `name` is still on this machine (empty: nothing)."""
    folder = Path(env[CLUSTERS_ENV]) / name
    left = [f"namespace {ns}" for ns in namespaces() if ns.startswith(f"cl-{name}-")]
    left += [f"mount {point}" for point in mounts_under(str(folder))]
    left += [f"process {p.pid}" for p in cluster_processes(str(folder))]
    left += [f"context {c}" for c in context_names({"DOCKER_CONFIG": env["DOCKER_CONFIG"]})]
    left += [f"folder {folder}"] if folder.exists() else []
    return left


def swarm_state(client: docker.DockerClient) -> str:
    return str(client.info()["Swarm"]["LocalNodeState"])


@pytest.mark.bad_input
def test_up_refuses_bad_node_counts_and_names_in_one_line_leaving_nothing(
    docker_client, places, bad_input
):
    name = f"b{SESSION_ID[:8]}"
    cases = {
        "no nodes": (["--nodes", "0"], "at least 1 node"),
        "negative nodes": (["--nodes", "-2"], "at least 1 node"),
        "more nodes than the machine holds": (["--nodes", "100000"], "holds at most"),
        "a name no namespace can carry": (["--name", "Bad Name!"], "cluster name"),
    }
    for label, (args, said) in cases.items():
        result = lab(places, "cluster", "up", "--name", name, *args)
        assert result.returncode == 2, (label, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and said in lines[0], (label, result.stderr)
        assert "Traceback" not in result.stderr
        assert not nothing_left(name, places), label
        bad_input(label)


@pytest.mark.bad_input
def test_up_where_namespaces_cannot_be_made_says_so_and_leaves_nothing(
    docker_client, places, bad_input
):
    """A second account (no root, no Docker access) cannot make namespaces or start dockerd.

    It runs Debian's python3 on the project's venv packages: the venv's own interpreter lives
    under root's home, which other accounts cannot enter.
    """
    name = f"u{SESSION_ID[:8]}"
    base = Path(places[CLUSTERS_ENV])
    base.chmod(0o777)
    (base / "docker").mkdir(mode=0o755)  # a context store it may read (the test's is 700)
    site = next((PROJECT / ".venv" / "lib").glob("python3*/site-packages"))
    with second_user() as user:
        result = run_as(
            user,
            ["/usr/bin/python3", "-m", "tui.cli", "cluster", "up", "--name", name],
            cwd=PROJECT,
            env={
                **os.environ,
                CLUSTERS_ENV: str(base),
                "DOCKER_CONFIG": str(base / "docker"),
                "HOME": str(base),
                "PYTHONPATH": f"{PROJECT}:{site}",
            },
        )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "need root" in lines[0], result.stderr
    assert not nothing_left(name, places)
    bad_input("up as an account that cannot make namespaces")


@pytest.mark.fault
def test_down_after_a_killed_up_and_after_a_full_up_leaves_nothing(docker_client, places, fault):
    """`up` killed (SIGKILL) once its first engine runs: `status` says it is left over and
    `down` removes all of it. Then a complete `up`: nodes Ready, contexts made, the main
    engine's Swarm state untouched; `down` again leaves nothing."""
    name = f"k{SESSION_ID[:8]}"
    before = swarm_state(docker_client)
    state_file = Path(places[CLUSTERS_ENV]) / name / "state.json"
    up = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "cluster", "up", "--name", name, "--nodes", "2"],
        cwd=PROJECT,
        env={**os.environ, **places},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the state file names a dockerd: kill `up` now
        if state_file.exists() and any(
            n["pid"] for n in json.loads(state_file.read_text())["nodes"]
        ):
            break
        assert up.poll() is None, "cluster up ended before its first engine started"
        time.sleep(0.05)
    up.send_signal(signal.SIGKILL)
    up.wait(timeout=30)
    assert [ns for ns in namespaces() if ns.startswith(f"cl-{name}-")], "nothing was made yet"
    status = lab(places, "cluster", "status", "--name", name)
    assert status.returncode == 2 and "interrupted" in status.stderr, status.stderr
    down = lab(places, "cluster", "down", "--name", name)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not nothing_left(name, places), nothing_left(name, places)
    fault("cluster up killed half-way, then down")

    up_again = lab(places, "cluster", "up", "--name", name, "--nodes", "2")
    assert up_again.returncode == 0, up_again.stdout + up_again.stderr
    status = lab(places, "cluster", "status", "--name", name)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count(" ready ") == 2 and "manager (leader)" in status.stdout
    assert sorted(context_names({"DOCKER_CONFIG": places["DOCKER_CONFIG"]})) == [
        f"{name}-node-1",
        f"{name}-node-2",
    ]
    again = lab(places, "cluster", "up", "--name", name)
    assert again.returncode == 2 and "is up" in again.stderr, again.stderr  # never a second one
    down = lab(places, "cluster", "down", "--name", name)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not nothing_left(name, places), nothing_left(name, places)
    assert swarm_state(docker_client) == before, "the main engine's Swarm was changed"
