"""The lesson from the dashboard, for real: the engine (runc, runsc) and QEMU on this machine.

One test drives the app with Pilot and a real DockerBackend: `m` runs the lesson, its three
units appear as live rows with CPU and memory, the figures come, `x` stops everything; a
read-only dashboard of the same lab, in a terminal of its own, and a read-only served session
in headless chromium (the class's browser, in the projector theme) show that run phase by
phase, and the browser's page is screenshot at 1280x720 and 1920x1080 with the figures on it
(tests/integration/class_viewers.py says where the PNGs go). Another runs the app in a
pseudo-terminal, starts the lesson and ends the app with SIGTERM, SIGHUP or `q`: nothing of
that run may outlive the app; on SIGHUP (the instructor's terminal closed, once the figures
came) the class's browser and a read-only dashboard in a second terminal watch that run phase by
phase, booting, live rows, figures, and then show its cards stopped. The last one checks what
the app removes at start.
TCG boots in 10-20 s here; the bounds are generous (300 s).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time

import docker
import psutil
import pytest

from tests.integration.class_viewers import (
    BrowserWatch,
    class_browser,
    live_rows_of_all_three,
    projector_shot,
)
from tests.integration.lesson_checks import lesson_processes
from tests.integration.terminal import Terminal
from tests.tui.dashboard_helpers import until
from tui.baseline import qemu as vm
from tui.baseline.lesson import LESSON_LABEL, OWNER_LABEL, UnitKind
from tui.engine.backend import DockerBackend
from tui.paths import PROJECT_ENV
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.baseline.panel import FigureGrid

LESSON_SECONDS = 300.0
KINDS = {"container", "gVisor", "VM"}
VIEWER = """
import json, sys
from tui.engine.backend import DockerBackend
from tui.session import DockerLab
from tui.views.app import ContainerLabApp

lab = DockerLab(labels=json.loads(sys.argv[1]))
ContainerLabApp(DockerBackend(), lab=lab, read_only=True).run()
"""


def looked(
    terminal: Terminal, text: str, after: int, start: int, deadline: float
) -> tuple[bool, int]:
    """One look for `text` in the viewer's output after byte `start`: (True, the output's end)
    when it is there, else (False, where the next look starts, with an overlap for text split
    across reads); past `deadline`, the viewer's tail in an AssertionError."""
    end = terminal.mark()
    if text in terminal.text(start):
        return True, end
    if time.monotonic() > deadline:
        tail = terminal.text(after)[-1500:]
        raise AssertionError(f"{text!r} never appeared; the viewer's tail: {tail!r}")
    return False, max(after, end - 4096)


async def on_screen(pilot, terminal: Terminal, text: str, after: int = 0) -> int:
    """Wait (letting the pilot's app run) until the viewer's terminal shows `text` after byte
    `after` of its output; the output's end then. Only new output is searched each time: the
    viewer redraws for minutes."""
    deadline, start = time.monotonic() + LESSON_SECONDS, after
    while True:
        shown, start = looked(terminal, text, after, start, deadline)
        if shown:
            return start
        await pilot.pause(0.5)


def wait_on(terminal: Terminal, text: str, after: int = 0) -> int:
    """`on_screen` for a test with no app of its own to run meanwhile."""
    deadline, start = time.monotonic() + LESSON_SECONDS, after
    while True:
        shown, start = looked(terminal, text, after, start, deadline)
        if shown:
            return start
        time.sleep(0.5)


def saw_the_run(viewer: Terminal, seen: int) -> None:
    """The viewer showed the run, then the VM booting and a live row, then the figures."""
    shown = viewer.text(seen)
    for live in ("booting", "% CPU"):  # the VM booting; a live row
        steps = ("The lesson runs in another dashboard", live, "measured on")
        at = 0
        for step in steps:
            assert step in shown[at:], f"the viewer never showed {step!r} in {steps}"
            at = shown.index(step, at) + len(step)


def grid_rows(grid: FigureGrid) -> list[list[str]]:
    cells = [str(label.content) for label in grid.labels()]
    columns = grid.styles.grid_size_columns or 1
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


