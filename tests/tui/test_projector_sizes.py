"""The lesson's tab as the class reads it at the design's smallest size, 100x30, and at 200x50,
in the projector theme: a slow emulated VM (over 100 s to ready, over 1000 MiB) must not cut a
figure, a figure's unit or the status line's last words.

Read from the screen as drawn (the SVG screenshot's text, row by row), as tmux's capture-pane
would show it. The lab's engine does not answer: the figures are the last measured lesson's.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from tests.tui.dashboard_helpers import until
from tests.tui.test_lesson_viewer import viewer
from tests.unit.test_lesson_broadcast import MIB, result
from tui.baseline.measure import save_lesson
from tui.baseline.results import LessonResult
from tui.paths import PROJECT_ENV, LabPaths
from tui.views.baseline.pane import BaselinePane

RUN = re.compile(r'<text class="terminal-\d+-r\d+" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>')
CELL = 12.2  # the width of one cell in Rich's SVG, in its units


def screen_rows(svg: str, columns: int) -> list[str]:
    """The screenshot's text, one string per row, each run at its column (blank cells are
    not drawn as text in the SVG)."""
    rows: dict[float, list[str]] = defaultdict(lambda: [" "] * columns)
    for x, y, text in RUN.findall(svg):
        row, start = rows[float(y)], round(float(x) / CELL)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if start + offset < columns:
                row[start + offset] = char
    return ["".join(cells).rstrip() for _, cells in sorted(rows.items())]


def slow_vm() -> LessonResult:
    """A lesson whose VM took its time under TCG: three-digit seconds, four-digit MiB."""
    measured = result()
    vm = replace(measured.units["vm"], ready_seconds=146.31, host_memory_bytes=1458 * MIB)
    container = measured.units["container"]
    gvisor = replace(container, kind="gvisor", ready_seconds=2.06, host_memory_bytes=63 * MIB)
    return replace(measured, units={"container": container, "gvisor": gvisor, "vm": vm})


@pytest.mark.parametrize("size", [(100, 30), (200, 50)])
async def test_a_slow_vms_figures_and_words_fit_at_projector_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    save_lesson(LabPaths(tmp_path), slow_vm())
    app = viewer(tmp_path)
    async with app.run_test(size=size) as pilot:
        app.theme = "projector"
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: pane.lesson.result is not None, what="the last figures")
        await pilot.pause()
        rows = screen_rows(app.export_screenshot(), size[0])
    shown = "\n".join(rows)
    words = " ".join(shown.split())
    assert "(no KVM) · the last lesson" in words, shown  # the status's last words, not cut
    units = [row for row in rows if "s to ready" in row]
    assert len(units) == 1 and units[0].count("MiB on the host") == 3, shown
    assert shown.count("last measured") == 3, shown  # each card's state in words
    assert "146.31 s measured" in shown and "1.42 GiB measured" in shown, shown
