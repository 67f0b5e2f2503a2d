"""Messages posted to the app: from its feeds and workers (which never touch widgets), and from
one feature to another (features never import each other: the app routes these).

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


@dataclass(eq=False)
class InspectRequested(Message):
    """Open the inspect view of an engine object (posted by panes and the detail screen);
    without a `name` the view is titled with the start of `ref`."""

    kind: str
    ref: str
    name: str = ""


@dataclass(eq=False)
class LogsRequested(Message):
    """Open the logs of these containers: one container's, or several merged by time in one
    view titled `title` (a compose project's, or the marked ones)."""

    container_ids: tuple[str, ...]
    title: str = ""
