"""Which engines the dashboard watches: --host, --context, $DOCKER_HOST and the context store.

Each test writes a docker CLI config folder (as `docker context create` lays it out) in a temp
dir and hands the environment over explicitly, so nothing of the machine's own config leaks in.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.cli import main
from tui.engine.client import cli_engine_args, engine_address, tls_config
from tui.engine.contexts import DEFAULT_SOCKET, current_context, more_engines, resolve_engines
from tui.errors import LabError


def write_context(
    config: Path, name: str, host: str, *, tls: tuple[str, ...] = (), skip_verify: bool = False
) -> Path:
    """A context as the docker CLI stores it; `tls` names the .pem files to put beside it."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": skip_verify}
    (meta / "meta.json").write_text(
        json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}})
    )
    tls_dir = config / "contexts" / "tls" / digest / "docker"
    if tls:
        tls_dir.mkdir(parents=True)
        for file in tls:
            (tls_dir / file).write_text("-----BEGIN CERTIFICATE-----\n")
    return tls_dir


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "docker-config"
    folder.mkdir()
    return folder


def env_of(config: Path, **extra: str) -> dict[str, str]:
    return {"DOCKER_CONFIG": str(config), **extra}


def test_with_nothing_set_the_local_socket_is_watched(config: Path) -> None:
    [spec] = resolve_engines(env=env_of(config))
    assert (spec.url, spec.source, spec.name, spec.tls) == (
        DEFAULT_SOCKET,
        "default",
        "local",
        None,
    )
    assert spec.is_local


