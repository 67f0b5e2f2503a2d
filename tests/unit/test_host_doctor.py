"""`container-lab doctor`'s report: what is missing, for which command, why, and what to do.

The facts come from a made-up machine here (the report is a pure function of them);
tests/integration/test_doctor.py runs the real command on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.host import doctor
from tui.host.doctor import EngineState, examine, render, summary
from tui.host.needs import Package, expand

SOCKET = "unix:///var/run/docker.sock"
DENIED = f"The engine at {SOCKET} answers only to root and the docker group: join it."


@dataclass
class Machine:
    """A machine with some packages missing, an engine in some state, maybe a key."""

    missing: set[str] = field(default_factory=set)
    state: EngineState = field(default_factory=lambda: EngineState(SOCKET, True))
    image: bool = True
    key: bool = True

    def has(self, package: Package) -> bool:
        return package.name not in self.missing

    def engine(self) -> EngineState:
        return self.state

    def has_base_image(self) -> bool:
        return self.image

    def has_signing_key(self) -> bool:
        return self.key


def test_a_ready_machine_says_ready_for_every_section() -> None:
    reports = examine(expand(["test", "train"]), Machine())
    lines = render(reports)
    assert [line.split(" (")[0] for line in lines if not line.startswith(" ")] == [
        "dashboard",
        "lesson",
        "keys",
        "train",
        "cluster",
        "test",
    ]
    assert all(line.endswith(": ready") for line in lines if not line.startswith(" "))
    assert summary(reports) == "ready: dashboard, lesson, keys, train, cluster, test"
    assert render(reports, quiet=True) == []


def test_missing_packages_are_named_with_why_and_what_was_looked_for() -> None:
    reports = examine(expand(["baseline"]), Machine(missing={"qemu-system-x86", "runsc"}))
    lines = render(reports)
    assert lines[0].startswith("dashboard (") and lines[0].endswith("): ready")
    [lesson] = [line for line in lines if line.startswith("lesson (")]
    assert lesson.endswith("; also needs dashboard): 2 missing")
    assert "  missing  qemu-system-x86    boots the lesson's VM (qemu-system-x86_64)" in lines
    assert "  ok       e2fsprogs          writes the VM's disk from the image" in "\n".join(lines)
    assert summary(reports) == (
        "missing for lesson: `container-lab doctor --install` (as root, or through sudo) "
        "sets up qemu-system-x86, runsc"
    )
    assert render(reports, quiet=True) == [
        "missing for lesson: qemu-system-x86, boots the lesson's VM (qemu-system-x86_64)",
        "missing for lesson: runsc, gVisor, the lesson's sandbox row (/usr/bin/runsc)",
    ]


def test_what_only_the_user_can_do_is_said_not_promised() -> None:
    machine = Machine(state=EngineState(SOCKET, False, DENIED), image=False, key=False)
    reports = examine(expand(["train"]), machine)
    assert summary(reports) == (
        f"missing for dashboard, train: {DENIED}; needs the engine first; "
        "run `container-lab keys init`"
    )
    # The engine's own line says why; the base image's would only repeat it.
    assert render(reports, quiet=True) == [
        f"missing for dashboard: engine, the Docker engine the lab talks to ({DENIED})",
        "missing for train: signing key, signs the model (run `container-lab keys init`)",
    ]


def test_a_stopped_local_engine_is_for_install_to_start() -> None:
    stopped = EngineState(SOCKET, False, "no engine answers: --install starts one", startable=True)
    reports = examine(expand(["demo"]), Machine(state=stopped, image=False))
    assert summary(reports) == (
        "missing for dashboard: `container-lab doctor --install` (as root, or through sudo) "
        "sets up engine, base image"
    )


def test_install_asks_apt_for_each_missing_package_once_and_leaves_a_denied_engine(
    monkeypatch,
) -> None:
    installed: list[list[str]] = []
    monkeypatch.setattr(doctor.apt, "install", lambda names: installed.append(list(names)))
    machine = Machine(
        missing={"gpg", "docker-cli|docker.io"}, state=EngineState(SOCKET, False, DENIED)
    )
    said: list[str] = []
    doctor.install(examine(expand(["train", "keys"]), machine), machine, said.append)
    assert installed == [["docker-cli|docker.io", "gpg"]]
    assert said[0].startswith("installing docker-cli|docker.io gpg (")
    assert len(said) == 1  # nothing started for an engine this user may not open
