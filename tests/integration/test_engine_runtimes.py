"""The lab's gVisor runtime on a real dockerd: registered only on an engine the lab started (or when
asked), under its own name, with the engine's own daemon.json otherwise byte for byte.

Each test runs a private dockerd (bench/private_engine.py: its own config file, data root, exec
root, socket and network namespace), never the machine's engine or /etc/docker/daemon.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from bench.private_engine import PrivateEngine
from tests.conftest import TEST_IMAGE
from tests.unit.test_runtimes import ADMIN, assert_only_inserted
from tui.engine.runtimes import (
    LAB_RUNTIME,
    RUNSC_ARGS,
    record_started_engine,
    register_lab_runtime,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
RELOADED = "Got signal to reload configuration"  # what dockerd logs on SIGHUP


@pytest.fixture()
def admins_engine(docker_client: docker.DockerClient, tmp_path: Path) -> Iterator[PrivateEngine]:
    """A dockerd whose administrator registered their own runsc (without --network=host)."""
    config = tmp_path / "daemon.json"
    config.write_text(ADMIN.replace("/usr/local/bin/runsc", "/usr/bin/runsc"))
    engine = PrivateEngine(config_file=config)
    try:
        engine.start()
        yield engine
    finally:
        engine.destroy()


def _runtimes(engine: PrivateEngine) -> dict[str, dict]:
    client = docker.DockerClient(base_url=engine.url, timeout=30)
    try:
        return dict(client.info()["Runtimes"])
    finally:
        client.close()


def _register(engine: PrivateEngine, record: Path, *, explicit: bool = False) -> str:
    assert engine.config_file is not None
    return register_lab_runtime(
        engine.url,
        explicit=explicit,
        record=record,
        config=engine.config_file,
        pid_file=engine.root / "docker.pid",
    )


def _kernel_under(engine: PrivateEngine, runtime: str) -> str:
    engine.load_image(TEST_IMAGE)
    client = docker.DockerClient(base_url=engine.url, timeout=120)
    try:
        out = client.containers.run(
            TEST_IMAGE, ["uname", "-r"], runtime=runtime, network_mode="none", remove=True
        )
        return out.decode().strip()
    finally:
        client.close()


def test_an_engine_the_lab_did_not_start_is_left_alone(
    admins_engine: PrivateEngine, tmp_path: Path
) -> None:
    assert admins_engine.config_file is not None
    before = admins_engine.config_file.read_bytes()
    listed = _runtimes(admins_engine)
    dead = tmp_path / "stale.json"  # the record of a dockerd that is gone
    config = str(admins_engine.config_file)
    dead.write_text(
        json.dumps({"pid": 999999999, "started": 1, "url": admins_engine.url, "config": config})
    )
    for record in (tmp_path / "none.json", dead):
        said = _register(admins_engine, record)
        assert "not started by the lab" in said and "\n" not in said, said
        assert "--gvisor" in said
    assert admins_engine.config_file.read_bytes() == before, "daemon.json was rewritten"
    assert RELOADED not in admins_engine.log.read_text(), "dockerd was sent SIGHUP"
    assert _runtimes(admins_engine) == listed


def test_the_labs_own_engine_gets_its_runtime_and_the_admins_runsc_is_kept(
    admins_engine: PrivateEngine, tmp_path: Path
) -> None:
    assert admins_engine.config_file is not None
    before = admins_engine.config_file.read_text()
    admins_runsc = _runtimes(admins_engine)["runsc"]
    record = tmp_path / "engine.json"
    pid = int((admins_engine.root / "docker.pid").read_text())
    record_started_engine(pid, admins_engine.url, admins_engine.config_file, record)
    said = _register(admins_engine, record)
    assert said.startswith(f"gVisor: registered {LAB_RUNTIME}"), said
    assert LAB_RUNTIME in assert_only_inserted(before, admins_engine.config_file.read_text())
    listed = _runtimes(admins_engine)
    assert listed["runsc"] == admins_runsc, "the administrator's runsc entry changed"
    assert listed[LAB_RUNTIME]["runtimeArgs"] == list(RUNSC_ARGS)
    assert RELOADED in admins_engine.log.read_text()
    assert _kernel_under(admins_engine, LAB_RUNTIME) == "4.4.0"  # gVisor's own kernel
    assert _register(admins_engine, record) == f"gVisor: {LAB_RUNTIME} already registered"


def test_asked_explicitly_any_engine_gets_the_runtime(
    admins_engine: PrivateEngine, tmp_path: Path
) -> None:
    assert admins_engine.config_file is not None
    before = admins_engine.config_file.read_text()
    said = _register(admins_engine, tmp_path / "none.json", explicit=True)
    assert said.startswith(f"gVisor: registered {LAB_RUNTIME}"), said
    assert_only_inserted(before, admins_engine.config_file.read_text())
    assert LAB_RUNTIME in _runtimes(admins_engine)
