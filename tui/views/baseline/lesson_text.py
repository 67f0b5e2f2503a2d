"""The lesson in words and figures: pure functions of LessonResult and UnitSample values.

Nothing here draws: the lesson panel puts these strings into its cards and grids. Every figure
of the lesson was measured on this host, and says so; a profile's figures say "cited" unless
the profile was measured here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from tui.baseline.compare import MIB, Comparison, format_value
from tui.baseline.profiles import Profile

if TYPE_CHECKING:
    from tui.baseline.lesson import LessonResult, UnitResult, UnitSample

KINDS = ("container", "gvisor", "vm")  # the order of the cards, rows and columns
KIND_NAMES = {"container": "container", "gvisor": "gVisor", "vm": "VM"}
KIND_HOW = {"container": "runc", "gvisor": "runsc", "vm": "QEMU"}
KERNEL_WHOSE = {"container": "host", "gvisor": "own, in Go", "vm": "guest"}
PHASE_WORDS = {
    "waiting": "waiting",
    "starting": "starting",
    "booting": "booting",
    "ready": "ready",
    "workload": "running the workload",
    "idle": "idle",
    "stopped": "stopped",
    "unavailable": "unavailable",
    "failed": "failed",
}
LIVE_PHASES = ("starting", "booting", "ready", "workload", "idle")  # a process runs for these
MEASURED, CITED = "measured", "cited"
NONE = "—"


def bar(value: float | None, scale: float, width: int = 28) -> str:
    """A bar of block characters, `value` out of `scale`; at least one block for any value > 0."""
    if value is None or scale <= 0:
        return ""
    cells = round(width * value / scale)
    return "█" * max(1 if value > 0 else 0, min(width, cells))


@dataclass(frozen=True)
class Cell:
    """One figure as shown: its text and the one word saying where it comes from."""

    text: str
    source: str = ""  # MEASURED, CITED, or "" when there is no figure

    def rich(self) -> Text:
        """The figure, then its source word in italics (dim would take a coloured column's
        figure under 7:1 on the projector: tests/tui/test_projector_theme.py)."""
        text = Text(self.text)
        if self.source:
            text.append(f" {self.source}", style="italic")
        return text


NOTED_PHASES = ("starting", "booting", "failed", "unavailable")  # their note says what/why


def phase_text(kind: str, phase: str, note: str = "") -> str:
    """What a unit is doing, in words; the VM's first step is exporting its disk."""
    if kind == "vm" and phase == "starting" and not note:
        return "exporting disk"
    words = PHASE_WORDS.get(phase, phase)
    return f"{words}: {note}" if note and phase in NOTED_PHASES else words


def column_title(kind: str, unit: UnitResult | None) -> str:
    """The kind's name, marked "(emulated)" when its figures come from software emulation."""
    name = KIND_NAMES[kind]
    if unit is not None and not unit.available:
        return f"{name} (unavailable)"
    if unit is not None and unit.emulated:
        return f"{name} (emulated)"
    return name


def seconds(value: float | None) -> str:
    """Seconds for people: ms below one second."""
    return NONE if value is None else format_value(value, "s")


def size(value: float | None) -> str:
    """Bytes for people: MiB (no decimals from 10 MiB on) or GiB."""
    if value is None:
        return NONE
    mib = value / MIB
    if mib < 10:
        return f"{mib:.1f} MiB"
    return f"{mib:.0f} MiB" if mib < 1024 else f"{mib / 1024:.2f} GiB"


def percent(value: float | None) -> str:
    """A CPU share in percent of one core."""
    return NONE if value is None else f"{value:.1f} %"


def _measured(text: str) -> Cell:
    return Cell(text, MEASURED) if text != NONE else Cell(NONE)


RESULT_ROWS = (
    "ready time",
    "host memory",
    "idle CPU",
    "disk",
    "workload time",
    "fit in host",
    "kernel",
)


def result_cells(result: LessonResult, kind: str) -> dict[str, Cell]:
    """One column of the results table: each figure of one kind, with where it comes from."""
    unit = result.units.get(kind)
    if unit is None or not unit.available:
        why = unit.note if unit is not None and unit.note else "not run"
        return {row: Cell(why if row == RESULT_ROWS[0] else NONE) for row in RESULT_ROWS}
    fit = result.fit_count(kind)
    return {
        "ready time": _measured(seconds(unit.ready_seconds)),
        "host memory": _measured(size(unit.host_memory_bytes)),
        "idle CPU": _measured(percent(unit.idle_cpu_percent)),
        "disk": _measured(size(unit.disk_bytes)),
        "workload time": _measured(seconds(unit.workload_seconds)),
        "fit in host": _measured(NONE if fit is None else f"{fit}"),
        "kernel": Cell(f"{unit.kernel} ({KERNEL_WHOSE[kind]})" if unit.kernel else NONE),
    }


def result_grid(result: LessonResult) -> list[list[Text]]:
    """The results as rows of cells: a header, then one row per figure; kinds as columns."""
    header = [Text("")] + [Text(column_title(k, result.units.get(k))) for k in KINDS]
    columns = {kind: result_cells(result, kind) for kind in KINDS}
    rows = [header]
    for row in RESULT_ROWS:
        rows.append([Text(row), *(columns[kind][row].rich() for kind in KINDS)])
    return rows


