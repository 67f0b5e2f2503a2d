"""Which containers' stats come how, and the threads that fetch them for one engine's feed.

Stats come from cgroup files when the engine is local and the container's cgroup can be read
here: one thread reads them, the containers the view shows once a second and the others every
`CGROUP_OFF_SCREEN_ROUNDS` seconds (a sort by CPU or memory takes figures at most that old;
every one is read at the first round). The others come over the API, which costs the engine a
collection of each container followed at each of its once-a-second rounds, whether a stream
or a one-shot request asked for it. So only the containers the view shows
(`show(ids)`) are followed closely: streamed (a figure every round) while they are at most
`STREAMED_ROWS`, else "paced", a one-shot request each every other round (every third for more
than twice as many...), so that the rows on screen cost the engine about `STREAMED_ROWS`
collections a second however tall the terminal. The others get one sample now and then
(`SLOW_SAMPLE_SECONDS`). A one-shot figure's CPU % is averaged since the container's previous
sample. A follower stops when its row scrolls away. Samples wait in a `SampleInbox` until the
view takes them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from tui.engine.stats.api import StatsSample, StatsStalled
from tui.engine.stats.cgroup import CgroupCollector, sample_all
from tui.engine.streams import Stream

STALL_RETRY_SECONDS = 2.0  # after a stalled stats stream, a new one this much later
CGROUP_INTERVAL = 1.0  # the engine samples once a second; so do we
CGROUP_OFF_SCREEN_ROUNDS = 5  # a container off screen is read every this many rounds
SLOW_SAMPLE_SECONDS = 15.0  # API mode: a container off screen is sampled this often
MAX_STREAMS = 96  # API followers at once (the rows on screen need far fewer)
# Rows on screen streamed, each a collection a second; more are paced. Twenty is what a 100x30
# terminal shows: about a fifth of what `docker stats` on 100 containers costs the engine.
STREAMED_ROWS = 20
# A one-shot request is answered at the engine's next round of collections (about 1 s): a paced
# follower that waits this long after a figure is answered `every` rounds after the last one.
PACED_MARGIN_SECONDS = 0.5
# Slow samples started a second (each takes 1-2 s): half the feed's pool (feed.POOL_THREADS).
SLOW_SAMPLES_PER_ROUND = 4


class StatsReader(Protocol):
    """What the scheduler needs of a backend (`DashboardBackend` is one)."""

    def stats(self, container_id: str) -> Stream[StatsSample]:
        """A live stats stream of one container."""
        ...

    def stats_once(
        self, container_id: str, before: StatsSample | None = None
    ) -> StatsSample | None:
        """One stats sample of a running container (None when it is not running); `before`,
        its previous sample, lets the engine answer at once (CPU % averaged since then)."""
        ...


class StatsHost(Protocol):
    """What the scheduler uses of the engine feed that owns it (`EngineFeed` is one)."""

    @property
    def closed(self) -> bool:
        """True once the feed began to close."""
        ...

    @property
    def generation(self) -> int:
        """Bumped when the engine is lost: threads of an older one stop reporting."""
        ...

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the feed closes."""

    def spawn(self, target: Callable[[], None], what: str) -> threading.Thread:
        """Run `target` in a thread of the feed's (joined when it closes)."""
        ...

    def submit(self, call: Callable[[], None]) -> None:
        """Run `call` in the feed's pool (a failure is said once; a lost engine noticed)."""

    def samples_waiting(self, generation: int | None) -> None:
        """Say that the inbox has samples (it was empty)."""

    def stats_stalled(self, container_id: str, reason: str, generation: int) -> None:
        """Say that a container's stats stream went silent (its follower retries)."""


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


