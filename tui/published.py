"""What one dashboard publishes for every other dashboard of its lab: `.lab/live/NAME.json`.

One writer (the dashboard that runs a lesson, or presents), any number of readers (read-only
viewers, served sessions, another terminal). No Textual, no engine: plain files.

- **The writer** claims NAME with an exclusive `flock` on `NAME.lock` (held as long as it
  writes, dropped by the kernel when its process dies, however it dies), then replaces
  `NAME.json` atomically: a fresh temporary file beside it (O_EXCL, never through a link, mode
  600 whatever the umask), then a rename. A reader sees the old document or the new, never half.
- **A reader** trusts a document only when `.lab`, `.lab/live` and the file belong to the reader
  or root, no one else can write them, and none is a link (each opened by descriptor, from the
  one above it). Every refusal is one line that says what to do.
- **Liveness**: each document names its writer (pid and start time, so a reused pid does not
  match); a reader tells a live writer from one that is gone (killed mid-lesson, say).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from tui.errors import LabError
from tui.paths import LabPaths

LIVE = "live"  # the folder under .lab
FORMAT = 1
MAX_BYTES = 512 * 1024  # a lesson's document is a few KiB
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW


@dataclass(frozen=True)
class Writer:
    """The process that wrote a document: pid, start time (whole seconds) and host name."""

    pid: int
    started: int
    host: str

    @classmethod
    def me(cls) -> Writer:
        """This process."""
        me = psutil.Process()
        return cls(me.pid, int(me.create_time()), socket.gethostname())

    def alive(self) -> bool:
        """Whether it still runs (always assumed on another host: its pids are not ours)."""
        if self.host != socket.gethostname():
            return True
        try:
            return int(psutil.Process(self.pid).create_time()) == self.started
        except (psutil.Error, ValueError, OverflowError):
            return False


@dataclass(frozen=True)
class Seen:
    """What a reader found: a document and its writer, nothing (`body` None), or why not."""

    body: dict[str, Any] | None = None
    writer: Writer | None = None
    updated: str = ""  # when the writer wrote it (UTC, ISO 8601)
    error: str = ""  # one line: why the document could not be read or trusted
    alive: bool = False  # the writer still runs

    def same(self, other: Seen | None) -> bool:
        """Nothing a viewer would show differently."""
        return other is not None and (self.body, self.error, self.alive) == (
            other.body,
            other.error,
            other.alive,
        )


def _remedy(path: Path) -> str:
    return f"remove {path} (its dashboard writes it again)"


def _refuse(path: Path, why: str) -> LabError:
    return LabError(f"{path} is not trusted: {why}; {_remedy(path)}")


def trusted_owners() -> set[int]:
    """Who may own what a reader trusts: the reader, or root."""
    return {os.geteuid(), 0}


def _check(path: Path, info: os.stat_result, folder: bool) -> None:
    """A LabError unless `path` is what it should be and only its owner, a trusted one, writes."""
    if folder and not stat.S_ISDIR(info.st_mode):
        raise _refuse(path, "it is not a folder")
    if not folder and not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "it is not a regular file")
    if info.st_uid not in trusted_owners():
        raise _refuse(path, f"it belongs to uid {info.st_uid}, not to you or root")
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refuse(path, f"group or others can write it (mode {mode:04o})")


def _open(name: str, flags: int, parent: int | None, path: Path, mode: int = 0) -> int:
    """os.open below `parent`, its failures as one line (FileNotFoundError passes through)."""
    try:
        return os.open(name, flags, mode, dir_fd=parent)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _refuse(path, "it is a link or not a folder") from exc
        raise LabError(f"cannot open {path} ({exc.strerror}); check its owner") from exc


@contextlib.contextmanager
def live_folder(paths: LabPaths, *, create: bool) -> Iterator[int]:
    """A descriptor of .lab/live, both folders checked (and made 700 first with `create`)."""
    try:
        top = os.open(paths.project, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise LabError(f"cannot open the lab folder {paths.project} ({exc.strerror})") from exc
    opened = [top]
    try:
        for path in (paths.lab, paths.lab / LIVE):
            made = False
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(path.name, FOLDER_MODE, dir_fd=opened[-1])
                    made = True
            opened.append(_open(path.name, _FOLDER, opened[-1], path))
            if made:  # exactly 700, whatever the umask
                os.fchmod(opened[-1], FOLDER_MODE)
            _check(path, os.fstat(opened[-1]), folder=True)
        yield opened[-1]
    finally:
        for descriptor in reversed(opened):
            os.close(descriptor)


def document_path(paths: LabPaths, name: str) -> Path:
    """Where the document NAME lives."""
    return paths.lab / LIVE / f"{name}.json"


def read_published(paths: LabPaths, name: str) -> Seen:
    """The document NAME as its writer last wrote it, checked (never raises)."""
    path = document_path(paths, name)
    try:
        with live_folder(paths, create=False) as folder:
            descriptor = _open(path.name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, folder, path)
            try:
                _check(path, os.fstat(descriptor), folder=False)
                data = _read_limited(descriptor, MAX_BYTES + 1)
            finally:
                os.close(descriptor)
    except FileNotFoundError:
        return Seen()
    except LabError as exc:
        return Seen(error=str(exc))
    if len(data) > MAX_BYTES:
        return Seen(error=f"{path} is larger than {MAX_BYTES} bytes; {_remedy(path)}")
    return _parse(path, data)


def _read_limited(descriptor: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    while limit > 0 and (chunk := os.read(descriptor, min(limit, 65536))):
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


def _parse(path: Path, data: bytes) -> Seen:
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}, not {FORMAT}")
        raw = document["writer"]
        writer = Writer(int(raw["pid"]), int(raw["started"]), str(raw["host"]))
        body = document["body"]
        if not isinstance(body, dict):
            raise ValueError("its body is not an object")
        updated = str(document.get("updated", ""))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        why = " ".join(str(exc).split())[:120] or type(exc).__name__
        return Seen(error=f"{path} is not a document of this lab ({why}); {_remedy(path)}")
    return Seen(body, writer, updated, alive=writer.alive())


class Publisher:
    """The writer of one document (see the module docstring); thread-safe."""

    def __init__(self, paths: LabPaths, name: str) -> None:
        self.paths = paths
        self.name = name
        self.path = document_path(paths, name)
        self.writer = Writer.me()
        self._lock = threading.Lock()
        self._held: int | None = None  # the lock file's descriptor while claimed

    @property
    def claimed(self) -> bool:
        """True while this publisher holds NAME."""
        return self._held is not None

    def claim(self) -> bool:
        """Hold NAME for this process; False when another process holds it (LabError: the
        folder cannot be used)."""
        with self._lock:
            if self._held is not None:
                return True
            lock = self.path.with_suffix(".lock")
            with live_folder(self.paths, create=True) as folder:
                flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW
                descriptor = _open(lock.name, flags, folder, lock, FILE_MODE)
            try:
                _check(lock, os.fstat(descriptor), folder=False)
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                return False
            except BaseException:
                os.close(descriptor)
                raise
            self._held = descriptor
            return True

    def publish(self, body: dict[str, Any]) -> None:
        """Replace the document with `body` (JSON values only); LabError when it cannot."""
        document = {
            "format": FORMAT,
            "writer": asdict(self.writer),
            "updated": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "body": body,
        }
        data = json.dumps(document, separators=(",", ":")).encode()
        with self._lock, live_folder(self.paths, create=True) as folder:
            partial = f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
            descriptor = _open(partial, flags, folder, self.path.with_name(partial), FILE_MODE)
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    os.fchmod(handle.fileno(), FILE_MODE)
                    handle.write(data)
                os.rename(partial, self.path.name, src_dir_fd=folder, dst_dir_fd=folder)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(partial, dir_fd=folder)
                raise LabError(f"cannot write {self.path} ({exc.strerror or exc})") from exc

    def release(self) -> None:
        """Let another process claim NAME (the last document stays, for the viewers)."""
        with self._lock:
            held, self._held = self._held, None
        if held is not None:
            os.close(held)  # closing the descriptor drops the flock


POLL_SECONDS = 0.25  # a viewer shows what changed within a second of the writer
ALIVE_SECONDS = 1.0  # how often a live writer is checked for being gone


class Follower:
    """Follows one document from a thread: `report(seen)` on every change a viewer would show
    (a new document, a read error, its writer gone). `close()` ends it."""

    def __init__(
        self,
        paths: LabPaths,
        name: str,
        report: Callable[[Seen], None],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.paths = paths
        self.name = name
        self.report = report
        self.poll_seconds = poll_seconds
        self.last: Seen | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"follow-{name}", daemon=True)

    def start(self) -> None:
        """Read now, then follow."""
        self._thread.start()

    def again(self) -> None:
        """Read at once (and report even what did not change)."""
        self.last = None
        self._wake.set()

    def close(self) -> None:
        """Stop following (returns at once; the thread ends within one poll)."""
        self._stop.set()
        self._wake.set()

    def _stamp(self) -> tuple[int, ...] | None:
        path = document_path(self.paths, self.name)
        try:
            info = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size, info.st_ctime_ns, info.st_uid)

    def _run(self) -> None:
        stamp: tuple[int, ...] | None = ()
        checked = 0.0
        while not self._stop.is_set():
            now, clock = self._stamp(), time.monotonic()
            due = self.last is not None and self.last.alive and clock - checked >= ALIVE_SECONDS
            if now != stamp or self.last is None or due:
                stamp, checked = now, clock
                seen = read_published(self.paths, self.name)
                if not seen.same(self.last):
                    self.last = seen
                    with contextlib.suppress(Exception):  # a closed app's queue
                        self.report(seen)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
