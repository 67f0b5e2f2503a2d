"""The training container's runtime settings: mounts, limits and hardening, in one place.

The same settings are written in compose.yaml; a test compares both with `docker inspect`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.engine.handles import bind_mount
from tui.lab.identity import LabIdentity
from tui.lab.run_secrets import RunSecrets

MEMORY_LIMIT = "1g"
NANO_CPUS = 1_500_000_000  # 1.5 CPUs
PIDS_LIMIT = 256
TMPFS = {"/tmp": "rw,nosuid,nodev,noexec,size=64m,mode=1777"}
ROLE_LABEL = "org.container-lab.role"


def hardened(identity: LabIdentity, labels: dict[str, str]) -> dict[str, Any]:
    """Settings every lab container gets: non-root, no network, no capabilities, read-only."""
    return {
        "user": identity.user,
        "read_only": True,
        "tmpfs": dict(TMPFS),
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "mem_limit": MEMORY_LIMIT,
        "nano_cpus": NANO_CPUS,
        "pids_limit": PIDS_LIMIT,
        "init": True,
        "labels": labels,
    }


def training_config(
    image: str,
    data: Path,
    models: Path,
    secrets: RunSecrets,
    identity: LabIdentity,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `containers.create` that train into `models`.

    The private key and the trusted keys come from the run's own copies (`secrets`), never from
    .lab/ itself.
    """
    mounts = [
        bind_mount("/data", str(data), read_only=True),
        bind_mount("/models", str(models), read_only=False),
        bind_mount("/trusted-keys", str(secrets.trusted_keys), read_only=True),
        bind_mount("/run/secrets/signing_key", str(secrets.secret_key), read_only=True),
        bind_mount("/run/secrets/signing_passphrase", str(secrets.passphrase), read_only=True),
    ]
    return {
        "image": image,
        "command": ["/models"],
        "mounts": mounts,
        **hardened(identity, {ROLE_LABEL: "training", **(labels or {})}),
    }


def verify_config(
    image: str,
    tarball_dir: Path,
    tarball_name: str,
    trusted_dir: Path,
    identity: LabIdentity,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `containers.create` that verify one tarball with the public key.

    `trusted_dir` is a private snapshot of the checked trusted keys (tui.lab.trusted_dir).
    """
    return {
        "image": image,
        "entrypoint": ["python", "-m", "training.verify"],
        "command": [f"/input/{tarball_name}"],
        "mounts": [
            bind_mount("/input", str(tarball_dir), read_only=True),
            bind_mount("/trusted-keys", str(trusted_dir), read_only=True),
        ],
        **hardened(identity, {ROLE_LABEL: "verify", **(labels or {})}),
    }
