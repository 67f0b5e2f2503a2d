"""Compose projects as plain functions: the CLI chosen, files from labels, command lines, rows."""

from __future__ import annotations

import shutil
import stat
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.engine.compose import (
    COMPOSE_ENV,
    CONFIG_FILES_LABEL,
    PROJECT_LABEL,
    SERVICE_LABEL,
    WORKING_DIR_LABEL,
    ComposeProject,
    ProjectAction,
    compose_command,
    config_paths,
    detect_compose,
    detected_compose,
    group_projects,
    missing_config,
    project_argv,
)
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.errors import LabError
from tui.views.presentation import (
    grouped_order,
    project_cells,
    project_key,
    project_of_key,
    project_question,
)


def info(name: str, state: str = "running", project: str = "", **labels: str) -> ContainerInfo:
    if project:
        labels = {PROJECT_LABEL: project, SERVICE_LABEL: name.split("_")[1], **labels}
    return ContainerInfo(
        id=name.ljust(12, "0"),
        name=name,
        image="debian",
        state=state,
        exit_code=0,
        created=datetime(2024, 5, 1, tzinfo=UTC),
        started_at=None,
        finished_at=None,
        ports="",
        command="",
        user="",
        health="",
        restart_count=0,
        tty=False,
        labels=labels,
    )


def test_v1_files_are_found_from_where_it_ran_and_v2_ones_are_absolute() -> None:
    # v1 1.29 as measured on this machine: `docker-compose up` in /src/app ...
    assert config_paths("/src/app", "compose.yaml") == ("/src/app/compose.yaml",)
    # ... and `docker-compose -f sub/compose.yaml up` in /src records the file as typed
    assert config_paths("/src/sub", "sub/compose.yaml") == ("/src/sub/compose.yaml",)
    assert config_paths("/src/sub", "sub/a.yml,sub/b.yml") == ("/src/sub/a.yml", "/src/sub/b.yml")
    # v2 records absolute paths
    assert config_paths("/src", "/src/compose.yaml,/src/override.yaml") == (
        "/src/compose.yaml",
        "/src/override.yaml",
    )
    assert config_paths("", "") == ()


def test_containers_group_by_project_with_their_services_and_files() -> None:
    labels = {WORKING_DIR_LABEL: "/srv/shop", CONFIG_FILES_LABEL: "compose.yaml"}
    infos = [
        info("shop_web_1", project="shop", **labels),
        info("shop_db_1", "exited", project="shop", **labels),
        info("loner"),
    ]
    projects = group_projects(infos)
    assert list(projects) == ["shop"]
    shop = projects["shop"]
    assert shop.services == ("db", "web")
    assert shop.config_files == ("/srv/shop/compose.yaml",)
    assert shop.container_ids == (infos[1].id, infos[0].id)  # by name


def project(files: tuple[str, ...] = ("/srv/shop/compose.yaml",)) -> ComposeProject:
    return ComposeProject("shop", "/srv/shop", files, ("a", "b"), ("db", "web"))


@pytest.mark.parametrize(
    ("action", "tail"),
    [
        (ProjectAction.UP, ["up", "-d", "--force-recreate"]),
        (ProjectAction.DOWN, ["down"]),
        (ProjectAction.RESTART, ["restart"]),
        (ProjectAction.STOP, ["stop"]),
        (ProjectAction.START, ["start"]),
    ],
)
@pytest.mark.parametrize("base", [("docker", "compose"), ("docker-compose",)])
def test_command_line_of_each_action_for_v2_and_v1(
    base: tuple[str, ...], action: ProjectAction, tail: list[str]
) -> None:
    two_files = project(("/srv/shop/compose.yaml", "/srv/shop/override.yaml"))
    assert project_argv(base, two_files, action) == [
        *base,
        "-p",
        "shop",
        "--project-directory",
        "/srv/shop",
        "-f",
        "/srv/shop/compose.yaml",
        "-f",
        "/srv/shop/override.yaml",
        *tail,
    ]


def test_the_compose_installed_here_is_found() -> None:
    # The lab provisions docker-compose (v1); docker.io 20.10 without the plugin answers
    # `docker compose version` with an error, so v1 is the one chosen unless a plugin is added.
    assert shutil.which("docker-compose"), "docker-compose (v1) is provisioned by ./lab"
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    expected = ("docker", "compose") if probe.returncode == 0 else ("docker-compose",)
    assert detect_compose() == expected


def test_v2_is_preferred_when_docker_answers_compose_version(tmp_path: Path) -> None:
    # The PATH lookup and the refusal when neither exists, with a stand-in `docker` that answers
    # like the plugin (test_dashboard_compose.py detects the real v2 plugin).
    fake = tmp_path / "docker"
    fake.write_text('#!/bin/sh\n[ "$1 $2" = "compose version" ] && exit 0\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    v1 = shutil.which("docker-compose")
    assert v1
    (tmp_path / "docker-compose").symlink_to(v1)
    assert detect_compose(str(tmp_path)) == ("docker", "compose")
    fake.unlink()
    assert detect_compose(str(tmp_path)) == ("docker-compose",)
    (tmp_path / "docker-compose").unlink()
    with pytest.raises(LabError, match="apt-get install docker-compose"):
        detect_compose(str(tmp_path))


def test_the_environment_names_the_compose_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COMPOSE_ENV, "docker-compose")
    assert compose_command() == ("docker-compose",)
    monkeypatch.setenv(COMPOSE_ENV, " docker  compose ")
    assert compose_command() == ("docker", "compose")  # chosen, not probed: no plugin needed
    for unset in ("", "  "):
        monkeypatch.setenv(COMPOSE_ENV, unset)
        assert compose_command() == detected_compose()
    monkeypatch.delenv(COMPOSE_ENV)
    assert compose_command() == detected_compose()


