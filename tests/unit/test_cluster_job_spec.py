"""The training job's Swarm spec: the local run's settings where a service has them."""

from __future__ import annotations

import json
from pathlib import Path

from tui.lab.cluster_spec import training_job_spec
from tui.lab.identity import LabIdentity
from tui.lab.keys import PASSPHRASE_FILE, SECRET_KEY_FILE, LabKeys


def test_the_training_job_keeps_the_local_runs_settings_where_swarm_has_them(tmp_path: Path):
    keys = LabKeys(
        "F" * 40, tmp_path / SECRET_KEY_FILE, tmp_path / PASSPHRASE_FILE, tmp_path / "tk"
    )
    spec = training_job_spec(
        "cl-train-1",
        "container-lab/training:latest",
        3,
        data=tmp_path / "data",
        run_folder=tmp_path / "models" / ".cluster-1",
        keys=keys,
        identity=LabIdentity(20000, 20001),
        secrets={SECRET_KEY_FILE: ("sk", "key-secret"), PASSPHRASE_FILE: ("pp", "pass-secret")},
        network_id="net1",
        labels={"org.container-lab.test": "x"},
    )
    json.dumps(spec)  # what the API is sent
    assert spec["Labels"]["org.container-lab.role"] == "training-job"
    assert spec["Mode"] == {"ReplicatedJob": {"MaxConcurrent": 3, "TotalCompletions": 3}}
    template = spec["TaskTemplate"]
    container = template["ContainerSpec"]
    assert container["User"] == "20000:20001" and container["ReadOnly"] and container["Init"]
    assert container["CapabilityDrop"] == ["ALL"]
    assert container["Labels"]["org.container-lab.role"] == "training"
    mounts = {m["Target"]: m for m in container["Mounts"]}
    assert mounts["/data"]["ReadOnly"] and mounts["/trusted-keys"]["ReadOnly"]
    assert not mounts["/models"]["ReadOnly"] and mounts["/models"]["Source"].endswith(".cluster-1")
    assert mounts["/tmp"]["Type"] == "tmpfs"
    secrets = {s["File"]["Name"]: s for s in container["Secrets"]}
    for name, secret_id in (("signing_key", "sk"), ("signing_passphrase", "pp")):
        assert secrets[name]["SecretID"] == secret_id
        assert secrets[name]["File"] == {
            "Name": name,
            "UID": "20000",
            "GID": "20001",
            "Mode": 0o400,
        }
    limits = template["Resources"]["Limits"]
    assert limits == {"NanoCPUs": 1_500_000_000, "MemoryBytes": 2**30, "Pids": 256}
    assert template["RestartPolicy"] == {"Condition": "none"}
    assert template["Networks"] == [{"Target": "net1"}]
