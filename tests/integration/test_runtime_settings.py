"""The training container's runtime settings, read back with `docker inspect`, SDK and compose."""

from __future__ import annotations

import subprocess
import uuid
from typing import Any

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tui.engine.build import BuildResult
from tui.lab.compose_run import compose_args
from tui.lab.container_spec import training_config
from tui.lab.identity import ensure_identity
from tui.lab.keys import load_keys
from tui.lab.run_secrets import RunSecrets, run_secrets
from tui.lab.run_setup import prepare_models_dir
from tui.paths import LabPaths


def assert_hardened(attrs: dict[str, Any], uid: int, gid: int, secrets: RunSecrets) -> None:
    """The settings both ways of starting the service must give the container."""
    host = attrs["HostConfig"]
    assert attrs["Config"]["User"] == f"{uid}:{gid}"
    assert uid != 0
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges:true"]
    assert host["ReadonlyRootfs"] is True
    assert host["Privileged"] is False
    assert host["Memory"] == 1024**3
    assert host["NanoCpus"] == 1_500_000_000
    assert host["PidsLimit"] == 256
    assert host["NetworkMode"] == "none"
    assert host["PidMode"] == "" and host["IpcMode"] in ("private", "")
    assert "/tmp" in host["Tmpfs"]
    mounts = {m["Destination"]: m for m in attrs["Mounts"]}
    assert mounts["/data"]["RW"] is False
    assert mounts["/models"]["RW"] is True
    assert mounts["/trusted-keys"]["RW"] is False
    assert mounts["/run/secrets/signing_key"]["RW"] is False
    assert mounts["/run/secrets/signing_passphrase"]["RW"] is False
    # The key comes from the run's own copy, never from .lab/keys itself.
    assert mounts["/run/secrets/signing_key"]["Source"] == str(secrets.secret_key)
    assert mounts["/run/secrets/signing_passphrase"]["Source"] == str(secrets.passphrase)
    # The trusted keys come from the run's snapshot of what was checked, never the live folder.
    assert mounts["/trusted-keys"]["Source"] == str(secrets.trusted_keys)
    assert not any("docker.sock" in m["Source"] for m in attrs["Mounts"])


def test_sdk_container_is_hardened(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult
) -> None:
    identity = ensure_identity(lab.env_file)
    prepare_models_dir(lab.models, identity)
    keys = load_keys(lab)
    with run_secrets(lab, keys, identity) as secrets:
        config = training_config(TEST_IMAGE_TAG, lab.data, lab.models, secrets, identity, LABELS)
        container = docker_client.containers.create(**config)
        try:
            assert_hardened(container.attrs, identity.uid, identity.gid, secrets)
        finally:
            container.remove(force=True)


@pytest.mark.slow
def test_compose_service_is_hardened_and_trains(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult
) -> None:
    """`compose up` trains to a verified tarball with the same settings as the SDK run."""
    from tui.lab.compose_run import compose_train
    from tui.lab.verify import verify_tarball

    identity = ensure_identity(lab.env_file)
    project = f"cltest{uuid.uuid4().hex[:8]}"
    before = set(lab.models.glob("*.tar.gz")) if lab.models.exists() else set()
    env = {"LAB_IMAGE": TEST_IMAGE_TAG}
    try:
        with run_secrets(lab, load_keys(lab), identity) as secrets:
            subprocess.run(
                compose_args(lab, "-p", project, "up", "--no-start", "training"),
                cwd=lab.project,
                check=True,
                capture_output=True,
                env=_env(
                    {
                        **env,
                        "LAB_SECRETS_DIR": str(secrets.folder),
                        "LAB_TRUSTED_KEYS_DIR": str(secrets.trusted_keys),
                    }
                ),
            )
            created = docker_client.containers.list(
                ignore_removed=True,
                all=True,
                filters={"label": f"com.docker.compose.project={project}"},
            )
            assert len(created) == 1
            assert_hardened(created[0].attrs, identity.uid, identity.gid, secrets)
            created[0].remove(force=True)
        assert compose_train(lab, project_name=project, extra_env=env) == 0
    finally:
        subprocess.run(
            compose_args(lab, "-p", project, "down"),
            cwd=lab.project,
            capture_output=True,
            env=_env(env),
            check=False,
        )
    new = set(lab.models.glob("*.tar.gz")) - before
    assert len(new) == 1
    tarball = new.pop()
    assert (tarball.stat().st_uid, tarball.stat().st_gid) == (identity.uid, identity.gid)
    verdict = verify_tarball(docker_client, tarball, lab, image=TEST_IMAGE_TAG, labels=LABELS)
    assert verdict.ok, verdict.reason


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}
