"""uv for ./lab on a stock Debian: a venv of the lab's own, made with Debian's python3.

Debian's python3 is externally managed (PEP 668): `pip install --user` is refused, and with
python3 alone there is no pip at all. A venv is not refused, and python3-venv (with
ca-certificates, for HTTPS) is the only Debian package this needs: pip inside the venv installs
the uv version pinned with its hashes in uv-requirements.txt, from the index pip is configured
with. Debian's pipx would do too, but puts uv on ~/.local/bin (not on a fresh user's PATH), is
a newer release on Debian 13 than on 12, and pins nothing.

Standard library only: ./lab runs `python3 -m tui.host.bootstrap` before any environment
exists; it prints the path of uv.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tui.errors import LabError
from tui.host import apt

REQUIREMENTS = Path(__file__).with_name("uv-requirements.txt")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def uv_version() -> str:
    """The pinned uv version (the first requirement line: uv==X)."""
    for line in REQUIREMENTS.read_text().splitlines():
        if line.startswith("uv=="):
            return line.split("==", 1)[1].split()[0]
    raise LabError(f"{REQUIREMENTS} pins no uv version.")


def uv_home() -> Path:
    """Where the venv with the pinned uv lives (under the user's cache folder)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "container-lab" / f"uv-{uv_version()}"


def missing_debian_packages() -> list[str]:
    """What Debian must add before a venv with pip can fetch uv over HTTPS."""
    missing = []
    if importlib.util.find_spec("ensurepip") is None:
        missing.append("python3-venv")  # Debian keeps ensurepip (and so venv's pip) there
    if not CA_BUNDLE.is_file():
        missing.append("ca-certificates")
    return missing


def _works(uv: Path) -> bool:
    try:
        return subprocess.run([uv, "--version"], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise LabError(f"{what} failed: {lines[-1] if lines else f'exit {result.returncode}'}")


def ensure_uv(say: Callable[[str], None] = print) -> Path:
    """The pinned uv, made on first use (one run at a time: a lock beside the venv)."""
    home = uv_home()
    uv = home / "bin" / "uv"
    if _works(uv):
        return uv
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(home.parent / f"{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _works(uv):
            return uv
        missing = missing_debian_packages()
        if missing:
            how = "apt-get" if os.geteuid() == 0 else "sudo apt-get"
            say(f"installing {' '.join(missing)} ({how}): uv goes into a venv of its own")
            apt.install(missing, python=sys.executable)
        say(f"installing uv {uv_version()} into {home} (a venv: PEP 668 refuses pip --user)")
        shutil.rmtree(home, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(home)], "python3 -m venv")
        pip = [str(home / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--quiet", "--require-hashes", "-r", str(REQUIREMENTS)], "pip")
    if not _works(uv):
        raise LabError(f"{uv} does not run after installing it: remove {home} and try again.")
    return uv


def main() -> int:
    """Print the path of uv, making it first when needed; one line on stderr when that fails."""
    try:
        uv = ensure_uv(lambda line: print(f"[lab] {line}", file=sys.stderr))
    except LabError as exc:
        print(f"[lab] {exc}", file=sys.stderr)
        return 1
    print(uv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
