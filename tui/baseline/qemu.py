"""Boot the lesson's VM with QEMU: Debian's kernel and initrd, the image's own root disk.

KVM is tried first; on hosts where /dev/kvm exists but KVM fails (QEMU exits, or the guest never
prints its marker) the VM is booted again with software emulation (TCG), and every figure it
gives is then labelled emulated. QEMU dies with its parent (PR_SET_PDEATHSIG), so a killed lab
leaves no VM behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import resource
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from tui.baseline.workload import VM_INIT_PATH
from tui.errors import LabError

QEMU_BINARY = "qemu-system-x86_64"
QEMU_APT_HINT = "sudo apt-get install qemu-system-x86"
KERNEL_APT_HINT = "sudo apt-get install linux-image-amd64"
KERNEL_ENV = "CONTAINER_LAB_VM_KERNEL"
KVM_PROBE_SECONDS = 12.0  # a working KVM boots to the marker in a few seconds
QEMU_TAG = "container-lab-lesson"  # in QEMU's -name, so leftovers can be found
PR_SET_PDEATHSIG = 1


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


def find_initrd(kernel: Path) -> Path:
    """Debian's initrd that goes with `kernel` (it loads virtio and ext4, then the root disk)."""
    version = kernel.name.removeprefix("vmlinuz-")
    initrd = kernel.with_name(f"initrd.img-{version}")
    if not (initrd.is_file() and os.access(initrd, os.R_OK)):
        raise LabError(f"No readable {initrd} for the VM: {KERNEL_APT_HINT} (initramfs-tools).")
    return initrd


def qemu_version(qemu: Path) -> str:
    """The first line of `qemu-system-x86_64 --version`."""
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.splitlines()[0].strip() if out.stdout else ""


def kvm_usable() -> bool:
    """Whether /dev/kvm can be opened at all (it may still fail once QEMU uses it)."""
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def qemu_command(
    qemu: Path, accel: str, kernel: Path, initrd: Path, disk: Path, memory_mib: int, name: str
) -> list[str]:
    """The QEMU command line: one virtio disk (copy-on-write snapshot) and a serial console."""
    return [
        str(qemu),
        *("-name", f"{QEMU_TAG}-{name}", "-accel", accel, "-m", str(memory_mib), "-smp", "1"),
        *("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"),
        *("-serial", "stdio", "-kernel", str(kernel), "-initrd", str(initrd)),
        # snapshot=on: the guest's writes go to a temporary overlay; the cached disk stays clean.
        *("-drive", f"file={disk},format=raw,if=virtio,snapshot=on"),
        *("-append", f"console=ttyS0 quiet panic=-1 root=/dev/vda rw init={VM_INIT_PATH}"),
    ]


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # A served dashboard bounds its own address space (soft limit); the guest RAM is not its.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


class QemuProcess:
    """A running QEMU whose serial console lines arrive on a queue (None when it exits)."""

    def __init__(self, command: list[str]) -> None:
        """Start QEMU (it gets SIGKILL if this process dies) and a thread reading its console.

        PR_SET_PDEATHSIG fires when the *thread* that forked QEMU ends, so QEMU is started by a
        thread of its own that lives exactly as long as QEMU does.
        """
        self.command = command
        self.lines: queue.Queue[str | None] = queue.Queue()
        started: queue.Queue[subprocess.Popen[bytes] | BaseException] = queue.Queue()
        threading.Thread(target=self._own, args=(started,), daemon=True).start()
        outcome = started.get()
        if isinstance(outcome, BaseException):
            raise LabError(f"Cannot start QEMU: {outcome}")
        self.proc = outcome
        threading.Thread(target=self._pump, daemon=True).start()

    def _own(self, started: queue.Queue[subprocess.Popen[bytes] | BaseException]) -> None:
        try:
            proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,  # the guest's serial input
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            started.put(exc)
            return
        started.put(proc)
        proc.wait()

    @property
    def pid(self) -> int:
        """QEMU's process id."""
        return self.proc.pid

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            # The guest's console may start lines with escape sequences; keep the text.
            self.lines.put(raw.decode("utf-8", "replace").replace("\r", ""))
        self.lines.put(None)

    def send(self, data: bytes) -> None:
        """Type `data` on the guest's serial console."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def kill(self) -> None:
        """Kill QEMU and reap it (idempotent)."""
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def start_vm(
    accel: str,
    disk: Path,
    memory_mib: int,
    name: str,
    *,
    kernel: Path | None = None,
) -> QemuProcess:
    """Start QEMU on `disk` with `accel` ("kvm" or "tcg")."""
    qemu = find_qemu()
    kernel = kernel or find_kernel()
    return QemuProcess(
        qemu_command(qemu, accel, kernel, find_initrd(kernel), disk, memory_mib, name)
    )
