"""Benchmark: open a container with 1 M log lines and show its last screen, against `docker logs`.

A labelled container prints N numbered lines (`seq`) and exits. The real app runs headless
against the real engine; each run opens the logs view and times until the last line ("N") is
drawn on the view's last row. The peer is `docker logs --tail <rows on screen>` of the same
container to /dev/null, timed in the same run; `docker logs` of everything is timed too, to show
what reading the whole log would cost. Then the time to read one page of older lines (the `g`
key at the top). Figures go to bench/results/log_open.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import uuid
from typing import Any

import docker

from bench.machine import write_results
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import PAGE, LogsScreen

LABEL = {
    "org.container-lab.test": f"bench-{uuid.uuid4().hex[:8]}",
    "org.container-lab.bench": "log-open",
}
IMAGE = "debian:bookworm-slim"
SIZE = (120, 40)
TIMEOUT = 120.0


async def _wait(condition: Any, what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} did not happen within {TIMEOUT} s")
        await asyncio.sleep(0.002)


async def time_app(container_id: str, last: str, runs: int) -> dict[str, Any]:
    """Seconds from the key to the last line drawn, per run; rows on screen; an older page."""
    opens: list[float] = []
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=SIZE) as pilot:
        await _wait(lambda: container_id in app.containers.rows.infos, "the container row")
        rows = 0
        older = 0.0
        for run in range(runs):
            started = time.perf_counter()
            app.open_logs([container_id])
            await _wait(lambda: isinstance(app.screen, LogsScreen), "the logs screen")
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            await _wait(
                lambda s=screen: bool(s.query("LogView")) and s.view.visible_text()[-1:] == [last],
                "the last line on screen",
            )
            opens.append(time.perf_counter() - started)
            rows = screen.view.size.height
            if run == runs - 1:
                held = len(screen.buffer)
                started = time.perf_counter()
                await pilot.press("g")
                await _wait(lambda s=screen, h=held: len(s.buffer) >= h + PAGE, "older lines")
                older = time.perf_counter() - started
            await pilot.press("escape")
            await _wait(lambda: not isinstance(app.screen, LogsScreen), "the screen to close")
    return {"open_seconds": opens, "rows_on_screen": rows, "older_page_seconds": older}


def time_cli(argv: list[str], runs: int) -> list[float]:
    """Seconds per run of a docker CLI command, output to /dev/null."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def measure(client: docker.DockerClient, lines: int, runs: int) -> dict[str, Any]:
    """Make the container, time both ways, remove it."""
    container = client.containers.run(IMAGE, ["seq", "1", str(lines)], detach=True, labels=LABEL)
    try:
        container.wait(timeout=600)
        ours = asyncio.run(time_app(container.id, str(lines), runs))
        rows = ours["rows_on_screen"]
        peer = time_cli(["docker", "logs", "--tail", str(rows), container.id], runs)
        everything = time_cli(["docker", "logs", container.id], 1)
    finally:
        container.remove(force=True)
    ours_median = statistics.median(ours["open_seconds"])
    peer_median = statistics.median(peer)
    return {
        "lines": lines,
        "runs": runs,
        "rows_on_screen": rows,
        "app_last_screen_seconds": {
            "median": round(ours_median, 3),
            "max": round(max(ours["open_seconds"]), 3),
        },
        "docker_logs_tail_screen_seconds": {
            "median": round(peer_median, 3),
            "max": round(max(peer), 3),
        },
        "ratio_app_vs_docker_logs_tail": round(ours_median / peer_median, 2),
        "docker_logs_everything_seconds": round(everything[0], 2),
        "older_page_lines": PAGE,
        "older_page_seconds": round(ours["older_page_seconds"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run it and write bench/results/log_open.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="50k lines, 2 runs")
    args = parser.parse_args(argv)
    client = docker.from_env(timeout=600)
    lines, runs = (50_000, 2) if args.smoke else (1_000_000, 7)
    figures = measure(client, lines, runs)
    path = write_results("log_open", figures, smoke=args.smoke)
    ours = figures["app_last_screen_seconds"]["median"]
    print(
        f"log open: last screen of {lines} lines in {ours} s "
        f"vs docker logs --tail {figures['rows_on_screen']} "
        f"{figures['docker_logs_tail_screen_seconds']['median']} s "
        f"({figures['ratio_app_vs_docker_logs_tail']}x); everything "
        f"{figures['docker_logs_everything_seconds']} s; an older page "
        f"{figures['older_page_seconds']} s -> {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