class StatsScheduler:
    """One engine's stats policy; see the module's docstring.

    It shares its feed's lock: the feed calls `follow`, `unfollow`, `show` and `stop` holding it,
    so that a lost engine's generation and the containers followed change together.
    """

    def __init__(
        self,
        reader: StatsReader,
        host: StatsHost,
        lock: threading.RLock,
        *,
        stall_retry_seconds: float = STALL_RETRY_SECONDS,
        slow_sample_seconds: float = SLOW_SAMPLE_SECONDS,
        streamed_rows: int = STREAMED_ROWS,
    ) -> None:
        self.reader = reader
        self.host = host
        self.stall_retry_seconds = stall_retry_seconds
        self.slow_sample_seconds = slow_sample_seconds
        self.streamed_rows = streamed_rows
        self.inbox = SampleInbox()
        self.collector: CgroupCollector | None = None
        self._lock = lock
        self._running: dict[str, int] = {}  # running containers: id -> init pid
        self._cgroup_pids: dict[str, int] = {}  # those sampled from cgroup files
        self._streams: dict[str, _StatsFollower] = {}  # those followed over the API
        self.every = 1  # API followers: a figure every this many rounds of the engine's
        self._shown: set[str] | None = None  # None: the view did not say (stream every one)
        self._last_slow: dict[str, float] = {}  # API mode: when each was last sampled slowly
        # API mode: each container's latest sample from the API, the `before` of a one-off one
        self._latest: dict[str, StatsSample] = {}
        self._cgroup_thread: threading.Thread | None = None
        self._slow_thread: threading.Thread | None = None

    # What to follow (the feed holds the lock) --------------------------------------------

    def follow(self, running: dict[str, int]) -> None:
        """Every running container (id -> init pid): follow these, drop the others."""
        for gone in set(self._running) - running.keys():
            self.unfollow(gone)
        self._running = running
        self._sync()

    def follow_one(self, container_id: str, pid: int) -> None:
        """A container that runs now."""
        self._running[container_id] = pid
        self._sync()

    def unfollow(self, container_id: str) -> None:
        """A container that stopped or went: its stream closes, its state goes."""
        self._running.pop(container_id, None)
        self._cgroup_pids.pop(container_id, None)
        self._last_slow.pop(container_id, None)
        self._latest.pop(container_id, None)
        follower = self._streams.pop(container_id, None)
        if follower is not None:
            follower.stop()
        if self.collector is not None:
            self.collector.forget(container_id)

    def show(self, container_ids: Iterable[str], *, sync: bool) -> None:
        """The containers the view shows now: in API mode only these are streamed."""
        self._shown = set(container_ids)
        if sync:
            self._sync()

    def stop(self) -> None:
        """Close every stream and forget every container (the engine is lost or closing)."""
        for follower in self._streams.values():
            follower.stop()
        self._streams.clear()
        self._cgroup_pids.clear()
        self._running.clear()

    @property
    def streamed(self) -> set[str]:
        """The containers whose stats come from an API stream now."""
        with self._lock:
            return {cid for cid, follower in self._streams.items() if not follower.paced}

    @property
    def paced(self) -> set[str]:
        """The containers shown whose stats come from one-shot requests, every few rounds."""
        with self._lock:
            return {cid for cid, follower in self._streams.items() if follower.paced}

    @property
    def paced_pause(self) -> float:
        """How long a paced follower waits after a figure before asking for the next."""
        return self.every - 1 + PACED_MARGIN_SECONDS

    # Samples -----------------------------------------------------------------------------

    def take_samples(self) -> list[StatsSample]:
        """The samples waiting in the inbox."""
        return self.inbox.take()

    def deliver(self, samples: Iterable[StatsSample], generation: int | None = None) -> None:
        """Put samples in the inbox (from any thread); say so when it was empty."""
        if self.inbox.put(samples):
            self.host.samples_waiting(generation)

    def latest(self, container_id: str) -> StatsSample | None:
        """A container's latest sample from the API (the `before` of a one-shot request)."""
        return self._latest.get(container_id)

    def note_latest(self, sample: StatsSample) -> None:
        """Keep a streamed sample as the `before` of the container's next one-off sample."""
        if sample.container_id in self._running:
            self._latest[sample.container_id] = sample

    # The threads -------------------------------------------------------------------------

    def _wanted_streams(self) -> set[str]:
        running = self._running.keys() - self._cgroup_pids.keys()
        if self._shown is None:
            return set(running)
        return set(running & self._shown)

    def _sync(self) -> None:
        """Bring the stats followers in line with the running (and shown) containers."""
        host = self.host
        collector = self.collector
        if collector is not None:
            for cid, pid in self._running.items():
                if cid not in self._cgroup_pids and pid and collector.available(cid, pid):
                    self._cgroup_pids[cid] = pid
            if self._cgroup_pids and not _alive(self._cgroup_thread):
                generation = host.generation
                self._cgroup_thread = host.spawn(
                    lambda: self._sample_cgroups(generation), "cgroups"
                )
        wanted = self._wanted_streams()
        self.every = max(1, math.ceil(len(wanted) / self.streamed_rows))
        for cid, follower in list(self._streams.items()):
            if cid not in wanted or follower.paced != (self.every > 1):
                self._streams.pop(cid).stop()
        room = max(0, MAX_STREAMS - len(self._streams))
        for cid in sorted(wanted - self._streams.keys())[:room]:
            follower = _StatsFollower(self, cid, host.generation, paced=self.every > 1)
            self._streams[cid] = follower
            host.spawn(follower.run, f"stats-{cid[:12]}")
        if self._shown is not None and not _alive(self._slow_thread):
            generation = host.generation
            self._slow_thread = host.spawn(lambda: self._sample_slowly(generation), "slow")

    def _sample_cgroups(self, generation: int) -> None:
        """One thread for every container: read their cgroup files once a second."""
        collector = self.collector
        rounds = 0
        while collector is not None and not self.host.closed:
            with self._lock:
                if generation != self.host.generation or not self._cgroup_pids:
                    return
                pids = cgroup_round(self._cgroup_pids, self._shown, rounds)
            moment, samples = sample_all(collector, pids)
            self.deliver(samples.values(), generation)
            rounds += 1
            self.host.wait(max(0.0, CGROUP_INTERVAL - (time.monotonic() - moment)))

    def _sample_slowly(self, generation: int) -> None:
        """API mode: one sample now and then of each running container that is not streamed."""
        host = self.host
        while not host.closed and generation == host.generation:
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
                host.submit(lambda cid=cid: self._sample_once(cid, generation))  # type: ignore[misc]
            host.wait(1.0)

    def _sample_once(self, container_id: str, generation: int) -> None:
        sample = self.reader.stats_once(container_id, self._latest.get(container_id))
        if sample is not None:
            self._latest[container_id] = sample
            self.deliver((sample,), generation)


