"""The ways of following live stats that bench.stats_overhead compares, each run for a while.

Every way returns a Window: the CPU seconds this process (or the CLI) and dockerd used over the
measured window, and the ages, sampled every 0.25 s, of the newest figure of each followed row.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psutil
from textual import events

from bench.engine_side import EngineProcesses
from tui.engine.backend import DockerBackend
from tui.engine.cgroup_stats import CgroupCollector, sample_all
from tui.engine.feed import SampleInbox
from tui.views.containers_pane import ContainersPane

AGE_PERIOD = 0.25
KEY_PRESSES = 20
KEY_GAP = 0.25


def cpu_seconds(process: psutil.Process) -> float:
    """User plus system CPU seconds of a process (and its waited-for children)."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _ages(last: dict[str, float], ids: list[str], stop: threading.Event, out: list[float]) -> None:
    while not stop.wait(AGE_PERIOD):
        now = time.monotonic()
        out.extend(now - last[cid] for cid in ids if cid in last)


@dataclass(frozen=True)
class Target:
    """The engine the ways follow: its address (None: the default) and its processes."""

    url: str | None
    engine: EngineProcesses


@dataclass
class Window:
    """What one way cost over the measured window (engine: dockerd, containerd, shims)."""

    own_cpu: float
    engine_cpu: float
    ages: list[float] = field(default_factory=list)
    streams: int | None = None
    key_waits: list[float] = field(default_factory=list)


def window(
    ids: list[str], last: dict[str, float], seconds: float, target: Target, who: int = 0
) -> Window:
    """CPU of `who` (this process) and the engine over `seconds`, sampling the rows' ages."""
    me, stop = psutil.Process(who or None), threading.Event()
    ages: list[float] = []
    watcher = threading.Thread(target=_ages, args=(last, ids, stop, ages), daemon=True)
    before, engine_before = cpu_seconds(me), target.engine.snapshot()
    watcher.start()
    time.sleep(seconds)
    stop.set()
    engine_used = target.engine.used(engine_before, target.engine.snapshot())
    return Window(cpu_seconds(me) - before, engine_used, ages)


def api_streams(ids: dict[str, int], seconds: float, warmup: float, target: Target) -> Window:
    """The dashboard's stats code: one StatsStream and one thread per container."""
    backend = DockerBackend(target.url)
    backend.connect()
    last: dict[str, float] = {}
    streams = [backend.stats(cid) for cid in ids]

    def follow(stream: Any) -> None:
        for sample in stream:
            last[sample.container_id] = time.monotonic()

    for stream in streams:
        threading.Thread(target=follow, args=(stream,), daemon=True).start()
    time.sleep(warmup)
    try:
        return window(list(ids), last, seconds, target)
    finally:
        for stream in streams:
            stream.close()
        backend.close()


def cgroup_loop(ids: dict[str, int], seconds: float, warmup: float, target: Target) -> Window:
    """The cgroup collector: one thread reads every container's files once a second."""
    collector, last, stop = CgroupCollector(), {}, threading.Event()

    def loop() -> None:
        while not stop.is_set():
            moment, samples = sample_all(collector, ids)
            last.update(dict.fromkeys(samples, moment))
            stop.wait(max(0.0, 1.0 - (time.monotonic() - moment)))

    threading.Thread(target=loop, daemon=True).start()
    time.sleep(warmup)
    try:
        return window(list(ids), last, seconds, target)
    finally:
        stop.set()


