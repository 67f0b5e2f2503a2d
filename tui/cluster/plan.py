"""What one lab cluster is made of: names, addresses, folders, limits and its state file.

A cluster named NAME lives in one folder, /var/lib/container-lab/clusters/NAME/ (each node's
data root, exec root, socket, pid file and log, and `state.json`), and in network namespaces
named `cl-NAME-hub` (a bridge) and `cl-NAME-node-N` (one dockerd each). The state file records
what `up` is about to make before it makes it, so `down` removes exactly that, even after a
crash of `up`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tui.errors import LabError

CLUSTERS_ENV = "CONTAINER_LAB_CLUSTERS"  # tests keep their clusters apart from yours
DEFAULT_BASE = Path("/var/lib/container-lab/clusters")
DEFAULT_NAME = "lab"
DEFAULT_NODES = 3
SUBNET = "10.198.0"  # the nodes' /24 on the hub's bridge; each cluster has its own hub
HEARTBEAT_SECONDS = 2.0  # Swarm's default is 5 s (a node is noticed down ~16 s after it stops)
NODE_MEMORY = 512 * 1024 * 1024  # a node's dockerd and containerd (~100 MiB) and room for tasks
NODES_PER_CORE = 8  # each idle node costs little CPU, but every one heartbeats and joins
CLUSTER_LABEL = "org.container-lab.cluster"
_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")


def clusters_base() -> Path:
    """Where clusters live: $CONTAINER_LAB_CLUSTERS, else /var/lib/container-lab/clusters."""
    configured = os.environ.get(CLUSTERS_ENV)
    return Path(configured) if configured else DEFAULT_BASE


def max_nodes() -> int:
    """The most nodes this machine holds: memory free for them, and a few per core."""
    by_memory = psutil.virtual_memory().available // NODE_MEMORY
    by_cores = NODES_PER_CORE * (psutil.cpu_count() or 1)
    return max(1, int(min(by_memory, by_cores)))


def check_nodes(nodes: int) -> int:
    """`nodes` when the machine holds that many; LabError (one line) otherwise."""
    limit = max_nodes()
    if nodes < 1:
        raise LabError(f"--nodes {nodes}: a cluster needs at least 1 node (the default is 3).")
    if nodes > limit:
        free = psutil.virtual_memory().available / 2**30
        raise LabError(
            f"--nodes {nodes}: this machine holds at most {limit} nodes ({psutil.cpu_count()} "
            f"cores, {free:.1f} GiB free, {NODE_MEMORY // 2**20} MiB per node): "
            f"use --nodes {limit} or fewer."
        )
    return nodes


def check_name(name: str) -> str:
    """A cluster name that fits in namespace and interface names."""
    if not _NAME.match(name):
        raise LabError(
            f"cluster name {name!r}: use 1-12 lower-case letters and digits, a letter first."
        )
    return name


@dataclass
class NodeState:
    """One node: where its engine lives and what runs it."""

    index: int
    folder: str
    namespace: str
    address: str
    pid: int = 0  # dockerd's, once started
    context: str = ""  # the docker context made for it, once made

    @property
    def hostname(self) -> str:
        """node-1, node-2, …"""
        return f"node-{self.index}"

    @property
    def socket(self) -> Path:
        """Its engine's unix socket."""
        return Path(self.folder) / "docker.sock"

    @property
    def url(self) -> str:
        """unix://…/docker.sock"""
        return f"unix://{self.socket}"

    @property
    def log(self) -> Path:
        """dockerd's output."""
        return Path(self.folder) / "dockerd.log"


@dataclass
class ClusterState:
    """Everything `up` made (or was about to make), in the order it made it."""

    name: str
    folder: str
    hub: str
    nodes: list[NodeState] = field(default_factory=list)
    docker_config: str = ""  # the context store the contexts went into
    complete: bool = False  # `up` finished
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    images: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """The state file."""
        return Path(self.folder) / "state.json"

    @property
    def manager(self) -> NodeState:
        """node-1, the Swarm's manager."""
        return self.nodes[0]

    def save(self) -> None:
        """Write the state file (atomically: a crash leaves the old or the new one)."""
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(asdict(self), indent=2))
        os.replace(partial, self.path)

    @classmethod
    def load(cls, path: Path) -> ClusterState:
        """Read a state file (LabError when it cannot be read)."""
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            nodes = [NodeState(**node) for node in data.pop("nodes")]
            return cls(**data, nodes=nodes)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise LabError(f"cannot read the cluster state {path} ({exc}): remove it.") from exc


def plan_cluster(name: str, nodes: int, base: Path | None = None) -> ClusterState:
    """The state of a cluster about to be made: names, addresses and folders, nothing made."""
    folder = (base or clusters_base()) / check_name(name)
    state = ClusterState(name=name, folder=str(folder), hub=f"cl-{name}-hub")
    for index in range(1, check_nodes(nodes) + 1):
        state.nodes.append(
            NodeState(
                index=index,
                folder=str(folder / f"node-{index}"),
                namespace=f"cl-{name}-node-{index}",
                address=f"{SUBNET}.{10 + index}",
            )
        )
    return state


def find_cluster(name: str = DEFAULT_NAME, base: Path | None = None) -> ClusterState | None:
    """The cluster `name` as its state file says, or None when there is none."""
    path = (base or clusters_base()) / check_name(name) / "state.json"
    return ClusterState.load(path) if path.exists() else None


def cluster_with_url(url: str, base: Path | None = None) -> ClusterState | None:
    """The lab cluster one of whose nodes' engines is at `url`, or None (not a lab cluster)."""
    folder = base or clusters_base()
    for path in sorted(folder.glob("*/state.json")):
        try:
            state = ClusterState.load(path)
        except LabError:
            continue
        if state.complete and any(node.url == url.rstrip("/") for node in state.nodes):
            return state
    return None
