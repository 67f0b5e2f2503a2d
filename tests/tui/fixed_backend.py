"""A backend with fixed data, on purpose: snapshots and Pilot tests must not need an engine."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend
from tui.engine.compose import ComposeProject, ProjectAction
from tui.engine.containers import ContainerInfo, ProcessList
from tui.engine.events import EngineEvent
from tui.engine.footprint import ContainerFootprint
from tui.engine.images import ImageInfo, Layer, image_from_summary, layers_from_history
from tui.engine.logs.stream import STDERR, STDOUT, LogLine
from tui.engine.prune import PruneCandidate, PrunePlan, PruneResult
from tui.engine.stats.api import StatsSample
from tui.engine.volumes import NetworkInfo, VolumeInfo
from tui.errors import LabError

T = TypeVar("T")

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
RAW_STATS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "stats_cgroup_v1.json").read_text()
)


def fixed_clock() -> datetime:
    return NOW


def container(cid: str, name: str, state: str = "running", **extra: Any) -> ContainerInfo:
    data = {
        "Id": cid * 8,
        "Name": "/" + name,
        "Created": "2024-05-01T09:00:00Z",
        "State": {
            "Status": state,
            "ExitCode": extra.pop("exit_code", 0),
            "StartedAt": "2024-05-01T10:30:00Z",
            "FinishedAt": "2024-05-01T11:45:00Z" if state == "exited" else "0001-01-01T00:00:00Z",
        },
        "Config": {
            "Image": extra.pop("image", "debian:bookworm-slim"),
            "Cmd": ["sh", "-c", "sleep infinity"],
            "Env": ["PATH=/usr/bin", "API_TOKEN=s3cr3t"],
            "Labels": {"org.container-lab.test": "1", **extra.pop("labels", {})},
            "User": "1000:1000",
        },
        "HostConfig": {"Memory": 268435456, "NanoCpus": 1000000000, "PidsLimit": 64},
        "Mounts": [
            {"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": False},
            {"Type": "bind", "Source": "/srv/models", "Destination": "/models", "RW": True},
        ],
        "NetworkSettings": {"Ports": extra.pop("ports", {})},
    }
    return ContainerInfo.from_inspect(data)


def fixed_containers() -> list[ContainerInfo]:
    return [
        container(
            "a1b2",
            "web",
            ports={"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]},
            image="nginx:1.27",
        ),
        container("c3d4", "trainer", image="container-lab/training:latest"),
        container("e5f6", "old-job", state="exited", exit_code=137),
        container("0789", "fresh", state="created"),
    ]


def fixed_images() -> list[ImageInfo]:
    summaries: list[tuple[dict[str, Any], int]] = [
        (
            {
                "Id": "sha256:" + "1" * 64,
                "RepoTags": ["debian:bookworm-slim"],
                "Size": 117000000,
                "Created": 1714500000,
            },
            2,
        ),
        (
            {
                "Id": "sha256:" + "2" * 64,
                "RepoTags": ["container-lab/training:latest"],
                "Size": 573000000,
                "Created": 1714540000,
            },
            1,
        ),
        (
            {
                "Id": "sha256:" + "3" * 64,
                "RepoTags": None,
                "Size": 778000000,
                "Created": 1714550000,
            },
            0,
        ),
    ]
    return [image_from_summary(s, n) for s, n in summaries]


HISTORY = [
    {
        "Id": "<missing>",
        "Created": 1714540000,
        "Size": 0,
        "CreatedBy": '/bin/sh -c #(nop)  CMD ["/models"]',
    },
    {
        "Id": "<missing>",
        "Created": 1714540000,
        "Size": 66900,
        "CreatedBy": "/bin/sh -c #(nop) COPY dir:abc in /app/training/",
    },
    {
        "Id": "<missing>",
        "Created": 1714540000,
        "Size": 395000000,
        "CreatedBy": "/bin/sh -c pip install -r /tmp/requirements.lock",
    },
    {
        "Id": "<missing>",
        "Created": 1714500000,
        "Size": 117000000,
        "CreatedBy": "/bin/sh -c #(nop) ADD file:123 in / ",
    },
]


class FixedStream(Generic[T]):
    """Yields fixed items, then waits for close() when `hold` (like a live stream)."""

    def __init__(self, items: list[T], hold: bool = False) -> None:
        self.items = items
        self.hold = hold
        self.closed = threading.Event()
        self.queue: queue.Queue[T] = queue.Queue()

    def __iter__(self) -> Iterator[T]:
        yield from self.items
        while self.hold and not self.closed.is_set():
            try:
                yield self.queue.get(timeout=0.05)
            except queue.Empty:
                continue

    def close(self) -> None:
        self.closed.set()


class FixedBackend:
    """Fixed containers, images, stats and logs; `up` can be flipped to test reconnection."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.infos = {info.id: info for info in fixed_containers()}
        self.actions: list[tuple[str, str]] = []
        self.event_streams: list[FixedStream[EngineEvent]] = []

    @property
    def name(self) -> str:
        return "fixed"

    @property
    def description(self) -> str:
        return "unix:///fixed.sock (from --host)"

    def connect(self) -> None:
        if not self.up:
            raise LabError(
                "No Docker engine answers at unix:///fixed.sock (from --host): "
                "start one with `container-lab engine up`."
            )

    def ping(self) -> bool:
        return self.up

    def containers(self) -> list[ContainerInfo]:
        return list(self.infos.values())

    def container_list(self) -> list[ContainerInfo]:
        return self.containers()

    def container(self, container_id: str) -> ContainerInfo | None:
        return self.infos.get(container_id)

    def processes(self, container_id: str) -> ProcessList:
        info = self.infos.get(container_id)
        if info is None or not info.is_running:
            return ProcessList()
        return ProcessList(
            ("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"),
            (
                ("1000", "4242", "4221", "0", "10:30", "?", "00:00:00", "sh -c sleep infinity"),
                ("1000", "4301", "4242", "0", "10:30", "?", "00:00:00", "sleep infinity"),
            ),
        )

    def images(self) -> list[ImageInfo]:
        return fixed_images()

    def history(self, image_id: str) -> list[Layer]:
        return layers_from_history(HISTORY)

    def stats(self, container_id: str) -> FixedStream[StatsSample]:
        return FixedStream([StatsSample.from_raw(container_id, RAW_STATS)], hold=True)

    def stats_once(
        self, container_id: str, before: StatsSample | None = None
    ) -> StatsSample | None:
        return StatsSample.from_raw(container_id, RAW_STATS)

    def logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail: int | str,
        tty: bool,
        since: float | None = None,
        source: str = "",
    ) -> FixedStream[LogLine]:
        lines = [
            LogLine(
                STDOUT if i % 3 else STDERR,
                f"{'error' if i % 3 == 0 else 'step'} {i}: café ✓",
                f"2024-05-01T11:59:{i:02d}.000000000Z",
            )
            for i in range(30)
        ]
        return FixedStream(lines)

    def events(self) -> FixedStream[EngineEvent]:
        stream: FixedStream[EngineEvent] = FixedStream([], hold=True)
        self.event_streams.append(stream)
        return stream

    def emit(self, event: EngineEvent) -> None:
        """Send an event down every open events stream."""
        for stream in self.event_streams:
            stream.queue.put(event)

    def container_action(self, container_id: str, action: ContainerAction) -> None:
        self.actions.append((action, container_id))

    def remove_image(self, image_id: str, force: bool = False) -> None:
        self.actions.append(("remove image", image_id))

    def cgroup_collector(self) -> None:
        """Fixed data comes through stats(), never from cgroup files."""
        return None

    def footprints(self) -> list[ContainerFootprint]:
        """No footprints: the baseline pane keeps its fixed data in these tests."""
        return []

    def shell_argv(self, container_id: str) -> list[str]:
        return ["true"]

    def compose_project(self, project: ComposeProject, action: ProjectAction) -> str:
        self.actions.append((f"project {action}", project.name))
        return ""

    def volumes(self) -> list[VolumeInfo]:
        return [
            VolumeInfo(
                "training-cache",
                "local",
                "/var/lib/docker/volumes/training-cache/_data",
                52_400_000,
                ("web",),
                {},
            ),
            VolumeInfo("scratch", "local", "/var/lib/docker/volumes/scratch/_data", 0, (), {}),
        ]

    def networks(self) -> list[NetworkInfo]:
        return [
            NetworkInfo("a" * 64, "bridge", "bridge", "local", ("172.17.0.0/16",), ("web",), {}),
            NetworkInfo("b" * 64, "lab-net", "bridge", "local", ("10.1.0.0/24",), (), {}),
        ]

    def remove_volume(self, name: str) -> None:
        self.actions.append(("remove volume", name))

    def remove_network(self, network_id: str) -> None:
        self.actions.append(("remove network", network_id))

    def prune_plans(self) -> list[PrunePlan]:
        return [PrunePlan("containers", (PruneCandidate("c" * 64, "old-job", 4_000_000),))]

    def prune(self, plan: PrunePlan) -> PruneResult:
        return PruneResult(plan.kind, [c.name for c in plan.candidates], plan.reclaimable)

    def inspect(self, kind: str, ref: str) -> dict[str, Any]:
        if kind == "container" and ref in self.infos:
            info = self.infos[ref]
            return {
                "Id": info.id,
                "Name": "/" + info.name,
                "Config": {"Image": info.image, "Env": list(info.env), "Labels": info.labels},
                "State": {"Status": info.state},
            }
        raise LabError(f"{kind} {ref[:19]} no longer exists.")

    def image_files(self, image_id: str, wanted: Callable[[str], bool]) -> dict[str, bytes]:
        self.actions.append(("read image files", image_id))
        return {path: data for path, data in IMAGE_FILES.items() if wanted(path)}


