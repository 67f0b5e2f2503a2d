"""Sample containers for an empty engine (`container-lab demo up|down`), from local images only.

An idle one, a web server on a published port, one CPU-bound at half a core, one holding 200 MiB,
and a two-service Compose project. Every one carries `org.container-lab.demo=1` and a name that
starts with `cl-demo-`; `demo down` removes by label, so it never touches anything else.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.engine.client import EngineClient
from tui.engine.compose import compose_command
from tui.engine.errors import EngineError, NotFoundError
from tui.engine.handles import (
    ContainerHandle,
    find_container,
    labelled_containers,
    labelled_networks,
    run_container,
)
from tui.engine.images import image_id
from tui.errors import LabError

DEMO_LABEL = "org.container-lab.demo"
DEMO_IMAGE = "debian:bookworm-slim"
COMPOSE_FILE = Path(__file__).with_name("demo-compose.yaml")
COMPOSE_SERVICES = ("web", "poller")
WEB_PORT = 8088  # on 127.0.0.1 only
HALF_A_CORE = 500_000_000  # nano CPUs
HOLD_MIB = 200

# Perl is in the slim image; these scripts are all the demo runs.
WEB_SERVER = r"""$| = 1;
my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 16, ReuseAddr => 1) or die "$!";
print "serving on :8080\n";
while (my $c = $s->accept) {
  my $first = <$c>;
  while (my $l = <$c>) { last if $l =~ /^\r?\n$/ }
  print "request: $first";
  my $b = "hello from the container lab demo\n";
  print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n",
    "Content-Length: " . length($b) . "\r\n\r\n$b";
  close $c;
}"""
# The size comes from the command line: a constant would be folded at compile time and held twice.
MEMORY_HOLDER = r"""$| = 1;
my $x = "\x01" x ($ARGV[0] * 1048576);
print "holding $ARGV[0] MiB\n";
sleep 60 while 1;"""


@dataclass(frozen=True)
class DemoSet:
    """One set of demo containers: their name prefix, extra labels and the web server's port.

    The default is the set `./lab demo up` makes; tests make their own with another prefix and
    their session's labels, so `demo down` of theirs leaves everything else alone.
    """

    prefix: str = "cl-demo-"
    labels: Mapping[str, str] = field(default_factory=dict)
    web_port: int = WEB_PORT  # 0: any free port
    image: str = DEMO_IMAGE

    @property
    def all_labels(self) -> dict[str, str]:
        """The demo label plus the set's own."""
        return {DEMO_LABEL: "1", **self.labels}

    @property
    def project(self) -> str:
        """The Compose project name (lower-case letters, digits, `-` and `_`)."""
        return re.sub(r"[^a-z0-9_-]", "", self.prefix.lower()).strip("-_") or "cl-demo"

    @property
    def label_filter(self) -> list[str]:
        """The engine's label filter that matches this set and nothing else."""
        return [f"{key}={value}" for key, value in self.all_labels.items()]


def plain_containers(demo: DemoSet) -> dict[str, dict[str, Any]]:
    """The four plain containers, by name: `containers.run` arguments."""
    common: dict[str, Any] = {"image": demo.image, "init": True, "detach": True}
    return {
        f"{demo.prefix}idle": {**common, "command": ["sleep", "infinity"]},
        f"{demo.prefix}web": {
            **common,
            "command": ["perl", "-MIO::Socket::INET", "-e", WEB_SERVER],
            "ports": {"8080/tcp": ("127.0.0.1", demo.web_port or None)},
        },
        f"{demo.prefix}cpu": {
            **common,
            "command": ["sh", "-c", "while :; do :; done"],
            "nano_cpus": HALF_A_CORE,
        },
        f"{demo.prefix}memory": {
            **common,
            "command": ["perl", "-e", MEMORY_HOLDER, str(HOLD_MIB)],
            "mem_limit": f"{HOLD_MIB + 56}m",
        },
    }


def demo_containers(client: EngineClient, demo: DemoSet) -> list[ContainerHandle]:
    """This set's containers, running or not."""
    return labelled_containers(client, demo.label_filter)


