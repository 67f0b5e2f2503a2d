"""Follow the presenter (tui/views/presenter.py), with Pilot: `F` follows, `V` presents.

The presenter of the viewer tests is `Presenting` itself, in this process (or in another one that
is killed); tests/integration/test_follow_presenter.py runs two real dashboards on one engine.
The lab's engine does not answer here (a socket nobody listens on): following needs none.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from tests.second_user import reachable_folder, run_as, second_user
from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.paths import LabPaths
from tui.presenter import NAME, Presented, Presenting, presenter_name, presenter_state, to_body
from tui.published import FORMAT, Follower, document_path
from tui.session import DockerLab
from tui.views.app import ContainerLabApp

ME = presenter_name()
DIES_PRESENTING = """
import os, signal, sys
from pathlib import Path
from tui.paths import LabPaths
from tui.presenter import Presenting
presenting = Presenting(LabPaths(Path(sys.argv[1])))
assert presenting.claim() == ""
presenting.show("images", 0, sys.argv[2], "debian:bookworm-slim")
os.kill(os.getpid(), signal.SIGKILL)
"""


def dashboard(project: Path, *, read_only: bool = True) -> ContainerLabApp:
    lab = DockerLab(f"unix://{project}/no-engine.sock", LabPaths(project))
    return ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=lab, read_only=read_only)


def said(notices: list[str], text: str) -> bool:
    return any(text in notice for notice in notices)


async def test_a_viewer_follows_the_presenters_tab_and_row_until_moved_by_hand(
    tmp_path: Path,
) -> None:
    paths = LabPaths(tmp_path)
    presenter = Presenting(paths)
    assert presenter.claim() == ""
    app = dashboard(tmp_path)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("F")
        await until(pilot, lambda: said(notices, "no one presents in this lab yet"))
        assert app.sub_title == "read-only · following: no presenter yet"
        first = str(app.images.table.cursor_key)
        images = [first, *sorted(app.images.table.row_keys() - {first})]  # the cursor's first
        assert len(images) == 3

        presenter.show("images", 0, images[2], "<none>")
        await until(pilot, lambda: app.images.table.cursor_key == images[2], what="its row")
        assert app.active_tab == "images" and app.sub_title == f"read-only · following {ME}"
        presenter.show("containers", 0, "e5f6" * 8, "old-job")
        await until(pilot, lambda: app.containers.selected_id == "e5f6" * 8, what="a container")
        assert app.active_tab == "containers"

        presenter.show("containers", 0, "dead" * 8, "ghost")  # a row this viewer does not have
        line = f"following {ME}: ghost is not shown here; still following"
        await until(pilot, lambda: line in notices, what="the row named")
        assert app.containers.selected_id == "e5f6" * 8 and app.presenter.following

        await pilot.press("down")  # by hand: following stops, and says so
        assert not app.presenter.following and app.sub_title == "read-only"
        assert said(notices, "moved by hand: stopped following the presenter (F follows again)")

        await pilot.press("F")
        presenter.show("images", 0, images[1], "debian:bookworm-slim")
        await until(pilot, lambda: app.images.table.cursor_key == images[1], what="again")
        await pilot.press("F")  # toggled off: the presenter's next move is not followed
        assert said(notices, "stopped following the presenter: F follows again")
        assert not app.presenter.following and app.sub_title == "read-only"
        await written_and_read(pilot, paths, lambda: presenter.show("training"))
        assert app.active_tab == "images"

        await pilot.press("F")
        await until(pilot, lambda: app.active_tab == "training", what="following again")
        presenter.stop()
        await until(pilot, lambda: said(notices, f"{ME} stopped presenting: staying here"))
        assert app.sub_title == f"read-only · following: {ME} stopped presenting"
        assert app.active_tab == "training"
        await pilot.press("V")  # a read-only dashboard never presents
        assert said(notices, "read-only: presenting is disabled")
        assert presenter_state(paths).shown == Presented(ME, "training", presenting=False)


async def written_and_read(pilot, paths: LabPaths, write) -> None:  # type: ignore[no-untyped-def]
    """Write a view, and wait until a follower of the test's own has read it (a viewer still
    following would have read it by then, too) and a few frames went by."""
    read = threading.Event()
    follower = Follower(paths, NAME, lambda seen: read.set() if seen.body else None)
    follower.start()
    await until(pilot, read.is_set, what="the test's follower reading the document")
    read.clear()
    write()
    try:
        await until(pilot, read.is_set, what="the new view read")
    finally:
        follower.close()
    for _ in range(10):
        await pilot.pause(0.05)


async def test_a_followed_row_is_placed_once_its_tab_is_shown(tmp_path: Path) -> None:
    """The cursor lands on the presenter's row only after its tab is shown, never on a hidden tab
    first: a viewer (or a test) that sees the row then sees its tab. Placing the row before the
    queued tab switch ran failed CI once (the row placed, the tab still the one before)."""
    presenter = Presenting(LabPaths(tmp_path))
    assert presenter.claim() == ""
    app = dashboard(tmp_path)
    tabs_when_placed: list[str] = []

    def placed() -> None:
        if app.containers.selected_id == "e5f6" * 8:
            tabs_when_placed.append(app.active_tab)

    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("2")
        await until(pilot, lambda: app.active_tab == "images", what="the images tab")
        app.watch(app.containers.table, "cursor_coordinate", placed, init=False)
        await pilot.press("F")
        presenter.show("containers", 0, "e5f6" * 8, "old-job")
        await until(pilot, lambda: bool(tabs_when_placed), what="the row placed")
        assert tabs_when_placed[0] == "containers"
        assert app.active_tab == "containers" and app.containers.selected_id == "e5f6" * 8


async def test_a_dashboard_presents_with_v_one_per_lab(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    app = dashboard(tmp_path, read_only=False)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        other = Presenting(paths)
        assert other.claim() == ""
        await pilot.press("V")
        assert said(notices, "presents in this lab already: one presenter per lab")
        other.stop()

        await pilot.press("V")
        assert app.sub_title == "presenting"
        await until(pilot, lambda: shown_tab(paths) == "containers", what="the view published")
        await pilot.press("2", "j")
        key = app.images.table.cursor_key
        await until(pilot, lambda: (shown_tab(paths), shown_row(paths)) == ("images", key))
        await pilot.press("F")  # a presenter does not follow
        assert said(notices, "this dashboard presents: V stops presenting, then F follows")
        await pilot.press("V")
        assert app.sub_title == "" and said(notices, "stopped presenting")
        state = presenter_state(paths)
        assert state.shown is not None and not state.shown.presenting


def shown_tab(paths: LabPaths) -> str:
    shown = presenter_state(paths).shown
    return shown.tab if shown is not None else ""


def shown_row(paths: LabPaths) -> str:
    shown = presenter_state(paths).shown
    return shown.row if shown is not None else ""


async def test_a_presenter_killed_has_left_and_the_viewer_stays(tmp_path: Path, fault) -> None:
    app = dashboard(tmp_path)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        image = sorted(app.images.table.row_keys())[1]
        await pilot.press("F")
        killed = [sys.executable, "-c", DIES_PRESENTING, str(tmp_path), image]
        subprocess.run(killed, check=False)
        await until(pilot, lambda: said(notices, "presenter left: staying here"), what="left")
        assert app.sub_title == "read-only · following: presenter left"
        assert app.active_tab == "containers"  # it never saw the presenter alive: no move
        assert app.presenter.following
    fault("the presenter killed")


def forged_view(project: Path) -> str:
    writer = {"pid": os.getpid(), "started": 0, "host": socket.gethostname()}
    body = to_body(Presented("mallory@here", "images"))
    return json.dumps({"format": FORMAT, "writer": writer, "updated": "2026", "body": body})


async def test_a_view_another_uid_wrote_is_refused_in_one_line(bad_input) -> None:
    with second_user() as user, reachable_folder() as project:
        paths = LabPaths(project)
        presenter = Presenting(paths)
        assert presenter.claim() == ""  # makes .lab/live, 700, this uid's
        live, path = project / ".lab" / "live", document_path(paths, NAME)
        live.chmod(0o777)
        (project / ".lab").chmod(0o755)
        write = "import sys; open(sys.argv[1], 'w').write(sys.argv[2])"
        done = run_as(user, ["/usr/bin/python3", "-c", write, str(path), forged_view(project)])
        assert done.returncode == 0 and path.stat().st_uid == user.uid, done.stderr
        live.chmod(0o700)
        app = dashboard(project)
        notices = record_notices(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot, 4)
            await pilot.press("F")
            refused = f"is not trusted: it belongs to uid {user.uid}, not to you or root"
            await until(pilot, lambda: said(notices, refused), what="the refusal")
            line = next(n for n in notices if refused in n)
            assert line.startswith("cannot follow the presenter: ") and "\n" not in line
            assert app.active_tab == "containers" and app.is_running
            path.unlink()  # and it goes on: the lab's own presenter is followed
            presenter.show("images")
            await until(pilot, lambda: app.active_tab == "images", what="following on")
        presenter.stop()
    bad_input("a presenter's view another uid wrote")
