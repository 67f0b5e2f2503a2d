"""The training image as a Swarm `replicated-job`: the same settings as a local run, where Swarm
has them (tui/lab/container_spec.py is the local run's).

What differs, because a Swarm service cannot say it: no `network_mode: none` (a task joins an
internal overlay network made for the run: nothing outside is reachable), no
`no-new-privileges` (Docker 20.10's services have no such setting), and the tmpfs on /tmp
without its `nosuid,nodev,noexec` options. The signing key and passphrase are Swarm secrets made
for the run (mode 400, owned by the container's uid) instead of bind-mounted copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.lab.container_spec import MEMORY_LIMIT, NANO_CPUS, PIDS_LIMIT, ROLE_LABEL
from tui.lab.identity import LabIdentity
from tui.lab.keys import PASSPHRASE_FILE, SECRET_KEY_FILE, LabKeys

GIB = 1024**3
TMPFS_BYTES = 64 * 1024 * 1024
# Each replica trains into its own folder, named by its task id (Swarm renders the template;
# `{{.Task.Slot}}` would not do: a job's first slot is 0, which renders as the node's id).
TRAIN_SCRIPT = 'mkdir -p "/models/$TASK" && exec python -m training.train "/models/$TASK"'


def _memory_bytes() -> int:
    number, unit = MEMORY_LIMIT[:-1], MEMORY_LIMIT[-1].lower()
    return int(number) * {"g": GIB, "m": 1024**2}[unit]


def _bind(source: Path, target: str, *, read_only: bool) -> dict[str, Any]:
    return {"Type": "bind", "Source": str(source), "Target": target, "ReadOnly": read_only}


def _secret(secret_id: str, name: str, file: str, identity: LabIdentity) -> dict[str, Any]:
    owner = {"UID": str(identity.uid), "GID": str(identity.gid), "Mode": 0o400}
    return {"SecretID": secret_id, "SecretName": name, "File": {"Name": file, **owner}}


def training_job_spec(
    name: str,
    image: str,
    replicas: int,
    *,
    data: Path,
    run_folder: Path,
    keys: LabKeys,
    identity: LabIdentity,
    secrets: dict[str, tuple[str, str]],
    network_id: str,
    labels: dict[str, str],
) -> dict[str, Any]:
    """The job's full service spec. `secrets` maps the key's and the passphrase's file names to
    (secret id, secret name); `run_folder` is the run's own folder under models/."""
    key_id, key_name = secrets[SECRET_KEY_FILE]
    phrase_id, phrase_name = secrets[PASSPHRASE_FILE]
    container = {
        "Image": image,
        "Command": ["sh", "-c", TRAIN_SCRIPT],
        "Env": ["TASK={{.Task.ID}}"],
        "User": identity.user,
        "ReadOnly": True,
        "Init": True,
        "CapabilityDrop": ["ALL"],
        "Mounts": [
            _bind(data, "/data", read_only=True),
            _bind(run_folder, "/models", read_only=False),
            _bind(keys.trusted_dir, "/trusted-keys", read_only=True),
            {
                "Type": "tmpfs",
                "Target": "/tmp",
                "TmpfsOptions": {"SizeBytes": TMPFS_BYTES, "Mode": 0o1777},
            },
        ],
        "Secrets": [
            _secret(key_id, key_name, "signing_key", identity),
            _secret(phrase_id, phrase_name, "signing_passphrase", identity),
        ],
        "Labels": {**labels, ROLE_LABEL: "training"},
    }
    return {
        "Name": name,
        "Labels": {**labels, ROLE_LABEL: "training-job"},
        "TaskTemplate": {
            "ContainerSpec": container,
            "Resources": {
                "Limits": {
                    "NanoCPUs": NANO_CPUS,
                    "MemoryBytes": _memory_bytes(),
                    "Pids": PIDS_LIMIT,
                }
            },
            "RestartPolicy": {"Condition": "none"},
            "Networks": [{"Target": network_id}],
        },
        "Mode": {"ReplicatedJob": {"MaxConcurrent": replicas, "TotalCompletions": replicas}},
    }
