"""The container-vs-VM arithmetic: pure functions of container figures and a VM profile.

The rules, stated once so an instructor can defend them:
- memory: what each really costs the host. A container: its working set + its containerd shim.
  A VM: its guest RAM, which holds the same workload and the guest OS and is never less than
  what the guest is given, plus the VMM's own overhead:
  max(workload + guest_os, guest_memory) + vmm_overhead.
- start: a VM boots its guest, then starts the same workload: boot + container start. Only a
  profile with a sourced boot time gives one; otherwise there is no VM start figure.
- disk: a VM's disk holds the guest OS and the workload's files, at least the guest's minimum
  install: max(image + disk, min_disk). Containers share image layers (each counted once);
  VMs do not share disks.
- density: how many copies fit in the host's memory: floor(host / each).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.baseline.profiles import Profile
from tui.engine.footprint import ContainerFootprint

MIB = 1024 * 1024


@dataclass(frozen=True)
class Comparison:
    """One side-by-side figure: the container's and the VM's, in one unit."""

    metric: str  # "memory", "start", "disk" or "density"
    container: float | None
    vm: float | None
    unit: str  # "bytes", "s" or "count"
    note: str = ""
    provenance: str = ""  # of the VM figure: "measured" (this host), "cited" (a source), or ""

    @property
    def ratio(self) -> float | None:
        """The containers' advantage: VM / container cost, or container / VM count for density.

        None when either figure is unknown or the divisor is zero.
        """
        if self.container is None or self.vm is None:
            return None
        top, bottom = (
            (self.container, self.vm) if self.metric == "density" else (self.vm, self.container)
        )
        return top / bottom if bottom > 0 else None


def vm_memory_bytes(workload_bytes: float, profile: Profile) -> float | None:
    """Host memory the same workload costs inside a VM of this profile; None if unknown."""
    keys = ("guest_os_mib", "vmm_overhead_mib", "guest_memory_mib")
    if not any(profile.has(k) for k in keys):
        return None
    guest = max(
        workload_bytes + profile.value("guest_os_mib") * MIB,
        profile.value("guest_memory_mib") * MIB,
    )
    return guest + profile.value("vmm_overhead_mib") * MIB


def vm_start_seconds(container_seconds: float, profile: Profile) -> float | None:
    """Time for a VM of this profile to boot and start the workload; None if no boot figure."""
    if not profile.has("boot_seconds"):
        return None
    return profile.value("boot_seconds") + container_seconds


def vm_disk_bytes(image_bytes: float, profile: Profile) -> float | None:
    """Disk image size a VM of this profile needs for the workload; None if unknown."""
    if not (profile.has("disk_mib") or profile.has("min_disk_mib")):
        return None
    return max(image_bytes + profile.value("disk_mib") * MIB, profile.value("min_disk_mib") * MIB)


def unique_layer_bytes(layer_sets: Iterable[Iterable[tuple[str, int]]]) -> int:
    """Disk used by several images, each shared layer (same chain id) counted once."""
    sizes: dict[str, int] = {}
    for layers in layer_sets:
        for chain_id, size in layers:
            sizes[chain_id] = size
    return sum(sizes.values())


def fit_count(host_bytes: float, each_bytes: float | None) -> int | None:
    """How many instances of `each_bytes` fit in `host_bytes` (None when unknown)."""
    if each_bytes is None or each_bytes <= 0:
        return None
    return int(host_bytes // each_bytes)


def _missing(profile: Profile, what: str) -> str:
    return f"{profile.name} cites no {what}: run `container-lab baseline measure`"


def provenance(profile: Profile) -> str:
    """'measured' for this host's profile, 'cited' for a sourced reference one."""
    return "measured" if profile.measured else "cited"


def compare_all(
    fps: Sequence[ContainerFootprint], profile: Profile, host_bytes: int
) -> list[Comparison]:
    """The four comparisons for a set of containers (one VM per container)."""
    sampled = [fp for fp in fps if fp.memory_bytes is not None]
    mem = [fp.host_cost_bytes or 0 for fp in sampled]  # what the host pays: working set + shim
    vm_mem = [vm_memory_bytes(fp.memory_bytes or 0, profile) for fp in sampled]
    known_vm_mem = [v for v in vm_mem if v is not None]
    mem_total = float(sum(mem)) if mem else None
    vm_mem_total = float(sum(known_vm_mem)) if mem and len(known_vm_mem) == len(mem) else None
    mem_note = "container: working set + shim" if mem else ""
    if mem and vm_mem_total is None:
        mem_note = _missing(profile, "guest memory")

    starts = [fp.start_seconds for fp in fps if fp.start_seconds is not None]
    start = sum(starts) / len(starts) if starts else None
    vm_start = vm_start_seconds(start, profile) if start is not None else None
    if start is None:
        start_note = "no start measured (nothing logged yet)"
    elif vm_start is None:
        start_note = f"{profile.name} cites no boot time: no VM start to compare"
    else:
        start_note = f"mean of {len(starts)} containers" if len(starts) > 1 else ""

    disk = float(unique_layer_bytes(fp.layers for fp in fps)) if fps else None
    vm_disks = [vm_disk_bytes(fp.image_bytes, profile) for fp in fps]
    known_vm_disks = [d for d in vm_disks if d is not None]
    vm_disk = float(sum(known_vm_disks)) if fps and len(known_vm_disks) == len(fps) else None
    disk_note = "shared layers counted once" if len(fps) > 1 else ""
    if vm_disk is None and fps:
        disk_note = _missing(profile, "disk size")

    each = mem_total / len(mem) if mem_total is not None and mem else None
    vm_each = vm_mem_total / len(mem) if vm_mem_total is not None and mem else None
    density_note = f"host memory {host_bytes / MIB / 1024:.1f} GiB / what each costs the host"
    vm_density = _as_float(fit_count(host_bytes, vm_each))
    source = provenance(profile)

    def said(vm_value: float | None) -> str:
        return source if vm_value is not None else ""

    return [
        Comparison("memory", mem_total, vm_mem_total, "bytes", mem_note, said(vm_mem_total)),
        Comparison("start", start, vm_start, "s", start_note, said(vm_start)),
        Comparison("disk", disk, vm_disk, "bytes", disk_note, said(vm_disk)),
        Comparison(
            "density",
            _as_float(fit_count(host_bytes, each)),
            vm_density,
            "count",
            density_note,
            said(vm_density),
        ),
    ]


def _as_float(value: int | None) -> float | None:
    return float(value) if value is not None else None


def format_value(value: float | None, unit: str) -> str:
    """A figure for people: MiB/GiB for bytes, s or ms for seconds, plain counts."""
    if value is None:
        return "n/a"
    if unit == "bytes":
        mib = value / MIB
        return f"{mib / 1024:.2f} GiB" if mib >= 1024 else f"{mib:.1f} MiB"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.0f}"