def test_docker_host_wins_over_the_current_context_as_in_the_docker_cli(config: Path) -> None:
    write_context(config, "remote", "ssh://me@build.example:2222")
    (config / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    [spec] = resolve_engines(env=env_of(config, DOCKER_HOST="unix:///run/podman/podman.sock"))
    assert (spec.url, spec.source, spec.name) == (
        "unix:///run/podman/podman.sock",
        "$DOCKER_HOST",
        "podman",
    )
    [spec] = resolve_engines(env=env_of(config))
    assert (spec.url, spec.source, spec.name) == (
        "ssh://me@build.example:2222",
        "context remote",
        "remote",
    )
    assert not spec.is_local


def test_docker_context_variable_wins_over_config_json(config: Path) -> None:
    write_context(config, "a", "tcp://10.0.0.1:2375")
    write_context(config, "b", "tcp://10.0.0.2:2375")
    (config / "config.json").write_text(json.dumps({"currentContext": "a"}))
    assert current_context(env_of(config)) == "a"
    assert current_context(env_of(config, DOCKER_CONTEXT="b")) == "b"
    [spec] = resolve_engines(env=env_of(config, DOCKER_CONTEXT="b"))
    assert spec.url == "tcp://10.0.0.2:2375"


def test_several_hosts_and_contexts_keep_their_order_and_drop_duplicate_urls(config: Path) -> None:
    write_context(config, "lab", "ssh://root@10.1.1.1")
    write_context(config, "same-as-host", "unix:///var/run/docker.sock")
    specs = resolve_engines(
        hosts=["unix:///var/run/docker.sock", "ssh://root@10.1.1.1", "tcp://10.2.2.2:2375"],
        contexts=["lab", "same-as-host"],
        env=env_of(config),
    )
    assert [(s.name, s.url, s.source) for s in specs] == [
        ("local", "unix:///var/run/docker.sock", "--host"),
        ("10.1.1.1", "ssh://root@10.1.1.1", "--host"),
        ("10.2.2.2", "tcp://10.2.2.2:2375", "--host"),
    ]


def test_names_stay_unique_and_never_take_a_contexts_name(config: Path) -> None:
    write_context(config, "10.9.9.9", "tcp://10.9.9.9:2376")
    specs = resolve_engines(
        hosts=["ssh://a@10.9.9.9:22", "ssh://b@10.9.9.9:2222", "tcp://10.9.9.9:2375"],
        contexts=["10.9.9.9"],
        env=env_of(config),
    )
    names = [s.name for s in specs]
    assert names == ["10.9.9.9:22", "10.9.9.9:2222", "10.9.9.9:2375", "10.9.9.9"]
    assert len(set(names)) == len(names)


def test_context_all_is_every_stored_context_and_the_default(config: Path) -> None:
    write_context(config, "zeta", "tcp://10.0.0.9:2375")
    write_context(config, "alpha", "ssh://root@10.0.0.8")
    specs = resolve_engines(contexts=["all"], env=env_of(config))
    assert [(s.name, s.source) for s in specs] == [
        ("local", "default"),
        ("alpha", "context alpha"),
        ("zeta", "context zeta"),
    ]


def test_a_contexts_tls_material_and_skip_verify_are_read(config: Path) -> None:
    tls_dir = write_context(
        config, "secure", "tcp://10.3.3.3:2376", tls=("ca.pem", "cert.pem", "key.pem")
    )
    write_context(config, "lax", "tcp://10.4.4.4:2376", skip_verify=True)
    secure, lax = resolve_engines(contexts=["secure", "lax"], env=env_of(config))
    assert secure.tls is not None
    assert (secure.tls.ca, secure.tls.cert, secure.tls.key, secure.tls.verify) == (
        tls_dir / "ca.pem",
        tls_dir / "cert.pem",
        tls_dir / "key.pem",
        True,
    )
    assert lax.tls is not None and not lax.tls.verify and lax.tls.ca is None
    assert cli_engine_args(secure) == ["--context", "secure"]


def test_docker_tls_verify_takes_the_files_from_docker_cert_path(
    config: Path, tmp_path: Path
) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (certs / name).write_text("x")
    env = env_of(config, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    [spec] = resolve_engines(hosts=["tcp://10.5.5.5:2376"], env=env)
    assert spec.tls is not None and spec.tls.verify and spec.tls.ca == certs / "ca.pem"
    assert cli_engine_args(spec) == [
        "-H", "tcp://10.5.5.5:2376", "--tlsverify",
        "--tlscacert", str(certs / "ca.pem"),
        "--tlscert", str(certs / "cert.pem"),
        "--tlskey", str(certs / "key.pem"),
    ]  # fmt: skip
    config_obj = tls_config(spec)
    assert config_obj is not None and config_obj.ca_cert == str(certs / "ca.pem")
    # TLS settings only concern tcp://: a unix socket next to them stays plain.
    [unix] = resolve_engines(hosts=["unix:///tmp/x.sock"], env=env)
    assert unix.tls is None


def test_engine_address_goes_through_the_same_resolution(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_context(config, "remote", "ssh://me@10.6.6.6")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONTEXT", "remote")
    assert engine_address().url == "ssh://me@10.6.6.6"
    assert engine_address("unix:///x.sock").source == "--host"


BAD_INPUTS: dict[str, tuple[Callable[[Path], dict[str, object]], str]] = {
    "unknown context": (lambda c: {"contexts": ["nope"]}, "no docker context named 'nope'"),
    "unknown current context": (
        lambda c: {"env": {"DOCKER_CONTEXT": "gone"}},
        "no docker context named 'gone'",
    ),
    "host without scheme": (lambda c: {"hosts": ["10.0.0.1:2375"]}, "is not an engine address"),
    "unknown scheme": (lambda c: {"hosts": ["ftp://10.0.0.1"]}, "is not an engine address"),
    "bad port": (lambda c: {"hosts": ["tcp://10.0.0.1:99999"]}, "bad port"),
    "no host": (lambda c: {"hosts": ["ssh://"]}, "is not an engine address"),
    "bad DOCKER_HOST": (lambda c: {"env": {"DOCKER_HOST": "tcp//x"}}, "$DOCKER_HOST"),
    "missing cert files": (
        lambda c: {
            "hosts": ["tcp://10.0.0.1:2376"],
            "env": {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(c / "none")},
        },
        "ca.pem, cert.pem, key.pem missing",
    ),
    "context with a broken endpoint": (
        lambda c: {"contexts": ["broken"]},
        "is not an engine address",
    ),
    "unreadable config.json": (lambda c: {"env": {"BROKEN_CONFIG": "1"}}, "config.json"),
}


@pytest.mark.bad_input
def test_bad_engine_input_is_one_line_saying_what_to_do(
    config: Path, bad_input: Callable[[str], None]
) -> None:
    write_context(config, "broken", "tcp:/oops")
    for name, (make, expected) in BAD_INPUTS.items():
        args = make(config)
        extra = dict(args.pop("env", {}))  # type: ignore[call-overload]
        if extra.pop("BROKEN_CONFIG", None):
            (config / "config.json").write_text("{not json")
        with pytest.raises(LabError) as caught:
            resolve_engines(env=env_of(config, **extra), **args)  # type: ignore[arg-type]
        message = str(caught.value)
        assert expected in message, (name, message)
        assert "\n" not in message and len(message) < 300, name
        bad_input(name)
        (config / "config.json").unlink(missing_ok=True)


@pytest.mark.bad_input
def test_the_cli_refuses_bad_engines_in_one_line_before_starting(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad_input: Callable[[str], None],
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    cases = {
        "host that is no URL": (["--host", "10.0.0.1:2375"], "is not an engine address"),
        "unknown context": (["--context", "nowhere"], "no docker context named 'nowhere'"),
        # The dashboard watches several engines; the other commands talk to one.
        "two engines for one": (
            ["--host", "unix:///a.sock", "--host", "unix:///b.sock", "demo", "up"],
            "2 engines given (a, b)",
        ),
    }
    for name, (argv, expected) in cases.items():
        assert main(argv) == 2, name
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, (name, err)
        bad_input(name)


def test_a_context_given_to_the_cli_is_passed_on_as_docker_context(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_context(config, "lab", "ssh://root@10.7.7.7")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.setenv("DOCKER_HOST", "unix:///ignored.sock")
    monkeypatch.setenv("DOCKER_CONTEXT", "")  # so that the undo removes what main() sets
    # `demo` without an action stops right after the engine is resolved, touching nothing.
    assert main(["--context", "lab", "demo"]) == 2
    assert "say what to do" in capsys.readouterr().err
    assert os.environ["DOCKER_CONTEXT"] == "lab" and "DOCKER_HOST" not in os.environ
    assert engine_address().url == "ssh://root@10.7.7.7"


def test_the_contexts_on_offer_are_those_whose_engine_is_not_watched(config: Path) -> None:
    write_context(config, "here", "unix:///run/a.sock")
    write_context(config, "there", "tcp://10.0.0.5:2376")
    write_context(config, "same-as-there", "tcp://10.0.0.5:2376/")
    write_context(config, "bad", "nope://x")
    env = env_of(config)
    watched = resolve_engines(hosts=["unix:///run/a.sock"], env=env)
    offered = more_engines(watched, env)
    # the default context (the local socket), then the stored ones; one per engine, bad ones out
    assert [(spec.name, spec.url) for spec in offered] == [
        ("local", DEFAULT_SOCKET),
        ("same-as-there", "tcp://10.0.0.5:2376/"),
    ]
    assert more_engines([*watched, *offered], env) == []
