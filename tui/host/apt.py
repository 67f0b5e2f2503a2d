"""Install Debian packages: as root with apt-get, or through sudo for a user who has it.

Standard library only: ./lab runs this with Debian's own python3 (`python3 -m tui.host.apt
install PACKAGE...`) before uv and the environment exist. Packages that ship a service must
not start one (the tests run their own sshd; `engine up` starts dockerd itself), so a
policy-rc.d that refuses every start is in place while apt-get runs, unless one already was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui.errors import LabError

POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
REFUSE_STARTS = (
    "#!/bin/sh\n# container-lab: no service starts while it installs packages\nexit 101\n"
)
SSH_UNIT = "ssh.service"


UPDATE = ["apt-get", "update", "-q"]


def install_command(packages: Sequence[str]) -> list[str]:
    """The apt-get run that installs `packages` (quiet, no recommends, no questions)."""
    return ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]


def resolve(name: str, known: Callable[[str], bool]) -> str:
    """`a|b`: the first alternative the archive knows (else the last, for apt to refuse)."""
    *firsts, last = name.split("|")
    return next((choice for choice in firsts if known(choice)), last)


def _archive_has(package: str) -> bool:
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", package], capture_output=True)
    return shown.returncode == 0


def elevated(argv: Sequence[str], *, as_root: str, euid: int | None = None) -> list[str]:
    """`argv` as root: itself for root, else through sudo. Without sudo, a LabError saying to
    run `as_root` (the command a person would type) as root."""
    if (os.geteuid() if euid is None else euid) == 0:
        return list(argv)
    if shutil.which("sudo") is None:
        raise LabError(f"This needs root and sudo is not installed: run `{as_root}` as root.")
    return ["sudo", "--", *argv]


def install(packages: Sequence[str], *, python: str | None = None) -> None:
    """Install `packages`: here as root, or by running this module through sudo."""
    if not packages:
        return
    if os.geteuid() == 0:
        _install_as_root(packages)
        return
    # -B: root writes no bytecode into the user's checkout.
    argv = elevated(
        [python or sys.executable, "-B", "-m", "tui.host.apt", "install", *packages],
        as_root=f"apt-get install {' '.join(resolve(name, _archive_has) for name in packages)}",
    )
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise LabError(lines[-1].removeprefix("container-lab: ") if lines else f"{argv} failed")


def _install_as_root(packages: Sequence[str]) -> None:
    if shutil.which("apt-get") is None:
        raise LabError(f"{' '.join(packages)} missing and no apt-get here: install them by hand.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    made_policy = False
    if not POLICY_RC_D.exists():
        POLICY_RC_D.write_text(REFUSE_STARTS)
        POLICY_RC_D.chmod(0o755)
        made_policy = True
    try:
        _apt(UPDATE, env)
        chosen = list(dict.fromkeys(resolve(name, _archive_has) for name in packages))
        _apt(install_command(chosen), env)
    finally:
        if made_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    if "openssh-server" in packages and Path("/run/systemd/system").is_dir():
        # Nor enable one for the next boot.
        subprocess.run(["systemctl", "disable", "--quiet", SSH_UNIT], capture_output=True)


def _apt(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LabError(f"`{' '.join(command)}` failed: {failure_reason(result)}")


def failure_reason(result: subprocess.CompletedProcess[str]) -> str:
    """apt's own words: its first error (dpkg's says which package), else its last line."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("E:", "dpkg: error"))]
    return (errors or lines[-1:] or [f"exit status {result.returncode}"])[0]


def main(argv: Sequence[str]) -> int:
    """`python -m tui.host.apt install PACKAGE...`: one line on stderr when it fails."""
    if len(argv) < 2 or argv[0] != "install":
        print("usage: python -m tui.host.apt install PACKAGE...", file=sys.stderr)
        return 2
    try:
        install(argv[1:])
    except LabError as exc:
        print(f"container-lab: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
