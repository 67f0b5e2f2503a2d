"""The dashboard's engines: one `EngineFeed` per engine, owned by the app.

Everything that blocks on an engine lives in tui/engine/feed.py, which knows nothing of Textual.
`EngineFeeds` holds the backends and their feeds (the app owns one, as dolphie's app owns its
worker manager); each feed reports through the `report` callback it is handed, which the app
turns into a `FeedMessage`. An engine added while the dashboard runs is reported the same way,
as an `EngineAdded` event.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.engine.backend import DashboardBackend, EngineOffer
from tui.engine.containers import ContainerInfo
from tui.engine.feed import EngineFeed, FeedEvent, Report
from tui.engine.stats.api import StatsSample


@dataclass(frozen=True)
class EngineAdded(FeedEvent):
    """An engine offered while the dashboard runs (a docker context) is watched now."""


class EngineFeeds:
    """The engines watched, by name: each one's backend and feed (the first one also serves
    the images, volumes, networks, prune and the lesson)."""

    def __init__(
        self,
        backends: Sequence[DashboardBackend],
        report: Report,
        offer: EngineOffer | None = None,
    ) -> None:
        """Feeds start with `start()`; `offer` has the engines that may be added later."""
        self.backends: dict[str, DashboardBackend] = {b.name: b for b in backends}
        self.first = backends[0]
        self.report = report
        self.offer = offer
        self.feeds: dict[str, EngineFeed] = {}
        self.drawn = threading.Event()  # set by tables_drawn()

    @property
    def several(self) -> bool:
        """True when more than one engine is watched (a Host column shows)."""
        return len(self.backends) > 1

    @property
    def first_feed(self) -> EngineFeed | None:
        """The first engine's feed, once started."""
        return self.feeds.get(self.first.name)

    @property
    def up(self) -> bool:
        """True while the first engine answers."""
        feed = self.first_feed
        return feed is not None and feed.up

    def start(self) -> None:
        """A feed for each engine that has none, each connecting (and reconnecting) on its own."""
        for name, backend in self.backends.items():
            if name not in self.feeds:
                feed = EngineFeed(backend, self.report, name=name, drawn=self.drawn)
                self.feeds[name] = feed
                feed.start()

    def tables_drawn(self) -> None:
        """The first engine's tables are on screen: the feeds may inspect every container."""
        self.drawn.set()

    def offered(self) -> list[tuple[str, str]]:
        """(name, where it is) of each engine that may be added (none without an offer)."""
        return self.offer.available() if self.offer is not None else []

    def add(self, name: str) -> None:
        """Watch the offered engine `name` too, from now on (LabError when it cannot be)."""
        if self.offer is None:
            return
        backend = self.offer.open(name)
        self.backends[backend.name] = backend
        self.report(EngineAdded(backend.name))
        self.start()

    def feed_of(self, info: ContainerInfo | None) -> EngineFeed | None:
        """The feed of the engine a container runs on."""
        if info is None:
            return None
        return self.feeds.get(info.engine or self.first.name)

    def backend_of(self, info: ContainerInfo) -> DashboardBackend:
        """The backend of the engine a container runs on."""
        return self.backends.get(info.engine, self.first)

    def take_samples(self) -> list[StatsSample]:
        """The samples every feed has waiting."""
        return [sample for feed in self.feeds.values() for sample in feed.take_samples()]

    def show(self, container_ids: Iterable[str]) -> None:
        """The containers on screen: over the API, only their stats are streamed."""
        shown = set(container_ids)
        for feed in self.feeds.values():
            feed.show(shown)

    def reload(self) -> None:
        """Every engine that answers lists everything again."""
        for feed in self.feeds.values():
            if feed.up:
                feed.reload()

    def close(self) -> None:
        """Close every feed: no report after this returns."""
        self.drawn.set()  # no first inspection waits for a frame (its report is dropped)
        for feed in self.feeds.values():
            feed.close(wait=0.0)
