"""Docker Compose: which CLI this machine has, projects read from container labels, and their
command lines (`docker compose` v2 plugin when it answers, else `docker-compose` v1, unless
$CONTAINER_LAB_COMPOSE names the command).

Both versions label every container with its project, working dir and config files; v2 records
the files as absolute paths, v1 (1.29) as typed on its command line, relative to where it ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import PurePosixPath

from tui.engine.containers import ContainerInfo
from tui.errors import LabError

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
ACTION_TIMEOUT = 300.0  # seconds; a stop waits 10 s per container at most, pulls can take long
COMPOSE_ENV = "CONTAINER_LAB_COMPOSE"  # e.g. "docker compose" or "docker-compose"


def detect_compose(path: str | None = None) -> tuple[str, ...]:
    """The compose command found on `path` (default: PATH), v2 preferred."""
    docker = shutil.which("docker", path=path)
    if docker:
        env = None if path is None else {**os.environ, "PATH": path}
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, check=False, env=env
        )
        if probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose", path=path):
        return ("docker-compose",)
    raise LabError(
        "Neither `docker compose` nor `docker-compose` is installed: "
        "run `apt-get install docker-compose` (or install the compose plugin)."
    )


@cache
def detected_compose() -> tuple[str, ...]:
    """The compose command this machine has, v2 preferred (probed once)."""
    return detect_compose()


def chosen_compose(value: str, path: str | None = None) -> tuple[str, ...]:
    """The command named by $CONTAINER_LAB_COMPOSE, when its program is on `path`."""
    words = tuple(value.split())
    if not words or shutil.which(words[0], path=path) is None:
        raise LabError(
            f"{COMPOSE_ENV}={value!r}: no such program; set it to `docker compose` or "
            "`docker-compose`, or unset it to use the one installed."
        )
    return words


def compose_command() -> tuple[str, ...]:
    """The compose command the lab runs: $CONTAINER_LAB_COMPOSE when set, else the detected one."""
    value = os.environ.get(COMPOSE_ENV, "")
    return chosen_compose(value) if value.strip() else detected_compose()


class ProjectAction(StrEnum):
    """What can be done to a whole compose project (the value is the compose subcommand)."""

    UP = "up"  # up -d --force-recreate
    DOWN = "down"
    RESTART = "restart"
    STOP = "stop"
    START = "start"


# Asked first: they stop, replace or remove containers.
DESTRUCTIVE_PROJECT_ACTIONS = frozenset(
    {ProjectAction.UP, ProjectAction.DOWN, ProjectAction.RESTART, ProjectAction.STOP}
)
_SUBCOMMANDS: Mapping[ProjectAction, tuple[str, ...]] = {
    ProjectAction.UP: ("up", "-d", "--force-recreate"),
    ProjectAction.DOWN: ("down",),
    ProjectAction.RESTART: ("restart",),
    ProjectAction.STOP: ("stop",),
    ProjectAction.START: ("start",),
}


@dataclass(frozen=True)
class ComposeProject:
    """A compose project as its containers' labels describe it."""

    name: str
    working_dir: str
    config_files: tuple[str, ...]  # absolute paths (see config_paths)
    container_ids: tuple[str, ...]
    services: tuple[str, ...]
    recorded_files: str = ""  # the label as the engine has it

    def containers(self, infos: Mapping[str, ContainerInfo]) -> list[ContainerInfo]:
        """The project's containers among `infos`, by name."""
        found = [infos[cid] for cid in self.container_ids if cid in infos]
        return sorted(found, key=lambda info: info.name)


def project_name(info: ContainerInfo) -> str | None:
    """The compose project a container belongs to, or None."""
    return info.labels.get(PROJECT_LABEL) or None


def config_paths(working_dir: str, recorded: str) -> tuple[str, ...]:
    """The absolute config files of a project from its labels.

    v1 records the files as typed: `-f sub/compose.yaml` run from /src gives working dir
    /src/sub and files `sub/compose.yaml`. The working dir is the first file's folder, so the
    folder v1 ran in is the working dir minus that file's relative folder.
    """
    files = [part.strip() for part in recorded.split(",") if part.strip()]
    if not working_dir:
        return tuple(f for f in files if f.startswith("/"))
    base = PurePosixPath(working_dir)
    if files and not files[0].startswith("/"):
        folder = PurePosixPath(files[0]).parent.parts
        if folder and base.parts[-len(folder) :] == folder:
            base = PurePosixPath(*base.parts[: -len(folder)])
    return tuple(
        str(PurePosixPath(os.path.normpath(base / f))) if not f.startswith("/") else f
        for f in files
    )


def group_projects(infos: Iterable[ContainerInfo]) -> dict[str, ComposeProject]:
    """The compose projects of these containers, by name; containers without one are left out.

    The working dir and files come from the project's first container that records them.
    """
    members: dict[str, list[ContainerInfo]] = {}
    for info in infos:
        name = project_name(info)
        if name is not None:
            members.setdefault(name, []).append(info)
    projects = {}
    for name, found in sorted(members.items()):
        labelled = next((i for i in found if i.labels.get(WORKING_DIR_LABEL)), found[0])
        working_dir = labelled.labels.get(WORKING_DIR_LABEL, "")
        recorded = labelled.labels.get(CONFIG_FILES_LABEL, "")
        projects[name] = ComposeProject(
            name=name,
            working_dir=working_dir,
            config_files=config_paths(working_dir, recorded),
            container_ids=tuple(i.id for i in sorted(found, key=lambda i: i.name)),
            services=tuple(sorted({i.labels.get(SERVICE_LABEL, i.name) for i in found})),
            recorded_files=recorded,
        )
    return projects


def missing_config(project: ComposeProject) -> str | None:
    """Why compose cannot run for this project (its files are gone), or None when it can."""
    if not project.config_files:
        return f"project {project.name}: its containers record no compose file; nothing was run"
    gone = [f for f in project.config_files if not os.path.isfile(f)]
    if gone:
        return f"project {project.name}: compose file {gone[0]} is gone; nothing was run"
    return None


def project_argv(base: Sequence[str], project: ComposeProject, action: ProjectAction) -> list[str]:
    """The compose command line of `action` on `project`, bound to its name, folder and files."""
    files = [arg for path in project.config_files for arg in ("-f", path)]
    folder = ["--project-directory", project.working_dir] if project.working_dir else []
    return [*base, "-p", project.name, *folder, *files, *_SUBCOMMANDS[ProjectAction(action)]]


def run_project_action(
    project: ComposeProject,
    action: ProjectAction,
    host: str | None = None,
    base: Sequence[str] | None = None,
) -> str:
    """Run `action` on `project` through the compose CLI; its output, or LabError saying why not.

    `host` is the engine's address when it is not the default one (compose reads DOCKER_HOST).
    """
    why = missing_config(project)
    if why:
        raise LabError(why)
    argv = project_argv(base or compose_command(), project, action)
    env = {**os.environ, **({"DOCKER_HOST": host} if host else {})}
    try:
        done = subprocess.run(
            argv,
            cwd=project.working_dir or None,
            env=env,
            capture_output=True,
            text=True,
            timeout=ACTION_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{' '.join(argv[:2])} {action} failed: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise LabError(f"compose {action} of {project.name} failed: {last}")
    return done.stderr + done.stdout
