"""The colours that carry meaning, chosen so that colour-blind eyes still tell them apart.

From Okabe and Ito's colour-blind-safe set (sky blue, yellow, vermillion, bluish green), made
lighter where needed so that each reads at 7:1 on the projector theme's black and on
textual-dark's background. tests/tui/test_projector_theme.py checks both: the contrast, and that
every two colours of a set stay apart under simulated protanopia, deuteranopia and tritanopia.
Colour never says anything alone: every state also has its word (or ✓, ✗, ▶).
"""

from __future__ import annotations

from collections.abc import Mapping

SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
VERMILLION = "#FF8C5A"
BLUISH_GREEN = "#40C9A2"
PALE_BLUE = "#A6D8FF"

# The lesson's three kinds, on every card, row, column and bar (and a Swarm's nodes, in turn).
UNIT_COLOURS = {"container": SKY_BLUE, "gvisor": YELLOW, "vm": VERMILLION}
NODE_COLOURS = tuple(UNIT_COLOURS.values())

# States: going well, waiting or half-way, gone wrong or ended, not started yet.
GOOD, WAITING, BAD, NEUTRAL = BLUISH_GREEN, YELLOW, VERMILLION, PALE_BLUE
CONTAINER_STATE_COLOURS = {
    "running": GOOD,
    "paused": WAITING,
    "restarting": WAITING,
    "created": NEUTRAL,
    "exited": BAD,
    "dead": BAD,
    "removing": NEUTRAL,
}


def css_variables(colours: Mapping[str, str], prefix: str) -> str:
    """Textual CSS variable definitions (`$unit-vm: #FF8C5A;`) for a stylesheet's head."""
    return "".join(f"${prefix}{name}: {value};\n" for name, value in colours.items())
