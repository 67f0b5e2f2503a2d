"""The raw inspect view on the real engine: a labelled container's full `docker inspect` as a
foldable tree, searched with n/N, env and secret values masked until `v` (never read-only),
and the same view for an image, a volume and a network."""

from __future__ import annotations

import contextlib
import io
import uuid

import docker
from rich.console import Console
from textual.widgets import Label, Static

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import record_notices, until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.containers.detail import DetailScreen
from tui.views.inspect.screen import InspectScreen

SECRET = f"s3cr3t-{uuid.uuid4().hex[:8]}"
ENV = [f"API_TOKEN={SECRET}", "PLAIN_SETTING=visible-value"]


def node(screen: InspectScreen, *path: str | int):
    return next(n for n in screen.nodes if n.data is not None and n.data.path == path)


def labels(screen: InspectScreen) -> str:
    return "\n".join(str(n.label) for n in screen.nodes)


async def open_inspect(pilot, app: ContainerLabApp, container_id: str) -> InspectScreen:
    """Put the table's cursor on the container and press i; wait for the document."""
    pane = app.containers
    await until(pilot, lambda: container_id in pane.table.row_keys(), tries=400)
    pane.table.move_cursor(row=pane.table.get_row_index(container_id))
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, InspectScreen))
    screen = app.screen
    assert isinstance(screen, InspectScreen)
    await until(pilot, lambda: bool(screen.nodes), tries=400)
    return screen


async def test_inspect_shows_searches_folds_and_masks_until_asked(docker_client, test_labels):
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "600"], detach=True, labels=test_labels, init=True, environment=ENV
    )
    try:
        app = ContainerLabApp(DockerBackend())
        notices = record_notices(app)
        async with app.run_test(size=(140, 50)) as pilot:
            screen = await open_inspect(pilot, app, container.id)
            tree = screen.json_tree
            # the JSON of the engine, pretty-printed
            assert str(node(screen, "Id").label) == f'"Id": "{container.id}"'
            assert str(node(screen, "Config", "Image").label) == f'"Image": "{TEST_IMAGE}"'
            env = node(screen, "Config", "Env", 0)
            # masked: the names show, the values do not, anywhere
            assert str(env.label) == '0: "API_TOKEN=***"'
            assert SECRET not in labels(screen) and "visible-value" not in labels(screen)
            assert "hidden (v shows them)" in str(
                screen.query_one("#inspect-status", Label).render()
            )

            # search: highlighted, counted, n / N move between matches
            await pilot.press("slash", *"org.container-lab.test", "enter")
            await pilot.pause()
            assert len(screen.found) >= 2, screen.found
            first = tree.cursor_node
            assert first in screen.found and "org.container-lab.test" in str(first.label)
            assert any(span.style == "bold black on yellow" for span in first.label.spans)
            await pilot.press("n")
            assert tree.cursor_node is screen.found[1]
            await pilot.press("N")
            assert tree.cursor_node is first
            await pilot.press("slash", "escape")  # escape clears the search
            assert screen.term == "" and not screen.found

            # fold: the object under the cursor, a value's parent, all, then unfold all
            config = node(screen, "Config")
            tree.show_node(config)
            await pilot.press("space")
            assert not config.is_expanded
            await pilot.press("space")
            assert config.is_expanded
            tree.show_node(env)
            await pilot.press("space")  # a plain value folds the list it is in
            assert not node(screen, "Config", "Env").is_expanded
            assert tree.cursor_node is node(screen, "Config", "Env")
            await pilot.press("minus")
            assert not any(top.is_expanded for top in tree.root.children)
            assert tree.cursor_node is config  # the cursor climbs to its top-level key
            # a search reaches into folded objects and unfolds what hides the match
            await pilot.press("slash", *"PLAIN_SETTING", "enter")
            await pilot.pause()
            assert tree.cursor_node is node(screen, "Config", "Env", 1)
            assert config.is_expanded and node(screen, "Config", "Env").is_expanded
            await pilot.press("plus")
            assert all(n.is_expanded for n in screen.nodes if n.allow_expand)

            # reveal, then hide again
            await pilot.press("v")
            assert str(env.label) == f'0: "API_TOKEN={SECRET}"'
            assert "visible-value" in labels(screen)
            await pilot.press("v")
            assert SECRET not in labels(screen)
            # the container goes: its inspect view closes with a notice, like its detail
            container.remove(force=True)
            await until(pilot, lambda: not isinstance(app.screen, InspectScreen), tries=400)
            await until(pilot, lambda: any("its view was closed" in n for n in notices))
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)


