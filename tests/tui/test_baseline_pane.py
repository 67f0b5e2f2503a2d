"""BaselinePane in a tiny app, fed with fixed profiles and container figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Select, Static

from tui.baseline.compare import MIB
from tui.baseline.lesson import LessonResult, UnitResult
from tui.baseline.measure import lesson_document
from tui.baseline.profiles import Profile, load_reference_profiles, parse_profiles
from tui.engine.footprint import ContainerFootprint
from tui.views.baseline_pane import BaselinePane, bar

GIB = 1024 * MIB
BASE = ("sha256:base", 100 * MIB)


def measured_profile() -> Profile:
    def unit(kind: str, **kw: object) -> UnitResult:
        base = {
            "kind": kind, "available": True, "note": "", "ready_seconds": 0.5,
            "host_memory_bytes": 14 * MIB, "guest_memory_bytes": None, "idle_cpu_percent": 0.0,
            "disk_bytes": 100 * MIB, "workload_seconds": 2.0, "kernel": "6.1.0",
            "emulated": False, "cost_bytes": 14 * MIB,
        }  # fmt: skip
        return UnitResult(**{**base, **kw})  # type: ignore[arg-type]

    vm = unit("vm", ready_seconds=4.0, host_memory_bytes=700 * MIB, guest_memory_bytes=512 * MIB,
              disk_bytes=110 * MIB, emulated=True, cost_bytes=712 * MIB)  # fmt: skip
    result = LessonResult(
        "debian:bookworm-slim", "tcg", "labhost", datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
        {"qemu": "QEMU 7.2"}, 16 * GIB,
        {"container": unit("container"), "gvisor": unit("gvisor"), "vm": vm},
    )  # fmt: skip
    return parse_profiles(lesson_document(result))[0]


def profiles() -> list[Profile]:
    return [measured_profile(), *load_reference_profiles()]


def containers() -> list[ContainerFootprint]:
    return [
        ContainerFootprint("aaa111", "trainer", "lab:latest", 50 * MIB, 0.25, (BASE,)),
        ContainerFootprint("bbb222", "web", "nginx", 30 * MIB, 0.15, (BASE, ("sha256:w", MIB))),
    ]


class PaneApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[str] = []

    def compose(self) -> ComposeResult:
        yield BaselinePane(profiles(), containers(), selected="trainer", host_memory_bytes=16 * GIB)

    def on_baseline_pane_profile_changed(self, event: BaselinePane.ProfileChanged) -> None:
        self.changes.append(event.profile_id)


def text_of(app: App[None], selector: str) -> str:
    """The plain text the widget shows, rendered at its on-screen width."""
    widget = app.query_one(selector, Static)
    console = Console(width=widget.content_size.width or 120, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def test_bar_scales_and_never_hides_a_nonzero_value():
    assert bar(10, 10, width=8) == "█" * 8
    assert bar(0.001, 10, width=8) == "█"
    assert bar(None, 10) == "" and bar(0, 10) == ""


async def test_pane_shows_numbers_for_selected_and_all_with_the_measured_source():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        source = text_of(app, "#baseline-source")
        assert "measured on this host (labhost, QEMU tcg, 2026-01-02)" in source
        selected = text_of(app, "#baseline-selected")
        # trainer: 50 MiB vs a 512 MiB guest + 200 MiB of QEMU; 250 ms vs 4.25 s; 100 vs 110 MiB.
        for expected in ("50.0 MiB", "712.0 MiB", "250 ms", "4.25 s", "110.0 MiB", "14.2x"):
            assert expected in selected, expected
        assert "█" in selected
        everyone = text_of(app, "#baseline-all")
        assert "80.0 MiB" in everyone  # 50 + 30
        assert "101.0 MiB" in everyone  # the shared base layer once
        assert app.query_one("#baseline-all").border_title == "All running containers (2)"


async def test_switching_profile_names_the_citation_and_posts_a_message():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        pane = app.query_one(BaselinePane)
        select = app.query_one("#baseline-profile", Select)
        select.value = "firecracker-microvm"
        await pilot.pause()
        assert pane.profile.id == "firecracker-microvm"
        assert app.changes == ["firecracker-microvm"]
        source = text_of(app, "#baseline-source")
        assert "Firecracker Specification" in source and "github.com/firecracker" in source
        selected = text_of(app, "#baseline-selected")
        assert "261.0 MiB" in selected  # a 256 MiB microVM + 5 MiB VMM for a 50 MiB workload
        assert "375 ms" in selected  # 125 ms boot + 250 ms start

        pane.set_profile("kvm-ubuntu-server")
        await pilot.pause()
        assert "Canonical" in text_of(app, "#baseline-source")
        assert "1.00 GiB" in text_of(app, "#baseline-selected")
        assert "cites no boot time" in text_of(app, "#baseline-selected")


async def test_update_figures_and_selection():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        pane = app.query_one(BaselinePane)
        pane.update_figures(containers()[1:], selected="web")
        await pilot.pause()
        assert app.query_one("#baseline-selected").border_title == "web (nginx)"
        assert "30.0 MiB" in text_of(app, "#baseline-selected")
        pane.update_figures(containers())
        pane.show_container("aaa")  # an id prefix
        await pilot.pause()
        assert app.query_one("#baseline-selected").border_title == "trainer (lab:latest)"
        pane.update_figures([])
        await pilot.pause()
        assert "No running container" in text_of(app, "#baseline-selected")