@pytest.mark.parametrize("value", ["podman-compose-nowhere", "/no/such/docker-compose"])
def test_a_compose_command_that_is_not_installed_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, bad_input: Callable[[str], None], value: str
) -> None:
    monkeypatch.setenv(COMPOSE_ENV, value)
    with pytest.raises(LabError) as raised:
        compose_command()
    assert str(raised.value) == (
        f"{COMPOSE_ENV}={value!r}: no such program; set it to `docker compose` or "
        "`docker-compose`, or unset it to use the one installed."
    )
    bad_input(f"{COMPOSE_ENV}={value}")


def test_a_project_without_its_files_says_which_one_is_gone(tmp_path: Path) -> None:
    present = tmp_path / "compose.yaml"
    present.write_text("services: {}\n")
    assert missing_config(project((str(present),))) is None
    gone = str(tmp_path / "override.yaml")
    assert missing_config(project((str(present), gone))) == (
        f"project shop: compose file {gone} is gone; nothing was run"
    )
    assert "record no compose file" in str(missing_config(project(())))


def test_headers_sit_where_their_first_container_sorts_and_fold() -> None:
    projects = {"a1": "p", "a2": "p", "b": None, "c": "q"}
    rank = {"a1": 3, "a2": 1, "b": 2, "c": 4}.__getitem__
    order = grouped_order(projects, rank, False, projects.__getitem__)
    assert order == [project_key("p"), "a2", "a1", "b", project_key("q"), "c"]
    backwards = grouped_order(projects, rank, True, projects.__getitem__)
    assert backwards == [project_key("q"), "c", project_key("p"), "a1", "a2", "b"]
    folded = grouped_order(projects, rank, False, projects.__getitem__, {"p"})
    assert folded == [project_key("p"), "b", project_key("q"), "c"]
    assert project_of_key(project_key("p")) == "p" and project_of_key("a1") is None


def test_a_header_row_counts_services_and_running_and_sums_stats() -> None:
    web, db = info("shop_web_1", project="shop"), info("shop_db_1", "exited", project="shop")
    shop = group_projects([web, db])["shop"]
    infos = {web.id: web, db.id: db}
    sample = StatsSample(web.id, 12.5, 2 * 1024 * 1024, 0, 0.0, 1000, 0, 0, 2000, 1)
    cells = {
        k: str(c) for k, c in project_cells(shop, infos, {web.id: sample}, folded=True).items()
    }
    assert [cells[k] for k in ("name", "image", "state", "status")] == [
        "▶ shop", "2 services", "1/2 running", "compose project"
    ]  # fmt: skip
    stats = ("cpu", "mem", "net", "block")
    assert [cells[k] for k in stats] == ["12.50%", "2MiB", "1kB / 0B", "0B / 2kB"]
    assert cells["host"] == "" and cells["ports"] == ""
    idle = project_cells(shop, infos, {}, False)
    assert [str(idle[k]) for k in stats] == ["-"] * 4


def test_the_question_names_exactly_the_containers_touched() -> None:
    web, db = info("shop_web_1", project="shop"), info("shop_db_1", "exited", project="shop")
    shop = group_projects([web, db])["shop"]
    infos = {web.id: web, db.id: db}
    assert project_question(ProjectAction.STOP, shop, infos).endswith("stops: shop_web_1")
    down = project_question(ProjectAction.DOWN, shop, infos)
    assert down.startswith("Take down compose project shop?")
    assert down.endswith(": shop_db_1, shop_web_1")
    assert "--force-recreate" in project_question(ProjectAction.UP, shop, infos)


def test_container_and_header_cells_fill_every_column_of_the_table_by_key() -> None:
    # The pane shows any subset of COLUMNS in any order (the preferences' `columns`): each row
    # builder must give a cell for each column, found by key, never by position.
    from tui.views.containers.table import COLUMNS
    from tui.views.presentation import container_cells

    web = info("shop_web_1", project="shop")
    sample = StatsSample(web.id, 12.5, 2 * 1024 * 1024, 0, 0.0, 1000, 0, 0, 2000, 1)
    row = container_cells(web, sample, datetime(2026, 1, 1, tzinfo=UTC))
    header = project_cells(group_projects([web])["shop"], {web.id: web}, {}, folded=False)
    assert set(row) == set(header) == {key for key, _ in COLUMNS}
    assert (row["name"], row["image"], str(row["cpu"])) == (web.name, web.image, "12.50%")
