"""The projector theme: white on black, every text at 7:1 or more, the colour-blind-safe
palette (tui/views/colours.py) for accents and states.

Choose it with `theme = "projector"` in the preferences file, or from the command palette
(ctrl+p, Change theme). What Textual's own widgets draw with fixed alpha (inactive tabs, muted
labels) is made readable in app.tcss under `App.-theme-projector`.
"""

from __future__ import annotations

from textual.theme import Theme

from tui.views.colours import BAD, GOOD, SKY_BLUE, VERMILLION, YELLOW

PROJECTOR = Theme(
    name="projector",
    primary=SKY_BLUE,
    secondary=VERMILLION,
    accent=YELLOW,
    warning=YELLOW,
    error=BAD,
    success=GOOD,
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    variables={
        # Textual makes these from the foreground at 60% and 38%: grey on black, 7.4:1 and
        # 3:1 (4.5:1 on the panel). A class reads them from the back of the room.
        "text-muted": "#C8C8C8",
        "text-disabled": "#B4B4B4",
        "foreground-muted": "#C8C8C8",
        "foreground-disabled": "#B4B4B4",
        "footer-description-foreground": "#FFFFFF",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFFFF",
        "block-cursor-blurred-background": "#3A3A3A",
        "block-cursor-blurred-foreground": "#FFFFFF",
    },
)
THEMES = (PROJECTOR,)
