"""README's commands are the ones a newcomer can type: `./lab …`, `docker …` or `docker-compose …`.

Every command in README's ```bash blocks is classified here: the safe ones run for real through
`./lab` (so uv and the venv need not be on PATH); the others are listed with why they are not.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
README = PROJECT / "README.md"
PREFIXES = ("./lab", "docker", "docker-compose")
# Each runs for real; what the test then checks about its output.
RUN = {
    "./lab --help": "demo",
    "./lab baseline show": "source",
    "./lab check": "all 5 checks passed",
    "./lab keys init": "signing key",  # in a temporary project, see below
    "./lab config path": "config.toml",
    "./lab doctor --for keys": "keys (the demo signing key): ready",
    "./lab cluster status": "cluster",
}
NOT_RUN = {
    "./lab dashboard": "opens the interactive dashboard (tests/tui and tests/integration drive it)",
    "./lab test": "runs this very suite",
    "./lab config check": "reads your own preferences (test_preferences_cli.py checks temp files)",
    "./lab doctor": (
        "exits 1 when anything is missing, as in a checkout without a signing key "
        "(tests/integration/test_doctor.py runs it on this machine)"
    ),
    "./lab doctor --install": (
        "changes the machine (apt-get, dockerd); a no-op here, as test_doctor.py checks"
    ),
    "./lab uv tool install .": (
        "installs into your home; test_tool_install.py installs a copy in a temporary tool "
        "folder, and the pristine-Debian lane runs this very line"
    ),
    "./lab demo up": "starts the machine's shared demo set; test_demo.py runs an isolated set",
    "./lab train": "builds the image and trains a model (test_training_lab.py does, labelled)",
    "./lab verify models/sports-classifier-*.tar.gz": "needs a trained model (test_tampering.py)",
    "./lab verify --json models/sports-classifier-*.tar.gz": "needs a trained model "
    "(test_reproducible.py reads the same report)",
    "./lab reproduce models/sports-classifier-*.tar.gz": (
        "retrains a model (test_reproducible.py reproduces the session's model, labelled)"
    ),
    "./lab train --runtime container-lab-runsc": (
        "trains in gVisor (test_reproducible.py does, labelled)"
    ),
    "./lab runs": "reads this checkout's models/runs/ (test_run_history.py reads temporary ones)",
    "./lab sbom container-lab/training:latest": (
        "needs the training image built (test_reproducible.py reads the test image's SBOM)"
    ),
    "docker compose up --build training": "builds and trains (test_runtime_settings.py)",
    "./lab baseline measure": "boots a QEMU VM for about a minute (test_baseline_measure.py)",
    "./lab baseline measure --image container-lab/training:latest": (
        "the same lesson on the training image, which a newcomer builds first with ./lab train"
    ),
    "./lab train --compose": "builds and trains through Compose (test_runtime_settings.py)",
    "docker context create build-box --docker host=ssh://me@build-box": (
        "needs a remote host; tests/unit/test_contexts.py reads contexts laid out as it writes them"
    ),
    "./lab dashboard --context build-box": (
        "opens the dashboard on a remote host (test_engines_ssh.py drives ssh:// for real)"
    ),
    "./lab dashboard --host ssh://me@build-box:2222": (
        "opens the dashboard on a remote host (test_engines_ssh.py drives ssh:// for real)"
    ),
    "./lab dashboard --context all": (
        "opens the interactive dashboard (test_dashboard_engines.py watches several engines)"
    ),
    "./lab dashboard --host unix:///var/run/docker.sock --context build-box": (
        "opens the dashboard on two engines, one remote (test_dashboard_engines.py drives several)"
    ),
    "./lab cluster up": (
        "makes the machine's lab cluster as root; tests/cluster_fixture.py makes the suite's "
        "own with the same code, test_cluster_cli.py runs `cluster up` and `down` for real"
    ),
    "./lab dashboard --context lab-node-1 --context lab-node-2 --context lab-node-3": (
        "opens the dashboard on the lab cluster's engines (test_swarm_tab.py drives that)"
    ),
    "./lab train --cluster --replicas 2": (
        "builds and trains on the lab cluster (test_cluster_training.py runs the same job)"
    ),
    "./lab cluster down": (
        "removes the machine's lab cluster; test_cluster_cli.py runs `down` on clusters of its own"
    ),
}


def readme_commands() -> list[str]:
    """Every command line of README's bash blocks, without its trailing comment."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split(" # ")[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def newcomer_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without the venv and without ~/.local/bin (where a user's own uv may
    be) on PATH: ./lab has to find both itself."""
    drop = {str(Path.home() / ".local" / "bin")}
    path = [p for p in os.environ["PATH"].split(":") if p not in drop and "/.venv/" not in p + "/"]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {**env, "PATH": ":".join(path), **(extra or {})}


def lab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["./lab", *args],
        cwd=PROJECT,
        env=newcomer_env(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_readme_has_commands_and_every_one_starts_with_lab_or_docker():
    commands = readme_commands()
    assert len(commands) >= 10
    wrong = [c for c in commands if c.split()[0] not in PREFIXES]
    assert not wrong, f"README commands a newcomer cannot run as written: {wrong}"


def test_every_readme_command_is_either_run_here_or_listed_with_a_reason():
    unclassified = set(readme_commands()) - RUN.keys() - NOT_RUN.keys()
    assert not unclassified, f"classify these README commands in this test: {unclassified}"


@pytest.mark.parametrize(
    "command",
    [
        "./lab --help",
        "./lab baseline show",
        "./lab check",
        "./lab config path",
        "./lab doctor --for keys",
        "./lab cluster status",
    ],
)
def test_safe_readme_commands_run(command: str):
    result = lab(*command.split()[1:])
    assert result.returncode == 0, result.stderr
    assert RUN[command] in result.stdout.lower()


def test_keys_init_makes_a_key_in_the_project_it_is_pointed_at(tmp_path):
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = lab("keys", "init", env={"CONTAINER_LAB_PROJECT": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert RUN["./lab keys init"] in result.stdout
    assert (tmp_path / ".lab" / "keys" / "signing-key.asc").is_file()
    assert (tmp_path / ".lab" / "trusted-keys" / "keyname-to-fingerprint.json").is_file()


@pytest.mark.parametrize("args", [[], ["nonsense"], ["--frobnicate"]])
def test_unknown_or_missing_commands_get_one_line_and_status_2(args):
    result = lab(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "./lab --help" in result.stderr
