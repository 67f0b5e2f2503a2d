"""Messages posted to the app from its feeds and workers (which never touch widgets).

Messages are dataclasses: Textual's `Message.__post_init__` sets up what its `__init__` would.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.engine.feed import FeedEvent


@dataclass(eq=False)
class FeedMessage(Message):
    """One report of an engine's feed (tui/engine/feed.py)."""

    event: FeedEvent


@dataclass(eq=False)
class ActionDone(Message):
    """An action run by a worker of the app finished (or failed with `error`)."""

    what: str
    target: str
    error: str = ""
