"""`baseline measure`: boot a VM, optionally start a container the same way, save a profile."""

from __future__ import annotations

import json
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.baseline.initramfs import build_initramfs
from tui.baseline.profiles import MEASURED_SOURCE, Profile, load_profiles, measured_profile_path
from tui.baseline.qemu import BootResult, find_kernel, find_qemu, measure_boot
from tui.engine.footprint import ContainerFootprint
from tui.paths import LabPaths

MIB = 1024 * 1024


def measured_document(
    boot: BootResult,
    disk_bytes: int,
    kernel: Path,
    *,
    container: ContainerFootprint | None = None,
    when: datetime | None = None,
    host: str | None = None,
) -> dict[str, Any]:
    """The measured profile as a profiles document (same format and checks as the cited one)."""
    when = when or datetime.now(UTC)
    host = host or socket.gethostname()
    source = {
        "title": f"Measured on this host by `container-lab baseline measure` ({boot.accelerator})",
        "authors": "container-lab",
        "publisher": f"host {host}, {boot.qemu_version or 'QEMU'}",
        "year": when.year,
        "url": f"file://{kernel}",
    }

    def fig(value: float, note: str) -> dict[str, Any]:
        return {"value": round(value, 4), "source": MEASURED_SOURCE, "note": note}

    measurement: dict[str, Any] = {
        "accelerator": boot.accelerator,
        "date": when.isoformat(timespec="seconds"),
        "host": host,
        "qemu_version": boot.qemu_version,
        "kernel": str(kernel),
        "boot_seconds": round(boot.boot_seconds, 4),
        "qemu_rss_bytes": boot.rss_bytes,
        "qemu_cpu_seconds": round(boot.cpu_seconds, 3),
        "qemu_cpu_percent": round(boot.cpu_percent, 1),
        "guest_memory_mib": boot.memory_mib,
        "guest_used_kb": boot.guest_used_kb,
        "guest_uptime_seconds": boot.guest_uptime_seconds,
        "disk_bytes": disk_bytes,
        "notes": boot.notes,
    }
    if container is not None:
        measurement["container"] = {
            "image": container.image,
            "start_seconds": container.start_seconds,
            "memory_bytes": container.memory_bytes,
            "image_bytes": container.image_bytes,
        }
    figures = {
        "boot_seconds": fig(boot.boot_seconds, "QEMU start to the guest's marker on ttyS0"),
        "guest_os_mib": fig(
            boot.rss_bytes / MIB,
            "QEMU resident memory at the marker: guest kernel, initramfs and the VMM together",
        ),
        "disk_mib": fig(disk_bytes / MIB, "kernel + initramfs that were booted"),
    }
    profile = {
        "id": "measured-qemu",
        "name": f"QEMU/{boot.accelerator.upper()} guest measured on {host}",
        "kind": "measured",
        "figures": figures,
        "measurement": measurement,
    }
    return {"sources": {MEASURED_SOURCE: source}, "profiles": [profile]}


def run_measure(
    paths: LabPaths,
    *,
    memory_mib: int = 512,
    timeout: float = 240.0,
    container: ContainerFootprint | None = None,
) -> tuple[Profile, Path]:
    """Boot the VM, save the measured profile under the lab folder, return it and its path."""
    find_qemu()  # fail first, and clearly, when QEMU is missing
    kernel = find_kernel()
    with tempfile.TemporaryDirectory(prefix="container-lab-vm-") as folder:
        initrd = build_initramfs(Path(folder))
        boot = measure_boot(initrd, memory_mib=memory_mib, timeout=timeout, kernel=kernel)
        disk_bytes = kernel.stat().st_size + initrd.stat().st_size
    document = measured_document(boot, disk_bytes, kernel, container=container)
    path = measured_profile_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return load_profiles(path)[0], path
