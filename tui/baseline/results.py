"""What the lesson measured, and what it shows while it runs: plain records, no engine.

The lesson (lesson.py) fills them, measure.py saves and reads them back, the views show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    """The three ways the lesson runs one image, in the order they are shown everywhere."""

    CONTAINER = "container"
    GVISOR = "gvisor"
    VM = "vm"

    @classmethod
    def named(cls, name: str) -> UnitKind | None:
        """The kind called `name`, or None."""
        return next((kind for kind in cls if kind == name), None)

    @property
    def label(self) -> str:
        """How people call it: container, gVisor, VM."""
        return _CARRIED[self][0]

    @property
    def runtime(self) -> str:
        """What runs it: runc, runsc or QEMU."""
        return _CARRIED[self][1]

    @property
    def kernel_owner(self) -> str:
        """Whose kernel its processes see: the host's, gVisor's own, or the guest's."""
        return _CARRIED[self][2]


_CARRIED = {
    UnitKind.CONTAINER: ("container", "runc", "host"),
    UnitKind.GVISOR: ("gVisor", "runsc", "own, in Go"),
    UnitKind.VM: ("VM", "QEMU", "guest"),
}


@dataclass(frozen=True)
class UnitSample:
    """A live reading of one unit, cheap to take."""

    kind: str
    phase: str  # waiting, starting, booting, ready, workload, idle, stopped, unavailable, failed
    cpu_percent: float | None
    host_memory_bytes: int | None
    note: str = ""


@dataclass(frozen=True)
class UnitResult:
    """What the lesson measured for one unit."""

    kind: str
    available: bool
    note: str
    ready_seconds: float | None  # start (container) or QEMU launch (VM) to the ready marker
    host_memory_bytes: int | None  # what the host pays now, idle (see units.py)
    guest_memory_bytes: int | None  # VM only: RAM given to the guest
    idle_cpu_percent: float | None  # % of one core over a few idle seconds
    disk_bytes: int | None  # image layers (containers) or ext4 disk + kernel + initrd (VM)
    workload_seconds: float | None  # between the workload's markers, on the host's clock
    kernel: str  # `uname -r` inside
    emulated: bool  # VM under TCG: every figure is of an emulated machine
    cost_bytes: int | None = None  # host memory one more of these needs (for density)
    debian: str = ""  # /etc/debian_version inside


@dataclass(frozen=True)
class LessonResult:
    """The three units of one lesson, on one host."""

    image: str
    accelerator: str
    host: str
    date: str
    versions: dict[str, str]
    host_memory_bytes: int
    units: dict[str, UnitResult]
    run_id: str = ""  # the value of the lesson label its containers carried

    def fit_count(self, kind: str) -> int | None:
        """How many of this unit fit in the host's memory, at what each really costs."""
        unit = self.units.get(kind)
        cost = unit.cost_bytes if unit is not None else None
        return int(self.host_memory_bytes // cost) if cost else None


def unavailable(kind: str, note: str, *, disk: int | None = None) -> UnitResult:
    """A unit that could not run, with the reason."""
    return UnitResult(kind, False, note, None, None, None, None, disk, None, "", False)
