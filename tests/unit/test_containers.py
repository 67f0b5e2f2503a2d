"""Reading containers, images and events from the engine's JSON (no engine needed)."""

from datetime import UTC, datetime

import pytest
from docker.errors import APIError, NotFound

from tui.engine.containers import ContainerInfo, format_ports, list_containers, parse_time
from tui.engine.events import EngineEvent
from tui.engine.images import clean_instruction, image_from_summary, layers_from_history
from tui.views.formats import human_duration, status_text

INSPECT = {
    "Id": "abc123def4567890",
    "Name": "/web",
    "Created": "2024-05-01T09:00:00.123456789Z",
    "RestartCount": 2,
    "State": {
        "Status": "exited",
        "ExitCode": 137,
        "OOMKilled": True,
        "StartedAt": "2024-05-01T09:00:01Z",
        "FinishedAt": "2024-05-01T10:00:00.5Z",
        "Health": {"Status": "unhealthy"},
    },
    "Config": {
        "Image": "nginx:1.27",
        "Cmd": ["nginx", "-g", "daemon off;"],
        "Entrypoint": ["/docker-entrypoint.sh"],
        "User": "101",
        "Env": ["SECRET=x"],
        "Labels": {"a": "b"},
        "Tty": False,
    },
    "HostConfig": {
        "Memory": 268435456,
        "NanoCpus": 1500000000,
        "PidsLimit": 100,
        "RestartPolicy": {"Name": "on-failure"},
    },
    "Mounts": [{"Type": "bind", "Source": "/data", "Destination": "/d", "RW": False}],
    "NetworkSettings": {
        "Ports": {
            "80/tcp": [
                {"HostIp": "0.0.0.0", "HostPort": "8080"},
                {"HostIp": "::", "HostPort": "8080"},
            ],
            "443/tcp": None,
        }
    },
}


def test_from_inspect_reads_everything_the_detail_shows():
    info = ContainerInfo.from_inspect(INSPECT)
    assert (info.name, info.image, info.state, info.exit_code) == (
        "web",
        "nginx:1.27",
        "exited",
        137,
    )
    assert info.command == "/docker-entrypoint.sh nginx -g daemon off;"
    assert info.ports == "0.0.0.0:8080->80/tcp, 443/tcp"
    assert info.mounts[0].read_only and info.mounts[0].destination == "/d"
    assert (info.memory_limit, info.nano_cpus, info.pids_limit) == (268435456, 1500000000, 100)
    assert (info.health, info.restart_count, info.user) == ("unhealthy", 2, "101")
    now = datetime(2024, 5, 1, 10, 5, 1, tzinfo=UTC)
    assert status_text(info, now) == "exit 137 OOM 5m ago"
    assert not info.is_running


def test_running_status_is_uptime():
    data = {**INSPECT, "State": {"Status": "running", "StartedAt": "2024-05-01T09:00:00Z"}}
    info = ContainerInfo.from_inspect(data)
    assert status_text(info, datetime(2024, 5, 1, 12, 30, tzinfo=UTC)) == "up 3h30m"


def test_time_helpers():
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("2024-05-01T10:00:00.123456789+02:00").microsecond == 123456
    assert [human_duration(s) for s in (5, 125, 7300, 200000)] == ["5s", "2m", "2h01m", "2d7h"]
    assert format_ports(None) == ""


def test_events_are_reduced():
    event = EngineEvent.from_raw(
        {
            "Type": "container",
            "Action": "health_status: healthy",
            "Actor": {"ID": "abc", "Attributes": {"name": "web"}},
        }
    )
    assert (event.action, event.id, event.changes_containers) == ("health_status", "abc", True)
    exec_event = EngineEvent.from_raw(
        {"Type": "container", "Action": "exec_start: sh -c x", "Actor": {"ID": "abc"}}
    )
    assert not exec_event.changes_containers
    assert EngineEvent.from_raw(
        {"Type": "image", "Action": "delete", "Actor": {"ID": "i"}}
    ).changes_images


