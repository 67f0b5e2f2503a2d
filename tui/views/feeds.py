"""The app's Docker side: thread workers that call the backend and post messages back.

Every blocking call runs here, in a named thread worker that never exits the app on error.
Streams are kept so they can be closed when their container or the engine goes away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from textual import work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend, Stream
from tui.engine.cgroup_stats import CgroupCollector, sample_all
from tui.engine.stats import StatsSample, StatsStalled
from tui.errors import LabError
from tui.views.messages import (
    ActionDone,
    ContainerChanged,
    ContainersLoaded,
    EngineDown,
    EngineLost,
    EngineUp,
    EventReceived,
    EventsEnded,
    FootprintsLoaded,
    HistoryLoaded,
    ImagesLoaded,
    StatsStalledMessage,
    StatsWaiting,
)

RETRY_SECONDS = 2.0
# Textual runs thread workers on the event loop's default executor, which allows
# min(32, cores + 4) threads: on two cores the sixth blocking stream (stats of the fifth container
# with the events stream) would wait forever, and every worker after it too.
WORKER_THREADS = 1024
CGROUP_INTERVAL = 1.0  # the engine samples once a second; so do we


class SampleInbox:
    """Stats samples handed over by worker threads and taken in one go by the UI's thread.

    Only the sample that finds the inbox empty needs a message: a hundred streams sending one
    sample a second each cost a few messages a second, not a hundred.
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


