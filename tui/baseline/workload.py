"""The one script every unit of the lesson runs: a readiness marker, a fixed workload, idling.

POSIX sh using only what debian:bookworm-slim has (dash, coreutils). The container and the gVisor
sandbox run it as `sh -c SCRIPT`; the VM runs it as its init (after mounting /proc and /sys).
After its readiness marker each unit waits for a line on its stdin (the container's attached
stdin, the VM's serial console): the host lets the three workloads run one at a time, so none
competes with another or with the VM's boot. The host times the workload between the start and
done markers, on one clock for all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

READY = "CONTAINER_LAB_READY"
WORKLOAD_START = "CONTAINER_LAB_WORKLOAD_START"
WORKLOAD_DONE = "CONTAINER_LAB_WORKLOAD_DONE"
IDLE = "CONTAINER_LAB_IDLE"

# Syscall-bound: 20 000 small reads and writes (dd bs=512); CPU-bound: SHA-256 over 160 MB.
# About 1 s natively; gVisor (ptrace) pays ~0.1 ms per syscall, TCG emulates every instruction.
DD_BLOCKS = 20000
HASH_BYTES = 160_000_000

SCRIPT = f"""\
echo "{READY} debian=$(cat /etc/debian_version) kernel=$(uname -r)"
read -r go || true
echo {WORKLOAD_START}
dd if=/dev/zero of=/dev/null bs=512 count={DD_BLOCKS} 2>/dev/null
head -c {HASH_BYTES} /dev/zero | sha256sum | cut -c1-16
echo {WORKLOAD_DONE}
echo "{IDLE} memfree_kb=$(sed -n 's/^MemFree: *\\([0-9]*\\).*/\\1/p' /proc/meminfo)"
while :; do sleep 3600; done
"""

VM_INIT_PATH = "/container-lab-init"
VM_INIT = f"""\
#!/bin/sh
# The lesson's init for the VM: the same script the containers run, as PID 1.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
{SCRIPT}"""

GO = b"go\n"  # what the host writes to a unit's stdin to start its workload
_MEMFREE_RE = re.compile(rf"{IDLE} memfree_kb=(\d+)")
_READY_RE = re.compile(rf"{READY} debian=(\S*) kernel=(\S*)")


@dataclass(frozen=True)
class Ready:
    """What the readiness marker said: the Debian release and kernel seen inside."""

    debian: str
    kernel: str


def parse_ready(line: str) -> Ready | None:
    """The readiness marker in a line of output, or None."""
    match = _READY_RE.search(line)
    return Ready(match.group(1), match.group(2)) if match else None


def parse_memfree_kb(line: str) -> int | None:
    """MemFree (KiB) as the idle marker reported it (in a VM: the guest's untouched RAM)."""
    match = _MEMFREE_RE.search(line)
    return int(match.group(1)) if match else None
