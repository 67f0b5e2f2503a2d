"""Several engines in one dashboard, end to end through Pilot.

Two private dockerds (bench/private_engine.py) and a Podman service (tests/integration/
engines.py) are this module's own, so one of them can be stopped while the others keep
streaming; the shared engine is only read (and only the ssh test starts a container there).
Every container made here carries the session's labels and is removed by the test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

import tui.wiring
from bench.private_engine import PrivateEngine
from tests.conftest import TEST_IMAGE
from tests.integration.engines import LocalSshd, PodmanService, missing_tools
from tests.unit.test_contexts import write_context
from tui.cli import main
from tui.engine.contexts import DEFAULT_SOCKET, resolve_engines
from tui.views.app import ContainerLabApp
from tui.views.widgets.keyed_table import KeyedTable
from tui.wiring import build_dashboard

pytestmark = pytest.mark.docker

# Generous: three engines share two cores with other test runs; every wait ends as soon as its
# condition holds. Podman sends a stats sample every 5 s, so its waits are longer still.
WAIT = 60.0
PODMAN_WAIT = 90.0
LOOP = "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.5; done"


async def until(
    pilot: Pilot, condition: Callable[[], bool], what: str, seconds: float = WAIT
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds:g} s waiting for {what}"
        await pilot.pause(0.1)


@pytest.fixture(scope="module")
def private_pair(docker_client: docker.DockerClient) -> Iterator[tuple[PrivateEngine, ...]]:
    """Two private dockerds with the base image, destroyed (with their containers) at the end."""
    if missing_tools("dockerd", "nsenter", "ip"):
        pytest.skip("dockerd, nsenter or ip missing: `./lab test` installs them")
    engines = (PrivateEngine(), PrivateEngine())
    try:
        for engine in engines:
            engine.start()
            engine.load_image(TEST_IMAGE)
        yield engines
    finally:
        for engine in engines:
            engine.destroy()


def run_loop(url: str, labels: dict[str, str], name: str) -> str:
    """A labelled container printing a line twice a second on the engine at `url`; its id.

    Restart policy "always": a dockerd that is stopped and started again runs it again.
    """
    client = docker.DockerClient(base_url=url, timeout=120)
    try:
        container = client.containers.run(
            TEST_IMAGE,
            ["sh", "-c", LOOP],
            detach=True,
            labels=labels,
            name=name,
            restart_policy={"Name": "always"},
        )
        return str(container.id)
    finally:
        client.close()


def remove(url: str, container_id: str) -> None:
    """Remove a container this module made (gone already is fine)."""
    client = docker.DockerClient(base_url=url, timeout=120)
    try:
        client.containers.get(container_id).remove(force=True)
    except docker.errors.NotFound:
        pass
    finally:
        client.close()


def banner_lines(app: ContainerLabApp) -> list[str]:
    """The banner's lines, or none while it is hidden."""
    banner = app.main_screen.query_one("#banner", Static)
    return str(banner.render()).splitlines() if banner.display else []


def shows(table: KeyedTable, rows: set[str]) -> Callable[[], bool]:
    """A condition: the table's rows are exactly `rows`."""
    return lambda: table.row_keys() == rows


def has_stats(app: ContainerLabApp, container_id: str) -> bool:
    """The container's row shows figures (its CPU and memory cells are no longer "-")."""
    table = app.containers.table
    if container_id not in table.row_keys():
        return False
    return all(str(table.get_cell(container_id, key)) != "-" for key in ("cpu", "mem"))


@pytest.fixture()
def three_engines(
    private_pair: tuple[PrivateEngine, ...],
    podman_service: PodmanService,
    test_labels: dict[str, str],
) -> Iterator[dict[str, tuple[str, str]]]:
    """Engine name -> (its URL, the id of a looping container on it), in --host order."""
    urls = [private_pair[0].url, private_pair[1].url, podman_service.url]
    specs = resolve_engines(hosts=urls)
    assert [spec.url for spec in specs] == urls
    made = {
        spec.name: (spec.url, run_loop(spec.url, test_labels, f"cl-multi-{n}"))
        for n, spec in enumerate(specs)
    }
    try:
        yield made
    finally:
        for engine in private_pair:
            if not engine.answers():
                engine.start()  # a test failed while it was stopped; the next ones need it
        for url, cid in made.values():
            remove(url, cid)