def demo_up(
    client: EngineClient, demo: DemoSet | None = None, host: str | None = None
) -> list[str]:
    """Start the set (what runs already is kept); one line per container.

    `host` is the engine's address for Compose (None: $DOCKER_HOST or the local socket).
    """
    demo = demo or DemoSet()
    if image_id(client, demo.image) is None:
        raise LabError(
            f"the demo uses only local images and {demo.image} is missing: "
            "run `./lab engine up` (it bootstraps the base image)."
        )
    lines = [_run_plain(client, name, args, demo) for name, args in plain_containers(demo).items()]
    _compose(demo, host, "up", "-d", "--no-build")
    for container in demo_containers(client, demo):
        if container.labels.get("com.docker.compose.project") == demo.project:
            lines.append(f"{container.name}: compose service of project {demo.project}")
    return lines


def _run_plain(client: EngineClient, name: str, args: dict[str, Any], demo: DemoSet) -> str:
    existing = find_container(client, name)
    try:
        if existing is not None:
            if existing.labels.get(DEMO_LABEL) != "1":
                raise LabError(f"a container named {name} exists and is not a demo: rename it.")
            if existing.status == "running":
                return f"{name}: already running"
            existing.remove()
        container = run_container(client, name=name, labels=demo.all_labels, **args)
    except EngineError as exc:
        message = exc.explanation or str(exc)
        raise LabError(f"cannot start {name}: {message}") from exc
    container.reload()
    ports = container.ports.get("8080/tcp") or []
    where = f" on http://127.0.0.1:{ports[0]['HostPort']}/" if ports else ""
    return f"{name}: started{where}"


def override_dir(demo: DemoSet) -> Path:
    """Where a demo set's compose override lives: the user's cache, one folder per project."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "container-lab" / "demo" / demo.project


def _compose(demo: DemoSet, host: str | None, *args: str) -> None:
    """Run compose on the shipped file plus an override with this set's labels and names."""
    names = {service: f"{demo.prefix}compose-{service}" for service in COMPOSE_SERVICES}
    override: dict[str, Any] = {
        "version": "2.4",
        "services": {
            service: {"container_name": name, "labels": demo.all_labels, "image": demo.image}
            for service, name in names.items()
        },
        "networks": {"default": {"labels": demo.all_labels}},
    }
    env = {**os.environ, "DEMO_IMAGE": demo.image}
    if host:
        env["DOCKER_HOST"] = host
    # The override stays (the dashboard's project actions run compose on the files the
    # containers' labels name) in a folder of this set's own, rewritten on every run.
    where = override_dir(demo)
    where.mkdir(parents=True, exist_ok=True)
    extra = where / "labels.yaml"
    extra.write_text(json.dumps(override))  # JSON is YAML
    argv = [*compose_command(), "-p", demo.project, "-f", str(COMPOSE_FILE), "-f", str(extra)]
    result = subprocess.run(
        [*argv, *args], capture_output=True, text=True, env=env, cwd=where, check=False
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        reason = next((line for line in lines if "ERROR" in line), lines[-1])
        raise LabError(f"compose {args[0]} of the demo project failed: {reason}")


def demo_down(client: EngineClient, demo: DemoSet | None = None) -> list[str]:
    """Remove this set's containers and network (by label), nothing else; one line each."""
    demo = demo or DemoSet()
    lines = []
    for container in demo_containers(client, demo):
        try:
            container.remove()
            lines.append(f"{container.name}: removed")
        except NotFoundError:
            continue
        except EngineError as exc:
            raise LabError(f"cannot remove {container.name}: {exc}") from exc
    for network in labelled_networks(client, demo.label_filter):
        try:
            network.remove()
            lines.append(f"network {network.name}: removed")
        except NotFoundError:
            continue
        except EngineError as exc:
            raise LabError(f"cannot remove network {network.name}: {exc}") from exc
    return lines


def demo_from_cli(action: str, host: str | None = None) -> int:
    """`container-lab demo up|down`: print one line per container."""
    from tui.engine.client import connect

    client = connect(host)
    lines = demo_up(client, host=host) if action == "up" else demo_down(client)
    print("\n".join(lines) or "no demo containers")
    if action == "up":
        print("see them in the dashboard: ./lab dashboard; remove them: ./lab demo down")
    return 0
