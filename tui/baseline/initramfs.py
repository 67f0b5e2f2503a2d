"""A tiny initramfs for the measured VM: a static busybox and an /init that prints a marker.

Written in pure Python (the cpio "newc" format), so measuring needs no cpio tool; it is built
in a temporary folder at measure time and never committed.
"""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

from tui.errors import LabError

BOOT_MARKER = "CONTAINER_LAB_BOOTED"
APT_HINT = "sudo apt-get install busybox-static"

# /init prints the marker as soon as userspace runs, then what the guest itself sees, then
# powers the VM off (QEMU runs with -no-reboot, so a reboot ends it too).
INIT_SCRIPT = f"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo {BOOT_MARKER}
/bin/busybox awk '/^MemTotal/{{t=$2}} /^MemAvailable/{{a=$2}} \\
  END{{print "CONTAINER_LAB_GUEST_USED_KB=" t-a}}' /proc/meminfo
echo "CONTAINER_LAB_GUEST_UPTIME=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
"""


def is_static_elf(path: Path) -> bool:
    """True for an ELF executable without a program interpreter (statically linked)."""
    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only
            return False
        little = header[5] == 1
        fmt = "<" if little else ">"
        (phoff,) = struct.unpack_from(fmt + "Q", header, 0x20)
        phentsize, phnum = struct.unpack_from(fmt + "HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    pt_interp = 3
    return all(
        struct.unpack_from(fmt + "I", table, i * phentsize)[0] != pt_interp for i in range(phnum)
    )


def find_busybox() -> Path:
    """A statically linked busybox to be the guest's whole userspace, or LabError."""
    candidates = [shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and is_static_elf(Path(candidate)):
            return Path(candidate)
    raise LabError(f"No statically linked busybox for the VM's initramfs: {APT_HINT}.")


def _cpio_entry(name: str, mode: int, data: bytes, ino: int) -> bytes:
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
    header = b"070701" + b"".join(f"{v:08X}".encode() for v in fields)
    entry = header + name.encode() + b"\0"
    entry += b"\0" * (-len(entry) % 4) + data
    return entry + b"\0" * (-len(entry) % 4)


def cpio_newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the "newc" format the kernel unpacks: (name, mode, data) each."""
    body = b"".join(_cpio_entry(n, m, d, i + 1) for i, (n, m, d) in enumerate(entries))
    return body + _cpio_entry("TRAILER!!!", 0, b"", 0)


def build_initramfs(folder: Path, busybox: Path | None = None) -> Path:
    """Write initramfs.cpio.gz into `folder` and return its path."""
    binary = (busybox or find_busybox()).read_bytes()
    directory, executable = 0o040755, 0o100755
    entries = [
        ("bin", directory, b""),
        ("dev", directory, b""),
        ("proc", directory, b""),
        ("sys", directory, b""),
        ("bin/busybox", executable, binary),
        ("init", executable, INIT_SCRIPT.encode()),
    ]
    path = folder / "initramfs.cpio.gz"
    path.write_bytes(gzip.compress(cpio_newc(entries), compresslevel=6))
    return path