async def test_three_engines_list_sample_and_cycle_with_h(
    three_engines: dict[str, tuple[str, str]],
) -> None:
    names = list(three_engines)
    ids = {name: cid for name, (_, cid) in three_engines.items()}
    app = build_dashboard(resolve_engines(hosts=[url for url, _ in three_engines.values()]))
    async with app.run_test(size=(180, 40)) as pilot:
        pane, table = app.containers, app.containers.table
        assert list(app.engines.feeds) == names
        assert "host" in table.columns  # several engines: a Host column
        await until(pilot, lambda: set(ids.values()) <= table.row_keys(), "every engine's row")
        for name, cid in ids.items():
            assert str(table.get_cell(cid, "host")) == name
            assert pane.rows.infos[cid].engine == name
        # Cgroup files for the two dockerds, the API for Podman (a sample every 5 s).
        await until(
            pilot,
            lambda: all(has_stats(app, cid) for cid in ids.values()),
            "stats on every engine's row",
            PODMAN_WAIT,
        )
        assert app.engines.feeds[names[0]].collector is not None  # a local dockerd: cgroup files
        assert app.engines.feeds[names[2]].collector is None  # Podman: its API

        # Only these three engines are watched and they run nothing else: their rows are ours.
        for shown in [*names, None]:
            await pilot.press("H")
            assert pane.rows.engine_filter == shown
            wanted = {ids[shown]} if shown else set(ids.values())
            await until(pilot, shows(table, wanted), f"the rows of {shown or 'all'}")
        assert not banner_lines(app)
    assert app.return_code in (None, 0)


@pytest.mark.fault
async def test_a_stopped_engine_leaves_the_others_streaming_and_comes_back(
    private_pair: tuple[PrivateEngine, ...],
    three_engines: dict[str, tuple[str, str]],
    fault: Callable[[str], None],
) -> None:
    names = list(three_engines)
    ids = {name: cid for name, (_, cid) in three_engines.items()}
    stopped, others = names[1], [names[0], names[2]]
    app = build_dashboard(resolve_engines(hosts=[url for url, _ in three_engines.values()]))
    async with app.run_test(size=(180, 40)) as pilot:
        pane, table = app.containers, app.containers.table
        await until(
            pilot,
            lambda: all(has_stats(app, cid) for cid in ids.values()),
            "stats on every engine's row",
            PODMAN_WAIT,
        )

        before = {name: pane.rows.samples[ids[name]] for name in others}
        # SIGTERM, as a service manager stops it: dockerd stops its containers, then exits.
        await asyncio.to_thread(private_pair[1].stop)
        await until(pilot, lambda: stopped in app.down, "the stopped engine's banner line")
        lines = banner_lines(app)
        named = [line for line in lines if line.startswith(f"{stopped}: ")]
        assert named, lines
        assert not any(line.startswith(f"{other}: ") for other in others for line in lines)
        # Its row stays as last seen, under its banner line, until the engine answers again.
        assert ids[stopped] in table.row_keys() and ids[stopped] in pane.rows.infos

        # The others stay, and a sample taken after the outage began reaches each of them.
        await until(
            pilot,
            lambda: all(pane.rows.samples.get(ids[n]) not in (None, before[n]) for n in others),
            "new samples from the engines still up",
            PODMAN_WAIT,
        )
        assert all(ids[name] in table.row_keys() for name in others)
        assert all(has_stats(app, ids[name]) for name in others)
        assert app.engines.feeds[stopped].up is False
        assert all(app.engines.feeds[name].up for name in others)

        await asyncio.to_thread(private_pair[1].start)
        await until(pilot, lambda: stopped not in app.down, "the banner line to go")
        assert not banner_lines(app)  # the only engine down answered again: no banner
        # Restart policy "always": the dockerd runs it again, and its row comes back.
        await until(pilot, lambda: ids[stopped] in table.row_keys(), "its row to come back")
        assert str(table.get_cell(ids[stopped], "host")) == stopped
        await until(pilot, lambda: has_stats(app, ids[stopped]), "its stats again")
        assert all(ids[name] in table.row_keys() for name in others)
        assert app.is_running
        fault("one of three engines stopped and started again")
    assert app.return_code in (None, 0)  # a traceback in the app fails run_test's exit


