"""The pristine-Debian lane: README's first commands on stock Debian 12 and 13, as a newcomer.

`python -m tests.pristine` (CI's .ci/run runs it). Each suite's container starts from a pristine
debootstrap root (tests/pristine/rootfs.py) with the host's CA bundle where an administrator puts
a local CA (/usr/local/share/ca-certificates), the machine's Docker socket, and a copy of this
checkout's tracked files. Its owner has installed Debian's python3 (Debian 12 with python3-pip,
Debian 13 without) and sudo, and made `newcomer`, a user with sudo. Then each step runs as
written in README, as that user or as root, and must print what it should; a step that fails,
or a Docker that is missing, fails the lane: nothing is skipped.

Where it stops: this machine's engine refuses privileged containers ("unable to apply caps"),
so no dockerd can start inside one. Root goes as far as installing the engine's packages and
reaching the machine's engine through its socket (engine up: already running, base image
present); the newcomer, not in the socket's group, is told in one line how to get in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.pristine.rootfs import LABEL, apt_cache, clear, ensure_image, today
from tui.host import apt
from tui.host.needs import missing_packages

ROOT_DIR = Path(__file__).resolve().parents[2]
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DOCKER_SOCKET = "/var/run/docker.sock"
NEWCOMER, ROOT = "newcomer", "root"
KEEP = os.environ.get("LAB_PRISTINE_KEEP") == "1"  # keep a failed lane's container to look into
HOMES = {NEWCOMER: "/home/newcomer", ROOT: "/root"}


@dataclass(frozen=True)
class Suite:
    """A Debian release, and the Python its owner installed."""

    name: str
    release: str
    python: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """A command run in the checkout as `who`, and what its output must contain."""

    who: str
    command: str
    expect: tuple[str, ...]
    fails: bool = False  # the lane's expected stop: it must fail, saying `expect`


SUITES = (
    Suite("bookworm", "Debian 12", ("python3", "python3-pip")),
    Suite("trixie", "Debian 13", ("python3",)),
)
STEPS = (
    Step(NEWCOMER, "./lab config path", ("/home/newcomer/.config/container-lab/config.toml",)),
    Step(
        NEWCOMER,
        "test -x .venv/bin/container-lab && test ! -e .venv/bin/pytest && echo dashboard-only",
        ("dashboard-only",),  # the dashboard's Python packages, not the tests'
    ),
    Step(
        NEWCOMER,  # a shell where Python caches no bytecode: ./lab compiles it (see ./lab)
        "PYTHONDONTWRITEBYTECODE=1 ./lab config path >/dev/null && ls"
        " .venv/lib/python3*/site-packages/textual/__pycache__/app.*.pyc"
        " tui/views/__pycache__/app.*.pyc >/dev/null && echo bytecode-compiled",
        ("bytecode-compiled",),  # neither module is imported by the steps before
    ),
    Step(NEWCOMER, "./lab keys init", ("signing key",)),
    Step(NEWCOMER, "./lab doctor --for keys", ("keys (the demo signing key): ready",)),
    Step(
        NEWCOMER,
        "./lab uv tool install . && cd / && ~/.local/bin/container-lab doctor --for keys",
        ("lab folder: /home/newcomer/container-lab (from the checkout container-lab was",),
    ),
    Step(NEWCOMER, "test ! -e ~/.local/lib && echo no-pip-user", ("no-pip-user",)),
    Step(ROOT, "./lab config path", ("/root/.config/container-lab/config.toml",)),
    Step(ROOT, "./lab keys init", ("signing key",)),
    Step(
        ROOT,
        "./lab engine up",
        (f"engine: already running at unix://{DOCKER_SOCKET}", "base image: ", "bookworm-slim"),
    ),
    Step(ROOT, "./lab doctor --for engine", ("`engine up`): ready",)),
    Step(ROOT, "test ! -e /usr/sbin/policy-rc.d && echo services-allowed-again", ("allowed",)),
    Step(NEWCOMER, "./lab engine up", ("answers only to root and",), fails=True),
)


def _docker(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, check=False)


class Lane:
    """One suite's container and its steps; `say` prints a line for the log."""

    def __init__(self, suite: Suite, run_id: str, rev: str | None = None) -> None:
        self.suite = suite
        self.rev = rev
        self.name = f"cl-pristine-{suite.name}-{run_id}"
        self.run_id = run_id
        self.failed = ""
        self.seconds = 0.0

    def say(self, line: str) -> None:
        print(f"[pristine {self.suite.name}] {line}", flush=True)

    def run(self) -> None:
        started = time.monotonic()
        try:
            self._run()
        except RuntimeError as exc:
            self.failed = str(exc)
            self.say(f"FAILED: {exc}")
        finally:
            if not (self.failed and KEEP):
                _docker("rm", "--force", "--volumes", self.name)
            self.seconds = time.monotonic() - started

    def _run(self) -> None:
        image, imported = ensure_image(self.suite.name, today())
        self.say(f"{image} ({'bootstrapped and imported' if imported else 'cached'})")
        mounts = ["-v", f"{apt_cache(self.suite.name)}:/var/cache/apt/archives"]
        mounts += ["-v", f"{DOCKER_SOCKET}:{DOCKER_SOCKET}"]
        if HOST_CA_BUNDLE.is_file():
            local_ca = "/usr/local/share/ca-certificates/container-lab-host.crt"
            mounts += ["-v", f"{HOST_CA_BUNDLE}:{local_ca}:ro"]
        started = _docker(
            "run", "--detach", "--name", self.name, "--label", f"{LABEL}={self.run_id}",
            *mounts, image, "sleep", "infinity",
        )  # fmt: skip
        if started.returncode != 0:
            raise RuntimeError(f"docker run: {started.stderr.decode().strip()}")
        self._owner_setup()
        for step in STEPS:
            self._step(step)

    def _exec(self, who: str, command: str, workdir: str) -> tuple[int, str]:
        result = _docker(
            "exec", "--user", who, "--env", f"HOME={HOMES[who]}", "--workdir", workdir,
            self.name, "bash", "-lc", command,
        )  # fmt: skip
        return result.returncode, (result.stdout + result.stderr).decode(errors="replace")

    def _owner_setup(self) -> None:
        """What the machine's owner did before the newcomer came: Python, sudo, an account."""
        packages = " ".join((*self.suite.python, "sudo"))
        setup = (
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q"
            f" --no-install-recommends {packages}"
            " && useradd --create-home --shell /bin/bash newcomer"
            " && echo 'newcomer ALL=(ALL:ALL) NOPASSWD: ALL' > /etc/sudoers.d/newcomer"
        )
        status, output = self._exec(ROOT, setup, "/")
        if status != 0:
            raise RuntimeError(f"the owner's setup failed: {output.strip()[-2000:]}")
        archive = checkout_archive(self.rev)
        for who, home in HOMES.items():
            copied = _docker(
                "exec", "-i", "--user", who, self.name,
                "sh", "-c", f"mkdir {home}/container-lab && tar -x -C {home}/container-lab",
                stdin=archive,
            )  # fmt: skip
            if copied.returncode != 0:
                raise RuntimeError(f"copying the checkout: {copied.stderr.decode().strip()}")
        self.say(f"owner's setup: {packages}, newcomer with sudo, the checkout copied")

    def _step(self, step: Step) -> None:
        started = time.monotonic()
        status, output = self._exec(step.who, step.command, f"{HOMES[step.who]}/container-lab")
        took = time.monotonic() - started
        missing = [text for text in step.expect if text not in output]
        if (status != 0) != step.fails or missing:
            expected = "a failure" if step.fails else "success"
            raise RuntimeError(
                f"{step.who}$ {step.command} exited {status} (expected {expected}"
                f"{', and: ' + repr(missing) if missing else ''}); its output:\n"
                + "\n".join("    " + line for line in output.strip().splitlines()[-40:])
            )
        note = f" (stops here, as expected: {_line_with(output, step.expect[0])})"
        self.say(f"ok {took:5.1f} s  {step.who}$ {step.command}{note if step.fails else ''}")


