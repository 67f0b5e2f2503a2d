"""The Volumes and Networks tabs and the prune preview, driven by keys against the real engine."""

from __future__ import annotations

import uuid

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import record_notices, until
from tui.engine.backend import DockerBackend
from tui.engine.prune import plan_prunes, run_prune
from tui.views.app import ContainerLabApp
from tui.views.prune_screen import PruneScreen
from tui.views.storage_panes import NetworksPane, VolumesPane
from tui.views.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.docker


async def test_a_volume_in_use_is_refused_and_an_unused_one_removed_after_a_yes(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = f"cl-test-vol-{uuid.uuid4().hex[:8]}"
    docker_client.volumes.create(name, labels=test_labels)
    user = docker_client.containers.create(
        TEST_IMAGE, ["true"], volumes={name: {"bind": "/v"}}, labels=test_labels
    )
    app = ContainerLabApp(DockerBackend())
    notices = record_notices(app)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("5")
            pane = app.query_one(VolumesPane)
            await until(pilot, lambda: name in pane.items, 60, "the volume row")
            assert pane.items[name].used_by == (user.name,)
            pane.table.move_cursor(row=pane.table.get_row_index(name))
            await pilot.press("D")
            # refused before asking: the notice and no question come from the same key press
            refusal = f"volume {name} is used by {user.name}"
            await until(pilot, lambda: refusal in notices, 60, "the refusal")
            assert not isinstance(app.screen, ConfirmScreen)
            assert docker_client.volumes.get(name)

            user.remove()
            await pilot.press("ctrl+r")
            await until(pilot, lambda: not pane.items[name].used_by, 60, "the volume to be unused")
            pane.table.move_cursor(row=pane.table.get_row_index(name))
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 60, "the question")
            await pilot.press("n")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), 60, "no question")
            assert docker_client.volumes.get(name)  # no: nothing removed
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 60, "the question")
            await pilot.press("y")
            await until(pilot, lambda: name not in pane.items, 60, "the row to go")
            # one removal, the yes's: a removal after the "no" would have made a second notice
            # (or an error, the volume being gone), or taken the row before the second D
            mentions = [note for note in notices if name in note]
            assert mentions == [refusal, f"removed volume {name}"], mentions
        with pytest.raises(docker.errors.NotFound):
            docker_client.volumes.get(name)
    finally:
        for container in docker_client.containers.list(
            ignore_removed=True, all=True, filters={"id": user.id}
        ):
            container.remove(force=True)
        for volume in docker_client.volumes.list(filters={"name": name}):
            volume.remove(force=True)


async def test_the_networks_tab_lists_a_labelled_network_with_its_subnet(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    name = f"cl-test-net-{uuid.uuid4().hex[:8]}"
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.231.9.0/24")])
    network = docker_client.networks.create(name, ipam=ipam, labels=test_labels)
    app = ContainerLabApp(DockerBackend())
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("6")
            pane = app.query_one(NetworksPane)
            await until(pilot, lambda: network.id in pane.items, 60, "the network row")
            row = [str(cell) for cell in pane.table.get_row(network.id)]
            assert row[0] == name and "10.231.9.0/24" in row
            pane.table.move_cursor(row=pane.table.get_row_index(network.id))
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 60, "the question")
            await pilot.press("y")
            await until(pilot, lambda: network.id not in pane.items, 60, "the row to go")
    finally:
        for leftover in docker_client.networks.list(names=[name]):
            leftover.remove()


async def test_the_prune_preview_lists_what_goes_and_says_what_was_freed(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    """The screen is handed a plan scoped to this session's label, so it prunes only ours."""
    writer = docker_client.containers.run(
        TEST_IMAGE,
        ["dd", "if=/dev/urandom", "of=/blob", "bs=1M", "count=3"],
        labels=test_labels,
        detach=True,
    )
    assert writer.wait(timeout=60)["StatusCode"] == 0
    api = docker_client.api
    app = ContainerLabApp(DockerBackend())
    notices = record_notices(app)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = PruneScreen(lambda: plan_prunes(api, test_labels), lambda p: run_prune(api, p))
        await app.push_screen(screen)
        await until(pilot, lambda: "containers" in screen.plans, 60, "the preview")
        assert [c.id for c in screen.plans["containers"].candidates] == [writer.id]
        assert screen.plans["containers"].reclaimable >= 3 * 1024 * 1024
        await pilot.press("p")
        # nothing ticked: nothing asked (the notice and no question come from the same key)
        await until(pilot, lambda: "tick a row with space first" in notices, 60, "the notice")
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("space")  # the cursor starts on the containers row
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 60, "the question")
        await pilot.press("y")
        await until(pilot, lambda: bool(screen.last_result), 60, "the outcome")
        assert screen.last_result.startswith("pruned 1 objects, freed ")
        assert "freed 0B" not in screen.last_result
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(writer.id)
