"""The orchestration lesson's demo service: its spec, as the manager's API takes it."""

from __future__ import annotations

from tui.engine.swarm import NANO

UPDATE_DELAY_SECONDS = 2
DEMO_SCRIPT = 'while :; do echo "demo $DEMO_VERSION on $NODE"; sleep 5; done'


def demo_service_spec(name: str, image: str, replicas: int, labels: dict[str, str]) -> dict:
    """The lesson's service: a shell that says its version and node every 5 s.

    Updates go one task at a time, the new task started before the old one stops (so old and
    new run side by side), `UPDATE_DELAY_SECONDS` apart; Swarm's restart delay (5 s) is kept.
    """
    return {
        "Name": name,
        "Labels": labels,
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": image,
                "Args": ["sh", "-c", DEMO_SCRIPT],
                "Env": ["NODE={{.Node.Hostname}}"],
                "Init": True,  # signals reach the shell: a task stops at once
                "Labels": labels,
            },
            "RestartPolicy": {"Condition": "any"},
        },
        "Mode": {"Replicated": {"Replicas": replicas}},
        "UpdateConfig": {
            "Parallelism": 1,
            "Delay": UPDATE_DELAY_SECONDS * NANO,
            "Monitor": UPDATE_DELAY_SECONDS * NANO,
            "Order": "start-first",
            "FailureAction": "pause",
        },
        "EndpointSpec": {"Mode": "dnsrr"},  # no IPVS in this kernel: no virtual IP
    }
