"""The VM baseline tab's keys in the whole dashboard, on fixed data (FixedBackend).

Running the lesson for real needs the engine, runsc and QEMU: that is
tests/integration/test_dashboard_lesson.py. Here: the tab keys, `c`, and what `m` and `x` say
when there is no engine to run the lesson on.
"""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.paths import PROJECT_ENV, LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane

TABS = {"1": "containers", "2": "images", "3": "training", "4": "baseline"}


async def test_every_tab_key_works_from_every_tab():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, 4)
        tabs = app.query_one(TabbedContent)
        for start_key, start in TABS.items():
            for key, tab in TABS.items():
                await pilot.press(start_key)
                await until(pilot, lambda start=start: tabs.active == start)
                await pilot.press(key)
                await until(pilot, lambda tab=tab: tabs.active == tab, what=f"{key} from {start}")
                # a focus change that pulls the tab back comes as messages after the switch:
                # once the app is idle again, the tab must still be the one asked for
                await pilot.pause()
                await pilot.pause(0.2)
                assert tabs.active == tab, f"{key} from {start} went back to {tabs.active}"


async def test_c_toggles_the_full_citations_on_the_baseline_tab():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: app.focused is pane)
        source = pane.query_one("#baseline-source", Static)
        assert "c: full citations" in str(source.content)
        await pilot.press("c")
        assert pane.citations_shown and "c hides these" in str(source.content)
        assert "http" in str(source.content)  # a full citation has its address
        await pilot.press("c")
        assert not pane.citations_shown and "http" not in str(source.content)


async def test_m_without_a_lab_says_so_and_x_with_nothing_running():
    # A dashboard built without a lab (fixed data only) has nothing to run the lesson on.
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        await pilot.press("m")
        await until(pilot, lambda: any("cannot run the lesson" in n for n in notices))
        assert app.query_one(BaselinePane).control.current is None
        assert not [w for w in app.workers if w.group == "lesson"]
        await pilot.press("x")
        await until(pilot, lambda: "no lesson is running" in notices)


def refusals(notices: list[str]) -> list[str]:
    return [n for n in notices if n.startswith("cannot run the lesson: ")]


async def test_m_with_no_engine_answering_says_so_in_one_line_and_m_works_again(tmp_path, fault):
    # The lab's engine does not answer (a socket nobody listens on): the lesson is made in its
    # worker, which says why in one line; nothing is left running and `m` may be pressed again.
    lab = DockerLab(f"unix://{tmp_path}/no-engine.sock", LabPaths(tmp_path))
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=lab)
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        for attempt in (1, 2):
            await pilot.press("m")
            await until(pilot, lambda n=attempt: len(refusals(notices)) == n, what="the refusal")
        said = refusals(notices)
        assert all("No Docker engine answers at unix://" in n and "\n" not in n for n in said)
        # the start-up cleanup of old lessons found no engine either, and kept quiet about it
        assert [n for n in notices if "No Docker engine" in n] == said, notices
        assert pane.control.current is None and pane.control.timer is None
        status = str(pane.lesson.query_one("#lesson-status").render())
        assert status.startswith("The lesson stopped: No Docker engine answers"), status
    fault("no engine answering the lesson")


async def test_the_palette_offers_the_lesson():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await app.build_tabs()  # as ctrl+p does: the tabs never shown are built first
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Run the lesson: container vs gVisor vs VM" in titles
        assert "Stop the lesson" in titles


async def test_a_click_on_the_baseline_tab_gives_its_keys_the_focus():
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.click("#--content-tab-baseline")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: app.focused is pane)
        await pilot.press("c")
        assert pane.citations_shown


async def test_a_damaged_measured_profile_leaves_one_line_on_the_tab_and_the_rest_works(
    tmp_path, monkeypatch, bad_input
):
    # This host's measured profile is a file of the user's lab folder: a damaged one is said in
    # the tab, in one line that says what to do, and every other tab works as before.
    saved = tmp_path / ".lab" / "baseline" / "measured-profile.json"
    saved.parent.mkdir(parents=True)
    saved.write_text('{"profiles": [', encoding="utf-8")
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        await until(pilot, lambda: app.query_one(TabbedContent).active == "baseline")
        line = str(app.query_one("#baseline-pane", Static).content)
        assert line.startswith("VM baseline unavailable: Cannot read VM profiles"), line
        assert str(saved) in line and "container-lab baseline measure" in line
        assert "\n" not in line and not app.query(BaselinePane)
        await pilot.press("1")
        await until(pilot, lambda: app.query_one(TabbedContent).active == "containers")
        assert app.containers.table.row_count == 4
    assert saved.read_text(encoding="utf-8") == '{"profiles": ['  # left as it was
    bad_input("damaged measured-profile.json")
