"""The real dashboard, run in a terminal by bench.stats_ways, reporting what its table shows.

Run as `python -m bench.app_probe` in a terminal of the size measured (bench/terminal.py), it
builds the dashboard as `container-lab` does (tui.wiring.build_dashboard) and runs it. It
waits until every container named in --ids has a figure in the table, then for --warmup
seconds, and says "ready" on --report-fd; the caller measures this process's CPU and memory
from outside. Until "stop" arrives on --control-fd it samples, every AGE_PERIOD, how old the
figure shown in each row is (split into rows on screen and rows scrolled away) and counts the
app's work; then it times key presses, reports everything as one JSON line and quits.

A figure's age counts from the moment its sample left the feed thread that read it (put into
the inbox) until the table shows a newer one (flush_stats or refresh_rows draws it), so it
includes the app's own delay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from textual import events

from tui.engine.contexts import resolve_engines
from tui.engine.stats.scheduler import SampleInbox
from tui.views.containers.pane import ContainersPane
from tui.wiring import build_dashboard

AGE_PERIOD = 0.25
KEY_PRESSES = 20
KEY_GAP = 0.25
FIRST_FIGURES_SECONDS = 180  # rows off screen over the API get their first figure slowly
DRAWS = ("flush_stats", "refresh_rows")  # the pane's methods that draw figures


class Probe:
    """The figures' ages and the app's work, kept while the app runs."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids
        self.arrived: dict[int, tuple[float, Any]] = {}  # id(sample) -> (when put, sample)
        self.shown: dict[str, float] = {}  # container -> when the figure it shows was put
        self.work: Counter[str] = Counter()
        self.counting = False
        self.ages: list[float] = []
        self.offscreen_ages: list[float] = []
        self.on_screen_most = self.streamed_most = self.paced_most = 0

    def install(self) -> None:
        """Wrap the inbox's put and the pane's drawing methods."""
        put = SampleInbox.put

        def timed_put(inbox: SampleInbox, samples: Any) -> bool:
            samples = list(samples)
            now = time.monotonic()
            for sample in samples:
                self.arrived[id(sample)] = (now, sample)  # the reference keeps id() unique
            return put(inbox, samples)

        setattr(SampleInbox, "put", timed_put)  # noqa: B010 (a method, patched)
        for name in DRAWS:
            setattr(ContainersPane, name, self._timed_draw(name, getattr(ContainersPane, name)))

    def _timed_draw(self, name: str, draw: Any) -> Any:
        def timed(pane: ContainersPane) -> None:
            draw(pane)
            if self.counting:
                self.work[name] += 1
            self._note_shown(pane)

        return timed

    def _note_shown(self, pane: ContainersPane) -> None:
        arrived = self.arrived
        for cid, sample in pane.rows.samples.items():
            if cid in pane.fresh:  # not drawn yet
                continue
            moment = arrived.get(id(sample))
            if moment is not None:
                self.shown[cid] = moment[0]
        if len(arrived) > 8 * len(pane.rows.samples) + 64:  # forget samples superseded long ago
            keep = {id(sample) for sample in pane.rows.samples.values()}
            old = time.monotonic() - 5.0  # younger ones may still wait in the inbox
            for key in [k for k, (at, _) in list(arrived.items()) if at < old and k not in keep]:
                del arrived[key]

    async def sample_ages(self, app: Any, stop: asyncio.Event) -> None:
        """Every AGE_PERIOD on the app's loop: the figures' ages, by the rows on screen then."""
        while not stop.is_set():
            await asyncio.sleep(AGE_PERIOD)
            now, on_screen = time.monotonic(), app.containers.rows_on_screen()
            feeds = app.engines.feeds.values()
            self.on_screen_most = max(self.on_screen_most, len(on_screen & self.ids))
            self.streamed_most = max(self.streamed_most, sum(len(f.streamed) for f in feeds))
            self.paced_most = max(self.paced_most, sum(len(f.paced) for f in feeds))
            for cid in self.ids:
                if cid in self.shown:
                    ages = self.ages if cid in on_screen else self.offscreen_ages
                    ages.append(now - self.shown[cid])


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


async def drive(app: Any, probe: Probe, args: argparse.Namespace) -> dict[str, Any]:
    """Wait for every row's first figure and the warm-up; sample until told to stop."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + FIRST_FIGURES_SECONDS
    while not app.is_running or not probe.ids <= set(probe.shown):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(probe.ids - set(probe.shown))} rows never got a figure")
        await asyncio.sleep(0.2)
    await asyncio.sleep(args.warmup)
    stop = asyncio.Event()
    sampler = asyncio.create_task(probe.sample_ages(app, stop))
    probe.counting = True
    os.write(args.report_fd, b'{"event": "ready"}\n')
    with (
        os.fdopen(args.control_fd, "rb", buffering=0) as control,
        ThreadPoolExecutor(1) as own,  # not the loop's default executor: the app's workers use it
    ):
        await loop.run_in_executor(own, control.readline)  # "stop", or EOF
    probe.counting = False
    stop.set()
    await sampler
    size = app.size
    return {
        "event": "done",
        "ages": probe.ages,
        "offscreen_ages": probe.offscreen_ages,
        "rows_with_figures": len(probe.ids & set(probe.shown)),
        "app": {
            "terminal_size": f"{size.width}x{size.height}",
            "rows_on_screen": probe.on_screen_most,
            "streamed_most": probe.streamed_most,
            "paced_most": probe.paced_most,
            "streamed_at_end": sum(len(feed.streamed) for feed in app.engines.feeds.values()),
            "engines": len(app.engines.feeds),
            "draws": dict(probe.work),
        },
        "key_waits": await key_press_waits(app, KEY_PRESSES),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the dashboard with the probe; the report goes to --report-fd."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", action="append", default=[], help="an engine's URL")
    parser.add_argument("--stats", choices=("api", "cgroup", "auto"), required=True)
    parser.add_argument("--ids", required=True, help="a JSON list of the containers to wait for")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--report-fd", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    args = parser.parse_args(argv)
    probe = Probe(set(json.loads(args.ids)))
    probe.install()
    # No --host: the engine the docker CLI would use, as `container-lab` picks it.
    app = build_dashboard(resolve_engines(hosts=args.host), stats=args.stats)
    result: dict[str, Any] = {}

    async def run() -> None:
        async def probe_then_quit() -> None:
            try:
                result.update(await drive(app, probe, args))
            except Exception as exc:
                result.update(event="failed", error=f"{type(exc).__name__}: {exc}")
            app.exit()

        task = asyncio.create_task(probe_then_quit())
        await app.run_async()
        if not task.done():
            task.cancel()
            result.setdefault("event", "failed")
            result.setdefault("error", "the dashboard ended before the probe did")

    asyncio.run(run())
    os.write(args.report_fd, json.dumps(result).encode() + b"\n")
    return 0 if result.get("event") == "done" else 1


if __name__ == "__main__":
    raise SystemExit(main())
