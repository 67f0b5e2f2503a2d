"""The dashboard's own screen, under every screen pushed on top of it."""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class MainScreen(Screen[None]):
    """Textual's screen, laid out once per size.

    A screen lays itself out again for every Resize it gets, its own among them: its first
    layout sends it one, and the app passes on the terminal's size once more when idle. At
    start-up that was two more layouts, and repaints, of a screen already laid out at that
    size (about a tenth of start-up). A Resize to the size the screen was last laid out at
    (`outer_size`: a screen's `size` is the app's, new before any layout) is skipped; any
    other is Textual's.
    """

    def on_resize(self, event: events.Resize) -> None:
        """Skip Textual's layout for a Resize to the size already laid out."""
        if event.size == self.outer_size:
            event.prevent_default()
