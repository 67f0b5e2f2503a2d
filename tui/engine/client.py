"""Connecting to an engine: one place that knows the transports (unix, ssh, tcp with TLS).

Which engines to talk to is resolved in tui/engine/contexts.py (--host, --context,
$DOCKER_HOST, the docker CLI's current context); this module turns an EngineSpec into a
docker-py client that has answered a ping, or a one-line LabError saying what to do.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import docker
import requests
from docker.errors import DockerException, create_api_error_from_http_exception
from docker.tls import TLSConfig
from docker.transport import UnixHTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

from tui.engine.contexts import DEFAULT_SOCKET, EngineSpec, resolve_engines
from tui.errors import LabError

__all__ = ["DEFAULT_SOCKET", "EngineAddress", "EngineSpec"]

# docker-py keeps 10 connections per client by default; every open log, events or stats stream
# holds one, so the dashboard asks for more than it will ever stream at once.
DEFAULT_POOL_SIZE = 256
SHARED_POOL_KEY = "http+docker://engine"  # the one pool of a unix or ssh client's adapter
START_HINT = "start one with `container-lab engine up` (or `sudo dockerd &`)"
EngineAddress = EngineSpec  # the name this module's callers knew it by


def engine_address(host: str | None = None) -> EngineSpec:
    """The one engine to talk to: `host`, else what the docker CLI would use."""
    return resolve_engines([host] if host else [])[0]


class _EngineAPIClient(docker.APIClient):
    """docker-py's API client, except that a TLS engine's own CA wins over the environment,
    and that a unix socket or ssh engine keeps its connections.

    requests lets $REQUESTS_CA_BUNDLE or $CURL_CA_BUNDLE (set on many machines) replace a
    session's CA file for every request; the docker CLI verifies against the engine's CA.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.base_url.startswith("http+docker://"):  # a unix socket or ssh
            # No proxy applies, yet requests reads the proxy variables on every request.
            self.trust_env = False
            _share_one_pool(self.get_adapter(self.base_url))
        if self.base_url == "http+docker://ssh":
            self.get_adapter(self.base_url).max_retries = OnceOnANewChannel(
                total=1,
                connect=0,
                read=1,
                redirect=0,
                status=0,
                other=0,
                respect_retry_after_header=False,
            )

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(
            url, proxies, stream, verify, cert
        )
        if isinstance(self.verify, str) and verify is None:
            settings["verify"] = self.verify
        return settings


class OnceOnANewChannel(Retry):
    """An idempotent request whose connection was found closed goes once more, on a new one.

    docker-py's ssh pool hands its connections out without urllib3's check for a dropped one:
    a channel closed while its connection sat in the pool (a stream closed from another
    thread, the far side gone) failed the next request with "Socket is closed". Nothing else
    is tried again: not a timeout, not a request that may change something.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        """As Retry's for a connection found closed; as no retry at all for anything else."""
        if not isinstance(error, ProtocolError):
            Retry(0, read=False).increment(
                method, url, response, error, _pool, _stacktrace
            )  # raises
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _share_one_pool(adapter: Any) -> None:
    """Give every request path the same connection pool.

    docker-py's unix and ssh adapters keep a pool per URL, and only the 25 (ssh: 9) latest:
    with more containers than that sampled in turn, nearly every request evicts a pool, closes
    its connection and opens a new one (over ssh, a channel and a remote `docker system
    dial-stdio`). Their pools ignore the URL: it only names the pool.
    """
    by_url = adapter.get_connection

    def one_pool(url: str, proxies: Any = None) -> Any:
        return by_url(SHARED_POOL_KEY, proxies)

    adapter.get_connection = one_pool


class TlsAwareClient(docker.DockerClient):
    """docker-py's high-level client on `_EngineAPIClient` (the same arguments)."""

    def __init__(self, **kwargs: Any) -> None:
        self.api = _EngineAPIClient(**kwargs)


def tls_config(spec: EngineSpec) -> TLSConfig | None:
    """docker-py's TLS settings for the spec (None: plain HTTP or not tcp)."""
    tls = spec.tls
    if tls is None:
        return None
    client_cert = (str(tls.cert), str(tls.key)) if tls.cert and tls.key else None
    try:
        return TLSConfig(
            client_cert=client_cert, ca_cert=str(tls.ca) if tls.ca else None, verify=tls.verify
        )
    except DockerException as exc:
        raise LabError(f"TLS settings for {spec.url} (from {spec.source}): {exc}") from exc


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or item in chain:
            continue
        chain.append(item)
        todo += [item.__cause__, item.__context__, *item.args]
        reason = getattr(item, "reason", None)  # urllib3 wraps its cause in .reason
        todo.append(reason)
    return chain


def ssh_command(url: str) -> str:
    """The ssh command line that reaches an ssh:// URL's host."""
    parts = urlsplit(url)
    port = f"-p {parts.port} " if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"ssh {port}{user}{parts.hostname}"


