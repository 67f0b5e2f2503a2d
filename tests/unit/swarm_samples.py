"""Swarm objects as a Docker 20.10 manager returns them (trimmed from a real 3-node cluster)."""

from __future__ import annotations

from typing import Any

NODE_1, NODE_2, NODE_3 = "kbrll4dgz0ylvttzrt776xmh2", "yr1wqblaasjqv026un0qy9sqr", "q3d0w9x"


def node(node_id: str, host: str, *, manager: bool = False, state: str = "ready") -> dict:
    raw: dict[str, Any] = {
        "ID": node_id,
        "Version": {"Index": 9},
        "Spec": {
            "Labels": {},
            "Role": "manager" if manager else "worker",
            "Availability": "active",
        },
        "Description": {
            "Hostname": host,
            "Resources": {"NanoCPUs": 2000000000, "MemoryBytes": 25276182528},
            "Engine": {"EngineVersion": "20.10.24+dfsg1", "Labels": {}},
        },
        "Status": {"State": state, "Addr": "10.198.0.11"},
    }
    if manager:
        raw["ManagerStatus"] = {"Leader": True, "Reachability": "reachable"}
    return raw


def service(
    service_id: str,
    name: str,
    *,
    replicas: int | None = 3,
    running: int = 3,
    stack: str = "",
    ports: list[dict] | None = None,
    update: str = "",
    mode: dict | None = None,
) -> dict:
    labels = {"com.docker.stack.namespace": stack} if stack else {}
    raw: dict[str, Any] = {
        "ID": service_id,
        "Version": {"Index": 25},
        "CreatedAt": "2026-12-06T17:20:43.482987683Z",
        "UpdatedAt": "2026-12-06T17:20:43.48528527Z",
        "Spec": {
            "Name": name,
            "Labels": labels,
            "TaskTemplate": {
                "ContainerSpec": {"Image": "container-lab/cluster-demo:v1@sha256:0123abcd"}
            },
            "Mode": mode or {"Replicated": {"Replicas": replicas}},
            "EndpointSpec": {"Mode": "dnsrr", "Ports": ports or []},
        },
        "ServiceStatus": {
            "RunningTasks": running,
            "DesiredTasks": replicas or 0,
            "CompletedTasks": 0,
        },
    }
    if update:
        raw["UpdateStatus"] = {"State": update, "Message": "update in progress"}
    return raw


def task(
    task_id: str,
    service_id: str,
    slot: int,
    node_id: str,
    state: str = "running",
    desired: str = "running",
    *,
    created: str = "2026-12-06T17:20:43.455046933Z",
    error: str = "",
    container: str = "",
) -> dict:
    return {
        "ID": task_id,
        "CreatedAt": created,
        "Spec": {"ContainerSpec": {"Image": "container-lab/cluster-demo:v1@sha256:0123abcd"}},
        "ServiceID": service_id,
        "Slot": slot,
        "NodeID": node_id,
        "Status": {
            "Timestamp": "2026-12-06T17:20:44.383175159Z",
            "State": state,
            "Message": "started",
            "Err": error,
            "ContainerStatus": {
                "ContainerID": container or f"c-{task_id}",
                "PID": 1489,
                "ExitCode": 0,
            },
        },
        "DesiredState": desired,
    }
