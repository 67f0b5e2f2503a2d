"""README's keys on one container and one image, pressed in the dashboard on the real engine:
`p` pauses and unpauses, `r` restarts (after a question), `t` stops, `u` starts, and `D` on the
Images tab removes an image (after a question). Each result is read back from the engine."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import docker
import pytest
from textual.pilot import Pilot

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.docker
SIZE = (160, 40)


def started_at(container: docker.models.containers.Container) -> datetime:
    container.reload()
    return datetime.fromisoformat(container.attrs["State"]["StartedAt"][:26] + "+00:00")


async def answer_yes(pilot: Pilot, app: ContainerLabApp, key: str) -> None:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what=f"{key}'s question")
    await pilot.press("y")
    await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the answer")


async def test_pause_restart_stop_and_start_one_container(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "600"], detach=True, labels=test_labels, init=True
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=SIZE) as pilot:
            pane = app.containers
            await until(pilot, lambda: container.id in pane.table.row_keys(), 60, "its row")
            pane.table.move_cursor(row=pane.table.get_row_index(container.id))
            await pilot.pause()

            def state() -> str:
                return pane.rows.infos[container.id].state

            await pilot.press("p")  # asks nothing
            await until(pilot, lambda: state() == "paused", 60, "paused")
            container.reload()
            assert container.status == "paused"
            await pilot.press("p")  # on a paused one: unpause
            await until(pilot, lambda: state() == "running", 60, "running again")
            container.reload()
            assert container.status == "running"

            before = started_at(container)
            await answer_yes(pilot, app, "r")
            await until(
                pilot,
                lambda: state() == "running" and pane.rows.infos[container.id].started_at != before,
                60,
                "a restart",
            )
            assert started_at(container) > before

            await answer_yes(pilot, app, "t")
            await until(pilot, lambda: state() == "exited", 60, "stopped")
            container.reload()
            assert container.status == "exited"
            await pilot.press("u")  # start asks nothing
            await until(pilot, lambda: state() == "running", 60, "started")
            container.reload()
            assert container.status == "running"
    finally:
        container.remove(force=True)


async def test_d_on_the_images_tab_removes_the_image_after_a_question(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    tag = f"cl-test-image-{uuid.uuid4().hex[:8]}:1"
    dockerfile = f"FROM {TEST_IMAGE}\nLABEL org.container-lab.test.image={tag}\n"
    image, _ = docker_client.images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag=tag, labels=test_labels, rm=True
    )
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        pane = app.images
        await until(pilot, lambda: image.id in pane.images, 60, "the image's row")
        pane.table.move_cursor(row=pane.table.get_row_index(image.id))
        await pilot.pause()
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 60, "the question")
        await pilot.press("n")
        await pilot.pause(0.5)
        assert docker_client.images.get(image.id)  # no: kept
        await answer_yes(pilot, app, "D")
        await until(pilot, lambda: image.id not in pane.images, 60, "the row to go")
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(image.id)