def _remedy(spec: EngineSpec, exc: BaseException) -> str:
    """What went wrong reaching `spec`, and what to do, for one line."""
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or (
        "CERTIFICATE_VERIFY_FAILED" in text
    ):
        ca = spec.tls.ca if spec.tls and spec.tls.ca else "the system's CAs"
        return (
            f"its TLS certificate is not signed by the CA in {ca}: use the engine's CA "
            "(DOCKER_CERT_PATH/ca.pem or the context's TLS files)"
        )
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSLError" in text:
        return "the TLS handshake failed: check the client certificate and key, and the URL"
    if spec.scheme == "ssh":
        first = next((e for e in chain if type(e).__module__.startswith("paramiko")), None)
        if first is not None and "known_hosts" in str(first):
            return (
                "its host key is not in ~/.ssh/known_hosts: run `ssh` to it once and accept the key"
            )
        if first is not None:
            why = str(first) or type(first).__name__
            return f"ssh failed ({why}): check that `{ssh_command(spec.url)} docker version` works"
        return (
            "no engine answered through ssh: the remote needs the docker CLI "
            "(`docker system dial-stdio`) and a running engine"
        )
    if spec.is_local:
        return START_HINT
    return "start the engine there, or check the address and its firewall"


def connect(
    engine: str | EngineSpec | None = None,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    timeout: int = 60,
) -> docker.DockerClient:
    """A client of `engine` (a spec, a URL, or None: the default) that answered a ping.

    Raises LabError with one line saying which engine, from where, and what to do.
    """
    spec = engine if isinstance(engine, EngineSpec) else engine_address(engine)
    tls = tls_config(spec)
    try:
        # ssh:// goes through paramiko (docker[ssh]): one ssh connection whose channels carry
        # every request and stream, with read timeouts, and channels another thread can close.
        client = TlsAwareClient(
            base_url=spec.url,
            version="auto",
            max_pool_size=pool_size,
            timeout=timeout,
            tls=tls if tls is not None else False,
        )
        client.ping()
    except Exception as exc:
        raise LabError(
            f"No Docker engine answers at {spec.url} (from {spec.source}): {_remedy(spec, exc)}."
        ) from exc
    return client


def open_engine_stream(
    api: docker.APIClient, path: str, params: Mapping[str, object], timeout: float | None
) -> requests.Response:
    """GET a streaming endpoint of the engine's API through docker-py's public surface.

    `timeout` bounds each read (None: wait for ever, as a followed log must); an HTTP error
    becomes docker-py's own APIError subclass (NotFound, ...).
    """
    url = f"{api.base_url}/v{api.api_version}{path}"
    response = api.get(url, params=params, stream=True, timeout=timeout)
    try:
        response.raise_for_status()
    except requests.exceptions.HTTPError as exc:
        raise create_api_error_from_http_exception(exc) from exc
    return response


def _socket_of(response: requests.Response) -> object:
    """What carries a streaming response: a socket, or over ssh a paramiko channel."""
    return getattr(response.raw.connection, "sock", None)


def read_some(response: requests.Response) -> Callable[[int], bytes]:
    """`read(n)` for a streaming response: bytes as soon as some are there, b"" at the end.

    That is urllib3's `read1`, except over ssh: paramiko's file has no `read1`, so there each
    read returns the next HTTP chunk (the engine sends its streams chunked), whatever `n`.
    """
    if isinstance(_socket_of(response), socket.socket):
        return response.raw.read1  # type: ignore[no-any-return]
    chunks: Iterator[bytes] = response.raw.stream(None, decode_content=False)

    def read(_size: int) -> bytes:
        return next(chunks, b"")

    return read


def pooled_get(api: docker.APIClient, path: str, query: str) -> tuple[int, bytes] | None:
    """GET `path` (`query` already encoded) on a unix socket engine straight through the
    client's connection pool: its status and body. None on another transport (use docker-py).

    requests' session costs twice what the request itself does on this machine (1.9 ms of CPU
    against 0.9 ms, `bench/stats_projector.py`), and the paced rows of a tall terminal make
    twenty such requests a second.
    """
    adapter = api.get_adapter(api.base_url)
    if not isinstance(adapter, UnixHTTPAdapter):
        return None
    pool = adapter.get_connection(SHARED_POOL_KEY)
    response = pool.urlopen(
        "GET",
        f"/v{api.api_version}{path}?{query}",
        headers={"User-Agent": str(api.headers.get("User-Agent", ""))},
        retries=False,
        timeout=Timeout(api.timeout),
    )
    return response.status, response.data


def close_response(response: requests.Response) -> None:
    """End a streaming response from any thread, whatever carries it (safe to call twice).

    Shutting the socket down wakes a reader blocked in another thread (docker-py's
    CancellableStream does the same, but refuses ssh); over ssh, closing the channel does.
    """
    with contextlib.suppress(Exception):
        carrier = _socket_of(response)
        if isinstance(carrier, socket.socket):
            carrier.shutdown(socket.SHUT_RDWR)
        if carrier is None:
            response.close()
        else:
            carrier.close()  # type: ignore[attr-defined]


def cli_engine_args(spec: EngineSpec) -> list[str]:
    """The docker CLI's options that reach the same engine (`docker exec` in a terminal)."""
    if spec.source == "default":
        return []
    if spec.context is not None:
        return ["--context", spec.context]
    args = ["-H", spec.url]
    tls = spec.tls
    if tls is not None:
        args.append("--tlsverify" if tls.verify else "--tls")
        for flag, path in (("--tlscacert", tls.ca), ("--tlscert", tls.cert), ("--tlskey", tls.key)):
            if path is not None:
                args += [flag, str(path)]
    return args


# What lab and baseline code hold and hand back to tui.engine's functions; they never call it.
EngineClient = docker.DockerClient