def docker_stats_cli(ids: dict[str, int], seconds: float, warmup: float, target: Target) -> Window:
    """`docker stats` following the same containers, its output thrown away."""
    host = ["-H", target.url] if target.url else []
    cli = subprocess.Popen(
        ["docker", *host, "stats", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(warmup)
        return window([], {}, seconds, target, who=cli.pid)
    finally:
        cli.kill()  # `docker stats` ignores SIGTERM while it waits on its streams
        cli.wait(timeout=10)


def app_backend(url: str | None, source: str) -> DockerBackend:
    """The app's backend with its stats from `source` (api or cgroup) where it can choose."""
    try:
        return DockerBackend(url, stats=source)  # type: ignore[call-arg]
    except TypeError:  # a backend without the choice: its default
        return DockerBackend(url)


async def key_press_waits(app: Any, presses: int) -> list[float]:
    """Seconds from a key posted as a terminal would to the table's cursor having moved.

    j and k in turn (alternating, so the cursor always has somewhere to go), while the stats
    keep streaming; measured after the CPU window so the presses do not count in it.
    """
    table = app.containers.table
    table.focus()
    if table.row_count < 2:
        return []
    table.move_cursor(row=0)
    waits = []
    for number in range(presses):
        key = "j" if number % 2 == 0 else "k"
        row = table.cursor_row
        pressed = time.perf_counter()
        app.post_message(events.Key(key, key))
        while table.cursor_row == row and time.perf_counter() - pressed < 10:
            await asyncio.sleep(0.001)
        waits.append(time.perf_counter() - pressed)
        await asyncio.sleep(KEY_GAP)
    return waits


def run_app(
    ids: dict[str, int], seconds: float, warmup: float, target: Target, source: str
) -> Window:
    """The real app, headless: CPU of the process, ages of the figures its table shows.

    A figure's age counts from the moment its sample left the worker thread that read it (put
    into the app's inbox) until the table shows a newer one (flush_stats or refresh_rows), so it
    includes the app's own delay.
    """
    from tui.views.app import create_app  # the app is imported only when measured

    arrived: dict[int, tuple[float, Any]] = {}
    shown: dict[str, float] = {}
    put = SampleInbox.put
    originals = {name: getattr(ContainersPane, name) for name in ("flush_stats", "refresh_rows")}

    def timed_put(inbox: SampleInbox, samples: Any) -> bool:
        samples = list(samples)
        now = time.monotonic()
        for sample in samples:
            arrived[id(sample)] = (now, sample)  # the reference keeps id() unique
        return put(inbox, samples)

    def timed_draw(name: str) -> Any:
        def draw(pane: ContainersPane) -> None:
            originals[name](pane)
            _note_shown(pane)

        return draw

    def _note_shown(pane: ContainersPane) -> None:
        for cid, sample in pane.samples.items():
            if cid in pane.fresh:  # not drawn yet
                continue
            moment = arrived.get(id(sample))
            if moment is not None:
                shown[cid] = moment[0]
        if len(arrived) > 8 * len(pane.samples) + 64:  # forget samples superseded long ago
            keep = {id(sample) for sample in pane.samples.values()}
            old = time.monotonic() - 5.0  # younger ones may still wait in the inbox
            for key in [k for k, (at, _) in list(arrived.items()) if at < old and k not in keep]:
                del arrived[key]

    async def drive() -> Window:
        app = create_app(app_backend(target.url, source))
        async with app.run_test(size=(160, 50)) as pilot:
            deadline = time.monotonic() + 60
            while not set(ids) <= set(shown) and time.monotonic() < deadline:
                await pilot.pause(0.2)
            await pilot.pause(warmup)
            with ThreadPoolExecutor(1) as own:  # not the app's executor, which its workers use
                measured = await asyncio.get_running_loop().run_in_executor(
                    own, window, list(ids), shown, seconds, target
                )
            measured.streams = len(set(ids) & set(shown))  # rows whose figures reached the table
            measured.key_waits = await key_press_waits(app, KEY_PRESSES)
            return measured

    setattr(SampleInbox, "put", timed_put)  # noqa: B010 (a method, patched)
    for name in ("flush_stats", "refresh_rows"):
        setattr(ContainersPane, name, timed_draw(name))
    try:
        return asyncio.run(drive())
    finally:
        setattr(SampleInbox, "put", put)  # noqa: B010
        for name, original in originals.items():
            setattr(ContainersPane, name, original)