def live_row(sample: UnitSample) -> list[str]:
    """One live row: kind, phase, CPU %, host memory (each figure names itself: no header)."""
    cpu = percent(sample.cpu_percent)
    memory = size(sample.host_memory_bytes)
    return [
        KIND_NAMES.get(sample.kind, sample.kind),
        phase_text(sample.kind, sample.phase, sample.note),
        f"{cpu} CPU" if cpu != NONE else NONE,
        f"{memory} on the host" if memory != NONE else NONE,
    ]


def live_rows(samples: Sequence[UnitSample]) -> list[list[str]]:
    """The rows of the units that still run, in card order."""
    order = {kind: i for i, kind in enumerate(KINDS)}
    running = [s for s in samples if s.phase in LIVE_PHASES]
    return [live_row(s) for s in sorted(running, key=lambda s: order.get(s.kind, 99))]


def ready_digits(unit: UnitResult | None) -> str:
    """The headline ready time, for a Digits widget (numbers only; the unit is in the label)."""
    if unit is None or unit.ready_seconds is None:
        return "-"
    value = unit.ready_seconds
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def memory_digits(host_bytes: int | None) -> str:
    """The headline host memory in MiB, for a Digits widget."""
    if host_bytes is None:
        return "-"
    mib = host_bytes / MIB
    return f"{mib:.1f}" if mib < 10 else f"{mib:.0f}"


def summary(result: LessonResult) -> str:
    """One line: what ran where, and which accelerator the VM had."""
    emulated = any(u.emulated for u in result.units.values())
    accel = f"QEMU {result.accelerator}" + (", emulated (no KVM)" if emulated else "")
    return f"{result.image}, measured on {result.host} {result.date[:10]} · VM: {accel}"


def bar_rows(result: LessonResult, width: int) -> list[list[str]]:
    """Ready time and host memory as bars, one per kind, each scaled to the largest."""
    rows: list[list[str]] = []
    for label, unit_of, fmt in (
        ("ready time", lambda u: u.ready_seconds, seconds),
        ("host memory", lambda u: u.host_memory_bytes, size),
    ):
        values = {
            kind: unit_of(u) if (u := result.units.get(kind)) and u.available else None
            for kind in KINDS
        }
        scale = max((v for v in values.values() if v is not None), default=0)
        for index, kind in enumerate(KINDS):
            value = values[kind]
            drawn = f"{bar(value, scale, width)} {fmt(value)}" if value is not None else NONE
            rows.append([label if index == 0 else "", KIND_NAMES[kind], drawn])
    return rows


def versions_line(result: LessonResult) -> str:
    """The versions that produced the figures, and each kind's kernel."""
    kernels = ", ".join(
        f"{KIND_NAMES[k]} {u.kernel}" for k in KINDS if (u := result.units.get(k)) and u.kernel
    )
    versions = ", ".join(f"{name} {value}" for name, value in sorted(result.versions.items()))
    parts = [p for p in (f"kernels: {kernels}" if kernels else "", versions) if p]
    return " · ".join(parts)


# The running containers against a VM profile ----------------------------------------------

COMPARE_LABELS = {"memory": "Memory", "start": "Start", "disk": "Disk", "density": "Fit in host"}
MISSING = {
    "memory": "no cited memory",
    "start": "no cited boot time",
    "disk": "no cited disk size",
    "density": "no cited memory",
}


def source_word(profile: Profile) -> str:
    """One word: a profile's figures were measured here, or cited."""
    return MEASURED if profile.measured else CITED


def vm_cell(c: Comparison) -> str:
    """The VM side of a comparison, with the containers' advantage; says why when it is missing."""
    if c.vm is None:
        return MISSING[c.metric] if c.container is not None else NONE
    ratio = c.ratio
    times = f" ({ratio:.1f}x)" if ratio is not None else ""
    return format_value(c.vm, c.unit) + times


def container_cell(c: Comparison) -> str:
    """The container side of a comparison."""
    return NONE if c.container is None else format_value(c.container, c.unit)


def compare_table(
    selected_name: str,
    selected: Sequence[Comparison],
    everyone: Sequence[Comparison],
    count: int,
    profile: Profile,
) -> list[list[str]]:
    """One table: the selected container and all running ones, each beside its VM."""
    word = source_word(profile)
    header = ["", selected_name, f"as a VM, {word}", f"all {count} running", f"as VMs, {word}"]
    rows = [header]
    for one, many in zip(selected, everyone, strict=True):
        rows.append(
            [
                COMPARE_LABELS.get(one.metric, one.metric),
                container_cell(one),
                vm_cell(one),
                container_cell(many),
                vm_cell(many),
            ]
        )
    return rows


def citations_short(profile: Profile) -> str:
    """One line: where the profile's figures come from."""
    if profile.measured:
        return f"{profile.name}: {profile.provenance()}"
    return f"{profile.name}: {CITED}, {profile.provenance()}"


def citations_full(profile: Profile) -> list[str]:
    """Every source of the profile, one full citation a line."""
    if profile.measured:
        return [profile.provenance()]
    return [source.citation() for source in profile.sources()]
