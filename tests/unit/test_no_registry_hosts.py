"""No file of the project names a package registry's host: mirrors come from the machine.

The hosts are not written here either: they are read from where this machine and the lock
name them (its apt sources, uv.lock's registry and file URLs), and every tracked file but
uv.lock (which uv writes) is searched for them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from tui.host.mirror import read_entries

ROOT = Path(__file__).resolve().parents[2]


def registry_hosts() -> set[str]:
    """The hosts of this machine's apt sources and of uv.lock's package URLs."""
    hosts = {urlsplit(entry.uri).hostname or "" for entry in read_entries()}
    lock = (ROOT / "uv.lock").read_text()
    hosts |= {
        urlsplit(url).hostname or ""
        for url in set(re.findall(r'(?:url|registry) = "([^"]+)"', lock))
    }
    return hosts - {""}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and name != "uv.lock"]


def test_the_hosts_are_found_to_search_for() -> None:
    hosts = registry_hosts()
    assert len(hosts) >= 2, hosts  # a Debian mirror and the Python package index at least


def test_no_tracked_file_names_a_registry_host() -> None:
    hosts = registry_hosts()
    naming = {}
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the work tree, not yet in git
        text = path.read_text(errors="replace").lower()
        found = sorted(host for host in hosts if host.lower() in text)
        if found:
            naming[str(path.relative_to(ROOT))] = found
    assert not naming, f"files naming a registry host (take it from the machine): {naming}"
