"""The training lab as the dashboard uses it: start a run, verify a tarball (blocking calls)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tui.engine.client import EngineClient, connect
from tui.errors import LabError
from tui.lab.demo import DemoSet, demo_down, demo_up
from tui.lab.image import TRAINING_IMAGE
from tui.lab.keys import init_keys, load_keys
from tui.lab.run import RunEvent, TrainingRun
from tui.lab.verify import Verdict, verify_tarball
from tui.paths import LabPaths, lab_paths


class LabSession(Protocol):
    """What the dashboard's training pane needs; call it from worker threads."""

    @property
    def paths(self) -> LabPaths:
        """The lab's folders."""
        ...

    def training_run(self, on_event: Callable[[RunEvent], None]) -> TrainingRun:
        """A new run (not started) that reports through `on_event`."""
        ...

    def has_keys(self) -> bool:
        """Whether the demo signing key is there (a quick look at files)."""
        ...

    def create_keys(self) -> str:
        """Make the demo signing key; say where it went."""
        ...

    def demo(self, action: str) -> list[str]:
        """`up` or `down` the demo containers; one line per container."""
        ...

    def verify(self, tarball: Path) -> Verdict:
        """The training image's verdict on a tarball."""
        ...


# What a read-only dashboard may call on the lab (tui/engine/read_only.py refuses the rest):
# training, verifying (a container), the demo and key creation all change the host or engine.
LAB_READS = frozenset({"paths", "has_keys"})
LAB_CHANGES = frozenset({"training_run", "create_keys", "demo", "verify"})


class DockerLab:
    """The lab on a real engine, with its own client (made on first use)."""

    def __init__(
        self,
        host: str | None = None,
        paths: LabPaths | None = None,
        *,
        image: str = TRAINING_IMAGE,
        labels: dict[str, str] | None = None,
        demo_set: DemoSet | None = None,
    ) -> None:
        """Remember where things are; nothing talks to the engine yet."""
        self.host = host
        self._paths = paths or lab_paths()
        self.image = image
        self.labels = labels or {}
        self.demo_set = demo_set or DemoSet()
        self._client: EngineClient | None = None
        self._lock = threading.Lock()

    @property
    def paths(self) -> LabPaths:
        """The lab's folders."""
        return self._paths

    def _engine(self) -> EngineClient:
        with self._lock:
            if self._client is None:
                self._client = connect(self.host, pool_size=16, timeout=600)
            return self._client

    def training_run(self, on_event: Callable[[RunEvent], None]) -> TrainingRun:
        """A new run against this lab's engine and folders."""
        return TrainingRun(
            self._engine(), self._paths, image=self.image, labels=self.labels, on_event=on_event
        )

    def verify(self, tarball: Path) -> Verdict:
        """Verify in the training image with only the public key."""
        return verify_tarball(
            self._engine(), tarball, self._paths, image=self.image, labels=self.labels
        )

    def has_keys(self) -> bool:
        """Whether `keys init` has been run for this lab."""
        try:
            load_keys(self._paths)
        except LabError:
            return False
        return True

    def create_keys(self) -> str:
        """`keys init` for this lab."""
        return init_keys(self._paths).describe()

    def demo(self, action: str) -> list[str]:
        """Start or remove this lab's demo set."""
        if action == "up":
            return demo_up(self._engine(), self.demo_set, host=self.host)
        return demo_down(self._engine(), self.demo_set)
