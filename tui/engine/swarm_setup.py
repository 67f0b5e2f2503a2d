"""Forming a Swarm out of engines the lab started: init, join, and images copied onto the nodes.

No registry answers on the lab's machines, so images reach the nodes the way `docker save |
docker load` carries them: saved once from the main engine, loaded into each node.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from tui.engine.client import EngineClient
from tui.engine.errors import ImageMissing, engine_errors
from tui.errors import LabError

NANOSECONDS = 1_000_000_000
SWARM_PORT = 2377


def open_engine(url: str, timeout: int = 120) -> EngineClient:
    """A client of the engine at `url` (not pinged: see `engine_answers`)."""
    return docker.DockerClient(base_url=url, timeout=timeout)


def engine_answers(url: str) -> bool:
    """Whether the engine at `url` answers a ping now."""
    try:
        client = docker.DockerClient(base_url=url, timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def wait_answers(url: str, bound: float, alive: object = None) -> None:
    """Wait (at most `bound` seconds) until the engine at `url` answers; LabError after that.

    dockerd offers no readiness signal but its socket. `alive`, a callable, ends the wait
    early when it says the daemon is gone.
    """
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if engine_answers(url):
            return
        if callable(alive) and not alive():
            raise LabError(f"the engine at {url} exited while starting: see its log.")
        time.sleep(0.2)
    raise LabError(f"the engine at {url} did not answer within {bound:.0f} s: see its log.")


def init_swarm(client: EngineClient, address: str, heartbeat_seconds: float) -> str:
    """Make this engine the first manager of a new Swarm; returns the workers' join token.

    `heartbeat_seconds` is the dispatcher heartbeat: a node is marked down after a few missed.
    """
    spec = {"Dispatcher": {"HeartbeatPeriod": int(heartbeat_seconds * NANOSECONDS)}}
    with engine_errors():
        client.api.init_swarm(
            advertise_addr=address, listen_addr=f"{address}:{SWARM_PORT}", swarm_spec=spec
        )
        tokens = client.api.inspect_swarm()["JoinTokens"]
    return str(tokens["Worker"])


def join_swarm(client: EngineClient, manager_address: str, token: str, address: str) -> None:
    """Join the Swarm whose manager listens at `manager_address`, as a worker."""
    with engine_errors():
        client.api.join_swarm(
            [f"{manager_address}:{SWARM_PORT}"],
            token,
            listen_addr=f"{address}:{SWARM_PORT}",
            advertise_addr=address,
        )


def image_id(client: EngineClient, tag: str) -> str | None:
    """The id of `tag` on this engine, or None when it has no such image."""
    try:
        with engine_errors():
            return str(client.images.get(tag).id)
    except ImageMissing:
        return None


def copy_images(
    source: EngineClient, targets: Sequence[EngineClient], tags: Sequence[str], folder: Path
) -> list[str]:
    """Copy `tags` from `source` into every target that lacks them (or has another image under
    the tag); returns the tags copied. Saved once into `folder`, loaded into each target."""
    copied: list[str] = []
    for tag in tags:
        wanted = image_id(source, tag)
        if wanted is None:
            raise LabError(f"no image {tag} on the main engine: build or load it there first.")
        missing = [t for t in targets if image_id(t, tag) != wanted]
        if not missing:
            continue
        with tempfile.NamedTemporaryFile(dir=folder) as archive:
            with engine_errors():
                # By the tag asked for: `Image.save(named=True)` names the image by its first
                # tag, and an image with two tags would reach the nodes under the other one.
                for chunk in source.api.get_image(tag):
                    archive.write(chunk)
            archive.flush()
            with ThreadPoolExecutor(len(missing)) as pool:  # each engine unpacks on its own
                list(pool.map(lambda target: _load(target, Path(archive.name)), missing))
        copied.append(tag)
    return copied


def _load(target: EngineClient, archive: Path) -> None:
    with archive.open("rb") as data, engine_errors():
        target.images.load(data)


def build_label_image(client: EngineClient, base: str, tag: str, labels: dict[str, str]) -> None:
    """Build `tag` from `base` with only ENV and LABEL lines (no step runs a container)."""
    lines = [f"FROM {base}"]
    lines += [f'ENV {key}="{value}"' for key, value in labels.items() if key.isupper()]
    lines += [f'LABEL "{key}"="{value}"' for key, value in labels.items() if not key.isupper()]
    dockerfile = ("\n".join(lines) + "\n").encode()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    context.seek(0)
    with engine_errors():
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, pull=False)
