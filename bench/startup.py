"""Benchmark 3: launch to complete tables, against `docker ps -a` plus `docker images`.

With 100 containers and 50 images made for the run (labelled, removed afterwards), the real app
is started headless (App.run_test) in this process, its modules already imported, and timed
until both tables hold every one of them (the containers' rows come from one list call), and
until every row is inspected too (uptimes, limits). The backend calls that fill the tables are
timed alone, to show where the time goes. A new process, as `container-lab` starts one, is timed
too: interpreter, imports (Textual's alone as the floor) and tables complete. Textual's own
floor is timed the same way: a bare app with one DataTable of as many rows.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import docker
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bench.machine import write_results
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp

RUN = uuid.uuid4().hex[:8]
LABEL = {"org.container-lab.test": f"bench-{RUN}", "org.container-lab.bench": "startup"}
IMAGE = "debian:bookworm-slim"
REPOSITORY = "container-lab-bench/startup"
SETTLE_SECONDS = 0.5  # between the timed starts (see main)


def populate(
    client: docker.DockerClient, containers: int, images: int
) -> tuple[set[str], set[str]]:
    """Created containers and committed images (distinct ids, no new layer data): their ids."""
    made = [client.containers.create(IMAGE, ["true"], labels=LABEL) for _ in range(containers)]
    label = f"org.container-lab.test=bench-{RUN}"
    image_ids = {
        made[0]
        .commit(repository=REPOSITORY, tag=f"{RUN}-{i}", changes=[f"LABEL {label} bench.n={i}"])
        .id
        for i in range(images)
    }
    return {c.id for c in made}, image_ids


def cleanup(client: docker.DockerClient) -> None:
    """Remove what populate() made (this run's label only)."""
    mine = {"label": f"org.container-lab.test=bench-{RUN}"}
    for container in client.containers.list(ignore_removed=True, all=True, filters=mine):
        container.remove(force=True)
    for image in client.images.list(filters=mine):
        client.images.remove(image.id, force=True)


async def time_app(containers: set[str], images: set[str]) -> tuple[float, float]:
    """Seconds from launch until both tables hold every container and image made, and until
    every one of those containers is inspected. The garbage of the rounds before is collected
    first, untimed: a new process starts without it."""
    gc.collect()
    started = time.perf_counter()
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 50)) as pilot:
        complete = await until_tables(app, pilot, containers, images, started)
        rows = app.containers.rows
        while not all(rows.infos[cid].inspected for cid in containers if cid in rows.infos):
            if time.perf_counter() - started > 120:
                raise TimeoutError("the rows stayed uninspected for 120 s")
            await asyncio.sleep(0.005)
        return complete, time.perf_counter() - started


async def until_tables(
    app: Any, pilot: Any, containers: set[str], images: set[str], started: float
) -> float:
    """Seconds (since `started`, perf_counter) until both tables hold every one of them."""
    while not (
        containers <= app.containers.rows.infos.keys() and images <= app.images.images.keys()
    ):
        if time.perf_counter() - started > 120:
            raise TimeoutError("the tables stayed incomplete for 120 s")
        await asyncio.sleep(0.005)  # not pilot.pause: a frame drawn each look slows the app
    await pilot.pause(0)  # the screen drawn once with every row (as a terminal would show it)
    return time.perf_counter() - started


class FloorApp(App[None]):
    """Textual's own floor: a bare app with one DataTable of `rows` rows of nine columns."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable(zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in ("name", "image", "status", "cpu", "mem", "net", "block", "ports", "age"):
            table.add_column(column, key=column)
        for n in range(self.rows):
            table.add_row(f"container-{n:03}", IMAGE, "Created", *"-" * 4, "", "2m", key=str(n))
        table.focus()


async def time_floor(rows: int) -> float:
    """Seconds from launch of FloorApp to its table drawn, timed as time_app times ours."""
    gc.collect()
    started = time.perf_counter()
    async with FloorApp(rows).run_test(size=(160, 50)) as pilot:
        await pilot.pause(0)
        return time.perf_counter() - started


# A new process as `container-lab dashboard` starts one (tui.wiring builds the app), headless;
# it prints the wall-clock times after the interpreter started, after the imports, at the end.
PROCESS = """
import time; begun = time.time()
import asyncio, json, sys
from tui.engine.contexts import resolve_engines
from tui.wiring import build_dashboard
from bench.startup import until_tables
imported = time.time()
ids, images = (set(x) for x in json.loads(sys.argv[1]))
async def run():
    app = build_dashboard(resolve_engines(hosts=[]))
    async with app.run_test(size=(160, 50)) as pilot:
        await until_tables(app, pilot, ids, images, time.perf_counter())
        return time.time()