def cgroup_round(pids: dict[str, int], shown: set[str] | None, rounds: int) -> dict[str, int]:
    """The containers (id -> init pid) that round number `rounds` of cgroup reads takes: every
    one each `CGROUP_OFF_SCREEN_ROUNDS` rounds from the first, and while the view has not said
    what it shows; else those shown."""
    if shown is None or rounds % CGROUP_OFF_SCREEN_ROUNDS == 0:
        return dict(pids)
    return {cid: pid for cid, pid in pids.items() if cid in shown}


def _alive(thread: threading.Thread | None) -> bool:
    return thread is not None and thread.is_alive()


class _StatsFollower:
    """One container's API stats while it is wanted: a stream, reopened after a stall, or
    `paced`, a one-shot request every `scheduler.every` rounds of the engine's collections."""

    def __init__(
        self, scheduler: StatsScheduler, container_id: str, generation: int, *, paced: bool
    ) -> None:
        self.scheduler, self.container_id, self.generation = scheduler, container_id, generation
        self.paced = paced
        self._stopped = threading.Event()
        self._stream: Stream[StatsSample] | None = None

    def stop(self) -> None:
        """Close the stream from any thread; the follower's thread then ends."""
        self._stopped.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    def run(self) -> None:
        """Follow until stopped, the container stops, or the feed closes."""
        if self.paced:
            self._pace()
        else:
            self._stream_stats()

    def _pace(self) -> None:
        scheduler, cid = self.scheduler, self.container_id
        host, retry = scheduler.host, scheduler.stall_retry_seconds
        while not self._stopped.is_set() and not host.closed:
            try:
                sample = scheduler.reader.stats_once(cid, scheduler.latest(cid))
            except Exception:
                self._stopped.wait(retry)  # as a stream's follower does
                continue
            if sample is None:
                return  # not running any more (its event unfollows it)
            if self._stopped.is_set():
                return
            scheduler.note_latest(sample)
            scheduler.deliver((sample,), self.generation)
            self._stopped.wait(scheduler.paced_pause)

    def _stream_stats(self) -> None:
        scheduler, cid = self.scheduler, self.container_id
        host, retry = scheduler.host, scheduler.stall_retry_seconds
        while not self._stopped.is_set() and not host.closed:
            try:
                stream = scheduler.reader.stats(cid)
            except StatsStalled as exc:
                host.stats_stalled(cid, str(exc), self.generation)
                self._stopped.wait(retry)
                continue
            except Exception:
                # Gone (its event unfollows it), the engine is (the ping says so), or refused
                # for now (an ssh server's session limit): try again while it is wanted.
                self._stopped.wait(retry)
                continue
            self._stream = stream
            if self._stopped.is_set():
                stream.close()
                return
            try:
                for sample in stream:
                    if self._stopped.is_set():
                        break
                    scheduler.note_latest(sample)
                    scheduler.deliver((sample,), self.generation)
                else:
                    return  # the container stopped: its stream ended
            except StatsStalled as exc:
                host.stats_stalled(cid, str(exc), self.generation)
                self._stopped.wait(retry)
            finally:
                stream.close()
