"""VM profiles: cited reference figures, and figures measured on this host.

A profile is a set of figures (boot time, guest memory, disk...), each with the source it comes
from. The loader refuses a figure whose source is missing or incomplete, so whatever the
dashboard shows can be traced to a paper, a vendor document, or a measurement on this machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tui.errors import LabError
from tui.paths import LabPaths

# Every figure key a profile may carry, with its unit. Unknown keys are refused.
FIGURE_UNITS: dict[str, str] = {
    "boot_seconds": "s",  # power-on (or VMM start) to guest userspace
    "guest_os_mib": "MiB",  # memory the guest OS itself occupies, on top of the workload
    "vmm_overhead_mib": "MiB",  # memory of the hypervisor process beyond guest RAM
    "guest_memory_mib": "MiB",  # RAM the guest is given: a VM never costs less than this
    "disk_mib": "MiB",  # guest OS disk (kernel, root) the workload's files sit on
    "min_disk_mib": "MiB",  # smallest disk image the guest OS installs on
    "cpu_factor": "x native",
    "workload_factor": "x container",  # the lesson's workload time in the VM / in a container
    "random_read_iops_factor": "x native",
    "tcp_round_trip_extra_us": "us",
}
SOURCE_FIELDS = ("title", "authors", "publisher", "year", "url")
MEASURED_SOURCE = "measured"
REFERENCE_FILE = "profiles.json"


@dataclass(frozen=True)
class Source:
    """Where figures come from: a paper, a vendor document, or this host."""

    id: str
    title: str
    authors: str
    publisher: str
    year: int
    url: str

    def short(self) -> str:
        """'Felter et al. (2015)': first author's surname (or the body), and the year."""
        authors = [a.strip() for a in self.authors.replace(" et al.", "").split(",") if a.strip()]
        if len(authors) > 1 or "et al." in self.authors:
            return f"{authors[0].split()[-1]} et al. ({self.year})"
        return f"{self.authors} ({self.year})"

    def citation(self) -> str:
        """One line: authors, title, publisher, year, URL."""
        return f"{self.authors}, “{self.title}”, {self.publisher}, {self.year}. {self.url}"


@dataclass(frozen=True)
class Figure:
    """One number of a profile, with its unit and its source."""

    key: str
    value: float
    source: Source
    note: str = ""

    @property
    def unit(self) -> str:
        """The unit of this figure's key."""
        return FIGURE_UNITS[self.key]


@dataclass(frozen=True)
class Profile:
    """A VM flavour the containers are compared with."""

    id: str
    name: str
    kind: str  # "full-vm", "microvm" or "measured"
    figures: Mapping[str, Figure]
    measurement: Mapping[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        """True for a profile measured on this host by `baseline measure`."""
        return self.kind == "measured"

    def value(self, key: str, default: float = 0.0) -> float:
        """The figure's value, or `default` when the profile has no such figure."""
        figure = self.figures.get(key)
        return figure.value if figure is not None else default

    def has(self, key: str) -> bool:
        """True when the profile carries this figure."""
        return key in self.figures

    def sources(self) -> list[Source]:
        """The distinct sources of this profile's figures, in figure order."""
        seen: dict[str, Source] = {}
        for figure in self.figures.values():
            seen.setdefault(figure.source.id, figure.source)
        return list(seen.values())

    def provenance(self) -> str:
        """'measured on this host (...)' or the short list of sources."""
        if self.measured:
            accel = self.measurement.get("accelerator", "?")
            date = str(self.measurement.get("date", "?"))[:10]
            host = self.measurement.get("host", "?")
            return f"measured on this host ({host}, QEMU {accel}, {date})"
        short = dict.fromkeys(s.short() for s in self.sources())
        return "; ".join(short)


def _parse_source(source_id: str, raw: Any) -> Source:
    if not isinstance(raw, dict):
        raise LabError(f"VM profile source {source_id!r} is not an object.")
    missing = [name for name in SOURCE_FIELDS if not str(raw.get(name, "")).strip()]
    if missing:
        raise LabError(f"VM profile source {source_id!r} lacks {', '.join(missing)}.")
    try:
        year = int(raw["year"])
    except (TypeError, ValueError) as exc:
        raise LabError(f"VM profile source {source_id!r} has no numeric year.") from exc
    return Source(
        source_id, str(raw["title"]), str(raw["authors"]), str(raw["publisher"]), year, raw["url"]
    )


def _parse_figure(profile_id: str, key: str, raw: Any, sources: Mapping[str, Source]) -> Figure:
    where = f"figure {key!r} of VM profile {profile_id!r}"
    if key not in FIGURE_UNITS:
        raise LabError(f"Unknown {where}; known figures: {', '.join(FIGURE_UNITS)}.")
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), int | float):
        raise LabError(f"The {where} needs a numeric value.")
    source_id = raw.get("source")
    if not source_id:
        raise LabError(f"The {where} has no source: every figure must cite one.")
    if source_id not in sources:
        raise LabError(f"The {where} cites {source_id!r}, which is not among the sources.")
    if raw["value"] < 0:
        raise LabError(f"The {where} is negative.")
    return Figure(key, float(raw["value"]), sources[source_id], str(raw.get("note", "")))


def parse_profiles(data: Any) -> list[Profile]:
    """Validate a profiles document and return its profiles; raise LabError on any fault."""
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
        raise LabError("A VM profiles file needs a 'profiles' list and a 'sources' object.")
    raw_sources = data.get("sources") or {}
    sources = {sid: _parse_source(sid, raw) for sid, raw in raw_sources.items()}
    profiles: list[Profile] = []
    for raw in data["profiles"]:
        profile_id = str(raw.get("id", "")).strip()
        if not profile_id or not raw.get("name"):
            raise LabError("Every VM profile needs an 'id' and a 'name'.")
        figures = {
            key: _parse_figure(profile_id, key, value, sources)
            for key, value in (raw.get("figures") or {}).items()
        }
        if not figures:
            raise LabError(f"VM profile {profile_id!r} has no figures.")
        kind = str(raw.get("kind", "full-vm"))
        measurement = dict(raw.get("measurement") or {})
        profiles.append(Profile(profile_id, str(raw["name"]), kind, figures, measurement))
    ids = [p.id for p in profiles]
    if len(ids) != len(set(ids)):
        raise LabError("VM profile ids must be unique.")
    return profiles


def load_profiles(path: Path) -> list[Profile]:
    """Read and validate one profiles file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LabError(f"Cannot read VM profiles {path}: {exc}") from exc
    return parse_profiles(data)


def load_reference_profiles() -> list[Profile]:
    """The cited profiles shipped with the package."""
    text = resources.files("tui.baseline").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    return parse_profiles(json.loads(text))


def measured_profile_path(paths: LabPaths) -> Path:
    """Where `baseline measure` saves this host's profile (in the git-ignored lab folder)."""
    return paths.lab / "baseline" / "measured-profile.json"


def load_all_profiles(paths: LabPaths | None) -> list[Profile]:
    """The measured profile first (when there is one), then the cited ones."""
    profiles = []
    if paths is not None and measured_profile_path(paths).is_file():
        profiles.extend(load_profiles(measured_profile_path(paths)))
    return profiles + load_reference_profiles()
