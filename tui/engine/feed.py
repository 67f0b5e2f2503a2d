"""The engine feed: one engine's connection, lists, events and stats, with no Textual in it.

An `EngineFeed` owns everything that blocks on one engine: the connect loop and its retries,
the events stream (a container that changes is inspected again), the lists, the actions, and
its own bounded thread pool. Which containers' stats come how (cgroup files, API streams or
paced one-shot requests for the rows on screen, slow one-shot samples for the others) is its
`StatsScheduler`'s policy (tui/engine/stats/scheduler.py). It reports through one callback,
`report(event)`, called from its threads; the app only turns each `FeedEvent` into a message.
Several feeds, one per engine, can report to one app: every event names its engine.

The first list comes from one list call (what `docker ps -a` shows) so the table fills at once;
the inspected list, with uptimes, limits and pids, replaces it as soon as it is read.

Container reads (the list and each re-inspect) run one at a time, in the order of the events
that asked for them, on a lane of their own: read on several threads, an inspect made before a
container's removal could be reported after its removal and bring back a row for a container
that no longer exists (compose removes a project's containers in a burst).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.footprint import ContainerFootprint
from tui.engine.images import ImageInfo, Layer
from tui.engine.stats.api import StatsSample
from tui.engine.stats.cgroup import CgroupCollector
from tui.engine.stats.scheduler import (
    SLOW_SAMPLE_SECONDS,
    STALL_RETRY_SECONDS,
    STREAMED_ROWS,
    StatsScheduler,
)
from tui.engine.streams import Stream
from tui.errors import LabError

RETRY_SECONDS = 2.0  # between connection attempts
DRAWN_WAIT_SECONDS = 1.0  # the most the first inspections wait for the listed rows' frame
POOL_THREADS = 8  # lists, inspects, actions and slow samples; streams have their own threads


# What a feed reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    """Something one engine's feed has to say; `engine` is its name."""

    engine: str


@dataclass(frozen=True)
class EngineUp(FeedEvent):
    """The engine answered; its lists follow."""

    description: str


@dataclass(frozen=True)
class EngineDown(FeedEvent):
    """No engine answers: `reason` says what was tried and how to start one (retrying)."""

    reason: str


@dataclass(frozen=True)
class EngineLost(FeedEvent):
    """The engine stopped answering; the feed closed its streams and reconnects by itself."""

    description: str


@dataclass(frozen=True)
class ContainersLoaded(FeedEvent):
    """Every container of this engine."""

    containers: list[ContainerInfo]


@dataclass(frozen=True)
class ContainerChanged(FeedEvent):
    """One container changed; `info` is None when it was removed."""

    container_id: str
    info: ContainerInfo | None


@dataclass(frozen=True)
class ImagesLoaded(FeedEvent):
    """Every image of this engine."""

    images: list[ImageInfo]


@dataclass(frozen=True)
class HistoryLoaded(FeedEvent):
    """The layers of one image."""

    image_id: str
    layers: list[Layer]


@dataclass(frozen=True)
class FootprintsLoaded(FeedEvent):
    """Footprints of the running containers, for the VM baseline."""

    footprints: list[ContainerFootprint]


@dataclass(frozen=True)
class SamplesWaiting(FeedEvent):
    """Stats samples wait in the feed's inbox (said when the first one finds it empty)."""


@dataclass(frozen=True)
class StatsStalledEvent(FeedEvent):
    """A container's stats stream stayed silent past its bound; the feed retries shortly."""

    container_id: str
    reason: str


@dataclass(frozen=True)
class EngineRequestDone(FeedEvent):
    """An action finished (or failed with `error`)."""

    what: str
    target: str
    error: str = ""


Report = Callable[[FeedEvent], None]


