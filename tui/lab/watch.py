"""Noticing a model tarball the moment it is renamed into models/: filesystem events, no polling."""

from __future__ import annotations

import fnmatch
import threading
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

TARBALL_PATTERN = "*.tar.gz"


def is_final_tarball(path: Path) -> bool:
    """A finished model: `<name>-<timestamp>.tar.gz`, not a hidden partial file."""
    return not path.name.startswith(".") and fnmatch.fnmatch(path.name, TARBALL_PATTERN)


class TarballWatcher(FileSystemEventHandler):
    """Watches one folder; `wait()` returns the first new final tarball (created or renamed in)."""

    def __init__(self, folder: Path) -> None:
        """Prepare to watch `folder`; call start() (or use `with`)."""
        super().__init__()
        self.folder = folder
        self._seen = {p.name for p in folder.glob(TARBALL_PATTERN)}
        self._found: Path | None = None
        self._event = threading.Event()
        self._observer = Observer()

    def start(self) -> TarballWatcher:
        """Begin watching."""
        self._observer.schedule(self, str(self.folder), recursive=False)
        self._observer.start()
        return self

    def stop(self) -> None:
        """Stop watching."""
        self._observer.stop()
        self._observer.join(timeout=5)

    def __enter__(self) -> TarballWatcher:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _offer(self, raw: str | bytes) -> None:
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        if path.parent == self.folder and is_final_tarball(path) and path.name not in self._seen:
            self._found = path
            self._event.set()

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._offer(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._offer(event.dest_path)

    @property
    def found(self) -> Path | None:
        """The tarball seen so far, if any."""
        return self._found

    def wait(self, timeout: float | None = None) -> Path | None:
        """Block until a new tarball appears (or `timeout` passes); return it or None."""
        self._event.wait(timeout)
        return self._found

    def wake(self) -> None:
        """Release a waiter without a tarball (the container ended or the run was cancelled)."""
        self._event.set()
