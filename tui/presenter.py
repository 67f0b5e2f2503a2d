"""The presenter's view, as published for the lab's other dashboards (tui/published.py).

One dashboard of a lab presents (it holds the claim on `presenter`); it publishes which tab it
shows and the row highlighted in that tab's table, only when that changes. Viewers that follow
it read it back with `followed` and move to the same tab and row. A presenter that stops says
so in its last document; one that is killed shows as `left` (its writer is gone).
"""

from __future__ import annotations

import os
import pwd
import re
import socket
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from tui.errors import LabError
from tui.paths import LabPaths
from tui.published import Publisher, Seen, document_path, read_published

NAME = "presenter"
# A tab's id: the viewer looks it up among its own tabs, so nothing else is accepted.
_TAB = re.compile(r"[a-z][a-z0-9_-]{0,39}")
MAX_TEXT = 200  # a row key or its label: a container id, an image, a run, a service


@dataclass(frozen=True)
class Presented:
    """What the presenter shows: a tab, and the highlighted row of one of its tables."""

    who: str  # user@host, for "following <who>"
    tab: str
    table: int = 0  # which of the tab's tables, in order (-1: none has a row highlighted)
    row: str = ""  # the highlighted row's key ("" none)
    label: str = ""  # what that row shows, to name it when a viewer does not have it
    engine: str = ""  # the engine the row belongs to
    presenting: bool = True  # False: the presenter stopped (its last word)


def presenter_name() -> str:
    """user@host of this process."""
    try:
        user = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        user = f"uid {os.geteuid()}"
    return f"{user}@{socket.gethostname()}"


def to_body(shown: Presented) -> dict[str, Any]:
    """The JSON body of a presented view."""
    return asdict(shown)


def from_body(body: Mapping[str, Any]) -> Presented:
    """The view a JSON body says (ValueError when it is not one)."""
    texts = {key: body.get(key, "") for key in ("who", "tab", "row", "label", "engine")}
    for key, value in texts.items():
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise ValueError(f"{key} is not a text of at most {MAX_TEXT} characters")
    if not _TAB.fullmatch(texts["tab"]):
        raise ValueError(f"tab {texts['tab'][:40]!r}")
    table, presenting = body.get("table", 0), body.get("presenting", True)
    if type(table) is not int or table < -1 or table > 99:
        raise ValueError(f"table {table!r}")
    if type(presenting) is not bool:
        raise ValueError(f"presenting {presenting!r}")
    return Presented(table=table, presenting=presenting, **texts)


@dataclass(frozen=True)
class Followed:
    """What a follower sees: the presenter's view (or none yet), or why it cannot be read."""

    shown: Presented | None = None
    error: str = ""
    left: bool = False  # the presenter is gone (killed, say) without stopping

    @property
    def live(self) -> bool:
        """A presenter shows this view now."""
        return self.shown is not None and self.shown.presenting and not self.left


def followed(found: Seen, paths: LabPaths) -> Followed:
    """What a published presenter document means for a follower."""
    if found.error:
        return Followed(error=found.error)
    if found.body is None:
        return Followed()
    try:
        shown = from_body(found.body)
    except (ValueError, TypeError) as exc:
        where = document_path(paths, NAME)
        why = " ".join(str(exc).split())[:120]
        return Followed(error=f"{where} is not a presenter's view ({why}); remove it")
    return Followed(shown, left=shown.presenting and not found.alive)


def presenter_state(paths: LabPaths) -> Followed:
    """The lab's presenter as it last published itself."""
    return followed(read_published(paths, NAME), paths)


class Presenting:
    """The presenter's side: claims the lab's one presenter, publishes its view when it
    changes (thread-safe)."""

    def __init__(self, paths: LabPaths) -> None:
        self.paths = paths
        self.publisher = Publisher(paths, NAME)
        self.who = presenter_name()
        self._lock = threading.Lock()
        self._last: Presented | None = None

    def claim(self) -> str:
        """Present: "" when this dashboard now presents, else one line saying who does (or why
        it cannot)."""
        try:
            claimed = self.publisher.claim()
        except LabError as exc:
            return f"cannot present: {exc}"
        if claimed:
            return ""
        other = presenter_state(self.paths).shown
        who = f"{other.who} presents" if other is not None else "another dashboard presents"
        return f"{who} in this lab already: one presenter per lab (it stops with V)"

    def show(
        self, tab: str, table: int = 0, row: str = "", label: str = "", engine: str = ""
    ) -> bool:
        """Publish this view if it changed; whether it was written (LabError: it cannot be)."""
        shown = Presented(self.who, tab, table, row[:MAX_TEXT], label[:MAX_TEXT], engine[:MAX_TEXT])
        with self._lock:
            if shown == self._last or not self.publisher.claimed:
                return False
            self.publisher.publish(to_body(shown))
            self._last = shown
            return True

    def stop(self) -> None:
        """Stop presenting: followers are told, then the claim is let go."""
        with self._lock:
            last, self._last = self._last, None
            try:
                if last is not None and self.publisher.claimed:
                    self.publisher.publish(to_body(replace(last, presenting=False)))
            finally:
                self.publisher.release()