class EngineFeed:
    """One engine, watched from background threads; see the module's docstring."""

    def __init__(
        self,
        backend: DashboardBackend,
        report: Report,
        *,
        name: str = "",
        retry_seconds: float = RETRY_SECONDS,
        stall_retry_seconds: float = STALL_RETRY_SECONDS,
        slow_sample_seconds: float = SLOW_SAMPLE_SECONDS,
        streamed_rows: int = STREAMED_ROWS,
        drawn: threading.Event | None = None,
    ) -> None:
        """`drawn`, when given, is set once the listed rows are on screen: the first
        inspections wait for it (at most DRAWN_WAIT_SECONDS), so that the first frame is not
        drawn while they hold the interpreter (a tenth of a second of Python for a hundred)."""
        self.backend = backend
        self._drawn = drawn
        self.name = name or backend.name
        self._report = report
        self.retry_seconds = retry_seconds
        self.up = False
        self._pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix=f"feed-{self.name}")
        # Container reads in event order (see the module's docstring); `_queued`: containers
        # whose re-inspect waits on that lane, so a burst of events about one reads it once.
        self._lane = ThreadPoolExecutor(1, thread_name_prefix=f"feed-{self.name}.containers")
        self._queued: set[str] = set()
        self._closed = threading.Event()
        self._lock = threading.RLock()
        self._generation = 0  # bumped when the engine is lost: older threads stop reporting
        self.stats = StatsScheduler(
            backend,
            self,
            self._lock,
            stall_retry_seconds=stall_retry_seconds,
            slow_sample_seconds=slow_sample_seconds,
            streamed_rows=streamed_rows,
        )
        self._events: Stream[object] | None = None
        self._threads: list[threading.Thread] = []
        self._pending = 0  # requests submitted and not finished
        self._listed = False  # the first list was reported (from the list call alone)

    # Life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying until the engine answers)."""
        self.spawn(self._connect_loop, "connect")

    def close(self, wait: float = 2.0) -> None:
        """Stop everything: no report after this returns; threads end within `wait` seconds."""
        self._closed.set()
        with self._lock:
            self._generation += 1
            self._stop_streams()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._lane.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + wait
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def closed(self) -> bool:
        """True once close() began."""
        return self._closed.is_set()

    @property
    def generation(self) -> int:
        """Bumped when the engine is lost: threads of an older one stop reporting."""
        return self._generation

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the feed closes."""
        self._closed.wait(seconds)

    def _say(self, event: FeedEvent, generation: int | None = None) -> None:
        if self._closed.is_set() or (generation is not None and generation != self._generation):
            return
        self._report(event)

    def spawn(self, target: Callable[[], None], what: str) -> threading.Thread:
        """Run `target` in a thread of the feed's, joined (for a while) when it closes."""
        thread = threading.Thread(target=target, name=f"feed-{self.name}-{what}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def submit(self, call: Callable[[], None], lane: ThreadPoolExecutor | None = None) -> None:
        """Run `call` in the pool (or `lane`); a failure is said once, a lost engine noticed."""
        if self._closed.is_set():
            return
        with self._lock:
            self._pending += 1
        try:
            (lane or self._pool).submit(self._guarded, call)
        except RuntimeError:  # the pool shut down after the check
            with self._lock:
                self._pending -= 1

    def _guarded(self, call: Callable[[], None]) -> None:
        """Run a request; a failure is said once, and a lost engine is noticed."""
        generation = self._generation
        try:
            call()
        except Exception as exc:
            if self._closed.is_set() or generation != self._generation:
                return
            if self.backend.ping():
                self._say(
                    EngineRequestDone(self.name, "engine request", "failed", str(exc)), generation
                )
            else:
                self._lost(generation)
        finally:
            with self._lock:
                self._pending -= 1

    @property
    def busy(self) -> bool:
        """True while a request (a list, an inspect, an action) has not finished."""
        return self._pending > 0

    # Connection --------------------------------------------------------------------------

    def _connect_loop(self) -> None:
        said = ""
        while not self._closed.is_set():
            try:
                self.backend.connect()
            except LabError as exc:
                if str(exc) != said:
                    said = str(exc)
                    self._say(EngineDown(self.name, said))
                self._closed.wait(self.retry_seconds)
                continue
            break
        if self._closed.is_set():
            return
        with self._lock:
            self.up = True
            self.stats.collector = self.backend.cgroup_collector()
            generation = self._generation
        self._say(EngineUp(self.name, self.backend.description), generation)
        self.spawn(lambda: self._watch_events(generation), "events")
        self.reload()

    def _lost(self, generation: int) -> None:
        """The engine stopped answering: close every stream, say so once, reconnect."""
        with self._lock:
            if generation != self._generation or not self.up or self._closed.is_set():
                return
            self.up = False
            self._generation += 1
            self._stop_streams()
        self._report(EngineLost(self.name, self.backend.description))
        self.spawn(self._connect_loop, "connect")

    def _stop_streams(self) -> None:
        self.stats.stop()
        events, self._events = self._events, None
        if events is not None:
            events.close()

    def _watch_events(self, generation: int) -> None:
        """Follow the engine's events; when they end, resubscribe or notice the engine is gone."""
        while not self._closed.is_set() and generation == self._generation:
            try:
                stream = self.backend.events()
            except Exception:
                self._lost(generation)
                return
            with self._lock:
                if generation != self._generation:
                    stream.close()
                    return
                self._events = stream
            for event in stream:
                if self._closed.is_set() or generation != self._generation:
                    return
                if event.changes_containers:
                    self.refresh_container(event.id)
                if event.changes_images:
                    self.load_images()
            if self._closed.is_set() or generation != self._generation:
                return
            if not self.backend.ping():
                self._lost(generation)
                return
            self.load_containers()  # events may have been missed while resubscribing

    # Lists and requests ------------------------------------------------------------------

    def reload(self) -> None:
        """Load both lists again."""
        self.load_containers()
        self.load_images()

    def load_containers(self) -> None:
        """Report every container; follow the stats of the running ones."""

        def load() -> None:
            generation = self._generation
            if not self._listed:  # the table at once from one call; the inspects follow
                self._listed = True
                self._say_listed(generation)
                if self._drawn is not None:
                    self._drawn.wait(DRAWN_WAIT_SECONDS)
            infos = [self._stamp(info) for info in self.backend.containers()]
            self._say(ContainersLoaded(self.name, infos), generation)
            running = {info.id: info.pid for info in infos if info.is_running}
            with self._lock:
                if generation != self._generation:
                    return
                self.stats.follow(running)

        self.submit(load, self._lane)

    def _say_listed(self, generation: int) -> None:
        """Report the containers as the list call gives them. A list this feed cannot read is
        left to the inspected list that follows (it says what went wrong, if anything does)."""
        try:
            listed = [self._stamp(info) for info in self.backend.container_list()]
        except Exception:
            return
        self._say(ContainersLoaded(self.name, listed), generation)

    def refresh_container(self, container_id: str) -> None:
        """Report one container again (None when removed) and follow or drop its stats."""

        def refresh() -> None:
            generation = self._generation
            with self._lock:
                self._queued.discard(container_id)  # an event from now on needs a new read
            info = self.backend.container(container_id)
            info = self._stamp(info) if info is not None else None
            self._say(ContainerChanged(self.name, container_id, info), generation)
            with self._lock:
                if generation != self._generation:
                    return
                if info is not None and info.is_running:
                    self.stats.follow_one(container_id, info.pid)
                else:
                    self.stats.unfollow(container_id)

        with self._lock:
            if container_id in self._queued:
                return  # the read waiting on the lane comes after this event: it will see it
            self._queued.add(container_id)
        self.submit(refresh, self._lane)

    def load_images(self) -> None:
        """Report every image."""
        self.submit(lambda: self._say(ImagesLoaded(self.name, self.backend.images())))

    def load_history(self, image_id: str) -> None:
        """Report an image's layers."""
        self.submit(
            lambda: self._say(HistoryLoaded(self.name, image_id, self.backend.history(image_id)))
        )

    def load_footprints(self) -> None:
        """Report the running containers' footprints (one stats sample each)."""
        self.submit(lambda: self._say(FootprintsLoaded(self.name, self.backend.footprints())))

    def run_action(self, container_id: str, action: ContainerAction, target: str) -> None:
        """Run a lifecycle action; report how it went (the events report what it changed)."""
        self._call(
            action.value, target, lambda: self.backend.container_action(container_id, action)
        )

    def remove_image(self, image_id: str, target: str) -> None:
        """Remove an image; report how it went."""
        self._call("remove image", target, lambda: self.backend.remove_image(image_id))

    def _call(self, what: str, target: str, call: Callable[[], object]) -> None:
        def run() -> None:
            try:
                call()
            except Exception as exc:
                self._say(EngineRequestDone(self.name, what, target, str(exc)))
            else:
                self._say(EngineRequestDone(self.name, what, target))

        self.submit(run)

    def _stamp(self, info: ContainerInfo) -> ContainerInfo:
        return info if info.engine == self.name else replace(info, engine=self.name)

    # Stats (the scheduler's policy) ----------------------------------------------------

    @property
    def collector(self) -> CgroupCollector | None:
        """The cgroup files reader, when stats may come from them (a local engine)."""
        return self.stats.collector

    def show(self, container_ids: Iterable[str]) -> None:
        """The containers the view shows now: in API mode only these are streamed."""
        with self._lock:
            self.stats.show(container_ids, sync=self.up)

    @property
    def streamed(self) -> set[str]:
        """The containers whose stats come from an API stream now."""
        return self.stats.streamed

    @property
    def paced(self) -> set[str]:
        """The containers shown whose stats come from a one-shot request every few rounds."""
        return self.stats.paced

    def take_samples(self) -> list[StatsSample]:
        """The samples waiting in the inbox."""
        return self.stats.take_samples()

    def deliver(self, samples: Iterable[StatsSample], generation: int | None = None) -> None:
        """Put samples in the inbox (from any thread); say so when it was empty."""
        self.stats.deliver(samples, generation)

    def samples_waiting(self, generation: int | None) -> None:
        """Say that the inbox has samples (it was empty)."""
        self._say(SamplesWaiting(self.name), generation)

    def stats_stalled(self, container_id: str, reason: str, generation: int) -> None:
        """Say that a container's stats stream went silent (its follower retries)."""
        self._say(StatsStalledEvent(self.name, container_id, reason), generation)
