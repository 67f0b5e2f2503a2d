"""Engines besides the shared dockerd, started and removed by the tests themselves.

- PodmanService: `podman system service` on its own socket, storage, containers.conf and
  network namespace (its bridge and iptables rules stay in there).
- LocalSshd: an sshd on 127.0.0.1 with its own config, throwaway host and client keys, and a
  client HOME whose known_hosts trusts it; `docker system dial-stdio` runs on the far side.
- make_tls_files: a CA, a server certificate for one IP and a client certificate (openssl).

Nothing here touches the system's configuration: every file lives in a temp dir removed at stop.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import docker

# This sandbox's rlimits refuse Podman's default ulimits ("error setting rlimit type 7");
# these fit inside them. Locks are files in its own tmp dir, not the machine-wide shm segment.
# The lab's containers ask for an init process: Podman's own (catatonit) is a package `./lab`
# does not install, so the service uses Docker's tini, which docker.io ships.
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
init_path = "/usr/bin/docker-init"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
tmp_dir = "{root}/tmp"
"""
STORAGE_CONF = """\
[storage]
driver = "overlay"
runroot = "{root}/run"
graphroot = "{root}/storage"
"""


def missing_tools(*tools: str) -> list[str]:
    """The tools of `tools` that are not installed (PATH, then /usr/sbin)."""
    return [t for t in tools if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]


def wait_for(condition: object, what: str, timeout: float = 60.0, log: Path | None = None) -> None:
    """Poll `condition()` until true, bounded (these daemons offer no readiness signal)."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s: {tail}")


def _answers(url: str) -> bool:
    try:
        client = docker.DockerClient(base_url=url, timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


class PodmanService:
    """Podman's Docker-compatible API on a socket of its own, in its own network namespace."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cl-pod-", dir="/var/tmp"))
        self.netns = f"cl-{self.root.name[-8:]}"
        self.socket = self.root / "podman.sock"
        self.url = f"unix://{self.socket}"
        self.log = self.root / "service.log"
        (self.root / "containers.conf").write_text(CONTAINERS_CONF.format(root=self.root))
        (self.root / "storage.conf").write_text(STORAGE_CONF.format(root=self.root))
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(self.root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def podman(self, *args: str, timeout: float = 300) -> str:
        """Run the podman CLI on this service's storage (in its namespace); its stdout."""
        result = subprocess.run(
            ["nsenter", f"--net=/run/netns/{self.netns}", "podman", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)}: {result.stderr.strip()[-1000:]}")
        return result.stdout

    def start(self, wait: float = 60.0) -> None:
        """Start the service and wait (bounded) until it answers a ping."""
        subprocess.run(["ip", "netns", "add", self.netns], check=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "nsenter",
                    f"--net=/run/netns/{self.netns}",
                    "podman",
                    "system",
                    "service",
                    "--time=0",
                    self.url,
                ],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_for(lambda: _answers(self.url), "podman system service", wait, self.log)

    def load_image(self, tag: str) -> None:
        """Copy an image from the shared Docker engine (no registry answers here)."""
        self.podman("pull", "--quiet", f"docker-daemon:{tag}")

    def destroy(self) -> None:
        """Remove its containers, stop it, and delete its storage, namespace and files."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.podman("rm", "--all", "--force", "--time", "1", timeout=120)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        with contextlib.suppress(Exception):
            self.podman("system", "reset", "--force", timeout=120)  # unmounts its overlays
        subprocess.run(["ip", "netns", "delete", self.netns], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SSHD_CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""


class LocalSshd:
    """sshd on 127.0.0.1:<free port>, its own config and keys; `home` is the client's HOME.

    `environment` is set in every session (sshd's SetEnv): DOCKER_HOST there points the far
    side's `docker system dial-stdio` at another engine, e.g. a private dockerd.
    """

    def __init__(self, user: str = "root", environment: Mapping[str, str] | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cl-ssh-"))
        self.environment = dict(environment or {})
        self.home = self.dir / "home"
        self.port = free_port()
        self.user = user
        self.url = f"ssh://{user}@127.0.0.1:{self.port}"
        self.log = self.dir / "sshd.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _keygen(self, path: Path) -> str:
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
            check=True,
            capture_output=True,
        )
        return path.with_suffix(".pub").read_text().strip()

    def start(self, wait: float = 30.0) -> None:
        """Make the keys and the client's HOME, start sshd, wait until it greets."""
        host_pub = self._keygen(self.dir / "host_ed25519")
        ssh_dir = self.home / ".ssh"
        ssh_dir.mkdir(parents=True, mode=0o700)
        (self.dir / "authorized_keys").write_text(self._keygen(ssh_dir / "id_ed25519") + "\n")
        (ssh_dir / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_pub}\n")
        config = self.dir / "sshd_config"
        settings = "".join(f"SetEnv {key}={value}\n" for key, value in self.environment.items())
        config.write_text(SSHD_CONFIG.format(port=self.port, dir=self.dir) + settings)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        wait_for(self._greets, "sshd", wait, self.log)

    def _greets(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
                return conn.recv(4).startswith(b"SSH-")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop sshd and delete its keys and config."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass(frozen=True)
class TlsFiles:
    """A CA, the engine's certificate and key, and a client folder laid out for DOCKER_CERT_PATH."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_dir: Path  # ca.pem, cert.pem, key.pem


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _new_key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )


def _signed(folder: Path, name: str, subject: str, ca: Path, ca_key: Path, ext: str) -> Path:
    key, csr, cert, extfile = (folder / f"{name}{s}" for s in ("-key.pem", ".csr", ".pem", ".ext"))
    _new_key(key)
    _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
    extfile.write_text(ext + "\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extfile), "-out", str(cert),
    )  # fmt: skip
    return cert


def make_ca(folder: Path, name: str = "ca") -> tuple[Path, Path]:
    """A self-signed CA: (certificate, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / f"{name}-key.pem", folder / f"{name}.pem"
    _new_key(key)
    _openssl(
        "req", "-x509", "-new", "-key", str(key), "-days", "2",
        "-subj", f"/CN=container-lab test {name}", "-out", str(cert),
    )  # fmt: skip
    return cert, key


def make_tls_files(folder: Path, server_ip: str) -> TlsFiles:
    """A CA, a server certificate for `server_ip` and a client certificate signed by it."""
    ca, ca_key = make_ca(folder)
    server = _signed(
        folder, "server", "/CN=engine", ca, ca_key,
        f"subjectAltName=IP:{server_ip}\nextendedKeyUsage=serverAuth",
    )  # fmt: skip
    client = _signed(folder, "client", "/CN=client", ca, ca_key, "extendedKeyUsage=clientAuth")
    client_dir = folder / "client"
    client_dir.mkdir()
    shutil.copy(ca, client_dir / "ca.pem")
    shutil.copy(client, client_dir / "cert.pem")
    shutil.copy(folder / "client-key.pem", client_dir / "key.pem")
    return TlsFiles(ca, server, folder / "server-key.pem", client_dir)
