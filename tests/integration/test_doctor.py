"""`container-lab doctor` on this machine, and the engine's socket as a user outside its group."""

from __future__ import annotations

import grp
import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from tests.second_user import run_as, second_user
from tui.engine.client import DEFAULT_SOCKET
from tui.host.access import socket_denied

ROOT = Path(__file__).resolve().parents[2]


def doctor(*args: str, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "doctor", *args],
        cwd=project,
        env={**os.environ, "CONTAINER_LAB_PROJECT": str(project)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_this_machine_is_ready_but_a_lab_without_a_key_cannot_train(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    """./lab test provisioned everything here; the fresh lab folder has no signing key yet."""
    result = doctor(project=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"lab folder: {tmp_path} (from $CONTAINER_LAB_PROJECT)"
    headers = [line for line in lines[1:-1] if not line.startswith(" ")]
    assert [header.split(" (")[0] for header in headers] == [
        "dashboard",
        "lesson",
        "keys",
        "train",
        "cluster",
        "test",
    ]
    assert [header.rsplit(": ", 1)[1] for header in headers] == [
        "ready",
        "ready",
        "ready",
        "1 missing",
        "ready",
        "ready",
    ]
    [engine] = [line for line in lines if line.startswith("  ok       engine ")]
    assert engine.endswith(f"the Docker engine the lab talks to (answers at {DEFAULT_SOCKET})")
    assert "  missing  signing key  signs the model (.lab/keys/signing-key.asc)" in lines
    assert lines[-1] == "missing for train: run `container-lab keys init`"


def test_install_on_a_ready_machine_changes_nothing_and_says_nothing(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    result = doctor("--install", "--quiet", "--for", "dashboard", project=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.bad_input
def test_a_typo_in_for_is_refused_with_the_choices(tmp_path: Path, bad_input) -> None:
    result = doctor("--for", "dashbaord", project=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'dashbaord'" in result.stderr and "Traceback" not in result.stderr
    bad_input("doctor --for an unknown command")


def test_a_user_outside_the_sockets_group_is_told_how_to_get_in(
    docker_client: docker.DockerClient,
) -> None:
    """Before, such a user heard "No engine is running and starting dockerd needs root" while
    the engine ran. A real second uid asks (Debian's python3: the venv's is under /root)."""
    code = f"from tui.host.access import socket_denied; print(socket_denied('{DEFAULT_SOCKET}'))"
    with second_user() as user:
        result = run_as(user, ["/usr/bin/python3", "-B", "-c", code], cwd=ROOT)
        assert result.returncode == 0, result.stderr
        group = os.stat(DEFAULT_SOCKET.removeprefix("unix://")).st_gid
        name = grp.getgrgid(group).gr_name
        assert result.stdout.strip() == (
            f"The engine at {DEFAULT_SOCKET} answers only to root and the {name} group: "
            f"`sudo adduser {user.name} {name}`, then log in again."
        )
    # And root, who may open it, is not told anything.
    assert socket_denied(DEFAULT_SOCKET) is None
