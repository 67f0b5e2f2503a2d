"""Compose projects in the containers table on fixed data: grouping under every sort, filter,
all/running, the cursor on a folded project, and the project keys (FixedBackend records every
project action it is asked for, so "nothing ran" is an empty list). The real engine and
docker-compose are in tests/integration/test_dashboard_compose.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, container, fixed_clock
from tui.engine.compose import CONFIG_FILES_LABEL, PROJECT_LABEL, SERVICE_LABEL, WORKING_DIR_LABEL
from tui.views.app import ContainerLabApp
from tui.views.presentation import project_key, project_of_key
from tui.views.widgets.confirm import ConfirmScreen

SIZE = (140, 36)
ROWS = 9  # four plain containers, three in two projects, two header rows


def compose_labels(project: str, service: str, folder: Path) -> dict[str, str]:
    return {
        PROJECT_LABEL: project,
        SERVICE_LABEL: service,
        WORKING_DIR_LABEL: str(folder),
        CONFIG_FILES_LABEL: "compose.yaml",
    }


def backend_with_projects(tmp_path: Path) -> FixedBackend:
    """The fixed containers, plus project `shop` (its file exists) and `gone` (it does not)."""
    shop, gone = tmp_path / "shop", tmp_path / "gone"
    shop.mkdir()
    (shop / "compose.yaml").write_text("services: {}\n")
    backend = FixedBackend()
    for info in (
        container("5a01", "shop_web_1", labels=compose_labels("shop", "web", shop)),
        container("5a02", "shop_db_1", state="exited", labels=compose_labels("shop", "db", shop)),
        container("6b01", "gone_app_1", labels=compose_labels("gone", "app", gone)),
    ):
        backend.infos[info.id] = info
    return backend


# The fixed backend's plain containers in ascending order by each column, worked out by hand
# from tests/tui/fixed_backend.py (not with the pane's own sort key): web and trainer run with
# the same figures, old-job exited, fresh was created; every container started at 10:30, so the
# status (uptime) ties and the name decides; a row without figures sorts before any figure.
PLAIN_ORDER = {
    "name": ["fresh", "old-job", "trainer", "web"],
    "image": ["trainer", "fresh", "old-job", "web"],  # container-lab/, debian:, nginx:
    "state": ["trainer", "web", "fresh", "old-job"],  # running, created, exited
    "status": ["fresh", "old-job", "trainer", "web"],
    "ports": ["fresh", "old-job", "trainer", "web"],  # only web publishes one
    "cpu": ["fresh", "old-job", "trainer", "web"],
    "mem": ["fresh", "old-job", "trainer", "web"],
    "net": ["fresh", "old-job", "trainer", "web"],
    "block": ["fresh", "old-job", "trainer", "web"],
}


def shown_keys(app: ContainerLabApp) -> set[str]:
    return {b.key for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}


def order(app: ContainerLabApp) -> list[str]:
    return [row.key.value or "" for row in app.containers.table.ordered_rows]


def assert_grouped(app: ContainerLabApp) -> None:
    """Each header row comes right before its project's shown containers, and only those."""
    pane, keys = app.containers, order(app)
    for place, key in enumerate(keys):
        project = project_of_key(key) or pane.rows.project_of(key)
        if project is None:
            continue
        head = project_key(project)
        if key != head:
            before = keys[place - 1]
            assert before == head or pane.rows.project_of(before) == project, keys


async def on_row(app: ContainerLabApp, key: str, pilot) -> None:
    app.containers.table.move_cursor(row=app.containers.table.get_row_index(key))
    await pilot.pause()


