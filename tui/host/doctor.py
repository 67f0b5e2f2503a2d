"""`container-lab doctor`: what each command needs from this machine, what is missing and why.

`--install` installs the missing Debian packages and starts a local engine with the base image
(as root, or through sudo); what only the user can do (the signing key, joining the docker
group) is said, not done.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tui.engine.base_image import engine_answers, has_image
from tui.engine.client import DEFAULT_SOCKET, engine_address
from tui.errors import LabError
from tui.host import apt
from tui.host.access import socket_denied
from tui.host.needs import SECTIONS, Package, Section, expand, is_present
from tui.host.provision import BASE_IMAGE, ensure_base_image, ensure_engine
from tui.lab.keys import SECRET_KEY_FILE
from tui.paths import LabPaths, find_project

OK, MISSING = "ok", "missing"
NEEDS_ENGINE = "needs the engine first"


@dataclass(frozen=True)
class EngineState:
    """The engine the lab would use: its address and whether (or why not) it answers."""

    url: str
    answers: bool
    problem: str = ""  # why not, as the one line to act on
    startable: bool = False  # down at the default socket, which `engine up` can start


class Machine(Protocol):
    """What the doctor looks at (the real machine, or a made-up one in the unit tests)."""

    def has(self, package: Package) -> bool: ...
    def engine(self) -> EngineState: ...
    def has_base_image(self) -> bool: ...
    def has_signing_key(self) -> bool: ...


@dataclass
class ThisMachine:
    """The machine this runs on, for the lab in `paths`."""

    paths: LabPaths
    _engine: EngineState | None = None

    def has(self, package: Package) -> bool:
        return is_present(package)

    def engine(self) -> EngineState:
        if self._engine is None:
            self._engine = _engine_state()
        return self._engine

    def has_base_image(self) -> bool:
        return self.engine().answers and has_image(BASE_IMAGE)

    def has_signing_key(self) -> bool:
        return (self.paths.keys / SECRET_KEY_FILE).is_file()

    def forget(self) -> None:
        """Look at the engine again next time (after --install)."""
        self._engine = None


def _engine_state() -> EngineState:
    try:
        url = engine_address().url
    except LabError as exc:
        return EngineState("", False, str(exc))
    denied = socket_denied(url)
    if denied:
        return EngineState(url, False, denied)
    if engine_answers(url):
        return EngineState(url, True)
    if url != DEFAULT_SOCKET:
        return EngineState(url, False, f"no engine answers at {url}: start it there")
    return EngineState(url, False, "no engine answers: --install starts one", startable=True)


@dataclass(frozen=True)
class Row:
    """One need: there or missing, what it is, why it is needed, and how it was looked for.

    `remedy` is what the user must do when it is missing; empty when `--install` does it.
    """

    state: str
    what: str
    why: str
    looked_at: str
    remedy: str = ""


@dataclass(frozen=True)
class SectionReport:
    """The rows of one section."""

    section: Section
    rows: tuple[Row, ...]

    @property
    def missing(self) -> list[Row]:
        """The rows whose need is not met."""
        return [row for row in self.rows if row.state == MISSING]


def _state(present: bool) -> str:
    return OK if present else MISSING


def _package_row(package: Package, machine: Machine) -> Row:
    looked_at = ", ".join(probe.replace("|", " or ") for probe in package.provides)
    return Row(_state(machine.has(package)), package.name, package.why, looked_at)


def _engine_rows(machine: Machine) -> list[Row]:
    engine = machine.engine()
    fixable = engine.answers or engine.startable
    image = engine.answers and machine.has_base_image()
    return [
        Row(
            _state(engine.answers),
            "engine",
            "the Docker engine the lab talks to",
            f"answers at {engine.url}" if engine.answers else engine.problem,
            "" if fixable else engine.problem,
        ),
        Row(
            _state(image),
            "base image",
            "the demo, the lesson and the training image start from it",
            f"{BASE_IMAGE} on the engine",
            "" if fixable else NEEDS_ENGINE,
        ),
    ]


def examine(sections: Sequence[Section], machine: Machine) -> list[SectionReport]:
    """One report per section: its packages, then its engine and key needs."""
    reports = []
    for section in sections:
        rows = [_package_row(package, machine) for package in section.packages]
        if section.engine:
            rows += _engine_rows(machine)
        if section.signing_key:
            rows.append(
                Row(
                    _state(machine.has_signing_key()),
                    "signing key",
                    "signs the model",
                    f".lab/keys/{SECRET_KEY_FILE}",
                    "run `container-lab keys init`",
                )
            )
        reports.append(SectionReport(section, tuple(rows)))
    return reports


def render(reports: Sequence[SectionReport], *, quiet: bool = False) -> list[str]:
    """The report's lines; quiet: only what is missing, one line each."""
    lines: list[str] = []
    for report in reports:
        section = report.section
        if quiet:
            lines += [
                f"missing for {section.name}: {row.what}, {row.why} ({row.remedy or row.looked_at})"
                for row in report.missing
                if row.remedy != NEEDS_ENGINE  # the engine's own line says why
            ]
            continue
        uses = f"; also needs {', '.join(section.uses)}" if section.uses else ""
        state = f"{len(report.missing)} missing" if report.missing else "ready"
        lines.append(f"{section.name} ({section.title}{uses}): {state}")
        width = max((len(row.what) for row in report.rows), default=0)
        for row in report.rows:
            lines.append(f"  {row.state:<8} {row.what:<{width}}  {row.why} ({row.looked_at})")
    return lines


