"""The class's browser on a real lesson: a read-only served session in headless chromium,
watched as it goes, and the projector's screenshots of it.

`class_browser` opens it: `--serve --read-only` of the lab in the projector theme, chromium
at 1280x720 on the VM baseline tab. `BrowserWatch` reads the browser's screen (the page's
xterm.js buffer) from a thread while the lesson runs, keeping every distinct screen in order,
so a test can say which phases the class saw and in what order. `projector_shot` sizes the
page as a projector would show it, checks what a class would need of it and keeps a PNG under
`artefacts/projector/` (git-ignored; `LAB_ARTEFACTS` moves it).
"""

from __future__ import annotations

import os
import re
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from selenium import webdriver

from tests.integration.browser import (
    chromium,
    open_dashboard,
    screen,
    type_keys,
    wait_for,
    wait_on_screen,
)
from tests.integration.serve_harness import served
from tui.views.baseline.panel import VIEWER_TEXT

ARTEFACTS = Path(os.environ.get("LAB_ARTEFACTS", Path(__file__).parents[2] / "artefacts"))
FOOTER = "^p palette"  # the right end of Textual's footer
AAA = 7.0  # WCAG 2 level AAA for text
DRAWING = re.compile(r"^[\u2500-\u259f\s]+$")  # box and block glyphs: lines, bars, not words
# Each cell of the screen: its text, then foreground and background as 0xRRGGBB, or -1 where
# the terminal's default colour applies; dim cells are drawn at half opacity by xterm.js.
CELLS = """
const t = window.__labTerminal;
const rows = [];
const cell = t.buffer.active.getNullCell();
for (let y = 0; y < t.rows; y++) {
  const line = t.buffer.active.getLine(t.buffer.active.viewportY + y);
  const row = [];
  for (let x = 0; line && x < t.cols; x++) {
    line.getCell(x, cell);
    row.push([cell.getChars(), cell.isFgRGB() ? cell.getFgColor() : -1,
              cell.isBgRGB() ? cell.getBgColor() : -1, cell.isDim() ? 1 : 0]);
  }
  rows.push(row);
}
return rows;
"""
PAGE = """
const box = document.querySelector('.xterm').getBoundingClientRect();
const root = document.documentElement;
return {cols: window.__labTerminal.cols, rows: window.__labTerminal.rows,
        width: window.innerWidth, height: window.innerHeight,
        scroll_width: root.scrollWidth, client_width: root.clientWidth,
        right: box.right, bottom: box.bottom};
"""


class BrowserWatch:
    """Every distinct screen the browser showed, in order, read from a thread every 0.3 s."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.screens: list[str] = []
        self.lock = threading.Lock()  # one caller of the driver at a time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="browser-watch", daemon=True)

    def __enter__(self) -> BrowserWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            with self.lock:
                shown = screen(self.driver)
            if shown and (not self.screens or shown != self.screens[-1]):
                self.screens.append(shown)

    @contextmanager
    def driving(self) -> Iterator[webdriver.Chrome]:
        """The driver, for the caller alone (the watch waits)."""
        with self.lock:
            yield self.driver

    def first(self, check: Callable[[str], bool], after: int = 0) -> int | None:
        """The index of the first screen from `after` on that passes `check`."""
        return next((i for i, s in enumerate(self.screens[after:], after) if check(s)), None)

    def wait(self, what: str, check: Callable[[str], bool], seconds: float = 120) -> str:
        """The latest screen once it passes `check` (AssertionError naming `what` if not)."""
        latest = lambda: self.screens[-1] if self.screens else ""  # noqa: E731
        wait_for(what, lambda: check(latest()), latest, seconds)
        return latest()

    def saw_in_order(self, steps: dict[str, Callable[[str], bool]]) -> list[int]:
        """The screens on which each step was first seen, each after the one before;
        AssertionError naming the step never seen (and saving what was seen)."""
        at = 0
        seen: list[int] = []
        for name, check in steps.items():
            found = self.first(check, at)
            if found is None:
                where = self.save("browser-screens.txt")
                before = list(steps)[: len(seen)]
                raise AssertionError(f"the browser never showed {name} after {before}: {where}")
            seen.append(found)
            at = found
        return seen

    def save(self, name: str) -> Path:
        """Every screen seen, into the artefacts folder (what the class saw, for a reader)."""
        path = ARTEFACTS / "projector" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        rule = "\n" + "=" * 40 + "\n"
        path.write_text(rule.join(self.screens))
        return path


def class_browser(stack: ExitStack, project: Path) -> BrowserWatch:
    """The class's view: `--serve --read-only` of this lab in the projector theme, opened in
    headless chromium at 1280x720 on the VM baseline tab, watched from a thread."""
    config = project / "config"
    (config / "container-lab").mkdir(parents=True)
    (config / "container-lab" / "config.toml").write_text('theme = "projector"\n')
    server = stack.enter_context(served("--read-only", env={"XDG_CONFIG_HOME": str(config)}))
    driver = stack.enter_context(chromium(1280, 720))
    open_dashboard(driver, server)
    type_keys(driver, "4")
    wait_on_screen(driver, VIEWER_TEXT[:40])  # the lesson's tab, as read-only words it
    return stack.enter_context(BrowserWatch(driver))


def live_rows_of_all_three(shown: str) -> bool:
    """The live table's rows: one line per unit, each with its CPU and memory on the host."""
    lines = [line for line in shown.splitlines() if "% CPU" in line and "on the host" in line]
    return all(any(kind in line for line in lines) for kind in ("container", "gVisor", "VM"))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def luminance(colour: int) -> float:
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    red, green, blue = (colour >> 16) & 255, (colour >> 8) & 255, colour & 255
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: int, other: int) -> float:
    low, high = sorted((luminance(one), luminance(other)))
    return (high + 0.05) / (low + 0.05)


