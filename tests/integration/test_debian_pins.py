"""The image's Debian packages: pinned by training/debian-packages.lock, and a build that outlives
a Debian point release (a pin missing from the archive falls back to the candidate, and says so).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import PROJECT, TEST_IMAGE_TAG
from tui.engine.build import BuildResult
from tui.paths import LabPaths

RECORD = "/usr/share/container-lab/debian-packages.lock"
MISSING = "gpg-agent=0.0.0-not-in-the-archive"


def locked(path: Path = PROJECT / "training" / "debian-packages.lock") -> dict[str, str]:
    """name -> version from the committed lock (comments and blank lines ignored)."""
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line)


def installed(client: docker.DockerClient, image: str) -> dict[str, str]:
    """name -> version the image recorded when it installed its Debian packages."""
    output = client.containers.run(
        image, entrypoint=["cat", RECORD], network_mode="none", labels=LABELS, remove=True
    )
    return dict(line.split("=", 1) for line in output.decode().splitlines() if line)


def test_the_image_has_exactly_the_locked_debian_versions(
    docker_client: docker.DockerClient, training_image: BuildResult
) -> None:
    assert installed(docker_client, TEST_IMAGE_TAG) == locked(), (
        "the image's Debian packages differ from training/debian-packages.lock: a point release "
        f"replaced a pinned version; copy {RECORD} from a fresh image into the lock"
    )


@pytest.mark.slow
def test_a_pin_the_archive_no_longer_has_falls_back_to_the_candidate(
    docker_client: docker.DockerClient, lab: LabPaths
) -> None:
    """A real build of the packages stage with a pin no archive has (as after a point release)."""
    tag = session_tag("-pins")
    lines: list[str] = []
    errors: list[str] = []
    try:
        for chunk in docker_client.api.build(
            path=str(lab.project),
            tag=tag,
            target="system-packages",
            buildargs={"DEBIAN_PIN_OVERRIDES": MISSING},
            labels=LABELS,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            lines.extend(chunk.get("stream", "").splitlines())
            if "error" in chunk:
                errors.append(chunk["error"])
        assert not errors, errors
        log = "\n".join(lines)
        assert f"debian-pins: {MISSING} is not in the archive" in log, log[-2000:]
        versions = installed(docker_client, tag)
        assert set(versions) == set(locked())
        assert versions["gpg-agent"] != MISSING.split("=")[1]
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(tag, force=True)
