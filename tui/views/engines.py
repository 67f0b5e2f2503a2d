"""The app's engine side: one `EngineFeed` per engine, their reports turned into messages.

Everything that blocks on an engine lives in tui/engine/feed.py, which knows nothing of Textual.
Here each feed's report becomes a `FeedMessage` posted to the app, and `shutdown()` closes the
feeds, timers and workers before the screens go (`exit()` calls it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from textual.app import App
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui.engine.backend import DashboardBackend, EngineOffer
from tui.engine.containers import ContainerInfo
from tui.engine.feed import EngineFeed, FeedEvent
from tui.engine.stats.api import StatsSample
from tui.errors import LabError
from tui.views.messages import FeedMessage

VIEW_THREADS = 64  # the engine feeds have their own threads; these are the views' workers


class EngineApp(App[int]):
    """An app handed its engines' backends; a feed per engine talks to each of them."""

    def __init__(
        self,
        backend: DashboardBackend | Sequence[DashboardBackend],
        clock: Callable[[], datetime] | None = None,
        engine_offer: EngineOffer | None = None,
    ) -> None:
        super().__init__()
        self.engine_offer = engine_offer
        backends = [backend] if not isinstance(backend, Sequence) else list(backend)
        self.backends: dict[str, DashboardBackend] = {b.name: b for b in backends}
        self.backend = backends[0]  # images, volumes, networks, prune and the lesson use it
        self.clock = clock or (lambda: datetime.now(UTC))
        self.feeds: dict[str, EngineFeed] = {}
        self.timers: list[Timer] = []
        self.closing = False

    def on_load(self) -> None:
        """Room for the views' own thread workers (a logs stream each, merged logs one per
        container, the lesson): Textual runs them on the loop's default executor, which allows
        only min(32, cores + 4) threads, six here, and a seventh stream would wait forever."""
        executor = ThreadPoolExecutor(VIEW_THREADS, thread_name_prefix="view-worker")
        asyncio.get_running_loop().set_default_executor(executor)

    @property
    def several_engines(self) -> bool:
        """True when the dashboard watches more than one engine (a Host column shows)."""
        return len(self.backends) > 1

    @property
    def engine_up(self) -> bool:
        """True while the first engine answers."""
        feed = self.feeds.get(self.backend.name)
        return feed is not None and feed.up

    def start_feeds(self) -> None:
        """One feed per engine, each connecting (and reconnecting) on its own."""
        for name, backend in self.backends.items():
            if name not in self.feeds:
                feed = EngineFeed(backend, self.report, name=name)
                self.feeds[name] = feed
                feed.start()

    def add_engine(self, name: str) -> None:
        """Watch the offered engine `name` too (a docker context), from now on."""
        if self.engine_offer is None:
            return
        try:
            backend = self.engine_offer.open(name)
        except LabError as exc:
            self.notify(str(exc), severity="error")
            return
        self.backends[backend.name] = backend
        self.engine_added(backend.name)
        self.start_feeds()

    def engine_added(self, name: str) -> None:
        """Show that the engine `name` is watched now (the views' part)."""

    def report(self, event: FeedEvent) -> None:
        """A feed's report (from its threads): into the app's queue as a message."""
        if not self.closing:
            self.post_message(FeedMessage(event))

    def feed_of(self, info: ContainerInfo | None) -> EngineFeed | None:
        """The feed of the engine a container runs on."""
        if info is None:
            return None
        return self.feeds.get(info.engine or self.backend.name)

    def backend_of(self, info: ContainerInfo) -> DashboardBackend:
        """The backend of the engine a container runs on."""
        return self.backends.get(info.engine, self.backend)

    def take_samples(self) -> list[StatsSample]:
        """The samples every feed has waiting."""
        return [sample for feed in self.feeds.values() for sample in feed.take_samples()]

    def every(self, seconds: float, callback: Callable[[], object]) -> Timer:
        """A repeating timer that shutdown() stops."""
        timer = self.set_interval(seconds, callback)
        self.timers.append(timer)
        return timer

    def shutdown(self) -> None:
        """Close the feeds, stop the timers and cancel the workers (before the screens go)."""
        self.closing = True
        for timer in self.timers:
            timer.stop()
        for feed in self.feeds.values():
            feed.close(wait=0.0)
        self.workers.cancel_all()

    def exit(self, result: int | None = None, return_code: int = 0, message: object = None) -> None:
        """Shut the engine side down first, then let Textual remove the screens."""
        self.shutdown()
        super().exit(result, return_code, message)  # type: ignore[arg-type]

    def on_unmount(self) -> None:
        """A pilot's shutdown does not go through exit(): close everything here too."""
        self.shutdown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failed workers: say so."""
        if event.state == WorkerState.ERROR and not self.closing:
            worker = event.worker
            self.notify(f"{worker.name or worker.group}: {worker.error}", severity="error")
