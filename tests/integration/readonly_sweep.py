"""What the read-only sweep drives and how it watches: the places of the dashboard with the keys
bound there, and strace's record of every file the served processes changed.

The places are reached from the containers tab by keys; each place's keys are those bound by the
classes on screen there (and Textual's own in them), read from their BINDINGS, so a binding
added later is driven too. The containers tab gets every key a terminal can send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Log, Select, Tree

from tests.integration.served_session import ESCAPE, QUIT_KEYS, encoded, every_key
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.detail import DetailScreen
from tui.views.containers.pane import ContainersPane
from tui.views.images_pane import ImagesPane
from tui.views.inspect.screen import InspectScreen, InspectTree
from tui.views.logs.screen import LogsScreen
from tui.views.logs.view import LogView
from tui.views.palette import CONTAINER_COMMANDS, TABS
from tui.views.storage_panes import NetworksPane, VolumesPane
from tui.views.training_pane import TrainingPane
from tui.views.widgets.keyed_table import KeyedTable


@dataclass(frozen=True)
class Place:
    """Somewhere in the dashboard: the keys that reach it from the containers tab (the cursor
    on the sweep's first container), text that shows it is there, and what is on screen."""

    name: str
    path: tuple[str, ...]
    shows: str
    classes: tuple[type, ...]

    def keys(self) -> dict[str, str]:
        """Every key bound here by what is on screen, by name, as a terminal sends it (the
        app's own keys are the containers tab's, which gets every key there is)."""
        names = {
            key.strip()
            for cls in self.classes
            for binding in bindings_of(cls)
            for key in binding.key.split(",")
        }
        return {name: encoded(name) for name in sorted(names - QUIT_KEYS)}


def bindings_of(cls: type) -> Iterable[Binding]:
    """The bindings a class has, its bases' included."""
    for klass in cls.__mro__:
        for binding in klass.__dict__.get("BINDINGS", ()):
            yield binding if isinstance(binding, Binding) else Binding(*binding)


def places(container: str) -> list[Place]:
    """The places the sweep visits; `container` is the name the containers tab is filtered to."""
    on_row = ("1",)
    inspect = (InspectScreen, InspectTree, Tree)
    return [
        Place("containers", on_row, "Sort", (ContainersPane, KeyedTable, DataTable, Input)),
        Place("images", ("2",), "Layers", (ImagesPane, KeyedTable, DataTable)),
        Place("training", ("3",), "Press s", (TrainingPane, Log)),
        Place("baseline", ("4",), "each as a VM of", (BaselinePane, Select)),
        Place("volumes", ("5",), "volumes, sorted", (VolumesPane, KeyedTable, DataTable)),
        Place("networks", ("6",), "networks, sorted", (NetworksPane, KeyedTable, DataTable)),
        Place("detail", (*on_row, "\r"), "Labels", (DetailScreen, VerticalScroll)),
        Place("logs", (*on_row, "l"), "window 1000", (LogsScreen, LogView, Input)),
        Place("inspect", (*on_row, "i"), f"inspect container {container}", (*inspect, Input)),
        Place("image inspect", ("2", "i"), "inspect image", inspect),
        Place("volume inspect", ("5", "i"), "inspect volume", inspect),
        Place("network inspect", ("6", "i"), "inspect network", inspect),
        Place("palette", ("\x10",), "Search for commands", (CommandPalette, Input)),
    ]


def main_keys() -> dict[str, str]:
    """The containers tab gets every key: printable characters and named keys alike."""
    return {name: key for name, key in every_key().items() if name not in QUIT_KEYS}


def palette_titles() -> list[str]:
    """Every command the palette has, read-only or not (the read-only one lists fewer)."""
    return [
        *(title for _, title in CONTAINER_COMMANDS),
        "Inspect container",
        "Filter containers",
        "All / running containers",
        "Sort containers by next column",
        "Reverse container sort",
        "Next engine",
        "Reload lists",
        "Remove image",
        "Prune…",
        "Train a model",
        "Cancel training",
        "Start demo containers",
        "Remove demo containers",
        *(f"Go to {tab}" for tab in TABS),
        "Run the lesson: container vs gVisor vs VM",
        "Stop the lesson",
        "Present this view (V)",
        "Follow the presenter (F)",
        *("Theme", "Keys", "Maximize", "Minimize", "Screenshot"),
    ]


RESET = (ESCAPE, ESCAPE, ESCAPE, ESCAPE, "1")

# strace: every system call that can change a file, one output file per process.
CHANGING_CALLS = (
    "open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,"
    "link,linkat,symlink,symlinkat,chmod,fchmodat,chown,lchown,fchownat,truncate,utime,utimes,"
    "utimensat,futimesat,mknod,mknodat,setxattr,lsetxattr,removexattr,lremovexattr"
)
WRITING_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
CALL = re.compile(r"^(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<result>-?\d+)")
# Devices every process writes to: nothing on disk changes through them.
HARMLESS = ("/dev/null", "/dev/tty", "/dev/urandom", "/dev/random")


def strace_wrapper(folder: Path) -> list[str]:
    """strace following every process the server starts, output in `folder`."""
    return [
        "strace",
        "-f",
        "-ff",
        "-qq",
        "--seccomp-bpf",
        "-e",
        f"trace={CHANGING_CALLS}",
        "-o",
        str(folder / "trace"),
    ]


def file_changes(folder: Path) -> list[str]:
    """The successful calls in strace's output that changed (or opened for writing) a file."""
    changes = []
    for trace in sorted(folder.glob("trace.*")):
        for line in trace.read_text(errors="replace").splitlines():
            found = CALL.match(line)
            if found is None or int(found["result"]) < 0:
                continue
            call, args = found["call"], found["args"]
            if call in ("open", "openat", "openat2") and not WRITING_FLAGS.search(args):
                continue
            if any(f'"{device}"' in args for device in HARMLESS):
                continue
            changes.append(f"{trace.name}: {line}")
    return changes
