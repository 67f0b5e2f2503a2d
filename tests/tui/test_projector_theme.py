"""The projector theme, checked by arithmetic on its own colours and on what the app draws.

- WCAG 2 contrast (relative luminance, (L1 + 0.05) / (L2 + 0.05)) of every text colour the
  theme defines against the backgrounds it is drawn on, dim text included (Textual blends dim
  text towards its background: textual.filter.dim_color);
- every glyph of real screens (the app's own SVG screenshot: each text run's fill against the
  cell background under it) at 100x30 and 200x50, the lesson's tab with its figures;
- the palettes (tui/views/colours.py) under simulated protanopia, deuteranopia and tritanopia
  (Machado, Oliveira and Fernandes 2009, severity 1, in linear RGB): any two colours of a set
  stay at least MIN_DELTA_E apart in CIELAB.
"""

from __future__ import annotations

import html
import itertools
import math
import re

import pytest
from rich.color import Color as RichColor
from test_baseline_pane import GIB, containers, profiles
from test_baseline_pane_snapshot import SAMPLES, FootprintBackend, fixed_result
from textual.constants import DIM_FACTOR
from textual.filter import dim_color
from textual.theme import BUILTIN_THEMES

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import fixed_clock
from tui.engine.containers import ContainerInfo
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.colours import CONTAINER_STATE_COLOURS, NODE_COLOURS, UNIT_COLOURS
from tui.views.presentation import container_cells
from tui.views.projector import PROJECTOR

AAA = 7.0  # WCAG 2 level AAA for text
MIN_DELTA_E = 20.0
# Rules, borders, bars and scrollbars are drawing, not text (WCAG asks 3:1 of them).
DRAWING = re.compile(r"^[\u2500-\u259f\s]+$")
SIMULATIONS = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}  # fmt: skip


def channels(colour: str) -> tuple[float, float, float]:
    """#RRGGBB as linear RGB, 0-1."""

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    text = colour.lstrip("#")
    red, green, blue = (linear(int(text[i : i + 2], 16)) for i in (0, 2, 4))
    return red, green, blue


