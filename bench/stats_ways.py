"""The ways of following live stats that bench.stats_overhead compares, each run for a while.

Every way returns a Window: the CPU seconds its process (the bare collectors run in this one;
the dashboard and `docker stats` in a terminal of their own) and the engines used over the
measured window, and the ages, sampled every 0.25 s, of the newest figure of each followed row.
The app and `docker stats` can follow several engines at once (one CLI per engine); the app's
ages are split into the rows on screen and the rows scrolled away (bench/app_probe.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.engine_side import EngineProcesses
from bench.terminal import in_terminal
from tui.engine.backend import DockerBackend
from tui.engine.stats.cgroup import CgroupCollector, sample_all

AGE_PERIOD = 0.25
APP_SIZE = (100, 30)  # a common terminal: about twenty container rows fit on screen
READY_SECONDS = 300  # the app's first figures of every row (slow over the API), and a warm-up
ROOT = Path(__file__).resolve().parents[1]


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
    rss_mib: list[float] = field(default_factory=list)  # the process's memory, while measured


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
    rss = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        rss.append(sum(process.memory_info().rss for process in mine) / 2**20)
        time.sleep(min(1.0, left))
    stop.set()
    engine_used = sum(
        target.engine.used(snapshot, target.engine.snapshot())
        for target, snapshot in zip(targets, engines_before, strict=True)
    )
    own = sum(cpu_seconds(process) for process in mine) - before
    return Window(own, engine_used, ages, rss_mib=rss)


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


def docker_stats_cli(
    watched: Sequence[Watched], seconds: float, warmup: float, size: tuple[int, int] = APP_SIZE
) -> Window:
    """`docker stats` following the same containers, one CLI per engine, each in a terminal."""
    with contextlib.ExitStack() as stack:
        log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cl-bench-"))) / "log"
        clis = []
        for one in watched:
            host = ["-H", one.target.url] if one.target.url else []
            command = ["docker", *host, "stats", *one.ids]
            clis.append(stack.enter_context(in_terminal(command, size, log=log)))
        time.sleep(warmup)
        targets = [one.target for one in watched]
        return window([], {}, seconds, targets, who=[cli.pid for cli in clis])
    raise AssertionError("unreachable")  # the with block returns


def run_app(
    watched: Sequence[Watched],
    seconds: float,
    warmup: float,
    source: str,
    size: tuple[int, int] = APP_SIZE,
) -> Window:
    """The real dashboard in a terminal of `size`: its CPU and memory, the ages of its figures.

    bench/app_probe.py runs it and reports the ages; this process measures it from outside.
    """
    ids = [cid for one in watched for cid in one.ids]
    targets = [one.target for one in watched]
    report_read, report_write = os.pipe()
    control_read, control_write = os.pipe()
    command = [
        sys.executable,
        "-m",
        "bench.app_probe",
        f"--stats={source}",
        f"--ids={json.dumps(ids)}",
    ]
    command += [f"--host={target.url}" for target in targets if target.url]
    command += [f"--warmup={warmup}", f"--report-fd={report_write}", f"--control-fd={control_read}"]
    with contextlib.ExitStack() as stack:
        log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cl-bench-"))) / "log"
        for fd in (report_read, control_write):
            stack.callback(os.close, fd)
        app = stack.enter_context(
            in_terminal(
                command,
                size,
                log=log,
                pass_fds=(report_write, control_read),
                env={"PYTHONPATH": str(ROOT)},
            )
        )
        os.close(report_write)
        os.close(control_read)
        reports = _lines(report_read, app, log)
        if next(reports).get("event") != "ready":
            raise RuntimeError(f"the dashboard did not get ready: {log.read_text()[-3000:]}")
        measured = window([], {}, seconds, targets, who=[app.pid])
        os.write(control_write, b"stop\n")
        done = next(reports)
        if done.get("event") != "done":
            raise RuntimeError(f"the dashboard's probe failed: {done} {log.read_text()[-3000:]}")
        app.wait(timeout=60)
    measured.ages, measured.offscreen_ages = done["ages"], done["offscreen_ages"]
    measured.streams = done["rows_with_figures"]
    measured.key_waits = done["key_waits"]
    measured.app.update(done["app"])
    return measured


def _lines(fd: int, process: Any, log: Path) -> Iterator[dict[str, Any]]:
    """JSON lines from the probe's report pipe (bounded waits; the log when it fails)."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            ready, _, _ = select.select([fd], [], [], READY_SECONDS)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                why = "went silent" if ready == [] and process.poll() is None else "ended"
                raise RuntimeError(f"the dashboard {why}: {log.read_text()[-3000:]}")
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield json.loads(line)