async def test_read_only_never_reveals_in_inspect_nor_in_the_detail(docker_client, test_labels):
    container = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "600"], detach=True, labels=test_labels, init=True, environment=ENV
    )
    try:
        app = ContainerLabApp(DockerBackend(), read_only=True)
        notices = record_notices(app)
        async with app.run_test(size=(140, 50)) as pilot:
            screen = await open_inspect(pilot, app, container.id)
            keys = {b.key for _, b, enabled, _ in screen.active_bindings.values() if enabled}
            assert "v" not in keys and "slash" in keys  # the reveal key is not offered
            await pilot.press("v")
            await pilot.pause()
            screen.action_toggle_reveal()  # what a palette or a remapped key would reach
            await until(pilot, lambda: any("read-only" in n for n in notices))
            assert "read-only: showing secret values is disabled" in notices
            assert not screen.reveal and SECRET not in labels(screen)
            assert "hidden (read-only)" in str(screen.query_one("#inspect-status", Label).render())
            await pilot.press("escape")

            await until(pilot, lambda: not isinstance(app.screen, InspectScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DetailScreen))
            detail = app.screen
            assert isinstance(detail, DetailScreen) and detail.info.id == container.id

            def shown() -> str:
                console = Console(width=140, file=io.StringIO(), color_system=None)
                console.print(detail.query_one("#detail", Static).content)
                return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]

            await pilot.press("v")
            await pilot.pause()
            detail.action_toggle_env()
            await pilot.pause()
            assert not detail.show_env
            assert SECRET not in shown() and "values hidden: read-only" in shown()
            assert "read-only: showing environment values is disabled" in notices
            # the detail's own `i` opens the same inspect view
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, InspectScreen))
    finally:
        container.remove(force=True)


async def inspect_selected(pilot, app: ContainerLabApp, kind: str) -> InspectScreen:
    """Press i on the selected row of the shown tab; wait for the document."""
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, InspectScreen))
    screen = app.screen
    assert isinstance(screen, InspectScreen) and screen.kind == kind
    await until(pilot, lambda: bool(screen.nodes), tries=400)
    return screen


async def select_row(pilot, table, key: str) -> None:
    await until(pilot, lambda: key in table.row_keys(), tries=400)
    table.move_cursor(row=table.get_row_index(key))


async def test_inspect_an_image_a_volume_and_a_network(docker_client, test_labels):
    volume = docker_client.volumes.create(
        f"cl-test-inspect-{uuid.uuid4().hex[:8]}", labels=test_labels
    )
    bridge = docker_client.networks.get("bridge").id
    image_id = docker_client.images.get(TEST_IMAGE).id
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(140, 50)) as pilot:
            for tab, kind, row, key, expected in [
                ("2", "image", image_id, ("Id",), f'"Id": "{image_id}"'),
                ("5", "volume", volume.name, ("Name",), f'"Name": "{volume.name}"'),
                ("6", "network", bridge, ("Name",), '"Name": "bridge"'),
            ]:
                await pilot.press(tab)
                pane = app.main_screen.query_one(f"#{kind}s-pane")
                await select_row(pilot, pane.table, row)
                screen = await inspect_selected(pilot, app, kind)
                assert str(node(screen, *key).label) == expected
                await pilot.press("escape")
                await until(pilot, lambda: not isinstance(app.screen, InspectScreen))
    finally:
        volume.remove(force=True)
