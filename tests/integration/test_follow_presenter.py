"""Follow the presenter for real: two dashboards of one lab on the real engine.

The presenter is `container-lab --present` in a pseudo-terminal, driven by keys as an instructor
would; the viewer is a read-only dashboard (Pilot) of the same lab (`.lab` under tmp_path) and
engine. The presenter filters the containers down to this test's two and moves between them;
the viewer follows its tab and row, stops following when toggled off, follows again, and says
"presenter left" when the presenter is killed.
"""

from __future__ import annotations

import uuid

import docker
import pytest

from tests.integration.terminal import SCRIPT, Terminal
from tests.tui.dashboard_helpers import record_notices, until
from tui.engine.backend import DockerBackend
from tui.paths import PROJECT_ENV, LabPaths
from tui.presenter import presenter_name, presenter_state
from tui.session import DockerLab
from tui.views.app import ContainerLabApp

SECONDS = 120.0  # a loaded machine starts a dashboard in seconds; the waits end when they hold


def shown_row(paths: LabPaths) -> str:
    shown = presenter_state(paths).shown
    return shown.row if shown is not None and shown.tab == "containers" else ""


@pytest.mark.slow
async def test_a_read_only_viewer_follows_a_real_presenter(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # both dashboards' lab: .lab under tmp_path
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no preferences of this machine's
    paths = LabPaths(tmp_path)
    preferences = tmp_path / "container-lab" / "config.toml"
    preferences.parent.mkdir()
    preferences.write_text('[containers]\nsort = "name"\n')  # the presenter's rows: -a, -b
    prefix = f"cl-present-{uuid.uuid4().hex[:6]}"
    made = [
        docker_client.containers.run(
            "debian:bookworm-slim",
            ["sleep", "600"],
            name=f"{prefix}-{n}",
            labels=test_labels,
            detach=True,
        )
        for n in ("a", "b")
    ]
    ids = {str(c.id) for c in made}
    presenter = Terminal([str(SCRIPT), "--present"], 30, 100)
    viewer = ContainerLabApp(DockerBackend(), lab=DockerLab(labels=test_labels), read_only=True)
    notices = record_notices(viewer)
    try:
        async with viewer.run_test(size=(100, 30)) as pilot:
            presenter.expect("presenting", seconds=SECONDS)
            rows = viewer.containers.table
            await until(pilot, lambda: ids <= rows.row_keys(), SECONDS, "the test's containers")
            await pilot.press("F")
            await until(pilot, lambda: presenter_state(paths).live, SECONDS, "the presenter")
            me = presenter_name()
            await until(pilot, lambda: viewer.sub_title == f"read-only · following {me}")

            # The presenter goes to images: so does the viewer, on the same row.
            presenter.send("2")
            await until(pilot, lambda: viewer.active_tab == "images", SECONDS, "the images tab")
            state = presenter_state(paths).shown
            assert state is not None and state.tab == "images" and state.row, state
            await until(pilot, lambda: viewer.images.table.cursor_key == state.row, SECONDS)

            # Back to containers, filtered to this test's two (by name: -a, -b), then down.
            presenter.send("1")
            await until(pilot, lambda: viewer.active_tab == "containers", SECONDS, "back")
            typed = presenter.mark()
            presenter.send("/")  # the box takes the keys once it is shown
            presenter.expect("filter: name, image, id or state", typed, SECONDS)
            typed = presenter.mark()
            presenter.send(f"{prefix}\r")
            await until(pilot, lambda: shown_row(paths) in ids, SECONDS, "one of the two shown")
            # Enter gives the focus back to the table, whose keys show again in the footer:
            # until then g and j would go into the filter box (a loaded machine is slow to it).
            await until(pilot, lambda: "All/running" in presenter.text(typed), SECONDS, "enter")
            first, second = made[0].id, made[1].id
            presenter.send("g")
            await until(pilot, lambda: shown_row(paths) == first, SECONDS, "g")
            await until(pilot, lambda: rows.cursor_key == first, SECONDS, "the first followed")
            presenter.send("j")
            await until(pilot, lambda: shown_row(paths) == second, SECONDS, "j")
            await until(pilot, lambda: rows.cursor_key == second, SECONDS, "the second followed")
            assert viewer.active_tab == "containers"

            # Toggled off: the presenter's next move is not followed.
            await pilot.press("F")
            assert viewer.sub_title == "read-only" and not viewer.presenter.following
            presenter.send("k")
            await until(pilot, lambda: shown_row(paths) == first, SECONDS, "k published")
            for _ in range(20):  # a follower still running would move within these frames
                await pilot.pause(0.05)
            assert rows.cursor_key == second

            # Following again catches up; the presenter killed has left, the viewer stays.
            await pilot.press("F")
            await until(pilot, lambda: rows.cursor_key == first, SECONDS, "following again")
            presenter.kill()
            await until(pilot, lambda: any("presenter left" in n for n in notices), SECONDS)
            assert viewer.sub_title == "read-only · following: presenter left"
            assert rows.cursor_key == first and viewer.active_tab == "containers"
    except AssertionError as exc:  # what the presenter published and showed, to see why
        tail = presenter.text()[-2000:]
        raise AssertionError(f"{exc}; published: {presenter_state(paths)}; tail: {tail!r}") from exc
    finally:
        presenter.kill()
        for container in made:
            container.remove(force=True)
