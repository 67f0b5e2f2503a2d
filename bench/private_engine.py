"""A second, private dockerd that a test may stop, freeze and restart (the shared one never is)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker


class PrivateEngine:
    """dockerd on its own socket, data root and exec root, in its own network namespace.

    The namespace matters: a dockerd started with `--bridge=none` on the host deletes the host's
    docker0, breaking the shared engine. Inside its namespace it makes and removes its own.
    """

    def __init__(self, config_file: Path | None = None) -> None:
        """Choose short paths (unix socket paths are limited to about 100 bytes).

        `config_file` replaces /etc/docker/daemon.json (e.g. an engine without runsc).
        """
        self.config_file = config_file
        self.root = Path(tempfile.mkdtemp(prefix="cl-eng-", dir="/var/tmp"))
        self.netns = f"cl-{self.root.name[-8:]}"
        self.socket = Path(tempfile.mkdtemp(prefix="cl-", dir="/tmp")) / "d.sock"
        self.url = f"unix://{self.socket}"
        self.log = self.root / "dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.tls_files: tuple[Path, Path, Path] | None = None
        self.tcp_ip = ""
        self.tcp_url = ""

    def pick_tcp_address(self) -> str:
        """Choose the IP the engine will listen on for TLS (in its namespace); call first.

        A /30 in 10.199.0.0/16 that no interface here uses: .1 on the host's end of a veth
        pair, .2 on the namespace's end.
        """
        used = subprocess.run(
            ["ip", "-o", "-4", "addr"], capture_output=True, text=True, check=True
        ).stdout
        while True:
            base = f"10.199.{random.randrange(256)}.{random.randrange(0, 256, 4)}"
            prefix = base.rsplit(".", 1)[0]
            last = int(base.rsplit(".", 1)[1])
            self.tcp_ip = f"{prefix}.{last + 2}"
            if f" {prefix}.{last + 1}/" not in used and f" {self.tcp_ip}/" not in used:
                self._host_ip = f"{prefix}.{last + 1}"
                return self.tcp_ip

    def listen_tls(self, ca: Path, cert: Path, key: Path) -> str:
        """Also listen on tcp://<tcp_ip>:2376 with --tlsverify (before start); the URL."""
        if not self.tcp_ip:
            self.pick_tcp_address()
        self.tls_files = (ca, cert, key)
        self.tcp_url = f"tcp://{self.tcp_ip}:2376"
        return self.tcp_url

    def _link_namespace(self) -> None:
        """A veth pair from the host into the engine's namespace, so a client here reaches it."""
        host_end, ns_end = f"clh{self.netns[-8:]}", f"cln{self.netns[-8:]}"
        for command in (
            ["ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end],
            ["ip", "link", "set", ns_end, "netns", self.netns],
            ["ip", "addr", "add", f"{self._host_ip}/30", "dev", host_end],
            ["ip", "link", "set", host_end, "up"],
            ["ip", "-n", self.netns, "addr", "add", f"{self.tcp_ip}/30", "dev", ns_end],
            ["ip", "-n", self.netns, "link", "set", ns_end, "up"],
            ["ip", "-n", self.netns, "link", "set", "lo", "up"],
        ):
            subprocess.run(command, check=True, capture_output=True)

    def _tls_args(self) -> list[str]:
        if self.tls_files is None:
            return []
        ca, cert, key = self.tls_files
        return [
            f"--host={self.tcp_url}",
            "--tlsverify",
            f"--tlscacert={ca}",
            f"--tlscert={cert}",
            f"--tlskey={key}",
        ]

    def start(self, wait: float = 60.0) -> None:
        """Start dockerd and wait (bounded) until it answers."""
        if not Path(f"/run/netns/{self.netns}").exists():
            subprocess.run(["ip", "netns", "add", self.netns], check=True)
            if self.tls_files is not None:
                self._link_namespace()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    # nsenter joins only the network namespace; `ip netns exec` would also
                    # remount /sys and hide the cgroup mounts dockerd needs.
                    "nsenter",
                    f"--net=/run/netns/{self.netns}",
                    "dockerd",
                    f"--host={self.url}",
                    *self._tls_args(),
                    f"--data-root={self.root / 'data'}",
                    f"--exec-root={self.root / 'exec'}",
                    f"--pidfile={self.root / 'docker.pid'}",
                    "--iptables=false",
                    "--ip-masq=false",
                    *([f"--config-file={self.config_file}"] if self.config_file else []),
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.answers():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)  # dockerd offers no readiness signal but its socket
        raise RuntimeError(f"private dockerd did not start: {self.log.read_text()[-2000:]}")

    def answers(self) -> bool:
        """Whether the private engine answers a ping."""
        try:
            client = docker.DockerClient(base_url=self.url, timeout=3)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:
            return False

    def stop(self) -> None:
        """Stop dockerd (SIGTERM, as a service manager would) and wait for it to exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def freeze(self) -> None:
        """SIGSTOP dockerd: connections stay open but nothing more arrives (a stalled engine)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT a frozen dockerd."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def load_image(self, tag: str) -> None:
        """Copy an image from the shared engine into this one."""
        shared = docker.from_env(timeout=300)
        private = docker.DockerClient(base_url=self.url, timeout=300)
        try:
            private.images.load(b"".join(shared.images.get(tag).save(named=True)))
        finally:
            shared.close()
            private.close()

    def destroy(self) -> None:
        """Remove its containers, stop it and delete its folders."""
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            try:
                client = docker.DockerClient(base_url=self.url, timeout=30)
                for container in client.containers.list(ignore_removed=True, all=True):
                    container.remove(force=True)
                client.close()
            except Exception:
                pass
            self.stop()
        subprocess.run(["umount", "-R", str(self.root / "exec")], capture_output=True, check=False)
        # Deleting the namespace deletes its end of the veth pair, and with it the host's end.
        subprocess.run(["ip", "netns", "delete", self.netns], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.socket.parent, ignore_errors=True)
