"""The lesson in words and figures, for `container-lab baseline measure` and the VM baseline tab.

One definition of the rows and their words, as plain values: a `Row` is a label and one `Cell`
per unit kind (the figure's text and the word saying where it comes from). The CLI joins them
into padded text (tui/baseline/cli.py), the tab colours them (tui/views/baseline/panel.py).
Every figure of the lesson was measured on this host; a profile's figures say "cited" unless
the profile was measured here too. No Textual and no rich here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.baseline.compare import MIB, Comparison, format_value
from tui.baseline.profiles import Profile
from tui.baseline.results import LessonResult, UnitKind, UnitResult, UnitSample

MEASURED, CITED = "measured", "cited"
NONE = "—"
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
NOTED_PHASES = ("starting", "booting", "failed", "unavailable")  # their note says what/why


@dataclass(frozen=True)
class Cell:
    """One figure as shown: its text and the one word saying where it comes from."""

    text: str
    source: str = ""  # MEASURED, CITED, or "" when there is no figure


@dataclass(frozen=True)
class Row:
    """A labelled row of the results: one cell per unit kind, in UnitKind order."""

    label: str
    cells: tuple[Cell, ...]


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


def phase_text(kind: str, phase: str, note: str = "") -> str:
    """What a unit is doing, in words; the VM's first step is exporting its disk."""
    if kind == UnitKind.VM and phase == "starting" and not note:
        return "exporting disk"
    words = PHASE_WORDS.get(phase, phase)
    return f"{words}: {note}" if note and phase in NOTED_PHASES else words


def column_title(kind: UnitKind, unit: UnitResult | None = None, accelerator: str = "") -> str:
    """The kind and what runs it; the VM's accelerator, and "emulated" under TCG."""
    how = kind.runtime
    if kind is UnitKind.VM and accelerator and accelerator != "none":
        how = f"{how} {accelerator.upper()}"
    if unit is not None and not unit.available:
        how += ", unavailable"
    elif unit is not None and unit.emulated:
        how += ", emulated"
    return f"{kind.label} ({how})"


def result_titles(result: LessonResult) -> list[str]:
    """The results' column titles, one per kind."""
    return [column_title(k, result.units.get(k), result.accelerator) for k in UnitKind]


def _measured(text: str) -> Cell:
    return Cell(text, MEASURED) if text != NONE else Cell(NONE)


RESULT_ROWS = (
    "ready time",
    "host memory",
    "guest memory",
    "idle CPU",
    "disk",
    "workload time",
    "fit in host",
    "kernel",
)


def result_cells(result: LessonResult, kind: UnitKind) -> dict[str, Cell]:
    """One column of the results: each figure of one kind, with where it comes from."""
    unit = result.units.get(kind)
    if unit is None or not unit.available:
        why = unit.note if unit is not None and unit.note else "not run"
        return {row: Cell(why if row == RESULT_ROWS[0] else NONE) for row in RESULT_ROWS}
    fit = result.fit_count(kind)
    guest = unit.guest_memory_bytes
    return {
        "ready time": _measured(seconds(unit.ready_seconds)),
        "host memory": _measured(size(unit.host_memory_bytes)),
        "guest memory": Cell(f"{size(guest)} given") if guest else Cell(NONE),
        "idle CPU": _measured(percent(unit.idle_cpu_percent)),
        "disk": _measured(size(unit.disk_bytes)),
        "workload time": _measured(seconds(unit.workload_seconds)),
        "fit in host": _measured(NONE if fit is None else f"{fit}"),
        "kernel": Cell(f"{unit.kernel} ({kind.kernel_owner})" if unit.kernel else NONE),
    }


def result_rows(result: LessonResult) -> list[Row]:
    """The results: one row per figure, one cell per kind."""
    columns = [result_cells(result, kind) for kind in UnitKind]
    return [Row(label, tuple(column[label] for column in columns)) for label in RESULT_ROWS]


def unit_notes(result: LessonResult) -> list[str]:
    """What the run noted about a unit (a KVM fallback, why one did not run), one a line."""
    return [f"{k.label}: {u.note}" for k in UnitKind if (u := result.units.get(k)) and u.note]


def summary(result: LessonResult) -> str:
    """One line: what ran where, and which accelerator the VM had."""
    emulated = any(u.emulated for u in result.units.values())
    accel = f"QEMU {result.accelerator}" + (", emulated (no KVM)" if emulated else "")
    return f"{result.image}, measured on {result.host} {result.date[:10]} · VM: {accel}"


def live_row(sample: UnitSample) -> list[str]:
    """One live row: kind, phase, CPU %, host memory (each figure names itself: no header)."""
    cpu = percent(sample.cpu_percent)
    memory = size(sample.host_memory_bytes)
    kind = UnitKind.named(sample.kind)
    return [
        kind.label if kind is not None else sample.kind,
        phase_text(sample.kind, sample.phase, sample.note),
        f"{cpu} CPU" if cpu != NONE else NONE,
        f"{memory} on the host" if memory != NONE else NONE,
    ]


def live_samples(samples: Sequence[UnitSample]) -> list[UnitSample]:
    """The samples of the units that still run, in UnitKind order."""
    order = {kind.value: i for i, kind in enumerate(UnitKind)}
    running = [s for s in samples if s.phase in LIVE_PHASES]
    return sorted(running, key=lambda s: order.get(s.kind, len(order)))


def live_rows(samples: Sequence[UnitSample]) -> list[list[str]]:
    """The rows of the units that still run, in UnitKind order."""
    return [live_row(s) for s in live_samples(samples)]


def ready_digits(unit: UnitResult | None) -> str:
    """The headline ready time, for large digits (numbers only; the unit is in the label)."""
    if unit is None or unit.ready_seconds is None:
        return "-"
    value = unit.ready_seconds
    # three figures at most: a slow emulated VM's "146.3" would push its card's "MiB on the
    # host" out of a 100-column screen
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def memory_digits(host_bytes: int | None) -> str:
    """The headline host memory in MiB, for large digits."""
    if host_bytes is None:
        return "-"
    mib = host_bytes / MIB
    return f"{mib:.1f}" if mib < 10 else f"{mib:.0f}"


def bar(value: float | None, scale: float, width: int = 28) -> str:
    """A bar of block characters, `value` out of `scale`; at least one block for any value > 0."""
    if value is None or scale <= 0:
        return ""
    cells = round(width * value / scale)
    return "█" * max(1 if value > 0 else 0, min(width, cells))


def bar_rows(result: LessonResult, width: int) -> list[list[str]]:
    """Ready time and host memory as bars, one per kind, each scaled to the largest."""
    figures: list[tuple[str, Callable[[UnitResult], float | None], Callable[..., str]]] = [
        ("ready time", lambda u: u.ready_seconds, seconds),
        ("host memory", lambda u: u.host_memory_bytes, size),
    ]
    rows: list[list[str]] = []
    for label, unit_of, fmt in figures:
        values = {
            kind: unit_of(u) if (u := result.units.get(kind)) and u.available else None
            for kind in UnitKind
        }
        scale = max((v for v in values.values() if v is not None), default=0)
        for index, kind in enumerate(UnitKind):
            value = values[kind]
            drawn = f"{bar(value, scale, width)} {fmt(value)}" if value is not None else NONE
            rows.append([label if index == 0 else "", kind.label, drawn])
    return rows


def versions_line(result: LessonResult) -> str:
    """The versions that produced the figures, and each kind's kernel."""
    kernels = ", ".join(
        f"{k.label} {u.kernel}" for k in UnitKind if (u := result.units.get(k)) and u.kernel
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