@pytest.fixture()
def sshd_to_private(
    private_pair: tuple[PrivateEngine, ...], monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalSshd]:
    """An sshd whose sessions run `docker system dial-stdio` against the first private dockerd.

    Pointing ssh at the shared engine would put the same daemon in the dashboard twice (its
    socket and ssh:// are different URLs); the rows are keyed by container id, so each
    container would show once, under whichever engine reported it last. A daemon of its own
    behind ssh makes every row's Host mean one thing.
    """
    if missing_tools("sshd", "ssh-keygen", "docker"):
        pytest.skip("sshd, ssh-keygen or docker missing: `./lab test` installs them")
    sshd = LocalSshd(environment={"DOCKER_HOST": private_pair[0].url})
    try:
        sshd.start()
        monkeypatch.setenv("HOME", str(sshd.home))  # the client's keys and known_hosts
        yield sshd
    finally:
        sshd.stop()


async def test_an_ssh_engine_next_to_the_local_one(
    private_pair: tuple[PrivateEngine, ...],
    sshd_to_private: LocalSshd,
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
) -> None:
    remote = run_loop(private_pair[0].url, test_labels, "cl-multi-over-ssh")
    local = run_loop(DEFAULT_SOCKET, test_labels, f"cl-multi-local-{time.time_ns()}")
    try:
        specs = resolve_engines(hosts=[sshd_to_private.url, DEFAULT_SOCKET])
        ssh_name, local_name = (spec.name for spec in specs)
        assert (ssh_name, local_name) == ("127.0.0.1", "local")
        app = build_dashboard(specs)
        async with app.run_test(size=(180, 40)) as pilot:
            pane, table = app.containers, app.containers.table
            await until(pilot, lambda: {remote, local} <= table.row_keys(), "both engines' rows")
            assert str(table.get_cell(remote, "host")) == ssh_name
            assert str(table.get_cell(local, "host")) == local_name
            assert app.engines.feeds[ssh_name].collector is None  # over ssh: stats from the API
            await until(
                pilot, lambda: has_stats(app, remote) and has_stats(app, local), "stats on both"
            )
            await pilot.press("H")
            assert pane.rows.engine_filter == ssh_name
            await until(pilot, lambda: table.row_keys() == {remote}, "only the ssh engine's row")
            assert not banner_lines(app)
    finally:
        remove(private_pair[0].url, remote)
        remove(DEFAULT_SOCKET, local)


