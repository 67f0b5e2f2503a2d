"""The lesson's figures: built from a finished run, saved as this host's measured VM profile.

The profile (.lab/baseline/measured-profile.json) has the same format and checks as the cited
ones, so the dashboard's profile selector offers it; its `measurement` holds the three-way
figures (container, gVisor, VM) of the run, which `lesson_result` reads back.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psutil

from tui.baseline import qemu as vm
from tui.baseline.profiles import MEASURED_SOURCE, Profile, load_profiles, measured_profile_path
from tui.baseline.results import LessonResult, UnitKind, UnitResult, unavailable
from tui.baseline.units import UnitState
from tui.engine.client import EngineClient
from tui.engine.footprint import image_layers
from tui.engine.runtimes import RUNSC_PATH, engine_version
from tui.paths import LabPaths

MIB = 1024 * 1024


class FinishedLesson(Protocol):
    """What `build_result` reads of a lesson (tui.baseline.lesson.Lesson) that has run."""

    client: EngineClient
    image: str
    run_id: str
    accelerator: str
    vm_memory_mib: int

    def state(self, kind: str) -> UnitState:
        """The record of one unit."""
        ...


def runsc_version() -> str:
    """The first line of `runsc --version` ('' when runsc is missing)."""
    try:
        out = subprocess.run([RUNSC_PATH, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.splitlines()[0].strip() if out.stdout else ""


def versions(client: EngineClient) -> dict[str, str]:
    """QEMU, runsc, Docker and the host kernel, as they were for this run."""
    qemu = ""
    with contextlib.suppress(Exception):
        qemu = vm.qemu_version(vm.find_qemu())
    return {
        "qemu": qemu,
        "runsc": runsc_version(),
        "docker": engine_version(client),
        "host_kernel": platform.release(),
    }


def build_result(lesson: FinishedLesson, idle_cpu: dict[str, float | None]) -> LessonResult:
    """The LessonResult of a finished run (units still idling)."""
    layers = image_layers(lesson.client, lesson.image)
    image_bytes = sum(size for _, size in layers) or None
    units: dict[str, UnitResult] = {}
    for kind in UnitKind:
        state = lesson.state(kind)
        t, running = state.timings, state.unit
        gone = running is None or t is None or t.ready is None or t.idle is None
        if gone or state.error or state.phase == "unavailable" or t is None or running is None:
            note = state.error or state.note or "did not start"
            units[kind] = unavailable(kind, note, disk=image_bytes if kind != "vm" else None)
            continue
        memory = running.host_memory()
        workload = (
            t.workload_done - t.workload_start
            if t.workload_done is not None and t.workload_start is not None
            else None
        )
        guest = disk = cost = None
        emulated = False
        note = state.error
        if kind == "vm":
            guest = lesson.vm_memory_mib * MIB
            parts = [state.extra.get("disk"), state.extra.get("kernel")]
            files = [Path(str(p)) for p in parts if p] + [vm.find_initrd(Path(str(parts[1])))]
            disk = sum(f.stat().st_size for f in files)
            emulated = lesson.accelerator != "kvm"
            overhead = vmm_overhead(memory, guest, state.memfree_kb)
            cost = guest + overhead if overhead is not None else max(guest, memory or 0)
            extra_notes = list(state.extra.get("notes") or [])  # type: ignore[call-overload]
            note = "; ".join([*extra_notes, note] if note else extra_notes)
        else:
            disk, cost = image_bytes, memory
        units[kind] = UnitResult(
            kind=kind,
            available=True,
            note=note,
            ready_seconds=(t.ready or t.began) - t.began,
            host_memory_bytes=memory,
            guest_memory_bytes=guest,
            idle_cpu_percent=idle_cpu.get(kind),
            disk_bytes=disk,
            workload_seconds=workload,
            kernel=t.kernel,
            emulated=emulated,
            cost_bytes=cost,
            debian=t.debian,
        )
    return LessonResult(
        image=lesson.image,
        accelerator=lesson.accelerator or "none",
        host=socket.gethostname(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=versions(lesson.client),
        host_memory_bytes=psutil.virtual_memory().total,
        units=units,
        run_id=lesson.run_id,
    )


def vmm_overhead(rss: int | None, guest_bytes: int, memfree_kb: int | None) -> int | None:
    """QEMU's memory beyond the guest RAM it backs: RSS minus the guest pages ever touched.

    The guest's untouched RAM is about its MemFree (a fresh guest never wrote those pages).
    """
    if rss is None or memfree_kb is None:
        return None
    touched = max(0, guest_bytes - memfree_kb * 1024)
    return max(0, rss - touched)


def lesson_document(result: LessonResult, path: Path | None = None) -> dict[str, Any]:
    """The measured profile document: VM figures with a source, and the three-way measurement."""
    machine = result.units["vm"]
    source = {
        "title": f"Measured on this host by the lesson ({result.accelerator})",
        "authors": "container-lab",
        "publisher": f"host {result.host}, {result.versions.get('qemu') or 'QEMU'}",
        "year": int(result.date[:4]),
        "url": f"file://{path or Path('.lab/baseline/measured-profile.json').resolve()}",
    }

    def fig(value: float, note: str) -> dict[str, Any]:
        return {"value": round(value, 4), "source": MEASURED_SOURCE, "note": note}

    figures: dict[str, Any] = {}
    if machine.available:
        container = result.units["container"]
        tag = " (emulated: TCG)" if machine.emulated else ""
        if machine.ready_seconds is not None:
            figures["boot_seconds"] = fig(
                machine.ready_seconds, f"QEMU start to the image's script ready, as init{tag}"
            )
        guest = machine.guest_memory_bytes or 0
        figures["guest_memory_mib"] = fig(guest / MIB, "RAM given to the guest")
        if machine.cost_bytes is not None:
            figures["vmm_overhead_mib"] = fig(
                max(0, machine.cost_bytes - guest) / MIB,
                f"QEMU's memory beyond guest RAM: RSS minus the guest pages touched{tag}",
            )
        if machine.disk_bytes is not None and container.disk_bytes is not None:
            figures["disk_mib"] = fig(
                max(0, machine.disk_bytes - container.disk_bytes) / MIB,
                "ext4 disk + kernel + initrd, beyond the image's own files",
            )
        if machine.workload_seconds and container.workload_seconds:
            figures["workload_factor"] = fig(
                machine.workload_seconds / container.workload_seconds,
                f"the lesson's workload in the VM / in a container{tag}",
            )
    measurement = {
        "accelerator": result.accelerator,
        "date": result.date,
        "host": result.host,
        "image": result.image,
        "run_id": result.run_id,
        "versions": result.versions,
        "qemu_version": result.versions.get("qemu", ""),
        "host_memory_bytes": result.host_memory_bytes,
        "units": {kind: asdict(unit) for kind, unit in result.units.items()},
        "fit": {kind: result.fit_count(kind) for kind in result.units},
    }
    profile = {
        "id": "measured-qemu",
        "name": f"QEMU/{result.accelerator.upper()} guest of {result.image} on {result.host}",
        "kind": "measured",
        "figures": figures,
        "measurement": measurement,
    }
    return {"sources": {MEASURED_SOURCE: source}, "profiles": [profile]}


def save_lesson(paths: LabPaths, result: LessonResult) -> tuple[Profile, Path]:
    """Write the measured profile atomically; return it as loaded back (checked) and its path."""
    path = measured_profile_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(lesson_document(result, path), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return load_profiles(path)[0], path


def lesson_result(profile: Profile) -> LessonResult | None:
    """The three-way result a measured profile carries (None for cited or older profiles)."""
    m = profile.measurement
    units = m.get("units")
    if not profile.measured or not isinstance(units, dict):
        return None
    try:
        return LessonResult(
            image=str(m["image"]),
            accelerator=str(m["accelerator"]),
            host=str(m["host"]),
            date=str(m["date"]),
            versions=dict(m.get("versions") or {}),
            host_memory_bytes=int(m["host_memory_bytes"]),
            units={kind: UnitResult(**raw) for kind, raw in units.items()},
            run_id=str(m.get("run_id", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None
