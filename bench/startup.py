"""Benchmark 3: launch to complete tables, against `docker ps -a` plus `docker images`.

With 100 containers and 50 images made for the run (labelled, removed afterwards), the real app
is started headless (App.run_test) and timed until both tables hold every one of them. The
backend calls that fill the tables are timed alone too, to show where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

import docker

from bench.machine import write_results
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp

RUN = uuid.uuid4().hex[:8]
LABEL = {"org.container-lab.test": f"bench-{RUN}", "org.container-lab.bench": "startup"}
IMAGE = "debian:bookworm-slim"
REPOSITORY = "container-lab-bench/startup"


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
    for container in client.containers.list(all=True, filters=mine):
        container.remove(force=True)
    for image in client.images.list(filters=mine):
        client.images.remove(image.id, force=True)


async def time_app(containers: set[str], images: set[str]) -> float:
    """Seconds from launch until both tables hold every container and image made."""
    started = time.perf_counter()
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 50)) as pilot:
        while not (
            containers <= app.containers.rows.infos.keys() and images <= app.images.images.keys()
        ):
            if time.perf_counter() - started > 120:
                raise TimeoutError("the tables stayed incomplete for 120 s")
            await pilot.pause(0.01)
        return time.perf_counter() - started


def time_calls() -> dict[str, float]:
    """The backend calls that fill the tables, each alone (seconds)."""
    backend = DockerBackend()
    calls: dict[str, Callable[[], Any]] = {
        "connect": backend.connect,
        "container_summaries_one_call": lambda: backend.api.containers(all=True),
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
    containers, images, rounds = (10, 5, 1) if args.smoke else (100, 50, 5)
    client = docker.from_env(timeout=300)
    try:
        container_ids, image_ids = populate(client, containers, images)
        total_containers = len(client.containers.list(all=True))
        total_images = len(client.images.list())
        ours = [asyncio.run(time_app(container_ids, image_ids)) for _ in range(rounds)]
        calls = [time_calls() for _ in range(rounds)]
        peer = [time_cli() for _ in range(rounds)]
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
        "docker_ps_plus_images_seconds": {
            "median": round(statistics.median(peer), 3),
            "all": [round(x, 3) for x in peer],
        },
    }
    figures["ratio_dashboard_vs_cli"] = round(
        figures["dashboard_seconds"]["median"] / figures["docker_ps_plus_images_seconds"]["median"],
        2,
    )
    path = write_results("startup", figures, smoke=args.smoke)
    print(
        f"startup with {total_containers} containers and {total_images} images: dashboard "
        f"{figures['dashboard_seconds']['median']} s to complete tables, "
        f"docker ps -a + docker images "
        f"{figures['docker_ps_plus_images_seconds']['median']} s "
        f"({figures['ratio_dashboard_vs_cli']}x); backend calls alone "
        f"{figures['backend_calls_seconds_median']} -> {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
