"""`demo up` / `demo down` on the real engine: the demo set runs as described, and `down` removes
exactly its own containers. Each test makes a set of its own (its prefix, its session's labels,
any free port), so the machine's own demo set and other tests' containers are never touched.
"""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import SESSION_LABELS, TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.engine.compose import config_paths
from tui.engine.stats.api import memory_usage
from tui.lab.demo import DEMO_LABEL, HALF_A_CORE, HOLD_MIB, DemoSet, demo_down, demo_up
from tui.session import DockerLab
from tui.views.app import ContainerLabApp

ROLES = ("idle", "web", "cpu", "memory", "compose-web", "compose-poller")


@pytest.fixture()
def demo(docker_client: docker.DockerClient) -> Iterator[DemoSet]:
    """A demo set of this test's own, always taken down again."""
    own = uuid.uuid4().hex[:6]
    demo = DemoSet(
        prefix=f"cl-demo-t{own}-",
        labels={**SESSION_LABELS, f"{DEMO_LABEL}.set": own},
        web_port=0,
        image=TEST_IMAGE,
    )
    try:
        yield demo
    finally:
        demo_down(docker_client, demo)


def _names(client: docker.DockerClient, demo: DemoSet) -> dict[str, str]:
    found = client.containers.list(
        ignore_removed=True, all=True, filters={"label": demo.label_filter}
    )
    return {c.name.removeprefix(demo.prefix): c.id for c in found}


def _working_set(client: docker.DockerClient, name: str, at_least: int) -> int:
    deadline = time.monotonic() + 60
    while True:
        used = memory_usage(client.api.stats(name, stream=False))
        if used >= at_least or time.monotonic() > deadline:
            return used
        time.sleep(0.5)


def test_demo_up_runs_the_set_and_down_removes_only_it(
    docker_client: docker.DockerClient, demo: DemoSet, test_labels
):
    unrelated = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "infinity"], labels=test_labels, detach=True, init=True
    )
    # Another demo set's container: same demo label, another set.
    other_demo = docker_client.containers.run(
        TEST_IMAGE,
        ["sleep", "infinity"],
        labels={**test_labels, DEMO_LABEL: "1", f"{DEMO_LABEL}.set": "another"},
        detach=True,
        init=True,
    )
    lines = demo_up(docker_client, demo)
    assert len(lines) == len(ROLES), lines
    ids = _names(docker_client, demo)
    assert sorted(ids) == sorted(ROLES)
    for role in ROLES:
        container = docker_client.containers.get(demo.prefix + role)
        assert container.status == "running", (role, container.logs()[-300:])
        assert container.labels[DEMO_LABEL] == "1"
    for role in ("compose-web", "compose-poller"):
        labels = docker_client.containers.get(demo.prefix + role).labels
        assert labels["com.docker.compose.project"] == demo.project
        # the dashboard's project actions run compose on these files: they must outlive `up`
        files = config_paths(
            labels["com.docker.compose.project.working_dir"],
            labels["com.docker.compose.project.config_files"],
        )
        assert len(files) == 2 and all(Path(f).is_file() for f in files), files

    cpu = docker_client.api.inspect_container(demo.prefix + "cpu")
    assert cpu["HostConfig"]["NanoCpus"] == HALF_A_CORE == 5e8

    web = docker_client.api.inspect_container(demo.prefix + "web")
    binding = web["NetworkSettings"]["Ports"]["8080/tcp"][0]
    assert binding["HostIp"] == "127.0.0.1"
    url = f"http://127.0.0.1:{binding['HostPort']}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                assert answer.status == 200
                assert b"container lab demo" in answer.read()
                break
        except OSError:
            assert time.monotonic() < deadline, f"nothing answers at {url}"
            time.sleep(0.5)

    held = _working_set(docker_client, demo.prefix + "memory", HOLD_MIB * 2**20)
    assert held >= HOLD_MIB * 2**20, f"the memory holder's working set is {held / 2**20:.1f} MiB"

    again = demo_up(docker_client, demo)
    assert _names(docker_client, demo) == ids, "a second `demo up` keeps the running set"
    assert sorted(again) == sorted(
        f"{demo.prefix}{role}: already running"
        if not role.startswith("compose-")
        else f"{demo.prefix}{role}: compose service of project {demo.project}"
        for role in ROLES
    ), again

    removed = demo_down(docker_client, demo)
    assert not _names(docker_client, demo)
    assert any(line.startswith("network ") for line in removed), removed
    assert not docker_client.networks.list(filters={"label": demo.label_filter})
    for survivor in (unrelated, other_demo):
        survivor.reload()
        assert survivor.status == "running"
    unrelated.remove(force=True)
    other_demo.remove(force=True)


async def test_the_palette_actions_start_and_remove_the_set_through_a_worker(
    docker_client: docker.DockerClient, demo: DemoSet
):
    lab = DockerLab(demo_set=demo)
    app = ContainerLabApp(DockerBackend(), lab=lab)
    async with app.run_test(size=(140, 40)) as pilot:
        commands = {c.title: c.callback for c in app.get_system_commands(app.screen)}
        commands["Start demo containers"]()
        names = {demo.prefix + role for role in ROLES}

        def shown() -> set[str]:
            return {info.name for info in app.containers.rows.infos.values()} & names

        await until(pilot, lambda: shown() == names, 90, "every container of the set")
        commands["Remove demo containers"]()
        await until(pilot, lambda: not shown(), 90, "no container of the set")
    assert not _names(docker_client, demo)
