"""The VM's disk build leaves nothing behind when its process dies mid-build.

Found: a dashboard ended while the lesson exported the image for the VM's disk left the export's
created container (labelled only `org.container-lab.export`, so no sweep of the lesson's found
it: 28 had piled up on this machine) and its `rootfs-*` work folder. Now the export container
carries the lesson's labels (its stop, its guardian and the next lesson's leftover sweep find
it) and a later build removes the work folders of builders that are gone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import docker
import pytest

from tui.baseline.leftovers import LESSON_LABEL, OWNER_LABEL, cleanup_leftovers, owner
from tui.baseline.vmdisk import EXPORT_LABEL, _remove_orphaned_work, disk_cache_dir, export_rootfs
from tui.errors import LabError
from tui.paths import LabPaths

pytestmark = [pytest.mark.docker]

IMAGE = "debian:bookworm-slim"  # the base image the lab bootstraps

# The builder stalls right after the engine made its container, so the test kills it at a
# known moment (an injected pause, not a fake: the container and the engine are real).
BUILDER = """
import json, sys, threading
from pathlib import Path
from tui.baseline import vmdisk
from tui.baseline.leftovers import LESSON_LABEL, OWNER_LABEL, owner
from tui.engine.client import connect
from tui.paths import LabPaths

real = vmdisk.create_container
def stalled(*args, **kwargs):
    made = real(*args, **kwargs)
    print("created", flush=True)
    threading.Event().wait()
    return made
vmdisk.create_container = stalled
labels = {**json.loads(sys.argv[1]), LESSON_LABEL: sys.argv[2], OWNER_LABEL: owner()}
vmdisk.build_disk(connect(None), sys.argv[3], LabPaths(Path(sys.argv[4])), labels)
"""


def test_a_builder_killed_mid_export_leaves_a_container_the_sweep_removes(
    docker_client: docker.DockerClient, test_labels: dict[str, str], tmp_path: Path
) -> None:
    run_id = f"disk-{uuid.uuid4().hex[:8]}"
    builder = subprocess.Popen(
        [sys.executable, "-c", BUILDER, json.dumps(test_labels), run_id, IMAGE, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert builder.stdout is not None
        assert builder.stdout.readline().strip() == "created", (
            "the builder never made its container"
        )
    finally:
        builder.kill()
        builder.wait(timeout=30)
    made = docker_client.containers.list(
        ignore_removed=True, all=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
    )
    assert len(made) == 1, "the export container does not carry the lesson's label"
    assert made[0].labels[EXPORT_LABEL] == "1"
    assert made[0].labels[OWNER_LABEL].startswith(f"{builder.pid}-")
    work = list(disk_cache_dir(LabPaths(tmp_path)).glob("rootfs-*"))
    assert len(work) == 1 and work[0].name.startswith(f"rootfs-{builder.pid}-")

    assert cleanup_leftovers(docker_client, labels=test_labels) >= 1
    assert not docker_client.containers.list(
        ignore_removed=True, all=True, filters={"label": f"{LESSON_LABEL}={run_id}"}
    )
    live = work[0].parent / f"rootfs-{owner()}-abc123"  # this process builds it: kept
    live.mkdir()
    _remove_orphaned_work(work[0].parent)
    assert not work[0].exists() and live.is_dir()


def test_an_export_asked_to_stop_removes_its_container_at_once(
    docker_client: docker.DockerClient, test_labels: dict[str, str], tmp_path: Path
) -> None:
    stopped = threading.Event()
    stopped.set()
    with pytest.raises(LabError, match="stopped while the VM's disk was being built"):
        export_rootfs(docker_client, IMAGE, tmp_path, test_labels, stopped)
    labels = [f"{k}={v}" for k, v in test_labels.items()]
    assert not docker_client.containers.list(
        ignore_removed=True, all=True, filters={"label": labels}
    )
