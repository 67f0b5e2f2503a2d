"""`container-lab cluster up|status|down`: what each prints, one line per step or node."""

from __future__ import annotations

import sys

from tui.cluster.host import check_host
from tui.cluster.plan import DEFAULT_NAME, check_name, check_nodes, find_cluster
from tui.cluster.provision import (
    BASE_IMAGE,
    cluster_down,
    cluster_status,
    cluster_up,
)
from tui.engine.client import connect
from tui.errors import LabError


def _say(line: str) -> None:
    print(f"cluster: {line}", flush=True)


def up_from_cli(host: str | None, nodes: int, name: str = DEFAULT_NAME) -> int:
    """Make the cluster; its nodes, contexts and images, or one line saying why not.

    The base image and the lesson's go onto every node; the training image is copied by
    `train --cluster`, which builds it for the run's ids first.
    """
    check_name(name)
    check_nodes(nodes)  # before connecting: a bad --nodes is refused even with no engine
    check_host()  # not root, or no `ip`: said before anything else
    main = connect(host, timeout=600)
    try:
        state = cluster_up(main, name, nodes, [BASE_IMAGE], say=_say)
    finally:
        main.close()
    contexts = ", ".join(node.context for node in state.nodes)
    print(
        f"cluster {name} is up: {len(state.nodes)} nodes, node-1 manages "
        f"(dispatcher heartbeat {state.heartbeat_seconds:g} s); docker contexts {contexts}"
    )
    print(f"watch it: ./lab dashboard --context {state.manager.context} (tab 7, Swarm)")
    return 0


def status_from_cli(name: str = DEFAULT_NAME) -> int:
    """Each node as the manager sees it; exit 1 when a node's engine does not answer."""
    state = find_cluster(name)
    if state is None:
        print(f"no cluster named {name} is up: ./lab cluster up makes one")
        return 0
    if not state.complete:
        raise LabError(
            f"cluster {name} is left over from an interrupted `cluster up`: "
            "./lab cluster down removes it."
        )
    status = cluster_status(state)
    print(f"cluster {name}: {len(state.nodes)} nodes, folder {state.folder}")
    by_name = {node.hostname: node for node in status.nodes}
    for node in state.nodes:
        seen = by_name.get(node.hostname)
        engine = "engine up" if status.engines_up.get(node.hostname) else "engine DOWN"
        if seen is None:
            print(f"  {node.hostname:<8} {engine:<11} context {node.context}")
            continue
        role = "manager (leader)" if seen.leader else seen.role
        print(
            f"  {node.hostname:<8} {engine:<11} {seen.state:<6} {seen.availability:<7} "
            f"{role:<16} {node.address:<12} context {node.context}"
        )
    if status.error:
        print(f"cluster: {status.error}", file=sys.stderr)
    return 0 if all(status.engines_up.values()) and not status.error else 1


def down_from_cli(name: str = DEFAULT_NAME) -> int:
    """Remove the cluster; exit 1 (naming it) when something could not be removed."""
    state = find_cluster(name)
    if state is None:
        print(f"no cluster named {name}: nothing to remove")
        return 0
    left = cluster_down(state, say=_say)
    if left:
        raise LabError(f"cluster {name}: could not remove {', '.join(left)}; run down again.")
    print(f"cluster {name} removed: {len(state.nodes)} engines, their namespaces and contexts")
    return 0
