"""The preferences file on the real engine: theme, sort, hidden columns and a remapped key apply
at start-up (the old key no longer acts); a bad setting is a notice naming file and line, and
the dashboard starts with that setting's default."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import record_notices, until
from tui.engine.backend import DockerBackend
from tui.preferences import load_preferences
from tui.views.app import ContainerLabApp
from tui.views.containers.table import COLUMNS
from tui.views.keymap import dashboard_choices
from tui.views.widgets.confirm import ConfirmScreen

SHOWN = ["name", "image", "state", "status", "cpu", "mem"]
GOOD = f"""\
theme = "gruvbox"

[containers]
sort = "name"
reverse = true
columns = {SHOWN!r}

[keys]
stop = "s"
""".replace("'", '"')


async def test_theme_sort_columns_and_a_remapped_key_apply(docker_client, test_labels, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    preferences = load_preferences(path, dashboard_choices())
    assert preferences.errors == ()
    container = docker_client.containers.run(
        TEST_IMAGE,
        ["sleep", "600"],
        detach=True,
        labels=test_labels,
        init=True,  # stops at once on SIGTERM
        name=f"cl-test-prefs-{uuid.uuid4().hex[:8]}",
    )
    try:
        app = ContainerLabApp(DockerBackend(), preferences=preferences)
        async with app.run_test(size=(160, 40)) as pilot:
            table = app.containers.table
            await until(pilot, lambda: container.id in table.row_keys(), tries=400)
            assert app.theme == "gruvbox"
            assert [column.key.value for column in table.ordered_columns] == SHOWN
            row = [str(cell) for cell in table.get_row(container.id)]
            assert row[1] == TEST_IMAGE and row[2] == "running"  # cells line up with columns
            assert table.columns["name"].label.plain == "Name ▼"  # type: ignore[index]
            app.containers.refresh_rows()
            pane = app.containers  # compose projects (anyone's) are grouped: plain rows only
            names = [
                str(table.get_cell(row.key, "name"))
                for row in table.ordered_rows
                if row.key.value in pane.rows.infos and pane.rows.project_of(row.key.value) is None
            ]
            assert container.name in names
            assert names == sorted(names, key=lambda n: (n.lower(), n), reverse=True)

            table.move_cursor(row=table.get_row_index(container.id))
            await pilot.press("t")  # stop's old key does nothing now
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            container.wait(timeout=30)
            container.reload()
            assert container.status == "exited"
    finally:
        container.remove(force=True)


BAD = """\
theme = "nordd"
[containers]
columns = ["name", "cpuu"]
[keys]
stpo = "s"
logs = "t"
"""


@pytest.mark.bad_input
async def test_bad_settings_are_notices_and_the_dashboard_starts_with_defaults(
    docker_client, tmp_path, bad_input
):
    path = tmp_path / "config.toml"
    path.write_text(BAD)
    preferences = load_preferences(path, dashboard_choices())
    assert [error.split(":")[1] for error in preferences.errors] == ["1", "3", "5", "6"]
    app = ContainerLabApp(DockerBackend(), preferences=preferences)
    notices = record_notices(app)
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.containers.table
        await until(pilot, lambda: app.containers.rows.loaded, tries=400)
        assert app.theme == "textual-dark"  # Textual's default
        default = [key for key, _ in COLUMNS if key != "host"]  # Host: several engines only
        assert [column.key.value for column in table.ordered_columns] == default
        assert app.containers.rows.sort_column == "state"
        await until(pilot, lambda: len(notices) >= 4)
        shown = notices
        for error, name in zip(
            preferences.errors,
            ["unknown theme", "unknown column", "unknown action", "key taken"],
            strict=True,
        ):
            assert error in shown
            bad_input(name)
        assert f'{path}:1: unknown theme "nordd"; use one of' in shown[0]
        assert 'logs = "t": t is already "Stop" in the containers tab' in preferences.errors[3]
