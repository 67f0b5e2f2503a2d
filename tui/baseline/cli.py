"""The `container-lab baseline` subcommands: measure this host, show the profiles."""

from __future__ import annotations

import argparse

import docker

from tui.baseline.compare import MIB, format_value
from tui.baseline.measure import run_measure
from tui.baseline.profiles import Profile, Source, load_all_profiles
from tui.baseline.qemu import find_qemu
from tui.engine.footprint import ContainerFootprint, measure_fresh_container
from tui.errors import LabError
from tui.paths import lab_paths

BASE_IMAGE = "debian:bookworm-slim"
BASELINE_LABEL = "org.container-lab.baseline"


def _measure_container(host: str | None, image: str) -> tuple[ContainerFootprint | None, str]:
    """The container side, when an engine answers and has the image; else a note why not."""
    from tui.engine.client import connect

    try:
        client = connect(host, timeout=30)
    except LabError as exc:
        return None, f"container side skipped: {exc}"
    try:
        client.images.get(image)
        return measure_fresh_container(client, image, {BASELINE_LABEL: "1"}, timeout=30), ""
    except docker.errors.ImageNotFound:
        return None, f"container side skipped: no local image {image} (`container-lab engine up`)"
    except docker.errors.DockerException as exc:
        return None, f"container side skipped: {' '.join(str(exc).split())}"
    finally:
        client.close()


def measure_from_cli(args: argparse.Namespace) -> int:
    """Boot a QEMU VM, measure it (and a container), save the profile under .lab/."""
    find_qemu()  # a missing QEMU is the first thing to say, before any container runs
    paths = lab_paths()
    image = getattr(args, "image", None) or BASE_IMAGE
    container, note = _measure_container(getattr(args, "host", None), image)
    print(f"Booting a VM with QEMU (up to {args.timeout:.0f} s; KVM first, else TCG)...")
    profile, path = run_measure(
        paths, memory_mib=args.memory, timeout=args.timeout, container=container
    )
    m = profile.measurement
    for line in m.get("notes") or []:
        print(f"  note: {line}")
    print(f"VM ({m['accelerator']}): boot {format_value(m['boot_seconds'], 's')} to the marker,")
    print(f"  QEMU resident {format_value(m['qemu_rss_bytes'], 'bytes')},", end=" ")
    print(f"CPU {m['qemu_cpu_seconds']:.2f} s ({m['qemu_cpu_percent']:.0f}% of a core),", end=" ")
    print(f"disk {format_value(m['disk_bytes'], 'bytes')} (kernel + initramfs)")
    if container is not None:
        start = format_value(container.start_seconds, "s")
        memory = format_value(container.memory_bytes, "bytes")
        print(f"Container ({image}): start {start} to first log line, memory {memory},", end=" ")
        print(f"image {format_value(container.image_bytes, 'bytes')}")
    elif note:
        print(note)
    print(f"Saved {path}")
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
