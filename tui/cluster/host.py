"""The host side of a lab cluster: network namespaces, a bridge, dockerds, and their removal.

Each node's dockerd runs in its own network namespace (joined with `nsenter --net`: `ip netns
exec` would remount /sys and hide the cgroups dockerd needs) and its own UTS namespace (its own
hostname, else every node reports the host's). The nodes reach each other through veth pairs
on a bridge in a fourth namespace, the hub. Nothing here touches the host's own network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psutil

from tui.cluster.plan import CLUSTER_LABEL, ClusterState, NodeState
from tui.errors import LabError

TOOLS = ("ip", "unshare", "nsenter", "dockerd", "umount")
STOP_SECONDS = 20.0  # dockerd stops its containers (10 s each at most) before it exits
KILL_SECONDS = 10.0


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        why = " ".join((result.stderr or result.stdout).split())
        raise LabError(f"`ip {' '.join(args)}` failed: {why}")
    return result


def check_host() -> None:
    """Refuse, before anything is made, a host where namespaces and dockerds cannot be made."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise LabError(
            f"cannot make a cluster here: {', '.join(missing)} missing "
            "(Debian: apt-get install iproute2 util-linux docker.io)."
        )
    if os.geteuid() != 0:
        raise LabError(
            "cannot make a cluster as uid "
            f"{os.geteuid()}: network namespaces and dockerd need root; run it with sudo."
        )


def namespaces() -> set[str]:
    """The named network namespaces on this host (`ip netns list`)."""
    listed = _ip("netns", "list", check=False).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def make_hub(state: ClusterState) -> None:
    """The hub namespace and its bridge."""
    _ip("netns", "add", state.hub)
    _ip("-n", state.hub, "link", "add", "br0", "type", "bridge")
    _ip("-n", state.hub, "link", "set", "br0", "up")
    _ip("-n", state.hub, "link", "set", "lo", "up")


def make_node_namespace(state: ClusterState, node: NodeState) -> None:
    """The node's namespace, joined to the hub's bridge by a veth pair made inside the hub."""
    _ip("netns", "add", node.namespace)
    port = f"n{node.index}"
    _ip("-n", state.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0",
        "netns", node.namespace)  # fmt: skip
    _ip("-n", state.hub, "link", "set", port, "master", "br0", "up")
    _ip("-n", node.namespace, "addr", "add", f"{node.address}/24", "dev", "eth0")
    _ip("-n", node.namespace, "link", "set", "eth0", "up")
    _ip("-n", node.namespace, "link", "set", "lo", "up")


def start_dockerd(state: ClusterState, node: NodeState) -> int:
    """Start the node's dockerd (its own hostname, network, folders, config); its pid.

    `unshare` and `nsenter` exec what follows, so the pid is dockerd's own.
    """
    folder = Path(node.folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "daemon.json"  # not /etc/docker/daemon.json: the host engine's settings
    config.write_text("{}\n")
    dockerd = [
        "dockerd",
        f"--host={node.url}",
        f"--data-root={folder / 'data'}",
        f"--exec-root={folder / 'exec'}",
        f"--pidfile={folder / 'docker.pid'}",
        f"--config-file={config}",
        f"--label={CLUSTER_LABEL}={state.name}",
        "--iptables=false",
        "--ip-masq=false",
    ]
    script = 'hostname "$1" && shift && exec nsenter --net="/run/netns/$0" "$@"'
    with node.log.open("ab") as log:
        process = subprocess.Popen(
            ["unshare", "--uts", "sh", "-c", script, node.namespace, node.hostname, *dockerd],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process.pid


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (not a zombie)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _mentions(process: psutil.Process, folder: str) -> bool:
    with contextlib.suppress(psutil.Error):
        return any(folder in arg for arg in process.cmdline())
    return False


def cluster_processes(folder: str) -> list[psutil.Process]:
    """Every process that belongs to the cluster in `folder`: its dockerds, containerds and
    shims (each names a path under the folder) and what runs under them (the containers)."""
    mark = folder.rstrip("/") + "/"
    roots = [p for p in psutil.process_iter() if _mentions(p, mark)]
    found: dict[int, psutil.Process] = {}
    for root in roots:
        found[root.pid] = root
        with contextlib.suppress(psutil.Error):
            for child in root.children(recursive=True):
                found[child.pid] = child
    return list(found.values())


def ask_to_stop(pid: int) -> None:
    """SIGTERM, without waiting (the engine stops its containers, then exits)."""
    with contextlib.suppress(psutil.Error):
        psutil.Process(pid).send_signal(signal.SIGTERM)


def stop_process(pid: int, bound: float = STOP_SECONDS) -> None:
    """SIGTERM, wait at most `bound` seconds, then SIGKILL."""
    try:
        process = psutil.Process(pid)
        process.send_signal(signal.SIGTERM)
        process.wait(bound)
    except psutil.TimeoutExpired:
        with contextlib.suppress(psutil.Error):
            process.kill()
            process.wait(KILL_SECONDS)
    except psutil.Error:
        pass


def kill_all(processes: Iterable[psutil.Process]) -> None:
    """SIGKILL each (a container whose PID 1 is `sleep` ignores SIGTERM), and reap them."""
    processes = list(processes)
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(processes, timeout=KILL_SECONDS)


def mounts_under(folder: str) -> list[str]:
    """Mount points at or under `folder`, deepest first."""
    mark = folder.rstrip("/")
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        for line in mountinfo:
            point = line.split()[4].replace("\\040", " ")
            if point == mark or point.startswith(mark + "/"):
                points.append(point)
    return sorted(set(points), key=lambda p: p.count("/"), reverse=True)


def unmount_all(folder: str) -> list[str]:
    """Unmount what is left under `folder` (lazily when busy); what stays mounted."""
    for point in mounts_under(folder):
        done = subprocess.run(["umount", point], capture_output=True, check=False)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    return mounts_under(folder)


def delete_namespace(name: str) -> None:
    """Delete a named network namespace (its veth ends go with it); nothing if it is gone."""
    if name in namespaces():
        _ip("netns", "delete", name, check=False)