def half(front: int, back: int) -> int:
    """`front` at 50% over `back`, as xterm.js draws a dim cell."""
    mixed = [((front >> s & 255) + (back >> s & 255)) // 2 for s in (16, 8, 0)]
    return mixed[0] << 16 | mixed[1] << 8 | mixed[2]


def low_contrast_cells(driver: webdriver.Chrome) -> tuple[list[str], float, int]:
    """Each glyph on screen under 7:1 against its cell's background, the share of cells on
    the projector's black (the theme is what the browser draws) and how many glyphs were
    checked (text in colours set by the app; box-drawing and default colours are not)."""
    rows = driver.execute_script(CELLS)
    low: list[str] = []
    cells = black = checked = 0
    for y, row in enumerate(rows):
        for x, (chars, fg, bg, dim) in enumerate(row):
            cells += 1
            black += bg == 0
            if not chars.strip() or DRAWING.match(chars) or fg < 0 or bg < 0:
                continue
            checked += 1
            front = half(fg, bg) if dim else fg
            if contrast(front, bg) < AAA:
                line = "".join(c[0] or " " for c in row).strip()
                ratio = contrast(front, bg)
                low.append(f"{ratio:.2f} #{front:06x} on #{bg:06x} at {x},{y}: {line!r}")
    return low, black / max(cells, 1), checked


def projector_shot(
    watch: BrowserWatch, width: int, height: int, must_show: list[str]
) -> dict[str, object]:
    """The page at `width` x `height` CSS pixels: the grid big enough (100x30 at least), all
    of it inside the window with no horizontal scrolling, `must_show` on screen, every text at
    7:1 on the projector's black; a PNG of it kept. What was measured, for the log."""
    with watch.driving() as driver:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

        def settled() -> bool:
            """The page at its new size, the dashboard redrawn to fill it (its footer on the
            last row, out to the last column) and showing `must_show`."""
            page = driver.execute_script(PAGE)
            shown = screen(driver)
            lines = shown.splitlines()
            footer = lines[-1].rstrip() if len(lines) == page["rows"] else ""
            full = FOOTER in footer and len(footer) >= page["cols"] - 2
            return page["width"] == width and full and all(t in shown for t in must_show)

        wait_for(f"the page at {width}x{height}", settled, lambda: screen(driver), 120)
        page = driver.execute_script(PAGE)
        shown = screen(driver)
        low, black, checked = low_contrast_cells(driver)
        png = driver.get_screenshot_as_png()
    path = ARTEFACTS / "projector" / f"vm-baseline-{width}x{height}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    print(f"projector screenshot: {path} ({page}; {checked} glyphs at 7:1, {black:.0%} black)")
    assert png_size(png) == (width, height), (png_size(png), path)
    assert page["cols"] >= 100 and page["rows"] >= 30, page  # 100x30: the design's smallest
    assert page["scroll_width"] <= page["client_width"], f"scrolls sideways: {page}"
    assert page["right"] <= width and page["bottom"] <= height, f"the grid is cut off: {page}"
    missing = [text for text in must_show if text not in shown]
    assert not missing, f"{missing} not on screen at {width}x{height}:\n{shown}"
    assert black > 0.5, f"the projector's black is {black:.0%} of the screen: not its theme?"
    assert checked > 500, f"only {checked} glyphs had the app's colours: not its theme?"
    assert not low, f"under 7:1 at {width}x{height}: {low[:10]}"
    return page
