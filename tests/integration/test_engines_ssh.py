"""An engine over ssh://: a local sshd whose far side runs `docker system dial-stdio`.

The sshd, its host key and the client's key and known_hosts are this session's own
(tests/integration/engines.py); HOME points at the client's folder, as a user's would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.engines import LocalSshd, free_port
from tests.integration.streams import collect_until
from tui.engine.backend import DockerBackend
from tui.engine.client import SHARED_POOL_KEY, connect
from tui.engine.contexts import resolve_engines
from tui.errors import LabError

pytestmark = pytest.mark.docker
LOOP = "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"


@pytest.fixture()
def over_ssh(local_sshd: LocalSshd, monkeypatch: pytest.MonkeyPatch) -> Iterator[DockerBackend]:
    monkeypatch.setenv("HOME", str(local_sshd.home))
    [spec] = resolve_engines(hosts=[local_sshd.url])
    backend = DockerBackend(spec)
    backend.connect()
    yield backend
    backend.close()


@pytest.fixture()
def chatty(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> Iterator[docker.models.containers.Container]:
    container = docker_client.containers.run(
        TEST_IMAGE, ["sh", "-c", LOOP], detach=True, labels=test_labels
    )
    yield container
    container.remove(force=True)


def test_over_ssh_the_backend_lists_streams_stats_and_logs(
    over_ssh: DockerBackend, chatty: docker.models.containers.Container
) -> None:
    assert over_ssh.name == "127.0.0.1"
    assert over_ssh.cgroup_collector() is None  # a remote engine's cgroups are not here
    assert over_ssh.api.ping()
    listed = {c.id: c for c in over_ssh.containers()}
    assert chatty.id in listed and listed[chatty.id].state == "running"

    samples, closed = collect_until(over_ssh.stats(str(chatty.id)), lambda s: len(s) >= 2)
    assert len(samples) >= 2 and samples[-1].memory > 0 and samples[-1].pids >= 1
    assert closed, "closing a stats stream over ssh ended the read"

    lines, closed = collect_until(
        over_ssh.logs(str(chatty.id), follow=True, tail=3, tty=False), lambda got: len(got) >= 6
    )
    assert len(lines) >= 6 and all(line.text.startswith("line ") for line in lines)
    assert closed, "closing a followed log over ssh ended the read (docker-py alone refuses)"

    events = over_ssh.events()
    chatty.restart(timeout=1)
    seen, closed = collect_until(
        events, lambda got: any(e.id == chatty.id and e.action == "start" for e in got)
    )
    assert closed and any(e.id == chatty.id and e.action == "start" for e in seen)


@pytest.mark.bad_input
def test_unreachable_or_untrusted_ssh_engines_are_one_line_errors(
    local_sshd: LocalSshd,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    bad_input: Callable[[str], None],
) -> None:
    stranger = tmp_path / "home"
    (stranger / ".ssh").mkdir(parents=True)
    (stranger / ".ssh" / "id_ed25519").write_bytes(
        (local_sshd.home / ".ssh/id_ed25519").read_bytes()
    )
    (stranger / ".ssh" / "id_ed25519").chmod(0o600)
    cases = {
        "host key not in known_hosts": (str(stranger), local_sshd.url, "known_hosts"),
        "no sshd on the port": (
            str(local_sshd.home),
            f"ssh://root@127.0.0.1:{free_port()}",
            "ssh failed",
        ),
    }
    for name, (home, url, expected) in cases.items():
        monkeypatch.setenv("HOME", home)
        with pytest.raises(LabError) as caught:
            connect(url, timeout=20)
        message = str(caught.value)
        assert expected in message and url in message, message
        assert "\n" not in message
        bad_input(name)


@pytest.mark.fault
def test_a_channel_closed_while_its_connection_waited_in_the_pool_is_not_reused(
    over_ssh: DockerBackend,
) -> None:
    # Failed before (CI run of 1749d4c, "Socket is closed"): docker-py's ssh pool hands out
    # its connections unchecked, and one whose channel was closed while it sat in the pool (a
    # stream closed from another thread, the far side gone) failed the next request. The
    # channel is really closed here, at the moment such a close would happen.
    api = over_ssh.api
    assert api.ping()
    pool = api.get_adapter(api.base_url).get_connection(SHARED_POOL_KEY)
    idle = pool.pool.get(block=False)  # the ping's connection, back in the pool
    assert idle is not None and idle.sock is not None
    idle.sock.close()
    pool.pool.put(idle)
    assert api.ping()
    assert isinstance(over_ssh.containers(), list)