def summary(reports: Sequence[SectionReport]) -> str:
    """The closing line: all ready, or what to do."""
    short = [report.section.name for report in reports if report.missing]
    if not short:
        return f"ready: {', '.join(report.section.name for report in reports)}"
    rows = [row for report in reports for row in report.missing]
    todo = []
    installable = list(dict.fromkeys(row.what for row in rows if not row.remedy))
    if installable:
        todo.append(
            f"`container-lab doctor --install` (as root, or through sudo) sets up "
            f"{', '.join(installable)}"
        )
    todo += list(dict.fromkeys(row.remedy for row in rows if row.remedy))
    return f"missing for {', '.join(short)}: {'; '.join(todo)}"


def install(reports: Sequence[SectionReport], machine: Machine, say: Callable[[str], None]) -> None:
    """Install the missing packages, then start the local engine and its base image."""
    packages = {package.name for section in SECTIONS.values() for package in section.packages}
    names = [row.what for report in reports for row in report.missing if row.what in packages]
    names = list(dict.fromkeys(names))  # each once, in the report's order
    if names:
        say(f"installing {' '.join(names)} ({'apt-get' if os.geteuid() == 0 else 'sudo apt-get'})")
        apt.install(names)
    if not any(report.section.engine for report in reports):
        return
    engine = machine.engine()
    if not (engine.answers or engine.startable):
        return  # a remote engine, or a socket this user may not open: the report says so
    if engine.answers and machine.has_base_image():
        return
    if os.geteuid() == 0:
        say(ensure_engine())
        say(ensure_base_image(BASE_IMAGE))
        return
    argv = apt.elevated(
        [sys.executable, "-B", "-m", "tui.cli", "engine", "up"], as_root="container-lab engine up"
    )
    if subprocess.run(argv, check=False).returncode != 0:
        raise LabError("`sudo container-lab engine up` failed (see above).")


def doctor_from_cli(names: Sequence[str], *, install_missing: bool, quiet: bool) -> int:
    """Report (and with install_missing, first fix) the needs of the named commands."""
    project, how = find_project()
    sections = expand(names or list(SECTIONS))
    machine = ThisMachine(LabPaths(project))
    if not quiet:
        print(f"lab folder: {project} (from {how})")
    if install_missing:
        reports = examine(sections, machine)
        if any(report.missing for report in reports):
            install(reports, machine, lambda line: print(line, file=sys.stderr))
            machine.forget()
    reports = examine(sections, machine)
    for line in render(reports, quiet=quiet):
        print(line, file=sys.stderr if quiet else sys.stdout)
    if not quiet:
        print(summary(reports))
    return 1 if any(report.missing for report in reports) else 0
