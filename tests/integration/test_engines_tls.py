"""tcp:// with TLS: a private dockerd with --tlsverify, reached through a veth pair into its
namespace, with a CA and certificates the session made (tests/integration/engines.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.private_engine import PrivateEngine
from tests.integration.engines import TlsFiles, make_ca
from tui.engine.backend import DockerBackend
from tui.engine.client import connect
from tui.engine.contexts import resolve_engines
from tui.errors import LabError

pytestmark = pytest.mark.docker
TlsEngine = tuple[PrivateEngine, TlsFiles]


def test_docker_cert_path_and_tls_verify_reach_the_engine(
    tls_engine: TlsEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, files = tls_engine
    monkeypatch.setenv("DOCKER_HOST", engine.tcp_url)
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", str(files.client_dir))
    backend = DockerBackend()
    try:
        backend.connect()
        assert backend.spec.source == "$DOCKER_HOST"
        assert backend.name == engine.tcp_ip
        assert backend.api.base_url.startswith("https://")
        assert backend.containers() == []  # the private engine's own (empty) list
        assert backend.cgroup_collector() is None  # tcp:// counts as remote
        assert backend.shell_argv("abc")[1:4] == ["-H", engine.tcp_url, "--tlsverify"]
    finally:
        backend.close()


def test_a_contexts_tls_files_reach_the_engine(tls_engine: TlsEngine, tmp_path: Path) -> None:
    engine, files = tls_engine
    digest = hashlib.sha256(b"secure").hexdigest()
    meta = tmp_path / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    endpoint = {"Host": engine.tcp_url, "SkipTLSVerify": False}
    (meta / "meta.json").write_text(
        json.dumps({"Name": "secure", "Metadata": {}, "Endpoints": {"docker": endpoint}})
    )
    shutil.copytree(files.client_dir, tmp_path / "contexts" / "tls" / digest / "docker")
    [spec] = resolve_engines(contexts=["secure"], env={"DOCKER_CONFIG": str(tmp_path)})
    client = connect(spec)
    try:
        assert client.version()["ApiVersion"]
    finally:
        client.close()


@pytest.mark.bad_input
def test_a_wrong_ca_or_no_client_certificate_is_a_one_line_error(
    tls_engine: TlsEngine, tmp_path: Path, bad_input: Callable[[str], None]
) -> None:
    engine, files = tls_engine
    wrong_ca = tmp_path / "wrong-ca"
    shutil.copytree(files.client_dir, wrong_ca)
    other_ca, _ = make_ca(tmp_path / "other", "other-ca")
    shutil.copy(other_ca, wrong_ca / "ca.pem")
    no_cert = tmp_path / "no-cert"
    no_cert.mkdir()
    shutil.copy(files.client_dir / "ca.pem", no_cert / "ca.pem")
    cases = {
        "CA that did not sign the engine's certificate": (
            {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(wrong_ca)},
            "not signed by the CA in",
        ),
        "TLS without a client certificate": (
            {"DOCKER_CERT_PATH": str(no_cert)},
            "missing in",  # refused before connecting: cert.pem and key.pem are not there
        ),
        "plain HTTP to a TLS port": ({}, "No Docker engine answers at"),
    }
    for name, (env, expected) in cases.items():
        with pytest.raises(LabError) as caught:
            [spec] = resolve_engines(hosts=[engine.tcp_url], env=env)
            connect(spec, timeout=20)
        message = str(caught.value)
        assert expected in message, (name, message)
        assert "\n" not in message and len(message) < 400, (name, message)
        bad_input(name)