def test_images_and_history():
    image = image_from_summary(
        {"Id": "sha256:" + "f" * 64, "RepoTags": ["<none>:<none>"], "Size": 10, "Created": 0},
        containers=0,
    )
    assert image.dangling and image.name == "<none>:<none>" and image.short_id == "f" * 12
    layers = layers_from_history(
        [
            {"Id": "top", "Created": 2, "Size": 0, "CreatedBy": '/bin/sh -c #(nop)  CMD ["sh"]'},
            {"Id": "<missing>", "Created": 1, "Size": 5, "CreatedBy": "/bin/sh -c apt-get update"},
        ]
    )
    assert [layer.instruction for layer in layers] == ["RUN apt-get update", 'CMD ["sh"]']
    assert clean_instruction("COPY . /app # buildkit") == "COPY . /app # buildkit"
    bash = "/bin/bash -o pipefail -c"
    assert clean_instruction(f"{bash} #(nop) USER lab") == "USER lab"
    assert clean_instruction(f"|2 A=1 B= {bash} test -n x") == "RUN test -n x"


SUMMARY = {  # one entry of GET /containers/json?all=1 (the data `docker ps -a` prints)
    "Id": "abc123def4567890",
    "Names": ["/db/alias", "/web"],  # a linked container's extra name comes first here
    "Image": "nginx:1.27",
    "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
    "Created": 1714554000,
    "State": "running",
    "Status": "Up 2 hours (unhealthy)",
    "Ports": [
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 443, "Type": "tcp"},
    ],
    "Labels": {"a": "b"},
    "Mounts": [{"Type": "bind", "Source": "/data", "Destination": "/d", "RW": False}],
}


def test_a_listed_container_shows_what_the_list_says_until_inspected():
    info = ContainerInfo.from_summary(SUMMARY)
    assert (info.name, info.image, info.state, info.health) == (
        "web",
        "nginx:1.27",
        "running",
        "unhealthy",
    )
    assert info.ports == "0.0.0.0:8080->80/tcp, 443/tcp"  # as from the inspect (above)
    assert info.created == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert info.mounts[0].read_only and info.labels == {"a": "b"}
    assert not info.inspected and info.pid == 0
    assert status_text(info) == "Up 2 hours"  # health is in the state column, not twice


def test_a_listed_exit_code_and_health_starting_are_read_from_the_status_line():
    exited = {**SUMMARY, "State": "exited", "Status": "Exited (137) 5 minutes ago"}
    assert ContainerInfo.from_summary(exited).exit_code == 137
    starting = {**SUMMARY, "Status": "Up 3 seconds (health: starting)"}
    assert ContainerInfo.from_summary(starting).health == "starting"
    bare = ContainerInfo.from_summary({"Id": "x", "State": "created", "Status": ""})
    assert (bare.name, bare.created, status_text(bare)) == ("", None, "created")
    for created in (10**20, -5, "2024", True):  # out of range or not a number: no time, no crash
        assert ContainerInfo.from_summary({**SUMMARY, "Created": created}).created is None


class _OddEngine:
    """An engine whose inspect of one container fails (a stand-in: a real engine does this
    only in races it cannot be made to repeat, e.g. a container half-removed)."""

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def containers(self, all: bool) -> list[dict]:
        return [SUMMARY, {**SUMMARY, "Id": "gone", "Names": ["/gone"]}, {**SUMMARY, "Id": "odd"}]

    def inspect_container(self, container_id: str) -> dict:
        if container_id == "gone":
            raise NotFound("no such container")
        if container_id == "odd":
            raise self.failure
        return INSPECT


@pytest.mark.parametrize(
    "failure",
    [APIError("500 Server Error: removal in progress"), ValueError("Expecting value: line 1")],
)
def test_one_failing_inspect_keeps_its_listed_row_and_the_others(failure, fault) -> None:
    infos = list_containers(_OddEngine(failure))  # type: ignore[arg-type]
    assert [(i.id, i.inspected) for i in infos] == [(INSPECT["Id"], True), ("odd", False)]
    fault(f"one container's inspect fails: {type(failure).__name__}")
