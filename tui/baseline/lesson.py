"""The lesson: one image as a container (runc), a gVisor sandbox (runsc) and a QEMU VM.

All three run the same script (tui/baseline/workload.py) and are measured the same way from the
host: time to a readiness marker, the workload between two markers, CPU while idle, and the
memory the host actually pays for each. `Lesson.run` blocks (call it from a thread), saves the
measured profile, and leaves the three idling until `stop`.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tui.baseline import qemu as vm
from tui.baseline.guardian import Guardian
from tui.baseline.leftovers import LESSON_LABEL, OWNER_LABEL, cleanup_leftovers, owner
from tui.baseline.measure import build_result, save_lesson
from tui.baseline.results import LessonResult, UnitKind, UnitResult, UnitSample, unavailable
from tui.baseline.units import (
    ContainerUnit,
    Timings,
    UnitState,
    VmUnit,
    cpu_seconds_of,
    follow,
)
from tui.baseline.vmdisk import build_disk
from tui.baseline.workload import SCRIPT, parse_memfree_kb
from tui.engine.client import EngineClient
from tui.engine.errors import EngineError, NotFoundError
from tui.engine.handles import create_container, labelled_containers
from tui.engine.images import image_id
from tui.engine.runtimes import LAB_RUNTIME, has_lab_runtime, how_to_add_runsc
from tui.errors import LabError
from tui.paths import LabPaths

LESSON_IMAGE = "debian:bookworm-slim"  # the image the lesson runs three ways by default
RUNTIMES = {"container": "runc", "gvisor": LAB_RUNTIME}  # runsc, under the lab's own name
IDLE_WINDOW_SECONDS = 3.0
PhaseCallback = Callable[[str, str, str], None]


def gvisor_status(client: EngineClient) -> tuple[bool, str]:
    """Whether this engine can run the gVisor row, and if not, one line on how to add it."""
    if has_lab_runtime(client):
        return True, ""
    return False, f"this engine has no {LAB_RUNTIME} runtime: {how_to_add_runsc()}"


class Lesson:
    """Run and measure the three units; see the module docstring."""

    def __init__(
        self,
        client: EngineClient,
        paths: LabPaths,
        image: str = LESSON_IMAGE,
        *,
        labels: dict[str, str] | None = None,
        on_phase: PhaseCallback | None = None,
        vm_memory_mib: int = 256,
        timeout: float = 300.0,
        engine_url: str | None = None,
    ) -> None:
        """Prepare a lesson; nothing starts before `run` (`engine_url`: where `client` talks,
        for the guardian that removes the units if this process is killed)."""
        self.client = client
        self.paths = paths
        self.image = image
        self.run_id = uuid.uuid4().hex[:12]
        self.labels = {**(labels or {}), LESSON_LABEL: self.run_id, OWNER_LABEL: owner()}
        self.on_phase = on_phase
        self.vm_memory_mib = vm_memory_mib
        self.timeout = timeout
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._states: dict[str, UnitState] = {kind: UnitState() for kind in UnitKind}
        self.accelerator = ""
        self.saved_path: Path | None = None  # the measured profile, once `run` saved it
        self.engine_url = engine_url
        self.guardian: Guardian | None = None

    # -- phases and live samples -------------------------------------------------------------

    def _phase(self, kind: str, phase: str, note: str = "") -> None:
        with self._lock:
            state = self._states[kind]
            if state.phase == "stopped" and phase != "stopped":
                return
            state.phase, state.note = phase, note
        if self.on_phase is not None:
            with contextlib.suppress(Exception):  # a view's callback must not break the run
                self.on_phase(kind, phase, note)

    def samples(self) -> list[UnitSample]:
        """Live CPU% (since the previous sample) and host memory of each unit."""
        out = []
        for kind in UnitKind:
            with self._lock:
                state = self._states[kind]
                unit, phase, note, last = state.unit, state.phase, state.note, state.last_cpu
            cpu = memory = None
            if unit is not None and phase not in ("stopped", "failed", "unavailable"):
                now, used = time.monotonic(), cpu_seconds_of(unit.processes())
                if last is not None and now > last[0]:
                    cpu = max(0.0, 100.0 * (used - last[1]) / (now - last[0]))
                with self._lock:
                    state.last_cpu = (now, used)
                memory = unit.host_memory()
            out.append(UnitSample(kind, phase, cpu, memory, note))
        return out

    # -- running -----------------------------------------------------------------------------

    def run(self) -> LessonResult:
        """Start the three, measure them, save the profile; they keep idling until `stop`."""
        with self._lock:
            if self.guardian is None and not self._stopped.is_set():
                self.guardian = Guardian(self.run_id, self.engine_url)
        gvisor_ok, why = gvisor_status(self.client)
        if not gvisor_ok:
            self._phase("gvisor", "unavailable", why)
        if image_id(self.client, self.image) is None:
            raise LabError(f"No local image {self.image}: pull or build it first.")
        deadline = time.monotonic() + self.timeout
        threads = [
            threading.Thread(target=self._guard, args=("vm", self._run_vm, deadline), daemon=True),
            threading.Thread(
                target=self._guard,
                args=("container", self._run_containers, deadline, gvisor_ok),
                daemon=True,
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(1.0, deadline - time.monotonic() + 30))
        # All three are ready (or out): now their workloads, one at a time, nothing else of ours
        # running, so no unit's time includes another's work or the VM's boot.
        for kind in UnitKind:
            self._guard(kind, self._workload, kind, deadline)
        idle_cpu = self._idle_cpu()
        if self._stopped.is_set():
            raise LabError("The lesson was stopped before it finished; nothing was saved.")
        result = build_result(self, idle_cpu)
        if result.units["vm"].available:  # a run without its VM would replace a good profile
            self.saved_path = save_lesson(self.paths, result)[1]
        return result

    def _guard(self, kind: str, body: Callable[..., None], *args: object) -> None:
        try:
            body(*args)
        except NotFoundError:
            message = "its container was removed from outside the lesson"
        except Exception as exc:  # the unit fails, the lesson carries on
            message = " ".join(str(exc).split()) or type(exc).__name__
        else:
            return
        with self._lock:
            self._states[kind].error = message
        self._phase(kind, "failed", message)

    def _register(self, kind: str, unit: ContainerUnit | VmUnit, timings: Timings) -> bool:
        with self._lock:
            state = self._states[kind]
            state.unit, state.timings = unit, timings
        if self._stopped.is_set():
            unit.stop()
            return False
        return True

    def _follow(
        self,
        kind: str,
        timings: Timings,
        deadline: float,
        ready_by: float | None = None,
        until: str = "idle",
    ) -> str | None:
        state = self._states[kind]

        def marker(name: str) -> None:
            if name == "idle" and timings.tail:
                state.memfree_kb = parse_memfree_kb(timings.tail[-1])
            note = f"{timings.kernel}, waiting for its turn" if name == "ready" else timings.kernel
            self._phase(kind, name, note)

        unit = state.unit
        assert unit is not None
        return follow(unit.lines, timings, deadline, marker, self._stopped, ready_by, until)

    def _run_containers(self, deadline: float, gvisor_ok: bool) -> None:
        self._guard("container", self._run_container, "container", deadline)
        if gvisor_ok:
            self._guard("gvisor", self._run_container, "gvisor", deadline)

    def _run_container(self, kind: str, deadline: float) -> None:
        runtime = RUNTIMES[kind]
        self._phase(kind, "starting", f"{runtime}")
        container = create_container(
            self.client,
            image=self.image,
            command=["sh", "-c", SCRIPT],
            name=f"container-lab-lesson-{self.run_id}-{kind}",
            labels={**self.labels, f"{LESSON_LABEL}.unit": kind},
            runtime=runtime,
            stdin_open=True,  # the script waits for a line there before its workload
            detach=True,
        )
        unit = ContainerUnit(container, runtime)
        if not self._register(kind, unit, Timings(time.monotonic())):
            return
        timings = Timings(unit.start())
        self._states[kind].timings = timings
        error = self._follow(kind, timings, deadline, until="ready")
        unit.locate()
        if error:
            raise LabError(error)

    def _workload(self, kind: str, deadline: float) -> None:
        with self._lock:
            state = self._states[kind]
            unit, timings, phase = state.unit, state.timings, state.phase
        if unit is None or timings is None or timings.ready is None or phase != "ready":
            return
        if self._stopped.is_set():
            return
        unit.go()
        error = self._follow(kind, timings, deadline)
        if error:
            raise LabError(error)

    def _run_vm(self, deadline: float) -> None:
        vm.find_qemu()
        kernel = vm.find_kernel()
        vm.find_initrd(kernel)
        self._phase("vm", "starting", f"building the VM's disk from {self.image}")
        disk = build_disk(self.client, self.image, self.paths, self.labels, self._stopped)
        self._states["vm"].extra.update(disk=disk, kernel=kernel)
        accels = ["kvm", "tcg"] if vm.kvm_usable() else ["tcg"]
        notes: list[str] = []
        for accel in accels:
            if self._stopped.is_set():
                return
            self._phase("vm", "booting", f"QEMU {accel.upper()}")
            name = f"{self.run_id}-{owner()}"  # the owner lets cleanup_leftovers spot orphans
            qemu = vm.start_vm(accel, disk, self.vm_memory_mib, name, kernel=kernel)
            unit = VmUnit(qemu, accel, self.vm_memory_mib)
            timings = Timings(time.monotonic())
            if not self._register("vm", unit, timings):
                return
            probe = timings.began + vm.KVM_PROBE_SECONDS if accel == "kvm" else None
            error = self._follow("vm", timings, deadline, ready_by=probe, until="ready")
            if error is None:
                self.accelerator = accel
                self._states["vm"].extra["notes"] = notes
                return
            unit.stop()
            if accel == "kvm" and timings.ready is None and not self._stopped.is_set():
                notes.append(f"KVM failed, fell back to TCG ({error[:120]})")
                continue
            raise LabError(error)

    def _idle_cpu(self) -> dict[str, float | None]:
        """CPU of each idling unit over the same few seconds, in % of one core."""
        idle = {}
        with self._lock:
            for kind, state in self._states.items():
                if state.unit is not None and state.phase == "idle":
                    idle[kind] = state.unit
        if not idle or self._stopped.is_set():
            return {}
        before = {
            kind: (time.monotonic(), cpu_seconds_of(u.processes())) for kind, u in idle.items()
        }
        self._stopped.wait(IDLE_WINDOW_SECONDS)
        out: dict[str, float | None] = {}
        for kind, unit in idle.items():
            began, used = before[kind]
            now = time.monotonic()
            out[kind] = 100.0 * (cpu_seconds_of(unit.processes()) - used) / (now - began)
        return out

    def state(self, kind: str) -> UnitState:
        """The internal record of one unit (for building the result)."""
        return self._states[kind]

    def stop(self) -> None:
        """Kill QEMU and force-remove both containers (idempotent, thread-safe)."""
        self._stopped.set()
        with self._lock:
            units = [(kind, s.unit) for kind, s in self._states.items()]
        for kind, unit in units:
            if unit is not None:
                unit.stop()
            if self._states[kind].phase not in ("unavailable", "failed"):
                self._phase(kind, "stopped")
        # A container created but not yet registered when stop came is found by its label.
        try:
            leftovers = labelled_containers(self.client, f"{LESSON_LABEL}={self.run_id}")
        except EngineError:
            leftovers = []  # the engine is gone, and its containers with it
        for container in leftovers:
            with contextlib.suppress(EngineError):
                container.remove()
        with self._lock:
            guardian = self.guardian
        if guardian is not None:
            guardian.done()  # nothing is left for it to remove


__all__ = [
    "LESSON_LABEL",
    "OWNER_LABEL",
    "Lesson",
    "LessonResult",
    "UnitKind",
    "UnitResult",
    "UnitSample",
    "cleanup_leftovers",
    "unavailable",
]