def checkout_archive(rev: str | None) -> bytes:
    """A tar of the checkout as a fresh clone has it: the tracked files, or commit `rev`'s."""
    if rev:
        return subprocess.run(
            ["git", "archive", "--format=tar", rev], cwd=ROOT_DIR, capture_output=True, check=True
        ).stdout
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT_DIR, capture_output=True, check=True
    ).stdout
    return subprocess.run(
        ["tar", "--null", "-T", "-", "-c"], input=files, cwd=ROOT_DIR, capture_output=True
    ).stdout


def _line_with(output: str, text: str) -> str:
    return next((line.strip() for line in output.splitlines() if text in line), text)


def main(argv: list[str]) -> int:
    """Run every suite at once (or those named); exit 1 when one failed.

    --cold: bootstrap everything again; --rev REV: try commit REV's files instead of this tree's.
    """
    if "--cold" in argv:
        clear()  # and the lane's images, below, so everything is made again
        for suite in SUITES:
            _docker("rmi", f"container-lab/pristine:{suite.name}-{today()}")
    needed = [package.name for package in missing_packages(["engine"])]
    apt.install(needed)  # debootstrap and docker on the host, when a fresh machine lacks them
    started = time.monotonic()
    chosen = [suite for suite in SUITES if suite.name in argv] or list(SUITES)
    rev = argv[argv.index("--rev") + 1] if "--rev" in argv else None
    lanes = [Lane(suite, uuid.uuid4().hex[:8], rev) for suite in chosen]
    threads = [threading.Thread(target=lane.run) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    for lane in lanes:
        state = f"FAILED ({lane.failed.splitlines()[0]})" if lane.failed else "passed"
        print(
            f"[pristine] {lane.suite.release} ({lane.suite.name}): {state} in {lane.seconds:.0f} s"
        )
    failed = sum(1 for lane in lanes if lane.failed)
    print(f"[pristine] {len(lanes) - failed} of {len(lanes)} suites went through, {took:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