class EngineApp(App[int]):
    """An app handed a backend; it owns the workers that talk to the engine."""

    def __init__(
        self, backend: DashboardBackend, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__()
        self.backend = backend
        self.clock = clock or (lambda: datetime.now(UTC))
        self.engine_up = False
        self.stats_streams: dict[str, Stream[StatsSample]] = {}
        self.stats_workers: dict[str, Worker[None]] = {}
        self.collector: CgroupCollector | None = None  # set when the engine answers
        self.cgroup_pids: dict[str, int] = {}  # containers sampled from cgroup files: id -> pid
        self.cgroup_worker: Worker[None] | None = None
        self._tick = threading.Event()  # never set: a wait the sampler's cancel cannot miss
        self.stats_inbox = SampleInbox()

    def on_load(self) -> None:
        """Give thread workers room: one blocking stream per running container, and more."""
        executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="lab-worker")
        asyncio.get_running_loop().set_default_executor(executor)

    # Connection --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def connect_engine(self) -> None:
        """Try to connect until the engine answers; post EngineDown once per failure reason."""
        worker = get_current_worker()
        said = ""
        while not worker.is_cancelled:
            try:
                self.backend.connect()
            except LabError as exc:
                if str(exc) != said:
                    said = str(exc)
                    self.post_message(EngineDown(said))
                deadline = time.monotonic() + RETRY_SECONDS
                while time.monotonic() < deadline and not worker.is_cancelled:
                    time.sleep(0.1)
                continue
            self.post_message(EngineUp())
            return

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check_engine(self) -> None:
        """Ping the engine after a failure; post EngineLost when it does not answer."""
        if not self.backend.ping():
            self.post_message(EngineLost())

    # Lists -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="containers", exit_on_error=False)
    def load_containers(self) -> None:
        """Post the full container list."""
        self.post_message(ContainersLoaded(self.backend.containers()))

    @work(thread=True, group="refresh", exit_on_error=False)
    def refresh_container(self, container_id: str) -> None:
        """Post one container's new state (None when removed)."""
        self.post_message(ContainerChanged(container_id, self.backend.container(container_id)))

    @work(thread=True, exclusive=True, group="images", exit_on_error=False)
    def load_images(self) -> None:
        """Post the full image list."""
        self.post_message(ImagesLoaded(self.backend.images()))

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load_history(self, image_id: str) -> None:
        """Post an image's layers."""
        self.post_message(HistoryLoaded(image_id, self.backend.history(image_id)))

    @work(thread=True, exclusive=True, group="footprints", exit_on_error=False)
    def load_footprints(self) -> None:
        """Post the running containers' footprints (one stats sample each)."""
        self.post_message(FootprintsLoaded(self.backend.footprints()))

    # Streams -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="events", exit_on_error=False)
    def watch_events(self) -> None:
        """Post engine events; when the stream ends, ping and say whether the engine is up."""
        worker = get_current_worker()
        stream = self.backend.events()
        self.events_stream = stream
        for event in stream:
            if worker.is_cancelled:
                return
            if event.changes_containers or event.changes_images:
                self.post_message(EventReceived(event))
        if not worker.is_cancelled:
            self.post_message(EventsEnded(self.backend.ping()))

    def start_stats(self, container_id: str, pid: int = 0) -> None:
        """Follow a running container's stats (once): from its cgroup files, else a stream."""
        collector = self.collector
        if collector is not None and pid and collector.available(container_id, pid):
            self.cgroup_pids[container_id] = pid
            if self.cgroup_worker is None or self.cgroup_worker.is_finished:
                self.cgroup_worker = self.sample_cgroups()
            return
        worker = self.stats_workers.get(container_id)
        if worker is None or worker.is_finished:
            self.stats_workers[container_id] = self.watch_stats(container_id)

    def stop_stats(self, container_id: str) -> None:
        """Stop following a container's stats."""
        self.cgroup_pids.pop(container_id, None)
        stream = self.stats_streams.pop(container_id, None)
        if stream is not None:
            stream.close()
        worker = self.stats_workers.pop(container_id, None)
        if worker is not None:
            worker.cancel()

    def stop_all_streams(self) -> None:
        """Stop every stats stream and the events stream (the engine went away, or we quit)."""
        for container_id in list(self.stats_workers):
            self.stop_stats(container_id)
        self.cgroup_pids.clear()
        if self.cgroup_worker is not None:
            self.cgroup_worker.cancel()
            self.cgroup_worker = None
        stream = getattr(self, "events_stream", None)
        if stream is not None:
            stream.close()

    def deliver_samples(self, samples: Iterable[StatsSample]) -> None:
        """Hand samples to the UI (from any thread): into the inbox, a message if it was empty."""
        if self.stats_inbox.put(samples):
            self.post_message(StatsWaiting())

    @work(thread=True, exclusive=True, group="cgroup-stats", exit_on_error=False)
    def sample_cgroups(self) -> None:
        """One thread for every container: read their cgroup files once a second."""
        worker = get_current_worker()
        collector = self.collector
        while collector is not None and not worker.is_cancelled:
            moment, samples = sample_all(collector, dict(self.cgroup_pids))
            self.deliver_samples(samples.values())
            self._tick.wait(max(0.0, CGROUP_INTERVAL - (time.monotonic() - moment)))

    @work(thread=True, group="stats", exit_on_error=False)
    def watch_stats(self, container_id: str) -> None:
        """Post a container's stats samples until it stops or the stream is closed."""
        worker = get_current_worker()
        try:
            stream = self.backend.stats(container_id)
        except StatsStalled as exc:
            self.post_message(StatsStalledMessage(container_id, str(exc)))
            return
        self.stats_streams[container_id] = stream
        if worker.is_cancelled:  # stopped while the stream was opening
            stream.close()
            return
        try:
            for sample in stream:
                if worker.is_cancelled:
                    break
                self.deliver_samples((sample,))
        except StatsStalled as exc:
            self.post_message(StatsStalledMessage(container_id, str(exc)))
        finally:
            stream.close()

    # Actions -----------------------------------------------------------------------------

    @work(thread=True, group="actions", exit_on_error=False)
    def container_action(self, container_id: str, action: ContainerAction, name: str) -> None:
        """Run a lifecycle action and post how it went."""
        try:
            self.backend.container_action(container_id, action)
        except Exception as exc:
            self.post_message(ActionDone(action, name, error=str(exc)))
        else:
            self.post_message(ActionDone(action, name))

    @work(thread=True, group="actions", exit_on_error=False)
    def image_removal(self, image_id: str, name: str) -> None:
        """Remove an image and post how it went."""
        try:
            self.backend.remove_image(image_id)
        except Exception as exc:
            self.post_message(ActionDone("remove image", name, error=str(exc)))
        else:
            self.post_message(ActionDone("remove image", name))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failed workers: say so, and check the engine is still there."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        if isinstance(error, LabError) and not self.engine_up:
            return  # already showing the banner
        self.notify(f"{worker.name or worker.group}: {error}", severity="error", timeout=8)
        if self.engine_up:
            self.check_engine()
