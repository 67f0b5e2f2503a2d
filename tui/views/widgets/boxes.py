"""Input boxes that open on a key (filter, search, prompt) and take what is typed next."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.widgets import Input


def open_box(box: Input) -> None:
    """Show `box` and focus it at once (`Widget.focus()` only queues the change)."""
    box.add_class("shown")
    box.screen.set_focus(box)


def hand_on(app: App[Any], event: events.Key) -> None:
    """A character key that reached the app while a box has the focus is the box's.

    The app hands each key to the widget focused when it takes the key from its queue, and a
    key's bindings run when it has bubbled back up. So the keys that came in the same burst as
    the one that opened a box (a paste, a served session's packet, typing ahead of a loaded
    app) went to the table below and come back here, where the box, now focused, consumes
    them unseen: they were lost. A box stops the characters it gets itself, so a character that
    reaches the app while a box has the focus is one of those.
    """
    focused = app.focused
    if isinstance(focused, Input) and event.is_printable:
        event.stop()
        event.prevent_default()
        focused.post_message(events.Key(event.key, event.character))
