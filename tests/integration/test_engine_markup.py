"""Engine text is never markup (issue 21, item 6): a compose project named `[/oops]` made every
dashboard exit with MarkupError, and `[@click=app.quit]` in a label became a live link.

Real objects on the real engine carry such text in every place the dashboard shows it: a
container's compose project, service, labels, environment, command and log; an image's label
and history; a volume's labels; a network's name. The dashboard opens every tab and view on
them, shows the text as typed, and keeps running.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import docker
import pytest
from rich.console import Console
from textual.widgets import Label, Static

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.actions import ContainerAction
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.containers.detail import DetailScreen
from tui.views.images_pane import ImagesPane
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.presentation import project_key
from tui.views.storage_panes import NetworksPane, VolumesPane

pytestmark = pytest.mark.docker

BROKEN = "[/oops]"  # closes a tag never opened: MarkupError
LINK = "[@click=app.quit]quit[/]"  # valid markup: a live link that quits the app
STYLE = "[b red]bold[/]"


def rendered(renderable: object, width: int = 1000) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


@pytest.fixture()
def marked(docker_client: docker.DockerClient, test_labels: dict[str, str]) -> Iterator[dict]:
    """A container, an image, a volume and a network whose text is markup."""
    tag = uuid.uuid4().hex[:8]
    made: dict = {"tag": tag}
    image, _ = docker_client.images.build(
        fileobj=io.BytesIO(
            f'FROM {TEST_IMAGE}\nLABEL note="{BROKEN} {LINK}"\n'
            f'ENV MARK="{STYLE}"\nCMD ["echo", "{BROKEN}"]\n'.encode()
        ),
        labels=test_labels,
        tag=f"container-lab/markup-test:{tag}",
        rm=True,
    )
    made["image"] = image
    labels = {
        **test_labels,
        "com.docker.compose.project": f"{BROKEN}{tag}",
        "com.docker.compose.service": LINK,
        "note": f"{LINK} {STYLE}",
    }
    made["container"] = docker_client.containers.run(
        image.id,
        ["sh", "-c", f"echo '{BROKEN} {LINK} {STYLE}'; sleep 600"],
        name=f"markup-{tag}",
        labels=labels,
        environment={"ODD": BROKEN},
        detach=True,
    )
    made["volume"] = docker_client.volumes.create(
        f"markup-{tag}", labels={**test_labels, "note": LINK}
    )
    made["network"] = docker_client.networks.create(
        f"{BROKEN}{LINK}-{tag}", labels={**test_labels, "note": STYLE}
    )
    try:
        yield made
    finally:
        made["container"].remove(force=True)
        made["volume"].remove(force=True)
        made["network"].remove()


async def test_markup_in_every_engine_name_is_shown_as_typed_and_crashes_nothing(marked):
    container, network = marked["container"], marked["network"]
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(200, 50)) as pilot:
        pane = app.containers
        await until(pilot, lambda: container.id in pane.rows.infos, seconds=120)
        project = f"{BROKEN}{marked['tag']}"
        header = project_key(project)
        await until(pilot, lambda: header in pane.table.row_keys())
        # the project's header row and its stats line, under the cursor
        pane.table.move_cursor(row=pane.table.get_row_index(header))
        await pilot.pause()
        assert project in str(pane.table.get_cell(header, "name"))
        assert project in str(pane.query_one("#cpu-label", Label).render())

        pane.table.move_cursor(row=pane.table.get_row_index(container.id))
        await pilot.pause()
        app.container_request(ContainerAction.DETAIL, container.id)
        await until(
            pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.query("#detail")
        )
        detail = rendered(app.screen.query_one("#detail", Static).content)
        for text in (f"com.docker.compose.service={LINK}", f"note={LINK} {STYLE}", STYLE):
            assert text in detail, detail
        await pilot.press("escape")

        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.query("#log"))
        logs = app.screen
        assert isinstance(logs, LogsScreen)
        await until(pilot, lambda: any(BROKEN in line.text for line in logs.view.lines))
        assert any(f"{BROKEN} {LINK} {STYLE}" == line.text for line in logs.view.lines)
        await pilot.press("f", *BROKEN, "enter")  # the filter and the status line take it too
        await until(pilot, lambda: BROKEN in str(logs.query_one("#log-status", Label).render()))
        await pilot.press("escape")

        await pilot.press("i")
        await until(
            pilot, lambda: isinstance(app.screen, InspectScreen) and app.screen.query("Tree")
        )
        inspect = app.screen
        assert isinstance(inspect, InspectScreen)
        await until(pilot, lambda: bool(inspect.nodes), seconds=60)
        labels = "\n".join(str(node.label) for node in inspect.nodes)
        assert f'"com.docker.compose.service": "{LINK}"' in labels
        await pilot.press("slash", *LINK, "enter")
        await until(pilot, lambda: bool(inspect.found))
        await pilot.press("escape")

        await pilot.press("2")  # images: the label and the history's instructions
        images = app.screen.query_one(ImagesPane)
        image_id = marked["image"].id
        await until(pilot, lambda: image_id in images.table.row_keys(), seconds=60)
        images.table.move_cursor(row=images.table.get_row_index(image_id))
        await until(pilot, lambda: bool(images.query("#history-table")), seconds=60)
        layers = images.query_one("#history-table")
        await until(pilot, lambda: any(BROKEN in str(row) for row in _cells(layers)), seconds=60)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen))
        await until(pilot, lambda: bool(app.screen.nodes), seconds=60)  # type: ignore[attr-defined]
        await pilot.press("escape")

        await pilot.press("5")
        volumes = app.screen.query_one(VolumesPane)
        await until(pilot, lambda: marked["volume"].name in volumes.items, seconds=120)
        await pilot.press("6")
        networks = app.screen.query_one(NetworksPane)
        await until(pilot, lambda: network.id in networks.items, seconds=60)
        assert f"{BROKEN}{LINK}" in str(networks.table.get_cell(network.id, "name"))
        networks.table.move_cursor(row=networks.table.get_row_index(network.id))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InspectScreen))
        assert f"{BROKEN}{LINK}" in str(app.screen.sub_title)
        await pilot.press("escape")
        for tab in "12347":
            await pilot.press(tab)
            await pilot.pause()
        assert app.is_running and app.return_code is None  # no crash, no link quit it


def _cells(table) -> list[str]:
    return [" ".join(str(cell) for cell in table.get_row(key)) for key in table.rows]
