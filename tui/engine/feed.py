"""The engine feed: one engine's connection, lists, events and stats, with no Textual in it.

An `EngineFeed` owns everything that blocks on one engine: the connect loop and its retries,
the events stream (a container that changes is inspected again), the lists, stats from cgroup
files or API streams (with their stall retries), the sample inbox, and its own bounded thread
pool. It reports through one callback, `report(event)`, called from its threads; the app only
turns each `FeedEvent` into a message. Several feeds, one per engine, can report to one app:
every event names its engine.

Stats over the API cost the engine a collection per stream per second, so in API mode only the
containers the view shows (`show(ids)`) are streamed; the others get one sample now and then
(`SLOW_SAMPLE_SECONDS`) from a one-shot request, whose CPU % is averaged since the container's
previous sample, and a stream closes when its row scrolls away.

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
from tui.engine.backend import DashboardBackend, Stream
from tui.engine.cgroup_stats import CgroupCollector, sample_all
from tui.engine.containers import ContainerInfo
from tui.engine.footprint import ContainerFootprint
from tui.engine.images import ImageInfo, Layer
from tui.engine.stats import StatsSample, StatsStalled
from tui.errors import LabError

RETRY_SECONDS = 2.0  # between connection attempts
STALL_RETRY_SECONDS = 2.0  # after a stalled stats stream, a new one this much later
CGROUP_INTERVAL = 1.0  # the engine samples once a second; so do we
SLOW_SAMPLE_SECONDS = 15.0  # API mode: a container off screen is sampled this often
POOL_THREADS = 8  # lists, inspects, actions and slow samples; streams have their own threads
MAX_STREAMS = 96  # API stats streams at once (the rows on screen need far fewer)
SLOW_SAMPLES_PER_ROUND = POOL_THREADS // 2  # slow samples started a second (each takes 1-2 s)


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
class ActionDone(FeedEvent):
    """An action finished (or failed with `error`)."""

    what: str
    target: str
    error: str = ""


Report = Callable[[FeedEvent], None]


class SampleInbox:
    """Stats samples handed over by the feed's threads and taken in one go by the view.

    Only the sample that finds the inbox empty needs telling: a hundred streams sending one
    sample a second each cost a few reports a second, not a hundred.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: list[StatsSample] = []

    def put(self, samples: Iterable[StatsSample]) -> bool:
        """Add samples; True when the inbox was empty before (its taker must be told)."""
        with self._lock:
            was_empty = not self._samples
            self._samples.extend(samples)
            return was_empty and bool(self._samples)

    def take(self) -> list[StatsSample]:
        """Every sample put since the last take, oldest first."""
        with self._lock:
            taken, self._samples = self._samples, []
        return taken


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
    ) -> None:
        self.backend = backend
        self.name = name or backend.name
        self._report = report
        self.retry_seconds = retry_seconds
        self.stall_retry_seconds = stall_retry_seconds
        self.slow_sample_seconds = slow_sample_seconds
        self.inbox = SampleInbox()
        self.up = False
        self.collector: CgroupCollector | None = None
        self._pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix=f"feed-{self.name}")
        # Container reads in event order (see the module's docstring); `_queued`: containers
        # whose re-inspect waits on that lane, so a burst of events about one reads it once.
        self._lane = ThreadPoolExecutor(1, thread_name_prefix=f"feed-{self.name}.containers")
        self._queued: set[str] = set()
        self._closed = threading.Event()
        self._lock = threading.RLock()
        self._generation = 0  # bumped when the engine is lost: older threads stop reporting
        self._running: dict[str, int] = {}  # running containers: id -> init pid
        self._cgroup_pids: dict[str, int] = {}  # those sampled from cgroup files
        self._streams: dict[str, _StatsFollower] = {}  # those streamed from the API
        self._shown: set[str] | None = None  # None: the view did not say (stream every one)
        self._last_slow: dict[str, float] = {}  # API mode: when each was last sampled slowly
        # API mode: each container's latest sample from the API, the `before` of a one-off one
        self._latest: dict[str, StatsSample] = {}
        self._events: Stream[object] | None = None
        self._threads: list[threading.Thread] = []
        self._pending = 0  # requests submitted and not finished

    # Life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying until the engine answers)."""
        self._thread(self._connect_loop, "connect")

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

    def _say(self, event: FeedEvent, generation: int | None = None) -> None:
        if self._closed.is_set() or (generation is not None and generation != self._generation):
            return
        self._report(event)

    def _thread(self, target: Callable[[], None], what: str) -> None:
        thread = threading.Thread(target=target, name=f"feed-{self.name}-{what}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _submit(self, call: Callable[[], None], lane: ThreadPoolExecutor | None = None) -> None:
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
                self._say(ActionDone(self.name, "engine request", "failed", str(exc)), generation)
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
            self.collector = self.backend.cgroup_collector()
            generation = self._generation
        self._say(EngineUp(self.name, self.backend.description), generation)
        self._thread(lambda: self._watch_events(generation), "events")
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
        self._thread(self._connect_loop, "connect")

    def _stop_streams(self) -> None:
        for follower in self._streams.values():
            follower.stop()
        self._streams.clear()
        self._cgroup_pids.clear()
        self._running.clear()
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
            infos = [self._stamp(info) for info in self.backend.containers()]
            self._say(ContainersLoaded(self.name, infos), generation)
            running = {info.id: info.pid for info in infos if info.is_running}
            with self._lock:
                if generation != self._generation:
                    return
                for gone in set(self._running) - running.keys():
                    self._unfollow(gone)
                self._running = running
                self._sync_stats()

        self._submit(load, self._lane)

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
                    self._running[container_id] = info.pid
                    self._sync_stats()
                else:
                    self._unfollow(container_id)

        with self._lock:
            if container_id in self._queued:
                return  # the read waiting on the lane comes after this event: it will see it
            self._queued.add(container_id)
        self._submit(refresh, self._lane)

    def load_images(self) -> None:
        """Report every image."""
        self._submit(lambda: self._say(ImagesLoaded(self.name, self.backend.images())))

    def load_history(self, image_id: str) -> None:
        """Report an image's layers."""
        self._submit(
            lambda: self._say(HistoryLoaded(self.name, image_id, self.backend.history(image_id)))
        )

    def load_footprints(self) -> None:
        """Report the running containers' footprints (one stats sample each)."""
        self._submit(lambda: self._say(FootprintsLoaded(self.name, self.backend.footprints())))

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
                self._say(ActionDone(self.name, what, target, str(exc)))
            else:
                self._say(ActionDone(self.name, what, target))

        self._submit(run)

    def _stamp(self, info: ContainerInfo) -> ContainerInfo:
        return info if info.engine == self.name else replace(info, engine=self.name)

    # Stats -------------------------------------------------------------------------------

    def show(self, container_ids: Iterable[str]) -> None:
        """The containers the view shows now: in API mode only these are streamed."""
        with self._lock:
            self._shown = set(container_ids)
            if self.up:
                self._sync_stats()

    @property
    def streamed(self) -> set[str]:
        """The containers whose stats come from an API stream now."""
        with self._lock:
            return set(self._streams)

    def take_samples(self) -> list[StatsSample]:
        """The samples waiting in the inbox."""
        return self.inbox.take()

    def deliver(self, samples: Iterable[StatsSample], generation: int | None = None) -> None:
        """Put samples in the inbox (from any thread); say so when it was empty."""
        if self.inbox.put(samples):
            self._say(SamplesWaiting(self.name), generation)

    def _wanted_streams(self) -> set[str]:
        running = self._running.keys() - self._cgroup_pids.keys()
        if self._shown is None:
            return set(running)
        return set(running & self._shown)

    def _sync_stats(self) -> None:
        """Bring the stats followers in line with the running (and shown) containers."""
        collector = self.collector
        if collector is not None:
            for cid, pid in self._running.items():
                if cid not in self._cgroup_pids and pid and collector.available(cid, pid):
                    self._cgroup_pids[cid] = pid
            if self._cgroup_pids and not any(
                t.name.endswith("-cgroups") and t.is_alive() for t in self._threads
            ):
                generation = self._generation
                self._thread(lambda: self._sample_cgroups(generation), "cgroups")
        wanted = self._wanted_streams()
        for cid in set(self._streams) - wanted:
            self._streams.pop(cid).stop()
        room = max(0, MAX_STREAMS - len(self._streams))
        for cid in sorted(wanted - self._streams.keys())[:room]:
            follower = _StatsFollower(self, cid, self._generation)
            self._streams[cid] = follower
            self._thread(follower.run, f"stats-{cid[:12]}")
        if self._shown is not None and not any(
            t.name.endswith("-slow") and t.is_alive() for t in self._threads
        ):
            generation = self._generation
            self._thread(lambda: self._sample_slowly(generation), "slow")

    def _unfollow(self, container_id: str) -> None:
        self._running.pop(container_id, None)
        self._cgroup_pids.pop(container_id, None)
        self._last_slow.pop(container_id, None)
        self._latest.pop(container_id, None)
        follower = self._streams.pop(container_id, None)
        if follower is not None:
            follower.stop()
        if self.collector is not None:
            self.collector.forget(container_id)

    def _sample_cgroups(self, generation: int) -> None:
        """One thread for every container: read their cgroup files once a second."""
        collector = self.collector
        while collector is not None and not self._closed.is_set():
            with self._lock:
                if generation != self._generation or not self._cgroup_pids:
                    return
                pids = dict(self._cgroup_pids)
            moment, samples = sample_all(collector, pids)
            self.deliver(samples.values(), generation)
            self._closed.wait(max(0.0, CGROUP_INTERVAL - (time.monotonic() - moment)))

    def _sample_slowly(self, generation: int) -> None:
        """API mode: one sample now and then of each running container that is not streamed."""
        while not self._closed.is_set() and generation == self._generation:
            now = time.monotonic()
            with self._lock:
                quiet = self._running.keys() - self._streams.keys() - self._cgroup_pids.keys()
                last = self._last_slow
                due = [cid for cid in quiet if now - last.get(cid, 0.0) >= self.slow_sample_seconds]
                # The longest waiting first: with more due than a round takes, taking them in
                # set order would sample the same ones every round and never the rest.
                due = sorted(due, key=lambda cid: last.get(cid, 0.0))[:SLOW_SAMPLES_PER_ROUND]
                for cid in due:
                    last[cid] = now
            for cid in due:
                self._submit(lambda cid=cid: self._sample_once(cid, generation))  # type: ignore[misc]
            self._closed.wait(1.0)

    def _sample_once(self, container_id: str, generation: int) -> None:
        sample = self.backend.stats_once(container_id, self._latest.get(container_id))
        if sample is not None:
            self._latest[container_id] = sample
            self.deliver((sample,), generation)

    def note_latest(self, sample: StatsSample) -> None:
        """Keep a streamed sample as the `before` of the container's next one-off sample."""
        if sample.container_id in self._running:
            self._latest[sample.container_id] = sample

    def report_stall(self, container_id: str, reason: str, generation: int) -> None:
        """Say that a container's stats stream went silent (its follower retries)."""
        self._say(StatsStalledEvent(self.name, container_id, reason), generation)


class _StatsFollower:
    """One container's API stats stream, reopened after a stall while it is wanted."""

    def __init__(self, feed: EngineFeed, container_id: str, generation: int) -> None:
        self.feed, self.container_id, self.generation = feed, container_id, generation
        self._stopped = threading.Event()
        self._stream: Stream[StatsSample] | None = None

    def stop(self) -> None:
        """Close the stream from any thread; the follower's thread then ends."""
        self._stopped.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    def run(self) -> None:
        feed, cid = self.feed, self.container_id
        while not self._stopped.is_set() and not feed.closed:
            try:
                stream = feed.backend.stats(cid)
            except StatsStalled as exc:
                feed.report_stall(cid, str(exc), self.generation)
                self._stopped.wait(feed.stall_retry_seconds)
                continue
            except Exception:
                # Gone (its event unfollows it), the engine is (the ping says so), or refused
                # for now (an ssh server's session limit): try again while it is wanted.
                self._stopped.wait(feed.stall_retry_seconds)
                continue
            self._stream = stream
            if self._stopped.is_set():
                stream.close()
                return
            try:
                for sample in stream:
                    if self._stopped.is_set():
                        break
                    feed.note_latest(sample)
                    feed.deliver((sample,), self.generation)
                else:
                    return  # the container stopped: its stream ended
            except StatsStalled as exc:
                feed.report_stall(cid, str(exc), self.generation)
                self._stopped.wait(feed.stall_retry_seconds)
            finally:
                stream.close()
