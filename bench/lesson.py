"""Benchmark: the lesson's three-way figures, one image as a container, gVisor and a QEMU VM.

One run of tui/baseline/lesson.py on debian:bookworm-slim: time to ready, the workload's time,
host memory, idle CPU, disk and density of each unit, and the accelerator the VM had (on TCG
every VM figure is of an emulated machine). Everything it starts is labelled and stopped.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

import docker

from bench.machine import write_results
from tui.baseline.lesson import Lesson, LessonResult, UnitKind
from tui.paths import LabPaths

RUN = uuid.uuid4().hex[:8]
LABEL = {"org.container-lab.test": f"bench-{RUN}", "org.container-lab.bench": "lesson"}
IMAGE = "debian:bookworm-slim"
MIB = 1024 * 1024


def _r(value: float | None, digits: int = 3) -> float | None:
    return round(value, digits) if value is not None else None


def figures_of(result: LessonResult) -> dict[str, Any]:
    """The per-unit figures in plain units (seconds, MiB, % of one core, counts)."""
    units: dict[str, Any] = {}
    for kind in UnitKind:
        u = result.units[kind]
        units[kind] = {
            "available": u.available,
            "note": u.note,
            "ready_seconds": _r(u.ready_seconds),
            "workload_seconds": _r(u.workload_seconds),
            "host_memory_mib": _r(u.host_memory_bytes / MIB if u.host_memory_bytes else None, 1),
            "guest_memory_mib": _r(u.guest_memory_bytes / MIB if u.guest_memory_bytes else None),
            "cost_mib": _r(u.cost_bytes / MIB if u.cost_bytes else None, 1),
            "idle_cpu_percent_of_one_core": _r(u.idle_cpu_percent, 2),
            "disk_mib": _r(u.disk_bytes / MIB if u.disk_bytes else None, 1),
            "fit_in_host": result.fit_count(kind),
            "kernel_inside": u.kernel,
            "emulated": u.emulated,
        }
    return {
        "image": result.image,
        "accelerator": result.accelerator,
        "host_memory_gib": round(result.host_memory_bytes / 2**30, 1),
        "versions": result.versions,
        "units": units,
    }


def main(argv: list[str] | None = None) -> int:
    """Run one lesson, write bench/results/lesson.json (or lesson.smoke.json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a smaller VM (192 MiB)")
    parser.add_argument("--image", default=IMAGE)
    args = parser.parse_args(argv)
    client = docker.from_env(timeout=300)
    with tempfile.TemporaryDirectory(prefix="bench-lesson-") as folder:
        lesson = Lesson(
            client,
            LabPaths(Path(folder)),
            args.image,
            labels=LABEL,
            vm_memory_mib=192 if args.smoke else 256,
            timeout=400,
        )
        try:
            result = lesson.run()
        finally:
            lesson.stop()
            client.close()
    figures = figures_of(result)
    path = write_results("lesson", figures, smoke=args.smoke)
    for kind, unit in figures["units"].items():
        print(
            f"{kind:<9} ready {unit['ready_seconds']} s, workload {unit['workload_seconds']} s, "
            f"host {unit['host_memory_mib']} MiB, idle CPU {unit['idle_cpu_percent_of_one_core']}%"
            f", disk {unit['disk_mib']} MiB, fit {unit['fit_in_host']}, kernel "
            f"{unit['kernel_inside']}"
        )
    print(f"accelerator {result.accelerator} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