# A small image's SBOM inputs: three Debian packages and one Python distribution.
IMAGE_FILES = {
    "usr/lib/os-release": b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n',
    "var/lib/dpkg/status": (
        b"Package: libc6\nStatus: install ok installed\nInstalled-Size: 12000\n"
        b"Architecture: amd64\nVersion: 2.36-9\n\n"
        b"Package: bash\nStatus: install ok installed\nInstalled-Size: 7000\n"
        b"Architecture: amd64\nVersion: 5.2.15-2\n\n"
        b"Package: gone\nStatus: deinstall ok config-files\nInstalled-Size: 10\n"
        b"Architecture: amd64\nVersion: 1.0\n\n"
        b"Package: python3\nStatus: install ok installed\nInstalled-Size: 100\n"
        b"Architecture: amd64\nVersion: 3.11.2-1\n"
    ),
    "opt/venv/lib/python3.11/site-packages/numpy-2.4.6.dist-info/METADATA": (
        b"Metadata-Version: 2.1\nName: numpy\nVersion: 2.4.6\n\nNumPy is..."
    ),
    "opt/venv/lib/python3.11/site-packages/numpy-2.4.6.dist-info/RECORD": (
        b"numpy/__init__.py,sha256=x,20000000\nnumpy/core.so,sha256=y,30000000\n"
        b"numpy-2.4.6.dist-info/RECORD,,\n"
    ),
}


# mypy fails here when FixedBackend drifts from the protocol the app is handed.
_CONFORMS: type[DashboardBackend] = FixedBackend