def luminance(colour: str) -> float:
    red, green, blue = channels(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    low, high = sorted((luminance(one), luminance(other)))
    return (high + 0.05) / (low + 0.05)


def cielab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    red, green, blue = (min(1.0, max(0.0, c)) for c in rgb)
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen_by(colour: str, matrix: tuple[tuple[float, ...], ...]) -> tuple[float, float, float]:
    rgb = channels(colour)
    red, green, blue = (sum(row[i] * rgb[i] for i in range(3)) for row in matrix)
    return red, green, blue


def variables() -> dict[str, str]:
    return {**PROJECTOR.to_color_system().generate(), **PROJECTOR.variables}


def hex_of(value: str, over: str) -> str:
    """A theme value (#RRGGBB or #RRGGBBAA) as drawn over `over`."""
    text = value.lstrip("#")
    if len(text) == 6:
        return f"#{text}"
    alpha = int(text[6:8], 16) / 255
    front, back = (
        (int(text[i : i + 2], 16) for i in (0, 2, 4)),
        (int(over.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)),
    )
    mixed = [round(b + (f - b) * alpha) for f, b in zip(front, back, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def dimmed(colour: str, background: str) -> str:
    """How Textual draws `colour` with the dim attribute on `background`."""
    dim = dim_color(RichColor.parse(background), RichColor.parse(colour), DIM_FACTOR)
    return dim.triplet.hex if dim.triplet is not None else colour


def test_every_text_colour_of_the_theme_reads_at_7_to_1() -> None:
    v = variables()
    pairs = {
        "foreground": ("foreground", ["background", "surface", "panel"]),
        "muted text": ("text-muted", ["background", "surface", "panel"]),
        "disabled text": ("text-disabled", ["background", "panel"]),
        "footer keys": ("footer-key-foreground", ["footer-background"]),
        "footer words": ("footer-description-foreground", ["footer-background"]),
        "the table's cursor": ("block-cursor-foreground", ["block-cursor-background"]),
        "the cursor, blurred": ("block-cursor-blurred-foreground",
                                ["block-cursor-blurred-background"]),
    }  # fmt: skip
    words = ("primary", "secondary", "accent", "success", "warning", "error")
    pairs.update({f"{w} text": (f"text-{w}", ["background", "panel"]) for w in words})
    low = []
    for name, (front, backs) in pairs.items():
        for back in backs:
            behind = hex_of(v[back], v["background"])
            ratio = contrast(hex_of(v[front], behind), behind)
            if ratio < AAA:
                low.append(f"{name} ({front} on {back}): {ratio:.2f}")
            dim = contrast(dimmed(hex_of(v[front], behind), behind), behind)
            if front == "foreground" and dim < AAA:
                low.append(f"dim {name} on {back}: {dim:.2f}")
    assert not low, low


@pytest.mark.parametrize(
    ("name", "palette"),
    [
        ("the lesson's kinds", UNIT_COLOURS),
        ("a Swarm's nodes", dict(enumerate(NODE_COLOURS))),
        ("container states", {c: c for c in set(CONTAINER_STATE_COLOURS.values())}),
    ],
)
def test_palettes_read_at_7_to_1_and_stay_apart_for_colour_blind_eyes(name, palette) -> None:
    dark = BUILTIN_THEMES["textual-dark"].background or "#121212"
    for colour in palette.values():
        assert contrast(colour, PROJECTOR.background or "") >= AAA, (name, colour)
        assert contrast(colour, dark) >= AAA, (name, colour, "on textual-dark")
    for simulation, matrix in SIMULATIONS.items():
        for (one, a), (other, b) in itertools.combinations(palette.items(), 2):
            distance = math.dist(cielab(seen_by(a, matrix)), cielab(seen_by(b, matrix)))
            assert distance >= MIN_DELTA_E, f"{name}: {one} and {other} under {simulation}"


def test_no_container_state_is_shown_by_colour_alone() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    for state in CONTAINER_STATE_COLOURS:
        info = ContainerInfo(
            f"id-{state}", "web", "nginx", state, 0, now, now, None, "", "sh", "", "", 0, False
        )
        cells = container_cells(info, None, now)
        shown = cells.values() if isinstance(cells, dict) else cells
        assert any(str(cell).startswith(state) for cell in shown), (state, cells)


def low_contrast_glyphs(svg: str) -> list[str]:
    """Each text run of an SVG screenshot whose fill is under 7:1 against the cell behind it."""
    fills = dict(re.findall(r"\.(terminal-\d+-r\d+) \{ fill: (#[0-9a-fA-F]{6})", svg))
    cells = [
        (float(x), float(y), float(w), float(h), fill)
        for fill, x, y, w, h in re.findall(
            r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" '
            r'width="([\d.]+)" height="([\d.]+)"',
            svg,
        )
    ]
    runs = re.findall(
        r'<text class="(terminal-\d+-r\d+)" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg
    )
    assert runs and cells, "not a Textual screenshot"
    low = []
    for style, x, y, raw in runs:
        text = html.unescape(raw).replace("\xa0", " ")
        if DRAWING.match(text):
            continue
        left, base = float(x), float(y)
        behind = next(
            (f for cx, cy, w, h, f in cells if cx <= left + 1 < cx + w and cy <= base - 5 < cy + h),
            PROJECTOR.background or "#000000",
        )
        ratio = contrast(fills[style], behind)
        if ratio < AAA:
            low.append(f"{ratio:.2f} {fills[style]} on {behind}: {text.strip()!r}")
    return low


@pytest.mark.parametrize("size", [(100, 30), (200, 50)])
async def test_every_glyph_a_class_reads_is_at_7_to_1(size: tuple[int, int]) -> None:
    app = ContainerLabApp(FootprintBackend(), clock=fixed_clock)
    async with app.run_test(size=size) as pilot:
        app.theme = "projector"
        await settled(pilot, 4)
        low = {"containers": low_contrast_glyphs(app.export_screenshot())}
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        pane.update_profiles(profiles()[1:], profile_id="kvm-ubuntu-server")
        pane.update_figures(containers(), selected="trainer", host_memory_bytes=16 * GIB)
        await until(pilot, lambda: not any(feed.busy for feed in app.engines.feeds.values()))
        pane.lesson.started()
        pane.lesson.show_samples(SAMPLES)
        pane.lesson.show_result(fixed_result())
        await pilot.pause()
        low["the lesson"] = low_contrast_glyphs(app.export_screenshot())
        for key, tab in (("2", "images"), ("7", "swarm")):
            await pilot.press(key)
            await pilot.pause()
            low[tab] = low_contrast_glyphs(app.export_screenshot())
    assert not any(low.values()), low