async def test_projects_group_under_every_sort_and_plain_rows_keep_the_flat_order(tmp_path):
    app = ContainerLabApp(backend_with_projects(tmp_path), clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        pane = app.containers
        shop = project_key("shop")
        assert order(app)[order(app).index(shop) + 1 :][:2] == ["5a01" * 8, "5a02" * 8]
        assert str(pane.table.get_cell(shop, "state")) == "1/2 running"
        assert str(pane.table.get_cell(shop, "image")) == "2 services"
        seen: set[str] = set()
        for _ in range(2 * 9):  # every column, both ways
            await pilot.press("o")
            await pilot.pause()
            assert_grouped(app)
            await pilot.press("O")
            await pilot.pause()
            assert_grouped(app)
            rows = pane.rows
            plain = [rows.infos[k].name for k in order(app) if k in rows.infos]
            plain = [name for name in plain if name in PLAIN_ORDER["name"]]
            expected = PLAIN_ORDER[rows.sort_column]
            assert plain == (expected[::-1] if rows.sort_reverse else expected), rows.sort_column
            seen.add(rows.sort_column)
            await pilot.press("O")
        assert seen == PLAIN_ORDER.keys()


async def test_filter_by_project_name_and_running_only(tmp_path):
    app = ContainerLabApp(backend_with_projects(tmp_path), clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        table = app.containers.table
        await pilot.press("slash", "s", "h", "o", "p", "enter")
        await until(pilot, lambda: table.row_count == 3)
        assert order(app) == [project_key("shop"), "5a01" * 8, "5a02" * 8]
        await pilot.press("a")  # running only: the exited one goes, the header stays
        await until(pilot, lambda: table.row_count == 2)
        assert str(table.get_cell(project_key("shop"), "state")) == "1/2 running"
        await pilot.press("a", "escape")
        await until(pilot, lambda: table.row_count == ROWS)


async def test_the_cursor_stays_on_a_folded_project_through_refreshes_and_sorts(tmp_path):
    app = ContainerLabApp(backend_with_projects(tmp_path), clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        pane, shop = app.containers, project_key("shop")
        await on_row(app, "5a02" * 8, pilot)
        await pilot.press("z")  # on one of its containers: folds onto the header
        await until(pilot, lambda: pane.table.row_count == ROWS - 2)
        assert pane.table.cursor_key == shop
        for key in ("o", "o", "O", "a", "a"):
            await pilot.press(key)
            pane.refresh_rows()
            await pilot.pause()
            assert pane.table.cursor_key == shop, key
        await pilot.press("enter")  # unfolds
        await until(pilot, lambda: pane.table.row_count == ROWS)
        assert pane.table.cursor_key == shop


async def test_project_keys_ask_first_naming_the_containers_and_no_runs_nothing(tmp_path):
    backend = backend_with_projects(tmp_path)
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        await on_row(app, "a1b2" * 8, pilot)  # web, no project
        assert "U" not in shown_keys(app)  # only on a project's rows
        await on_row(app, project_key("shop"), pilot)
        assert "U" in shown_keys(app)
        both = "shop_db_1, shop_web_1"
        asked = {"t": "shop_web_1", "D": both, "U": both, "r": both}  # stop: the running one
        for key, names in asked.items():
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert app.screen.question.endswith(": " + names), app.screen.question  # type: ignore[attr-defined]
            await pilot.press("n")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert not [w for w in app.workers if w.group == "compose"]
        assert backend.actions == []
        await pilot.press("t", "y")
        await pilot.press("u")  # start asks nothing
        await until(pilot, lambda: len(backend.actions) == 2)
        assert sorted(backend.actions) == [("project start", "shop"), ("project stop", "shop")]
        assert not {"K", "p", "e"} & shown_keys(app)  # one container's keys are not a project's
        for key in ("K", "p", "e"):
            await pilot.press(key)
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert "Kill container" not in commands  # nor does the palette offer them there
        assert {"Container logs", "Stop container"} <= commands
        await pilot.press("K")
        await pilot.pause()
        assert len(backend.actions) == 2


async def test_a_gone_compose_file_is_said_and_nothing_runs(tmp_path, bad_input):
    backend = backend_with_projects(tmp_path)
    app = ContainerLabApp(backend, clock=fixed_clock)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        await on_row(app, project_key("gone"), pilot)
        for key in ("t", "D", "U", "u"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)
        gone = tmp_path / "gone" / "compose.yaml"
        said = f"project gone: compose file {gone} is gone; nothing was run"
        assert said in notices
        assert backend.actions == []
        bad_input("gone compose file")


async def test_read_only_hides_and_refuses_the_project_keys(tmp_path):
    backend = backend_with_projects(tmp_path)
    app = ContainerLabApp(backend, clock=fixed_clock, read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot, ROWS)
        await on_row(app, project_key("shop"), pilot)
        assert not {"U", "t", "D", "u", "r"} & shown_keys(app)
        assert {"l", "enter"} <= shown_keys(app)
        for key in ("t", "D", "U", "u", "r", "y"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
        app.containers.action_recreate()  # the key is hidden; the action still refuses
        app.containers.project_request("remove", "shop")
        await until(pilot, lambda: "read-only: project down is disabled" in notices)
        assert "read-only: project up is disabled" in notices
        assert backend.actions == []
