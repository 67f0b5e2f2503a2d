"""`container-lab engine up` registers gVisor's runsc with the running local engine."""

from __future__ import annotations

import docker
import pytest

from tui.cli import main
from tui.engine.runtimes import DAEMON_JSON, read_daemon_json


@pytest.mark.timeout(120)
def test_engine_up_leaves_the_engine_listing_runsc(
    docker_client: docker.DockerClient, capsys, monkeypatch
):
    monkeypatch.delenv("DOCKER_HOST", raising=False)  # the local default engine, the one `lab` runs
    assert main(["engine", "up", "--no-base-image", "--no-install"]) == 0
    out = capsys.readouterr().out
    assert "engine: already running" in out and "gVisor:" in out and "runsc" in out
    assert "runsc" in docker_client.info()["Runtimes"]
    runsc = read_daemon_json(DAEMON_JSON)["runtimes"]["runsc"]
    assert "--network=host" in runsc["runtimeArgs"]
