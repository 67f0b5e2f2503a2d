"""The `container-lab baseline` subcommands: measure this host, show the profiles."""

from __future__ import annotations

import argparse

from tui.baseline.compare import MIB, format_value
from tui.baseline.lesson import LESSON_IMAGE, Lesson, LessonResult
from tui.baseline.profiles import Profile, Source, load_all_profiles, measured_profile_path
from tui.baseline.qemu import find_qemu
from tui.baseline.report import result_rows, result_titles, summary, unit_notes
from tui.errors import LabError
from tui.paths import lab_paths

MIN_VM_MIB = 128  # Debian's kernel and initrd do not reach userspace in much less


def result_lines(result: LessonResult) -> list[str]:
    """The lesson's results as padded text: the rows and words of the dashboard's tab. The
    summary line says every figure was measured here, so the cells carry no source word."""
    titles = result_titles(result)
    rows = result_rows(result)
    widths = [max(len(t), *(len(r.cells[i].text) for r in rows)) for i, t in enumerate(titles)]
    label_width = max(len(r.label) for r in rows) + 2

    def line(label: str, texts: list[str]) -> str:
        cells = "  ".join(text.ljust(width) for text, width in zip(texts, widths, strict=True))
        return (label.ljust(label_width) + cells).rstrip()

    lines = [summary(result), line("", titles)]
    lines += [line(row.label, [cell.text for cell in row.cells]) for row in rows]
    return lines + [f"  {note}" for note in unit_notes(result)]


def measure_from_cli(args: argparse.Namespace) -> int:
    """Run the three-way lesson from the shell, print its table, stop everything, save."""
    from tui.engine.client import connect

    if args.memory < MIN_VM_MIB:
        raise LabError(
            f"--memory {args.memory} is too small: Debian's kernel needs {MIN_VM_MIB} MiB or more."
        )
    if args.timeout <= 0:
        raise LabError(f"--timeout {args.timeout:g} must be a positive number of seconds.")
    find_qemu()  # a missing QEMU is the first thing to say, before any container runs
    paths = lab_paths()
    image = getattr(args, "image", None) or LESSON_IMAGE
    client = connect(getattr(args, "host", None), timeout=60)
    print(
        f"The lesson: {image} as a container, a gVisor sandbox and a QEMU VM "
        f"(up to {args.timeout:.0f} s; KVM first, else TCG)..."
    )

    def said(kind: str, phase: str, note: str) -> None:
        print(f"  {kind:<9} {phase}{': ' + note if note else ''}", flush=True)

    lesson = Lesson(
        client, paths, image, on_phase=said, vm_memory_mib=args.memory, timeout=args.timeout
    )
    try:
        result = lesson.run()
    finally:
        lesson.stop()
        client.close()
    print("\n".join(result_lines(result)))
    print(
        f"host memory {format_value(result.host_memory_bytes, 'bytes')}; "
        f"accelerator {result.accelerator.upper()}"
    )
    if lesson.saved_path is None:
        raise LabError(f"The VM did not run, so {measured_profile_path(paths)} was left as it was.")
    print(f"Saved {lesson.saved_path}")
    return 0


def _describe(profile: Profile) -> list[str]:
    lines = [f"{profile.name}  [{profile.id}]", f"  source: {profile.provenance()}"]
    for figure in profile.figures.values():
        value = f"{figure.value:g} {figure.unit}"
        lines.append(f"  {figure.key:<24} {value:<14} [{figure.source.id}] {figure.note}")
    return lines


def show_from_cli(args: argparse.Namespace) -> int:
    """Print every VM profile, its figures, and the full citation of each source."""
    profiles = load_all_profiles(lab_paths())
    sources: dict[str, Source] = {}
    for profile in profiles:
        print("\n".join(_describe(profile)))
        sources.update({s.id: s for s in profile.sources()})
    if not any(p.measured for p in profiles):
        print("(no profile measured on this host yet: `container-lab baseline measure`)")
    print("Sources:")
    for source in sources.values():
        print(f"  [{source.id}] {source.citation()}")
    return 0


__all__ = ["MIB", "measure_from_cli", "show_from_cli"]