async def test_the_cli_builds_one_feed_per_host(
    private_pair: tuple[PrivateEngine, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`container-lab --host A --host B` up to the app it would run in this terminal.

    run_app is the one part replaced: it would take over the terminal. The app it was handed is
    run under Pilot instead, against the two real engines.
    """
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no preferences file of the user's
    handed: list[ContainerLabApp] = []

    def hand_over(app: ContainerLabApp) -> int:
        handed.append(app)
        return 0

    monkeypatch.setattr(tui.wiring, "run_app", hand_over)
    a, b = (engine.url for engine in private_pair)
    assert main(["--host", a, "--host", b]) == 0
    [app] = handed
    names = [spec.name for spec in resolve_engines(hosts=[a, b])]
    assert [backend.spec.url for backend in app.engines.backends.values()] == [a, b]  # type: ignore[attr-defined]
    async with app.run_test(size=(160, 40)) as pilot:
        assert list(app.engines.feeds) == names
        await until(
            pilot, lambda: all(feed.up for feed in app.engines.feeds.values()), "both feeds up"
        )
        assert app.engines.several and "host" in app.containers.table.columns


async def test_a_docker_context_is_offered_in_the_palette_and_watched_from_then_on(
    private_pair: tuple[PrivateEngine, ...],
    test_labels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """One engine watched; the context store names it, the other private dockerd and a context
    that cannot be read. The palette offers only the other engine (and the default context);
    picking it adds that engine's rows, a Host column, and `H` between the two."""
    first, second = private_pair
    config = tmp_path / "docker-config"
    write_context(config, "lab-a", first.url)  # watched already: not offered
    write_context(config, "lab-b", second.url)
    write_context(config, "broken", "nope://x")  # cannot be read: not offered
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    ids = [
        run_loop(engine.url, test_labels, f"cl-ctx-{n}") for n, engine in enumerate(private_pair)
    ]
    try:
        app = build_dashboard(resolve_engines(hosts=[first.url]))
        async with app.run_test(size=(160, 40)) as pilot:
            pane, table = app.containers, app.containers.table
            await until(pilot, shows(table, {ids[0]}), "the first engine's row")
            assert "host" not in table.columns
            offered = {c.title for c in app.get_system_commands(app.screen)}
            assert {"Watch lab-b", "Watch local"} <= offered, offered
            assert not {"Watch lab-a", "Watch broken"} & offered

            await pilot.press("ctrl+p")  # the real palette: search, then enter on the hit
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
            await pilot.press(*"Watch lab-b")
            results = app.screen.query_one(OptionList)
            await until(
                pilot,
                lambda: (
                    results.option_count > 0
                    and "Watch lab-b" in str(results.get_option_at_index(0).prompt)
                ),
                "the palette's hit",
            )
            await pilot.press("enter")
            await until(pilot, shows(table, set(ids)), "both engines' rows")
            assert list(app.engines.feeds) == [app.engines.first.name, "lab-b"]
            assert [key.value for key in table.columns][:2] == ["host", "name"]
            assert str(table.get_cell(ids[1], "host")) == "lab-b"
            await until(pilot, lambda: has_stats(app, ids[1]), "the new engine's stats")
            offered = {c.title for c in app.get_system_commands(app.screen)}
            assert "Watch lab-b" not in offered and "Next engine" in offered
            await pilot.press("H", "H")
            assert pane.rows.engine_filter == "lab-b"
            await until(pilot, shows(table, {ids[1]}), "lab-b's row alone")
        assert app.return_code in (None, 0)

        # read-only shows only the engines its command line names: nothing is offered
        viewer = build_dashboard(resolve_engines(hosts=[first.url]), read_only=True)
        async with viewer.run_test(size=(160, 40)) as pilot:
            await until(pilot, shows(viewer.containers.table, {ids[0]}), "the viewer's row")
            titles = {c.title for c in viewer.get_system_commands(viewer.screen)}
            assert "Reload lists" in titles
            assert not [title for title in titles if title.startswith("Watch ")], titles
    finally:
        for engine, cid in zip(private_pair, ids, strict=True):
            remove(engine.url, cid)


@pytest.mark.bad_input
def test_a_bad_engine_for_the_dashboard_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_input: Callable[[str], None],
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))  # an empty context store
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    started: list[ContainerLabApp] = []
    monkeypatch.setattr(tui.wiring, "run_app", started.append)
    cases = {
        "unknown context": (["--context", "nosuch"], "no docker context named 'nosuch'"),
        "unknown context after a good host": (
            ["--host", DEFAULT_SOCKET, "--context", "nosuch"],
            "no docker context named 'nosuch'",
        ),
        "not an engine address": (["--host", "nosuch:2375"], "is not an engine address"),
    }
    for name, (argv, expected) in cases.items():
        assert main(argv) == 2, name
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("container-lab: ") and expected in err, err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        bad_input(name)
    assert started == [], "a dashboard was built for a bad engine"
