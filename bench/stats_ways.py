"""The ways of following live stats that bench.stats_overhead compares, each run for a while.

Every way returns a Window: the CPU seconds this process (or the CLI processes) and the engines
used over the measured window, and the ages, sampled every 0.25 s, of the newest figure of each
followed row. The app and `docker stats` can follow several engines at once (one CLI per engine);
the app's ages are split into the rows on screen and the rows scrolled away.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psutil
from textual import events

from bench.engine_side import EngineProcesses
from tui.engine.backend import DockerBackend
from tui.engine.contexts import resolve_engines
from tui.engine.stats.cgroup import CgroupCollector, sample_all
from tui.engine.stats.scheduler import SampleInbox
from tui.views.containers.pane import ContainersPane

AGE_PERIOD = 0.25
KEY_PRESSES = 20
KEY_GAP = 0.25
APP_SIZE = (100, 30)  # a common terminal: about twenty container rows fit on screen


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


@dataclass(frozen=True)
class Watched:
    """One engine and the idle containers followed on it (id -> init pid)."""

    target: Target
    ids: dict[str, int]


@dataclass
class Window:
    """What one way cost over the measured window (engine: dockerd, containerd, shims).

    `ages` are those of every followed row; the app's are split into `ages` (rows on screen)
    and `offscreen_ages` (rows scrolled away, sampled slowly over the API).
    """

    own_cpu: float
    engine_cpu: float
    ages: list[float] = field(default_factory=list)
    streams: int | None = None
    key_waits: list[float] = field(default_factory=list)
    offscreen_ages: list[float] = field(default_factory=list)
    app: dict[str, Any] = field(default_factory=dict)


def window(
    ids: list[str],
    last: dict[str, float],
    seconds: float,
    targets: Sequence[Target],
    who: Sequence[int] = (),
) -> Window:
    """CPU of `who` (default: this process) and the engines over `seconds`, with the rows' ages."""
    mine = [psutil.Process(pid) for pid in who] or [psutil.Process()]
    stop = threading.Event()
    ages: list[float] = []
    watcher = threading.Thread(target=_ages, args=(last, ids, stop, ages), daemon=True)
    before = sum(cpu_seconds(process) for process in mine)
    engines_before = [target.engine.snapshot() for target in targets]
    watcher.start()
    time.sleep(seconds)
    stop.set()
    engine_used = sum(
        target.engine.used(snapshot, target.engine.snapshot())
        for target, snapshot in zip(targets, engines_before, strict=True)
    )
    own = sum(cpu_seconds(process) for process in mine) - before
    return Window(own, engine_used, ages)


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
        return window(list(ids), last, seconds, [target])
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
        return window(list(ids), last, seconds, [target])
    finally:
        stop.set()


def docker_stats_cli(watched: Sequence[Watched], seconds: float, warmup: float) -> Window:
    """`docker stats` following the same containers, one CLI per engine, output thrown away."""
    clis = []
    try:
        for one in watched:
            host = ["-H", one.target.url] if one.target.url else []
            clis.append(
                subprocess.Popen(
                    ["docker", *host, "stats", *one.ids],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(warmup)
        targets = [one.target for one in watched]
        return window([], {}, seconds, targets, who=[cli.pid for cli in clis])
    finally:
        for cli in clis:
            cli.kill()  # `docker stats` ignores SIGTERM while it waits on its streams
            cli.wait(timeout=10)


def app_backends(urls: Sequence[str | None], source: str) -> list[DockerBackend]:
    """The app's backends, stats from `source` (api or cgroup); uniquely named as the CLI does."""
    if len(urls) == 1:
        return [DockerBackend(urls[0], stats=source)]
    specs = resolve_engines(hosts=[url for url in urls if url])
    return [DockerBackend(spec, stats=source) for spec in specs]


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


async def _screen_ages(
    app: Any, shown: dict[str, float], ids: set[str], stop: asyncio.Event, out: Window
) -> None:
    """Every AGE_PERIOD on the app's loop: the figures' ages, split by the rows on screen then."""
    on_screen_most = streamed_most = 0
    while not stop.is_set():
        await asyncio.sleep(AGE_PERIOD)
        now, on_screen = time.monotonic(), app.containers.rows_on_screen()
        on_screen_most = max(on_screen_most, len(on_screen & ids))
        streamed_most = max(streamed_most, sum(len(f.streamed) for f in app.engines.feeds.values()))
        for cid in ids:
            if cid in shown:
                (out.ages if cid in on_screen else out.offscreen_ages).append(now - shown[cid])
    out.app.update(rows_on_screen=on_screen_most, streamed_most=streamed_most)


def run_app(
    watched: Sequence[Watched],
    seconds: float,
    warmup: float,
    source: str,
    size: tuple[int, int] = APP_SIZE,
) -> Window:
    """The real app, headless at `size`: CPU of the process, ages of the figures its table shows.

    A figure's age counts from the moment its sample left the feed thread that read it (put
    into the inbox) until the table shows a newer one (flush_stats or refresh_rows), so it
    includes the app's own delay. Ages are sampled on the app's loop, split into the rows on
    screen at that moment (over the API only those are streamed) and the others.
    """
    from tui.views.app import ContainerLabApp  # the app is imported only when measured

    ids = {cid for one in watched for cid in one.ids}
    targets = [one.target for one in watched]
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
        for cid, sample in pane.rows.samples.items():
            if cid in pane.fresh:  # not drawn yet
                continue
            moment = arrived.get(id(sample))
            if moment is not None:
                shown[cid] = moment[0]
        if len(arrived) > 8 * len(pane.rows.samples) + 64:  # forget samples superseded long ago
            keep = {id(sample) for sample in pane.rows.samples.values()}
            old = time.monotonic() - 5.0  # younger ones may still wait in the inbox
            for key in [k for k, (at, _) in list(arrived.items()) if at < old and k not in keep]:
                del arrived[key]

    async def drive() -> Window:
        app = ContainerLabApp(app_backends([target.url for target in targets], source))
        async with app.run_test(size=size) as pilot:
            deadline = time.monotonic() + 120  # off-screen rows get their first figure slowly
            while not ids <= set(shown) and time.monotonic() < deadline:
                await pilot.pause(0.2)
            await pilot.pause(warmup)
            stop = asyncio.Event()
            measured = Window(0.0, 0.0)
            sampler = asyncio.create_task(_screen_ages(app, shown, ids, stop, measured))
            with ThreadPoolExecutor(1) as own:  # not the app's executor, which its workers use
                cost = await asyncio.get_running_loop().run_in_executor(
                    own, window, [], shown, seconds, targets
                )
            stop.set()
            await sampler
            measured.own_cpu, measured.engine_cpu = cost.own_cpu, cost.engine_cpu
            measured.streams = len(ids & set(shown))  # rows whose figures reached the table
            measured.app.update(
                terminal_size=f"{size[0]}x{size[1]}",
                streamed_at_end=sum(len(feed.streamed) for feed in app.engines.feeds.values()),
                engines=len(app.engines.feeds),
            )
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
