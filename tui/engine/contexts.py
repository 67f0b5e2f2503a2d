"""Which engines to watch: --host, --context, $DOCKER_HOST and the docker CLI's context store.

The docker CLI keeps a context as `meta/<sha256 of its name>/meta.json` (its endpoint) and
`tls/<sha256>/docker/{ca,cert,key}.pem` (its TLS material) under $DOCKER_CONFIG/contexts
(default ~/.docker). The current context is $DOCKER_CONTEXT, else config.json's
"currentContext", else "default": $DOCKER_HOST or the local socket.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from tui.errors import LabError

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DEFAULT_CONTEXT = "default"
ALL_CONTEXTS = "all"  # `--context all`: every stored context and the default one
SCHEMES = ("unix", "tcp", "ssh", "http", "https")
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")


@dataclass(frozen=True)
class TlsSettings:
    """TLS material for a tcp:// engine: files that exist, and whether to verify the server."""

    ca: Path | None
    cert: Path | None
    key: Path | None
    verify: bool


@dataclass(frozen=True)
class EngineSpec:
    """One engine to watch: a short unique name, its URL, TLS settings and where it came from."""

    name: str
    url: str
    tls: TlsSettings | None = None
    source: str = "default"  # "--host", "context NAME", "$DOCKER_HOST" or "default"

    @property
    def scheme(self) -> str:
        """unix, tcp, ssh, http or https."""
        return self.url.split("://", 1)[0]

    @property
    def is_local(self) -> bool:
        """True when the engine runs on this machine (a unix socket)."""
        return self.scheme == "unix"

    @property
    def context(self) -> str | None:
        """The docker CLI context it came from, if any."""
        kind, _, name = self.source.partition(" ")
        return name if kind == "context" else None


def docker_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """$DOCKER_CONFIG, else ~/.docker."""
    env = os.environ if env is None else env
    configured = env.get("DOCKER_CONFIG")
    return Path(configured) if configured else Path.home() / ".docker"


def _context_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def current_context(env: Mapping[str, str] | None = None) -> str:
    """$DOCKER_CONTEXT, else config.json's currentContext, else "default"."""
    env = os.environ if env is None else env
    if env.get("DOCKER_CONTEXT"):
        return env["DOCKER_CONTEXT"]
    config = docker_config_dir(env) / "config.json"
    try:
        data = json.loads(config.read_text())
    except FileNotFoundError:
        return DEFAULT_CONTEXT
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot read {config} ({exc}): fix or remove it.") from exc
    if not isinstance(data, dict):
        return DEFAULT_CONTEXT
    return str(data.get("currentContext") or DEFAULT_CONTEXT)


