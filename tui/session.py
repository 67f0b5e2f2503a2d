"""The lab as the dashboard uses it: a training run, a verdict, the demo set, the lesson.

It composes the training lab (tui/lab) and the VM baseline's lesson (tui/baseline) over one
engine, so that the views hold neither a docker client nor either package's engine calls. Every
method but `paths` and `has_keys` may block on the engine: call them from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tui.baseline.leftovers import cleanup_leftovers
from tui.baseline.lesson import LESSON_IMAGE, Lesson, PhaseCallback
from tui.engine.client import EngineClient, connect
from tui.engine.contexts import EngineSpec
from tui.errors import LabError
from tui.lab.demo import DemoSet, demo_down, demo_up
from tui.lab.image import TRAINING_IMAGE
from tui.lab.keys import init_keys, load_keys
from tui.lab.run import RunEvent, TrainingRun
from tui.lab.verify import Verdict, verify_tarball
from tui.paths import LabPaths, lab_paths


class LabSession(Protocol):
    """What the dashboard's training and VM baseline panes need."""

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

    def lesson(self, on_phase: PhaseCallback, image: str = LESSON_IMAGE) -> Lesson:
        """A new lesson (not started) of `image`, saying each unit's phase to `on_phase`."""
        ...

    def clean_lesson_leftovers(self) -> int:
        """Remove what lessons of processes that are gone left behind; say how many."""
        ...


# What a read-only dashboard may call on the lab (tui/engine/read_only.py refuses the rest):
# training, verifying (a container), the demo, the lesson and key creation all change the host
# or engine.
LAB_READS = frozenset({"paths", "has_keys"})
LAB_CHANGES = frozenset(
    {"training_run", "create_keys", "demo", "verify", "lesson", "clean_lesson_leftovers"}
)


class DockerLab:
    """The lab on a real engine, with its own client (made on first use)."""

    def __init__(
        self,
        host: EngineSpec | str | None = None,
        paths: LabPaths | None = None,
        *,
        image: str = TRAINING_IMAGE,
        labels: dict[str, str] | None = None,
        demo_set: DemoSet | None = None,
    ) -> None:
        """Remember where things are (`host`: the engine, None for the default one); nothing
        talks to the engine yet. `labels` go on everything the lab creates."""
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
            host = self.host.url if isinstance(self.host, EngineSpec) else self.host
            return demo_up(self._engine(), self.demo_set, host=host)
        return demo_down(self._engine(), self.demo_set)

    def lesson(self, on_phase: PhaseCallback, image: str = LESSON_IMAGE) -> Lesson:
        """A lesson on this lab's engine, its measured profile saved in this lab's folders."""
        return Lesson(self._engine(), self._paths, image, labels=self.labels, on_phase=on_phase)

    def clean_lesson_leftovers(self) -> int:
        """Remove the lessons (carrying this lab's labels) whose process is gone."""
        return cleanup_leftovers(self._engine(), self.labels)