def live_rows(pane: BaselinePane) -> dict[str, list[str]]:
    """The live rows shown, by kind ({} when the live table is hidden)."""
    grid = pane.query_one("#lesson-live", FigureGrid)
    return {row[0]: row for row in grid_rows(grid)} if grid.display else {}


def measured_live(pane: BaselinePane) -> bool:
    """All three units shown live, each with a CPU and a memory figure."""
    rows = live_rows(pane)
    return set(rows) == KINDS and all(
        row[2].endswith("CPU") and row[3].endswith("on the host") for row in rows.values()
    )


@pytest.mark.slow
async def test_m_runs_the_lesson_live_and_x_stops_all_three(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # the measured profile lands in tmp_path
    app = ContainerLabApp(DockerBackend(), lab=DockerLab(labels=test_labels))
    # A read-only dashboard of the same lab (.lab under tmp_path), in a terminal of its own.
    viewer = Terminal([sys.executable, "-c", VIEWER, json.dumps(test_labels)], 40, 160)
    run_id = ""
    try:
        with contextlib.ExitStack() as stack:
            browser = class_browser(stack, tmp_path)
            run_id = await run_and_watch(app, viewer, browser, docker_client)
    finally:
        viewer.kill()
        if run_id:  # whatever failed above, leave nothing of this run behind
            for c in docker_client.containers.list(
                ignore_removed=True, all=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
            ):
                c.remove(force=True)


async def run_and_watch(
    app: ContainerLabApp,
    viewer: Terminal,
    browser: BrowserWatch,
    docker_client: docker.DockerClient,
) -> str:
    """The lesson run with `m`, as its runner, the terminal viewer and the browser see it,
    then stopped with `x`; the lesson's run id."""
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engines.up, 60, "the engine answering")
        await on_screen(pilot, viewer, "VM baseline")
        viewer.send("4")
        seen = await on_screen(pilot, viewer, "One image as a container")  # the lesson's tab
        await pilot.press("4")
        await pilot.press("m")
        pane = app.query_one(BaselinePane)
        run = pane.control.current
        assert run is not None, "m did not start the lesson"
        assert [w for w in app.workers if w.group == "lesson" and not w.is_finished]
        await until(pilot, lambda: run.lesson is not None, 60, "the lesson made")
        assert run.lesson is not None
        run_id = run.lesson.run_id
        await until(
            pilot,
            lambda: measured_live(pane),
            LESSON_SECONDS,
            "live CPU and memory for all three units",
        )
        containers = docker_client.containers.list(
            ignore_removed=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
        )
        assert len(containers) == 2  # runc and runsc; the VM is a QEMU process
        await until(pilot, lambda: pane.lesson.result is not None, LESSON_SECONDS, "the result")
        result = pane.lesson.result
        assert result is not None and set(result.units) == set(UnitKind), result
        assert all(u.available for u in result.units.values()), result.units
        rows = grid_rows(pane.query_one("#lesson-results", FigureGrid))
        emulated = result.units["vm"].emulated
        accel = result.accelerator.upper()
        assert rows[0][3] == f"VM (QEMU {accel}{', emulated' if emulated else ''})", rows
        ready = next(row for row in rows if row[0] == "ready time")
        assert len(ready) == 4, ready  # the label, then container, gVisor and VM
        assert all(cell.endswith(" measured") for cell in ready[1:]), ready
        assert measured_live(pane)  # the three stay up, idle, sampled every second
        # the running containers are now compared with the VM just measured here
        assert pane.profile.measured, pane.profile
        compare = grid_rows(pane.query_one("#baseline-compare", FigureGrid))
        assert compare[0][2] == "as a VM, measured", compare

        # The viewer saw it all, as it went: the run, the VM booting, live rows, figures.
        measured = f"measured on {result.host}"
        await on_screen(pilot, viewer, measured, seen)
        saw_the_run(viewer, seen)
        # So did the class's browser, from its page's own screen.
        await until(pilot, lambda: browser.first(lambda s: measured in s) is not None,
                    LESSON_SECONDS, "the browser showing the results")  # fmt: skip
        browser.saw_in_order(
            {
                "the run, in another dashboard": lambda s: "lesson runs in another" in s,
                "the VM booting": lambda s: "booting" in s,
                "live rows of all three": live_rows_of_all_three,
                "the results": lambda s: measured in s and "ready time" in s,
            }
        )
        offered = [s for s in browser.screens if "Run the lesson" in s or "m runs" in s]
        assert not offered, f"the read-only browser offers m:\n{offered[0]}"
        # The projector: the cards' figures and the results readable, nothing cut off.
        must_show = ["s to ready", "MiB on the host", "ready time", measured, *rows[0][1:]]
        must_show.append("as a VM, measured")  # what runs, against the VM just measured
        projector_shot(browser, 1280, 720, must_show)
        projector_shot(browser, 1920, 1080, [*must_show, "██"])  # roomy: the bars too
        browser.save("browser-screens.txt")

        seen = viewer.mark()
        await pilot.press("x")
        await until(pilot, lambda: not live_rows(pane), 120, "no live rows")
        await on_screen(pilot, viewer, "─ stopped ─", seen)  # the cards say so
        assert "Run the lesson" not in viewer.text(), "a read-only view offers m"
        await until(pilot, lambda: "─ stopped ─" in browser.screens[-1], 120,
                    "the browser's cards stopped")  # fmt: skip
        assert pane.control.current is None
        left = docker_client.containers.list(
            ignore_removed=True, all=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
        )
        assert not left, [c.name for c in left]
        ids = [c.id for c in containers]
        assert not lesson_processes(run_id, ids), lesson_processes(run_id, ids)
    return run_id