done = asyncio.run(run())
print(json.dumps([begun, imported, done]))
"""


FLOORS = {"bare_interpreter": "pass", "textual_app_imported": "import textual.app"}


def time_process(containers: set[str], images: set[str]) -> dict[str, float]:
    """Seconds from spawning a new process: to the interpreter running our first line, to
    the dashboard's modules imported, to complete tables; and the floors (a bare interpreter,
    Textual's app module imported) as whole processes."""
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, "-c", PROCESS, json.dumps([sorted(containers), sorted(images)])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    begun, imported, done = json.loads(out.strip().splitlines()[-1])
    floors = {}
    for name, code in (
        ("bare_interpreter", "pass"),
        ("textual_app_imported", "import textual.app"),
    ):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        floors[name] = time.perf_counter() - started
    return {
        "interpreter": begun - spawned,
        "imported": imported - spawned,
        "tables_complete": done - spawned,
        **floors,
    }


def time_calls() -> dict[str, float]:
    """The backend calls that fill the tables, each alone (seconds)."""
    backend = DockerBackend()
    calls: dict[str, Callable[[], Any]] = {
        "connect": backend.connect,
        "container_summaries_one_call": lambda: backend.api.containers(all=True),
        "container_list_rows": backend.container_list,
        "containers_inspected": backend.containers,
        "images": backend.images,
    }
    timings = {}
    for name, call in calls.items():
        started = time.perf_counter()
        call()
        timings[name] = round(time.perf_counter() - started, 3)
    backend.close()
    return timings


def time_cli() -> float:
    """Seconds for `docker ps -a` then `docker images`."""
    started = time.perf_counter()
    for command in (["docker", "ps", "-a"], ["docker", "images"]):
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Populate, time both ways several times, write bench/results/startup.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="10 containers, 5 images, 1 round")
    args = parser.parse_args(argv)
    containers, images, rounds = (10, 5, 1) if args.smoke else (100, 50, 9)
    client = docker.from_env(timeout=300)
    try:
        container_ids, image_ids = populate(client, containers, images)
        total_containers = len(client.containers.list(ignore_removed=True, all=True))
        total_images = len(client.images.list())
        # Ours and the peer's in turns, round by round: a machine whose speed drifts during the
        # run (it does here, by 10 % in minutes) weighs on both alike. Each starts after a
        # pause, so that neither meets the engine still busy with the other's requests.
        timed, peer = [], []
        for _ in range(rounds):
            time.sleep(SETTLE_SECONDS)
            timed.append(asyncio.run(time_app(container_ids, image_ids)))
            time.sleep(SETTLE_SECONDS)
            peer.append(time_cli())
        ours, inspected = [t[0] for t in timed], [t[1] for t in timed]
        floor = [asyncio.run(time_floor(containers)) for _ in range(rounds)]
        processes = [time_process(container_ids, image_ids) for _ in range(rounds)]
        calls = [time_calls() for _ in range(rounds)]
    finally:
        cleanup(client)
    figures: dict[str, Any] = {
        "containers": total_containers,
        "images": total_images,
        "made_for_the_run": {"containers": containers, "images": images},
        "rounds": rounds,
        "backend_calls_seconds_median": {
            name: round(statistics.median(c[name] for c in calls), 3) for name in calls[0]
        },
        "dashboard_seconds": {
            "median": round(statistics.median(ours), 3),
            "all": [round(x, 3) for x in ours],
        },
        "dashboard_every_row_inspected_seconds": {
            "median": round(statistics.median(inspected), 3),
            "all": [round(x, 3) for x in inspected],
        },
        "textual_table_floor_seconds": {
            "median": round(statistics.median(floor), 3),
            "all": [round(x, 3) for x in floor],
        },
        "new_process_seconds_median": {
            name: round(statistics.median(p[name] for p in processes), 3) for name in processes[0]
        },
        "docker_ps_plus_images_seconds": {
            "median": round(statistics.median(peer), 3),
            "all": [round(x, 3) for x in peer],
        },
    }
    figures["ratio_dashboard_vs_cli"] = round(
        figures["dashboard_seconds"]["median"] / figures["docker_ps_plus_images_seconds"]["median"],
        2,
    )
    cli = figures["docker_ps_plus_images_seconds"]["median"]
    figures["ratio_new_process_vs_cli"] = round(
        figures["new_process_seconds_median"]["tables_complete"] / cli, 2
    )
    figures["ratio_textual_table_floor_vs_cli"] = round(
        figures["textual_table_floor_seconds"]["median"] / cli, 2
    )
    figures["ratio_textual_import_floor_vs_cli"] = round(
        figures["new_process_seconds_median"]["textual_app_imported"] / cli, 2
    )
    path = write_results("startup", figures, smoke=args.smoke)
    print(
        f"startup with {total_containers} containers and {total_images} images: dashboard "
        f"{figures['dashboard_seconds']['median']} s to complete tables, "
        f"docker ps -a + docker images "
        f"{figures['docker_ps_plus_images_seconds']['median']} s "
        f"({figures['ratio_dashboard_vs_cli']}x; Textual's floor, a bare app with one table "
        f"of as many rows, {figures['textual_table_floor_seconds']['median']} s, "
        f"{figures['ratio_textual_table_floor_vs_cli']}x; every row inspected "
        f"{figures['dashboard_every_row_inspected_seconds']['median']} s); a new process "
        f"{figures['new_process_seconds_median']} ({figures['ratio_new_process_vs_cli']}x); "
        f"backend calls alone "
        f"{figures['backend_calls_seconds_median']} -> {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
