"""Boot a real VM with QEMU and measure it: boot time to a marker, resident memory, CPU.

KVM is tried first; on hosts where /dev/kvm exists but KVM fails or hangs, the boot falls back
to software emulation (TCG) and the result says which accelerator it used.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tui.baseline.initramfs import BOOT_MARKER
from tui.errors import LabError

QEMU_BINARY = "qemu-system-x86_64"
QEMU_APT_HINT = "sudo apt-get install qemu-system-x86"
KERNEL_APT_HINT = "sudo apt-get install linux-image-amd64"
KERNEL_ENV = "CONTAINER_LAB_VM_KERNEL"
KVM_PROBE_SECONDS = 20.0  # a working KVM reaches the marker in about a second


@dataclass(frozen=True)
class BootResult:
    """What one boot measured."""

    accelerator: str  # "kvm" or "tcg"
    boot_seconds: float  # QEMU start to the marker on the serial console
    rss_bytes: int  # QEMU's resident memory when the marker appeared
    cpu_seconds: float  # QEMU's user + system CPU time up to the marker
    memory_mib: int  # RAM given to the guest
    guest_used_kb: int | None = None  # MemTotal - MemAvailable as the guest saw it
    guest_uptime_seconds: float | None = None  # the guest kernel's own clock at the marker
    qemu_version: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def cpu_percent(self) -> float:
        """Average CPU use of QEMU during the boot, in percent of one core."""
        return 100.0 * self.cpu_seconds / self.boot_seconds if self.boot_seconds else 0.0


def find_qemu() -> Path:
    """QEMU's x86-64 system emulator on PATH, or a one-line LabError with the apt command."""
    found = shutil.which(QEMU_BINARY)
    if not found:
        raise LabError(f"QEMU is not installed ({QEMU_BINARY} not on PATH): {QEMU_APT_HINT}.")
    return Path(found)


def find_kernel() -> Path:
    """The Debian kernel to boot: $CONTAINER_LAB_VM_KERNEL or the newest /boot/vmlinuz-*."""
    override = os.environ.get(KERNEL_ENV)
    candidates = [Path(override)] if override else sorted(Path("/boot").glob("vmlinuz-*"))
    readable = [p for p in candidates if p.is_file() and os.access(p, os.R_OK)]
    if not readable:
        raise LabError(f"No readable Linux kernel in /boot for the VM: {KERNEL_APT_HINT}.")
    return readable[-1]


def qemu_version(qemu: Path) -> str:
    """The first line of `qemu-system-x86_64 --version`."""
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.splitlines()[0].strip() if out.stdout else ""


def qemu_command(qemu: Path, accel: str, kernel: Path, initrd: Path, memory_mib: int) -> list[str]:
    """The QEMU command line: no devices but a serial console on stdout."""
    return [
        str(qemu),
        *("-accel", accel, "-m", str(memory_mib), "-smp", "1"),
        *("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"),
        *("-serial", "stdio", "-kernel", str(kernel), "-initrd", str(initrd)),
        *("-append", "console=ttyS0 quiet panic=-1"),
    ]


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        lines.put(raw.decode("utf-8", "replace"))
    lines.put(None)


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def boot_once(
    qemu: Path, accel: str, kernel: Path, initrd: Path, memory_mib: int, timeout: float
) -> BootResult:
    """Boot one VM; raise LabError (with QEMU's last words) if no marker within `timeout`."""
    command = qemu_command(qemu, accel, kernel, initrd, memory_mib)
    began = time.monotonic()
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    tail: list[str] = []
    try:
        marker_at, rss, cpu = _wait_marker(proc, lines, began, timeout, tail)
        extra = _read_guest_report(lines)
        _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    return BootResult(
        accelerator=accel,
        boot_seconds=marker_at - began,
        rss_bytes=rss,
        cpu_seconds=cpu,
        memory_mib=memory_mib,
        guest_used_kb=int(extra["CONTAINER_LAB_GUEST_USED_KB"])
        if "CONTAINER_LAB_GUEST_USED_KB" in extra
        else None,
        guest_uptime_seconds=float(extra["CONTAINER_LAB_GUEST_UPTIME"])
        if "CONTAINER_LAB_GUEST_UPTIME" in extra
        else None,
    )


def _wait_marker(
    proc: subprocess.Popen[bytes],
    lines: queue.Queue[str | None],
    began: float,
    timeout: float,
    tail: list[str],
) -> tuple[float, int, float]:
    process = psutil.Process(proc.pid)
    while True:
        left = began + timeout - time.monotonic()
        if left <= 0:
            raise LabError(f"no {BOOT_MARKER} within {timeout:.0f} s; last output: {tail[-3:]}")
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait(timeout=10)
            raise LabError(f"QEMU exited ({code}) before {BOOT_MARKER}: {' '.join(tail[-3:])}")
        tail.append(line.strip())
        if BOOT_MARKER in line:
            at = time.monotonic()
            times = process.cpu_times()
            return at, process.memory_info().rss, times.user + times.system


def _read_guest_report(lines: queue.Queue[str | None], wait: float = 10.0) -> dict[str, str]:
    report: dict[str, str] = {}
    deadline = time.monotonic() + wait
    while len(report) < 2 and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith("CONTAINER_LAB_GUEST_"):
            report[key.split("\x1b")[-1]] = value.strip()
    return report


def measure_boot(
    initrd: Path, *, memory_mib: int = 512, timeout: float = 240.0, kernel: Path | None = None
) -> BootResult:
    """Boot with KVM when it works, else with TCG; return the measured boot."""
    qemu = find_qemu()
    kernel = kernel or find_kernel()
    notes: list[str] = []
    if os.access("/dev/kvm", os.R_OK | os.W_OK):
        try:
            result = boot_once(
                qemu, "kvm", kernel, initrd, memory_mib, min(timeout, KVM_PROBE_SECONDS)
            )
        except LabError as exc:
            notes.append(f"KVM failed, fell back to TCG ({exc})")
        else:
            return _with(result, qemu, notes)
    else:
        notes.append("no usable /dev/kvm: software emulation (TCG)")
    result = boot_once(qemu, "tcg", kernel, initrd, memory_mib, timeout)
    return _with(result, qemu, notes)


def _with(result: BootResult, qemu: Path, notes: list[str]) -> BootResult:
    return BootResult(
        **{**result.__dict__, "qemu_version": qemu_version(qemu), "notes": notes},
    )