LAUNCH = """
import json, sys
from tui.engine.backend import DockerBackend
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane

app = ContainerLabApp(DockerBackend(), lab=DockerLab(labels=json.loads(sys.argv[1])))
shown, phase = app.notify, BaselinePane.on_lesson_control_phase


def note(text):  # notices and the lesson's phases also go to a file, for the test to show
    with open(sys.argv[2], "a") as notes:
        notes.write(f"{text}\\n")


def notify(message, *args, **kwargs):
    note(message)
    return shown(message, *args, **kwargs)


def on_lesson_phase(self, message):
    note(f"{message.kind}: {message.phase} {message.note}")
    return phase(self, message)


app.notify = notify
BaselinePane.on_lesson_control_phase = on_lesson_phase
app.run()
sys.exit(app.return_code or 0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["SIGTERM", "SIGHUP", "q"])
def test_ending_the_app_while_the_lesson_runs_leaves_no_vm_sandbox_or_container(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    ending: str,
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # inherited by the app in the terminal
    notes = tmp_path / "notices.txt"
    notes.touch()
    argv = [sys.executable, "-c", LAUNCH, json.dumps(test_labels), str(notes)]
    terminal = Terminal(argv, 30, 100)
    mine = {"label": [f"{k}={v}" for k, v in test_labels.items()] + [LESSON_LABEL]}
    run_id = ""
    stack = contextlib.ExitStack()
    # Once, the class watches this lesson run in a terminal through to its figures, from its
    # browser and from a read-only dashboard in a terminal of its own.
    viewer = None
    if ending == "SIGHUP":
        viewer = Terminal([sys.executable, "-c", VIEWER, json.dumps(test_labels)], 40, 160)
    try:
        browser = class_browser(stack, tmp_path) if viewer is not None else None
        seen = 0
        if viewer is not None:
            wait_on(viewer, "VM baseline")
            viewer.send("4")
            seen = wait_on(viewer, "One image as a container")  # the lesson's tab
        terminal.expect("VM baseline")
        terminal.send("2")
        terminal.expect("MB  ")  # an image row came (a size): the engine answers
        terminal.send("4")
        terminal.expect("m Run the lesson")
        terminal.send("m")
        deadline = time.monotonic() + LESSON_SECONDS
        qemu: list[str] = []
        while time.monotonic() < deadline:  # both containers up and QEMU booting
            containers = docker_client.containers.list(ignore_removed=True, filters=mine)
            run_id = containers[0].labels[LESSON_LABEL] if containers else ""
            qemu = [p for p in lesson_processes(run_id, []) if vm.QEMU_BINARY in p]
            if len(containers) == 2 and qemu:
                break
            time.sleep(0.5)
        assert run_id and qemu, f"the app's notices and lesson phases: {notes.read_text()!r}"
        ids = [c.id for c in docker_client.containers.list(ignore_removed=True, filters=mine)]
        assert lesson_processes(run_id, ids)
        if browser is not None and viewer is not None:  # the figures; units idle until x
            figures = lambda s: "measured on" in s and "ready time" in s  # noqa: E731
            browser.wait("the results", figures, LESSON_SECONDS)
            browser.saw_in_order(
                {
                    "the run, in another dashboard": lambda s: "lesson runs in another" in s,
                    "the VM booting": lambda s: "booting" in s,
                    "live rows of all three": live_rows_of_all_three,
                    "the results": figures,
                }
            )
            seen = wait_on(viewer, "measured on", seen)
            saw_the_run(viewer, 0)

        if ending == "q":
            terminal.send("q")
        else:
            psutil.Process(terminal.pid).send_signal(signal.Signals[ending])
        status = terminal.wait(120)
        expected = 0 if ending == "q" else 128 + signal.Signals[ending]
        assert status == expected, (status, terminal.text()[-1500:])
        assert not docker_client.containers.list(
            ignore_removed=True, all=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
        )
        # QEMU was killed and the containers removed before the app ended; give the kernel a
        # moment to reap what was already dying.
        deadline = time.monotonic() + 20
        while lesson_processes(run_id, ids) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not lesson_processes(run_id, ids), lesson_processes(run_id, ids)
        if browser is not None and viewer is not None:  # the runner hung up: the lesson is over
            over = browser.wait("the cards over", lambda s: s.count("─ stopped ─") == 3)
            assert "% CPU" not in over, over  # no live row left
            wait_on(viewer, "─ stopped ─", seen)  # so do the terminal viewer's
            assert "Run the lesson" not in viewer.text(), "a read-only view offers m"
    finally:
        stack.close()
        if viewer is not None:
            viewer.kill()
        terminal.kill()
        for c in docker_client.containers.list(ignore_removed=True, all=True, filters=mine):
            c.remove(force=True)


def owner_id(process: psutil.Process) -> str:
    """A process as the owner of a lesson: pid and start time (tui.baseline.lesson's format)."""
    return f"{process.pid}-{int(process.create_time())}"


async def test_at_start_the_app_removes_lessons_of_dead_apps_only(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    gone = subprocess.Popen(["sleep", "60"])
    dead_owner = owner_id(psutil.Process(gone.pid))
    gone.kill()
    gone.wait()
    made = {}
    try:
        # Real containers labelled as lessons: one of an app that is gone, one of this process.
        for name, owner in [("dead", dead_owner), ("alive", owner_id(psutil.Process()))]:
            labels = {**test_labels, LESSON_LABEL: f"test-{name}", OWNER_LABEL: owner}
            made[name] = docker_client.containers.run(
                "debian:bookworm-slim", ["sleep", "600"], detach=True, labels=labels
            )
        app = ContainerLabApp(DockerBackend(), lab=DockerLab(labels=test_labels))
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.engines.up, 60, "the engine answering")
            await until(
                pilot,
                lambda: app.cleanup_worker is not None and app.cleanup_worker.is_finished,
                60,
                "the cleanup finished",
            )
            worker = app.cleanup_worker
            assert worker is not None and worker.error is None
        remaining = {c.id for c in docker_client.containers.list(ignore_removed=True, all=True)}
        assert made["dead"].id not in remaining
        assert made["alive"].id in remaining
    finally:
        for container in made.values():
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
