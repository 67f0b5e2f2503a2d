"""`cluster up`, `down` and `status`: a real multi-node Swarm on this machine, and its removal.

`up` records each thing in the state file before making it; any failure removes everything
made so far and says why in one line. `down` removes exactly what the state file lists (and
the processes and mounts under the cluster's own folder), nothing else, also after a crash.
The Swarm is the lab's own: `up` makes it from fresh engines, and nothing here ever leaves,
joins or changes another one.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tui.cluster import host
from tui.cluster.plan import (
    DEFAULT_NAME,
    ClusterState,
    NodeState,
    find_cluster,
    plan_cluster,
)
from tui.engine.client import EngineClient
from tui.engine.contexts import docker_config_dir, remove_context, write_context
from tui.engine.swarm import SwarmNode, list_nodes, remove_all_services
from tui.engine.swarm_setup import (
    build_label_image,
    copy_images,
    engine_answers,
    init_swarm,
    join_swarm,
    open_engine,
    wait_answers,
)
from tui.errors import LabError

BASE_IMAGE = "debian:bookworm-slim"
DEMO_IMAGE = "container-lab/cluster-demo"  # the lesson's service, v1 and v2, built on each node
START_SECONDS = 90.0  # a node's dockerd answers within a few seconds on an idle machine
Say = Callable[[str], None]


def demo_tags() -> list[str]:
    """The lesson's two versions of its demo service's image."""
    return [f"{DEMO_IMAGE}:v1", f"{DEMO_IMAGE}:v2"]


def cluster_up(
    main: EngineClient,
    name: str = DEFAULT_NAME,
    nodes: int = 3,
    images: Sequence[str] = (BASE_IMAGE,),
    say: Say = lambda line: None,
    docker_config: Path | None = None,
    base: Path | None = None,
) -> ClusterState:
    """Make the cluster `name` of `nodes` nodes, with `images` copied from `main` onto each.

    The nodes' contexts go into `docker_config` (default: $DOCKER_CONFIG, else ~/.docker); the
    cluster's folder under `base` (default: `clusters_base()`).
    """
    host.check_host()
    existing = find_cluster(name, base)
    if existing is not None:
        how = "is up" if existing.complete else "is left over from an interrupted `cluster up`"
        raise LabError(f"a cluster named {name} {how}: `./lab cluster down` removes it first.")
    state = plan_cluster(name, nodes, base)
    taken = {state.hub, *(node.namespace for node in state.nodes)} & host.namespaces()
    if taken:
        raise LabError(f"network namespaces {', '.join(sorted(taken))} exist already: not ours.")
    folder = Path(state.folder)
    if folder.exists():
        raise LabError(f"{folder} exists but holds no cluster state: remove it, then retry.")
    folder.mkdir(parents=True, mode=0o700)
    state.docker_config = str(docker_config or docker_config_dir())
    state.images = [*images, *demo_tags()]
    state.save()
    try:
        _make(state, main, images, say)
    except BaseException as exc:
        say("cluster up failed: removing what it made")
        cluster_down(state)
        if isinstance(exc, LabError):
            raise LabError(f"cluster up failed: {exc} (nothing of it is left)") from exc
        if isinstance(exc, Exception):
            raise LabError(f"cluster up failed: {exc} (nothing of it is left)") from exc
        raise
    return state


def _make(state: ClusterState, main: EngineClient, images: Sequence[str], say: Say) -> None:
    started = time.monotonic()
    host.make_hub(state)
    for node in state.nodes:
        host.make_node_namespace(state, node)
        node.pid = host.start_dockerd(state, node)
        state.save()
    for node in state.nodes:
        pid = node.pid
        wait_answers(node.url, START_SECONDS, alive=lambda pid=pid: host.is_running(pid))
    say(f"{len(state.nodes)} engines answer ({time.monotonic() - started:.1f} s)")
    clients = [open_engine(node.url, timeout=600) for node in state.nodes]
    try:
        token = init_swarm(clients[0], state.manager.address, state.heartbeat_seconds)
        for node, client in zip(state.nodes[1:], clients[1:], strict=True):
            join_swarm(client, state.manager.address, token, node.address)
        say(f"Swarm formed: node-1 manages, {len(state.nodes) - 1} workers")
        for node in state.nodes:
            node.context = f"{state.name}-node-{node.index}"
            state.save()
            write_context(
                node.context,
                node.url,
                f"container-lab cluster {state.name}",
                {"DOCKER_CONFIG": state.docker_config},
            )
        copied = copy_images(main, clients, images, Path(state.folder))
        for client in clients:
            for tag, version in zip(demo_tags(), ("v1", "v2"), strict=True):
                labels = {"DEMO_VERSION": version, "org.container-lab.cluster": state.name}
                build_label_image(client, BASE_IMAGE, tag, labels)
        say(f"images on every node: {', '.join([*images, *demo_tags()])} ({len(copied)} copied)")
    finally:
        for client in clients:
            client.close()
    state.complete = True
    state.save()


def cluster_down(state: ClusterState, say: Say = lambda line: None) -> list[str]:
    """Remove what the state lists; returns what is still left (empty when all went)."""
    manager = state.nodes[0] if state.nodes else None
    if manager is not None and engine_answers(manager.url):
        with contextlib.suppress(Exception):
            client = open_engine(manager.url, timeout=15)
            try:
                remove_all_services(client)  # services first: no task is rescheduled meanwhile
            finally:
                client.close()
    # Workers first: a worker whose manager is gone waits for it a long while before it exits.
    _stop_engines(state.nodes[1:])
    _stop_engines(state.nodes[:1])
    leftovers = host.cluster_processes(state.folder)
    if leftovers:
        say(f"killing {len(leftovers)} processes that outlived their engines")
        host.kill_all(leftovers)
    mounted = host.unmount_all(state.folder)
    for node in state.nodes:
        host.delete_namespace(node.namespace)
    host.delete_namespace(state.hub)
    env = {"DOCKER_CONFIG": state.docker_config} if state.docker_config else None
    for node in state.nodes:
        if node.context:
            remove_context(node.context, node.url, env)
    left = [f"mount {point}" for point in mounted]
    left += [f"process {p.pid}" for p in host.cluster_processes(state.folder)]
    left += [f"namespace {ns}" for ns in _namespaces_of(state) & host.namespaces()]
    if not left:
        shutil.rmtree(state.folder, ignore_errors=True)
    return left


def _namespaces_of(state: ClusterState) -> set[str]:
    return {state.hub, *(node.namespace for node in state.nodes)}


def _stop_engines(nodes: Sequence[NodeState]) -> None:
    """SIGTERM every node's dockerd at once and wait (bounded) for all of them."""
    threads = [
        threading.Thread(target=host.stop_process, args=(node.pid,), daemon=True)
        for node in nodes
        if node.pid and host.is_running(node.pid)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(host.STOP_SECONDS + host.KILL_SECONDS + 5)


@dataclass(frozen=True)
class ClusterStatus:
    """What `cluster status` says: the state, and each node as the manager sees it."""

    state: ClusterState
    engines_up: dict[str, bool]
    nodes: list[SwarmNode]
    error: str = ""


def cluster_status(state: ClusterState) -> ClusterStatus:
    """Which engines answer, and the manager's view of the nodes."""
    up = {node.hostname: engine_answers(node.url) for node in state.nodes}
    if not state.nodes or not up.get(state.manager.hostname):
        return ClusterStatus(state, up, [], "the manager's engine (node-1) does not answer")
    client = open_engine(state.manager.url, timeout=30)
    try:
        return ClusterStatus(state, up, list_nodes(client.api))
    except LabError as exc:
        return ClusterStatus(state, up, [], str(exc))
    finally:
        client.close()