def context_names(env: Mapping[str, str] | None = None) -> list[str]:
    """The names of the stored contexts, sorted ("default" is not stored)."""
    meta = docker_config_dir(env) / "contexts" / "meta"
    names = []
    for path in sorted(meta.glob("*/meta.json")):
        try:
            names.append(str(json.loads(path.read_text())["Name"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # the docker CLI skips unreadable entries too
    return sorted(names)


def validate_url(url: str, origin: str) -> str:
    """The URL when it names an engine the client can reach, else LabError."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES or not rest:
        raise LabError(
            f"{origin}: {url!r} is not an engine address: use unix:///PATH, tcp://HOST:PORT "
            "or ssh://[USER@]HOST[:PORT]."
        )
    if scheme != "unix":
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise LabError(f"{origin}: {url!r} has a bad port ({exc}).") from exc
        if not parts.hostname:
            raise LabError(f"{origin}: {url!r} names no host: use {scheme}://HOST[:PORT].")
    return url


def tls_from_dir(directory: Path, verify: bool, origin: str, required: bool) -> TlsSettings:
    """TLS settings from ca.pem, cert.pem and key.pem in `directory` (the ones that exist).

    `required`: every file must be there (DOCKER_TLS_VERIFY's and DOCKER_CERT_PATH's rule).
    """
    ca, cert, key = (directory / name for name in TLS_FILES)
    missing = [p.name for p in (ca, cert, key) if not p.is_file()]
    if required and missing:
        raise LabError(
            f"{origin}: {', '.join(missing)} missing in {directory}: put the CA, client "
            "certificate and key there, or set DOCKER_CERT_PATH to the folder that has them."
        )
    if (cert.is_file()) != (key.is_file()):
        raise LabError(f"{origin}: {directory} has a certificate or a key without the other.")
    return TlsSettings(
        ca=ca if ca.is_file() else None,
        cert=cert if cert.is_file() else None,
        key=key if key.is_file() else None,
        verify=verify,
    )


def env_tls(url: str, env: Mapping[str, str], origin: str) -> TlsSettings | None:
    """TLS for a tcp:// URL from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as docker-py reads them.

    Any non-empty DOCKER_TLS_VERIFY (even "0") means verify, as in the docker CLI; a
    DOCKER_CERT_PATH alone means TLS without verifying the server.
    """
    verify = bool(env.get("DOCKER_TLS_VERIFY"))
    cert_path = env.get("DOCKER_CERT_PATH")
    if not url.startswith("tcp://") or not (verify or cert_path):
        return None
    directory = Path(cert_path) if cert_path else docker_config_dir(env)
    return tls_from_dir(directory, verify, f"{origin} with DOCKER_TLS_VERIFY", required=True)


def read_context(name: str, env: Mapping[str, str] | None = None) -> EngineSpec:
    """The stored context `name` ("default": $DOCKER_HOST or the local socket, named by URL)."""
    env = os.environ if env is None else env
    if name == DEFAULT_CONTEXT:
        host = env.get("DOCKER_HOST")
        if host:
            url = validate_url(host, "$DOCKER_HOST")
            return EngineSpec("", url, env_tls(url, env, "$DOCKER_HOST"), "$DOCKER_HOST")
        return EngineSpec("", DEFAULT_SOCKET, None, "default")
    store = docker_config_dir(env) / "contexts"
    meta = store / "meta" / _context_id(name) / "meta.json"
    origin = f"context {name}"
    try:
        data = json.loads(meta.read_text())
        endpoint = data["Endpoints"]["docker"]
    except FileNotFoundError:
        known = ", ".join(context_names(env)) or "none"
        raise LabError(
            f"no docker context named {name!r} in {store} (known: {known}): "
            "create it with `docker context create` or pick another."
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabError(f"{origin}: cannot read {meta} ({exc}): recreate the context.") from exc
    url = validate_url(str(endpoint.get("Host") or ""), origin)
    tls = None
    tls_dir = store / "tls" / _context_id(name) / "docker"
    if url.startswith("tcp://") and tls_dir.is_dir():
        verify = not endpoint.get("SkipTLSVerify", False)
        tls = tls_from_dir(tls_dir, verify, origin, required=False)
    elif url.startswith("tcp://") and endpoint.get("SkipTLSVerify"):
        tls = TlsSettings(None, None, None, verify=False)
    return EngineSpec(name, url, tls, origin)


def _host_spec(url: str, env: Mapping[str, str]) -> EngineSpec:
    url = validate_url(url, "--host")
    return EngineSpec("", url, env_tls(url, env, "--host"), "--host")


def _short_names(url: str) -> list[str]:
    """Name candidates for an engine given by URL, shortest first."""
    if url.startswith("unix://"):
        if url == DEFAULT_SOCKET:
            return ["local", "docker", url]
        path = Path(url.removeprefix("unix://"))
        return [path.stem or "local", str(path)]
    parts = urlsplit(url)
    host = parts.hostname or url
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return [host, f"{host}{port}", f"{user}{host}{port}"]


def _unique_names(specs: Iterable[EngineSpec]) -> list[EngineSpec]:
    specs = list(specs)
    taken = {spec.name for spec in specs if spec.name}
    named = []
    for spec in specs:
        if not spec.name:
            name = next((c for c in _short_names(spec.url) if c not in taken), "")
            number = 2
            while not name or name in taken:
                name = f"{_short_names(spec.url)[0]}-{number}"
                number += 1
            taken.add(name)
            spec = replace(spec, name=name)
        named.append(spec)
    return named


def resolve_engines(
    hosts: Iterable[str] = (), contexts: Iterable[str] = (), env: Mapping[str, str] | None = None
) -> list[EngineSpec]:
    """The engines to watch: every --host, then every --context, in the order given.

    With neither, the one the docker CLI would use: $DOCKER_HOST, else $DOCKER_CONTEXT or
    config.json's current context, else the local socket. `--context all` adds every stored
    context and the default one. Engines with the same URL are watched once (the first one
    given wins); names are unique: the context's name, else the URL's host (or socket name).
    """
    env = os.environ if env is None else env
    hosts, contexts = list(hosts), list(contexts)
    if not hosts and not contexts:
        context = DEFAULT_CONTEXT if env.get("DOCKER_HOST") else current_context(env)
        contexts = [context]
    wanted: list[str] = []
    for context in contexts:
        names = [DEFAULT_CONTEXT, *context_names(env)] if context == ALL_CONTEXTS else [context]
        wanted += [name for name in names if name not in wanted]
    specs = [_host_spec(url, env) for url in hosts]
    specs += [read_context(name, env) for name in wanted]
    unique: dict[str, EngineSpec] = {}
    for spec in specs:
        unique.setdefault(spec.url.rstrip("/"), spec)
    # Names of contexts first, so that a --host never takes a context's name.
    return _unique_names(unique.values())


def more_engines(
    watched: Iterable[EngineSpec], env: Mapping[str, str] | None = None
) -> list[EngineSpec]:
    """The stored contexts (and the default one) whose engine is not watched yet, each with a
    name no watched engine has. A context that cannot be read is left out (`--context NAME`
    says why)."""
    watched = list(watched)
    urls = {spec.url.rstrip("/") for spec in watched}
    names = {spec.name for spec in watched}
    fresh: list[EngineSpec] = []
    for name in [DEFAULT_CONTEXT, *context_names(env)]:
        try:
            spec = read_context(name, env)
        except LabError:
            continue
        if spec.url.rstrip("/") not in urls and spec.name not in names:
            urls.add(spec.url.rstrip("/"))
            fresh.append(spec)
    return _unique_names([*watched, *fresh])[len(watched) :]


def context_meta_path(name: str, env: Mapping[str, str] | None = None) -> Path:
    """Where the docker CLI keeps the context `name`'s endpoint (its meta.json)."""
    return docker_config_dir(env) / "contexts" / "meta" / _context_id(name) / "meta.json"


def write_context(
    name: str, url: str, description: str, env: Mapping[str, str] | None = None
) -> Path:
    """Store a context for a unix:// or plain tcp:// engine, as `docker context create` does.

    Refuses to replace a context that is already there (it may be the user's); returns the
    meta.json written.
    """
    meta = context_meta_path(name, env)
    if meta.exists():
        raise LabError(
            f"a docker context named {name!r} exists already ({meta}): "
            f"remove it with `docker context rm {name}` or pick another name."
        )
    validate_url(url, f"context {name}")
    meta.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "Name": name,
        "Metadata": {"Description": description},
        "Endpoints": {"docker": {"Host": url, "SkipTLSVerify": False}},
    }
    meta.write_text(json.dumps(record))
    return meta


def remove_context(name: str, url: str, env: Mapping[str, str] | None = None) -> bool:
    """Remove the context `name` if it still points at `url` (one we made); whether it did."""
    meta = context_meta_path(name, env)
    try:
        endpoint = json.loads(meta.read_text())["Endpoints"]["docker"]["Host"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if endpoint != url:
        return False
    meta.unlink()
    with contextlib.suppress(OSError):
        meta.parent.rmdir()
    return True
